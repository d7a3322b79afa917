/**
 * One vocabulary for where data came from (SOURCE in model.ts): every call and
 * every snapshot row names the source adapter that read it, the same name source
 * health, `clawmeter_source_up{source}` and the API use.
 *
 * Ledgers of schema 2 and older spoke three dialects: calls read from Codex
 * rollouts said `rollout` and from cold files `cold`; snapshot rows carried an
 * `origin` (`trajectory` and `shared` for two sources, otherwise the adapter's
 * name). Schema 3 rewrites them in place, in the migration's transaction; the
 * load-time mapping below also lets a read-only reader show a ledger that its
 * (older) writer has not migrated yet.
 */
import type Database from 'better-sqlite3';

/** Schema 3: source names rewritten to the one vocabulary. */
export const SOURCE_NAMES_VERSION = 3;

const LEGACY_CALL_SOURCE: Readonly<Record<string, string>> = { rollout: 'codex-rollouts', cold: 'cold-files' };
const LEGACY_SNAPSHOT_ORIGIN: Readonly<Record<string, string>> = { trajectory: 'trajectory-keys', shared: 'shared-auth' };

/** A call's source by today's name (legacy `rollout` and `cold` mapped). */
export function callSource(stored: string): string {
  return LEGACY_CALL_SOURCE[stored] ?? stored;
}

/** A stored snapshot row with `source` (rows written before schema 3 had `origin`). */
export function withSource<T extends object>(row: T): T & { source: string } {
  const r = row as T & { source?: unknown; origin?: unknown };
  if (typeof r.source === 'string') return r as T & { source: string };
  const { origin, ...rest } = r;
  const name = typeof origin === 'string' ? (LEGACY_SNAPSHOT_ORIGIN[origin] ?? origin) : '';
  return { ...(rest as T), source: name };
}

/** The snapshot key of a list: (state dir, agent, source). */
export function snapshotKey(o: { stateDir: string; agent: string; source: string }): string {
  return `${o.stateDir}\u0000${o.agent}\u0000${o.source}`;
}

/** Rewrites a ledger's source names (call for ledgers below schema 3, inside the open transaction). */
export function migrateSourceNames(db: Database.Database, fromVersion: number): void {
  if (fromVersion >= SOURCE_NAMES_VERSION) return;
  for (const [old, now] of Object.entries(LEGACY_CALL_SOURCE)) {
    db.prepare(`UPDATE calls SET source = ? WHERE source = ?`).run(now, old);
    db.prepare(`UPDATE call_buckets SET source = ? WHERE source = ?`).run(now, old);
  }
  const rows = db.prepare(`SELECT kind, origin_key, rows_json FROM snapshots`).all() as Array<{ kind: string; origin_key: string; rows_json: string }>;
  const del = db.prepare(`DELETE FROM snapshots WHERE kind = ? AND origin_key = ?`);
  const put = db.prepare(
    `INSERT INTO snapshots (kind, origin_key, rows_json) VALUES (?, ?, ?)
     ON CONFLICT (kind, origin_key) DO UPDATE SET rows_json = excluded.rows_json`,
  );
  for (const r of rows) {
    const parts = r.origin_key.split('\u0000');
    const origin = parts.pop() ?? '';
    const source = LEGACY_SNAPSHOT_ORIGIN[origin] ?? origin;
    const list = (JSON.parse(r.rows_json) as object[]).map(withSource);
    del.run(r.kind, r.origin_key);
    put.run(r.kind, [...parts, source].join('\u0000'), JSON.stringify(list));
  }
}
