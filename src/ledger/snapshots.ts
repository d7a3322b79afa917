/**
 * The in-memory read model of the non-call state: the latest session index, auth
 * profiles and quota observations per source of each agent (each replaces that
 * source's previous list), and the session-id lookup that is never forgotten. Loaded
 * from the ledger at open, updated by the ledger after each commit.
 */
import type Database from 'better-sqlite3';
import { SOURCE, type SessionInfo } from '../model.js';
import type { AuthRow, CommitBatch, QuotaRow, SessionRow } from './types.js';
import { snapshotKey, withSource } from './source-names.js';
import { withCompatKind } from './totals.js';

export function sessionMapKey(stateDir: string, agent: string, sessionId: string): string {
  return `${stateDir}\u0000${agent}\u0000${sessionId}`;
}

type Snap<T> = { stateDir: string; agent: string; source: string; rows: T[] };

function stamped<T>(s: Snap<T>): Array<T & { stateDir: string; agent: string; source: string }> {
  return s.rows.map((r) => ({ ...r, stateDir: s.stateDir, agent: s.agent, source: s.source }));
}

export class Snapshots {
  private sessionRows = new Map<string, SessionRow[]>(); // snapshot key -> rows
  private sessionById = new Map<string, SessionInfo>(); // stateDir/agent/sessionId -> info
  private authRows = new Map<string, AuthRow[]>();
  private quotaRows = new Map<string, QuotaRow[]>();
  private readonly writeSnap: Database.Statement;
  private readonly upsertSessionId: Database.Statement;

  constructor(db: Database.Database) {
    this.writeSnap = db.prepare(
      `INSERT INTO snapshots (kind, origin_key, rows_json) VALUES (?, ?, ?)
       ON CONFLICT (kind, origin_key) DO UPDATE SET rows_json = excluded.rows_json`,
    );
    this.upsertSessionId = db.prepare(
      `INSERT INTO session_ids (map_key, info_json) VALUES (?, ?) ON CONFLICT (map_key) DO UPDATE SET info_json = excluded.info_json`,
    );
    for (const r of db.prepare(`SELECT kind, origin_key, rows_json FROM snapshots`).all() as Array<{
      kind: string;
      origin_key: string;
      rows_json: string;
    }>) {
      // The column keeps its schema-1 name; rows of ledgers a newer schema has not rewritten yet are mapped.
      const parsed = (JSON.parse(r.rows_json) as object[]).map(withSource);
      const rows = r.kind === 'sessions' ? (parsed as SessionRow[]).map(withCompatKind) : parsed;
      if (r.kind === 'sessions') this.sessionRows.set(r.origin_key, rows as SessionRow[]);
      else if (r.kind === 'auth') this.authRows.set(r.origin_key, rows as AuthRow[]);
      else if (r.kind === 'quota') this.quotaRows.set(r.origin_key, rows as QuotaRow[]);
    }
    for (const r of db.prepare(`SELECT map_key, info_json FROM session_ids`).all() as Array<{ map_key: string; info_json: string }>) {
      this.sessionById.set(r.map_key, withCompatKind(JSON.parse(r.info_json) as SessionInfo));
    }
  }

  lookupSession(stateDir: string, agent: string, sessionId: string): SessionInfo | undefined {
    return this.sessionById.get(sessionMapKey(stateDir, agent, sessionId));
  }

  /** Writes the batch's snapshots (inside the caller's transaction); returns what to publish after it commits. */
  write(batch: CommitBatch): () => void {
    const newIds: Array<[string, SessionInfo]> = [];
    const s = batch.sessions;
    if (s) {
      this.writeSnap.run('sessions', snapshotKey(s), JSON.stringify(stamped(s)));
      for (const r of s.rows) {
        const k = sessionMapKey(s.stateDir, s.agent, r.sessionId);
        const prev = this.sessionById.get(k);
        if (!prev || prev.sessionKey !== r.sessionKey || prev.channel !== r.channel || prev.chatType !== r.chatType) {
          this.upsertSessionId.run(k, JSON.stringify(r));
          newIds.push([k, r]);
        }
      }
    }
    const a = batch.auth;
    if (a) this.writeSnap.run('auth', snapshotKey(a), JSON.stringify(stamped(a)));
    const q = batch.quota;
    if (q) this.writeSnap.run('quota', snapshotKey(q), JSON.stringify(stamped(q)));
    return () => {
      for (const [k, r] of newIds) this.sessionById.set(k, r);
      if (s) this.sessionRows.set(snapshotKey(s), stamped(s));
      if (a) this.authRows.set(snapshotKey(a), stamped(a));
      if (q) this.quotaRows.set(snapshotKey(q), stamped(q));
    };
  }

  sessions(): SessionRow[] {
    return [...this.sessionRows.values()].flat();
  }

  /**
   * The sessions that exist now: one per (state dir, agent, session key), active
   * ones only. Where an agent's SQLite store lists sessions, a `sessions.json` left
   * beside it (kept by some releases for rollback) is stale and not used.
   */
  activeSessions(): SessionRow[] {
    const storeAgents = new Set<string>();
    for (const rows of this.sessionRows.values()) {
      for (const r of rows) if (r.source === SOURCE.sqlite) storeAgents.add(`${r.stateDir}\u0000${r.agent}`);
    }
    const seen = new Set<string>();
    const out: SessionRow[] = [];
    for (const rows of this.sessionRows.values()) {
      for (const r of rows) {
        if (!r.active) continue;
        if (r.source === SOURCE.sessionsJson && storeAgents.has(`${r.stateDir}\u0000${r.agent}`)) continue;
        const k = `${r.stateDir}\u0000${r.agent}\u0000${r.sessionKey}`;
        if (seen.has(k)) continue;
        seen.add(k);
        out.push(r);
      }
    }
    return out;
  }

  authProfiles(): AuthRow[] {
    return [...this.authRows.values()].flat();
  }

  quota(): QuotaRow[] {
    return [...this.quotaRows.values()].flat();
  }
}
