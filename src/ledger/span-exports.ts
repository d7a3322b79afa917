/**
 * What the trace export has sent: one row per call identity whose spans a
 * collector acknowledged (or that sampling dropped, decided once), committed only
 * after the acknowledgement, so a restart resends nothing and a refused batch is
 * sent again. Also the moment span export was first enabled: by default only calls
 * from then on become spans (`clawmeter otel backfill --since` reaches further back).
 * `ledger rebuild` carries all of it over to the new ledger (carryOverExportMarks).
 */
import fs from 'node:fs';
import Database from 'better-sqlite3';
import { hasTable } from './tables.js';

const EXPORTS_DDL = `CREATE TABLE IF NOT EXISTS otel_sent (key TEXT PRIMARY KEY, sent_ms INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS otel_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`;

/** Cursors that record what the OTLP log export has sent (src/sources/gateway-log.ts logCursorKey). */
const LOG_CURSOR_PREFIX = 'otel-log:';

export interface CarriedMarks {
  spans: number;
  logCursors: number;
}

/**
 * `ledger rebuild`: what the OTLP export had sent, copied from the ledger file that
 * was moved aside into the new one (before it is loaded): the sent marks (call
 * identities are computed from the transcripts, so the re-read calls get the same
 * ones), the moment span export was enabled, and the log-export cursors. The old
 * file is only read. Throws when it cannot be read (the caller says so and goes on).
 */
export function carryOverExportMarks(db: Database.Database, oldFile: string): CarriedMarks {
  // A read-only open of a WAL file may create its -wal/-shm; those are removed again after.
  const created = [`${oldFile}-wal`, `${oldFile}-shm`].filter((f) => !fs.existsSync(f));
  const old = new Database(oldFile, { readonly: true, fileMustExist: true });
  try {
    const has = (t: string) => hasTable(old, t);
    const sent = has('otel_sent') ? (old.prepare(`SELECT key, sent_ms FROM otel_sent`).all() as Array<{ key: string; sent_ms: number }>) : [];
    const meta = has('otel_meta') ? (old.prepare(`SELECT key, value FROM otel_meta`).all() as Array<{ key: string; value: string }>) : [];
    const cursors = has('cursors')
      ? (old.prepare(`SELECT key, value FROM cursors WHERE substr(key, 1, ${LOG_CURSOR_PREFIX.length}) = ?`).all(LOG_CURSOR_PREFIX) as Array<{ key: string; value: string }>)
      : [];
    db.transaction(() => {
      db.exec(EXPORTS_DDL);
      const s = db.prepare(`INSERT OR IGNORE INTO otel_sent (key, sent_ms) VALUES (?, ?)`);
      for (const r of sent) s.run(r.key, r.sent_ms);
      const m = db.prepare(`INSERT OR IGNORE INTO otel_meta (key, value) VALUES (?, ?)`);
      for (const r of meta) m.run(r.key, r.value);
      const c = db.prepare(`INSERT OR IGNORE INTO cursors (key, value) VALUES (?, ?)`);
      for (const r of cursors) c.run(r.key, r.value);
    })();
    return { spans: sent.length, logCursors: cursors.length };
  } finally {
    old.close();
    for (const f of created) fs.rmSync(f, { force: true });
  }
}

export class SpanExports {
  private readonly mark: Database.Statement;
  private readonly getMeta: Database.Statement;
  private readonly setMeta: Database.Statement;
  private readonly countSent: Database.Statement;
  private readonly markAll: (keys: readonly string[], nowMs: number) => void;

  constructor(db: Database.Database) {
    db.exec(EXPORTS_DDL);
    this.mark = db.prepare(`INSERT OR IGNORE INTO otel_sent (key, sent_ms) VALUES (?, ?)`);
    this.getMeta = db.prepare(`SELECT value FROM otel_meta WHERE key = ?`);
    this.setMeta = db.prepare(`INSERT OR IGNORE INTO otel_meta (key, value) VALUES (?, ?)`);
    this.countSent = db.prepare(`SELECT COUNT(*) AS n FROM otel_sent`);
    this.markAll = db.transaction((keys: readonly string[], nowMs: number) => {
      for (const k of keys) this.mark.run(k, nowMs);
    });
  }

  /** Records calls as exported (after the collector acknowledged their spans), in one transaction. */
  markSent(keys: readonly string[], nowMs: number): void {
    if (keys.length > 0) this.markAll(keys, nowMs);
  }

  sentCount(): number {
    return (this.countSent.get() as { n: number }).n;
  }

  /** The moment span export was first enabled for this ledger, recorded the first time this is asked. */
  tracesSinceMs(nowMs: number): number {
    this.setMeta.run('traces_since_ms', String(nowMs));
    return Number((this.getMeta.get('traces_since_ms') as { value: string }).value);
  }
}
