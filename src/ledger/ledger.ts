/**
 * The persistent ledger: one row per counted model call, per-source cursors, the
 * current session index, auth profiles and quota observations, all in one SQLite
 * file (WAL). Calls are insert-only and deduplicated by identity, so every total
 * derived from them only grows; deleting the ledger is the only reset.
 *
 * Events and cursors commit in one transaction (see commit()), so a kill -9 at any
 * moment leaves either the batch and its cursor, or neither.
 *
 * Sinks read the in-memory read model (totals(), sessions(), ...), which is loaded
 * at open and updated after each commit: a scrape never touches the disk.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { FailedRunTable, type FailedRunTotal, type LedgerFailedRun } from './failed-runs.js';
import type { AuthProfileInfo, Cursor, CursorReader, LedgerCall, QuotaObservation, SessionInfo } from '../model.js';
import { LATENCY_BUCKETS_SECONDS } from './buckets.js';

const SCHEMA_VERSION = 1;

/** Aggregated totals for one combination of dimensions. */
export interface TotalsRow {
  agent: string;
  seedKind: string;
  kind: string;
  channel: string;
  chatType: string;
  provider: string;
  model: string;
  /** '' for successful calls, else the error category */
  errorCategory: string;
  messages: number;
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  /** cost as recorded in the transcript (or estimated, see costEstimatedUsd) */
  costUsd: number;
  /** the part of costUsd that clawmeter estimated from its pricing table */
  costEstimatedUsd: number;
  latencyCount: number;
  latencySumSeconds: number;
  /** cumulative counts per LATENCY_BUCKETS_SECONDS bound (non-cumulative storage, see add) */
  latencyBuckets: number[];
}

export interface SessionRow extends SessionInfo {
  stateDir: string;
  agent: string;
  origin: string;
}

export interface AuthRow extends AuthProfileInfo {
  stateDir: string;
  agent: string;
  origin: string;
}

export interface QuotaRow extends QuotaObservation {
  stateDir: string;
  agent: string;
  origin: string;
}

export interface WindowRow {
  provider: string;
  model: string;
  window: string;
  messages: number;
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

export interface CommitBatch {
  calls?: Array<LedgerCall & { costEstimated?: boolean }>;
  cursors?: Array<[string, Cursor | null]>;
  sessions?: { stateDir: string; agent: string; origin: string; rows: SessionInfo[] };
  auth?: { stateDir: string; agent: string; origin: string; rows: AuthProfileInfo[] };
  quota?: { stateDir: string; agent: string; origin: string; rows: QuotaObservation[] };
  /** Turns that never reached a model (src/ledger/failed-runs.ts). */
  failedRuns?: LedgerFailedRun[];
}

export interface CommitResult {
  inserted: number;
  duplicates: number;
}

const DIM_KEYS = ['agent', 'seedKind', 'kind', 'channel', 'chatType', 'provider', 'model', 'errorCategory'] as const;

function dimsKey(c: { [K in (typeof DIM_KEYS)[number]]: string }): string {
  return `${c.agent}\u0000${c.seedKind}\u0000${c.kind}\u0000${c.channel}\u0000${c.chatType}\u0000${c.provider}\u0000${c.model}\u0000${c.errorCategory}`;
}

function emptyTotals(c: LedgerCall): TotalsRow {
  return {
    agent: c.agent,
    seedKind: c.seedKind,
    kind: c.kind,
    channel: c.channel,
    chatType: c.chatType,
    provider: c.provider,
    model: c.model,
    errorCategory: c.errorCategory ?? '',
    messages: 0,
    input: 0,
    output: 0,
    cacheRead: 0,
    cacheWrite: 0,
    costUsd: 0,
    costEstimatedUsd: 0,
    latencyCount: 0,
    latencySumSeconds: 0,
    latencyBuckets: new Array(LATENCY_BUCKETS_SECONDS.length).fill(0),
  };
}

function cloneTotals(t: TotalsRow): TotalsRow {
  return { ...t, latencyBuckets: t.latencyBuckets.slice() };
}

function sessionMapKey(stateDir: string, agent: string, sessionId: string): string {
  return `${stateDir}\u0000${agent}\u0000${sessionId}`;
}

export class Ledger implements CursorReader {
  readonly file: string;
  private db: Database.Database;
  private readonly failedRuns: FailedRunTable;
  private cursorMap = new Map<string, Cursor>();
  private totalsMap = new Map<string, TotalsRow>();
  private sessionRows = new Map<string, SessionRow[]>(); // origin key -> rows
  private sessionById = new Map<string, SessionInfo>(); // stateDir/agent/sessionId -> info (never forgotten)
  private authRows = new Map<string, AuthRow[]>();
  private quotaRows = new Map<string, QuotaRow[]>();
  private windowCache: WindowRow[] = [];
  private lastCallMs: number | null = null;
  /** the oldest call's time: the start of the ledger-derived cumulative families */
  private firstCallMs: number | null = null;
  /** Bumped whenever the read model changes; sinks cache what they derive from it. */
  private ver = 0;
  private callRows = 0;
  private stmts: {
    insertCall: Database.Statement;
    upsertTotals: Database.Statement;
    upsertCursor: Database.Statement;
    deleteCursor: Database.Statement;
    setMeta: Database.Statement;
    upsertSessionId: Database.Statement;
  };

  private constructor(file: string) {
    this.file = file;
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.migrate();
    this.failedRuns = new FailedRunTable(this.db);
    this.stmts = this.prepare();
    this.load();
  }

  /** Opens (creating if needed) the ledger in dataDir. Throws with a clear message when unusable. */
  static open(dataDir: string): Ledger {
    fs.mkdirSync(dataDir, { recursive: true });
    return new Ledger(path.join(dataDir, 'ledger.sqlite'));
  }

  private migrate(): void {
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS calls (
        id INTEGER PRIMARY KEY,
        dedupe_key TEXT NOT NULL UNIQUE,
        ts_ms INTEGER NOT NULL,
        agent TEXT NOT NULL,
        seed_kind TEXT NOT NULL,
        kind TEXT NOT NULL,
        channel TEXT NOT NULL,
        chat_type TEXT NOT NULL,
        provider TEXT NOT NULL,
        model TEXT NOT NULL,
        input INTEGER NOT NULL,
        output INTEGER NOT NULL,
        cache_read INTEGER NOT NULL,
        cache_write INTEGER NOT NULL,
        cost_usd REAL,
        cost_estimated INTEGER NOT NULL DEFAULT 0,
        stop_reason TEXT NOT NULL,
        error_category TEXT,
        latency_ms INTEGER,
        source TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS calls_ts ON calls (ts_ms);
      CREATE TABLE IF NOT EXISTS totals (dims TEXT PRIMARY KEY, row_json TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS cursors (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS snapshots (kind TEXT NOT NULL, origin_key TEXT NOT NULL, rows_json TEXT NOT NULL,
        PRIMARY KEY (kind, origin_key));
      CREATE TABLE IF NOT EXISTS session_ids (map_key TEXT PRIMARY KEY, info_json TEXT NOT NULL);
    `);
    const row = this.db.prepare(`SELECT value FROM meta WHERE key = 'schema_version'`).get() as { value: string } | undefined;
    if (!row) {
      const ins = this.db.prepare(`INSERT INTO meta (key, value) VALUES (?, ?)`);
      ins.run('schema_version', String(SCHEMA_VERSION));
      ins.run('created_at_ms', String(Date.now()));
    } else if (Number(row.value) > SCHEMA_VERSION) {
      throw new Error(
        `ledger ${this.file} has schema ${row.value}, newer than this clawmeter understands (${SCHEMA_VERSION}); upgrade clawmeter or use another --data-dir`,
      );
    }
  }

  private prepare() {
    return {
      insertCall: this.db.prepare(`INSERT OR IGNORE INTO calls
        (dedupe_key, ts_ms, agent, seed_kind, kind, channel, chat_type, provider, model, input, output, cache_read,
         cache_write, cost_usd, cost_estimated, stop_reason, error_category, latency_ms, source)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      upsertTotals: this.db.prepare(
        `INSERT INTO totals (dims, row_json) VALUES (?, ?) ON CONFLICT (dims) DO UPDATE SET row_json = excluded.row_json`,
      ),
      upsertCursor: this.db.prepare(
        `INSERT INTO cursors (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
      ),
      deleteCursor: this.db.prepare(`DELETE FROM cursors WHERE key = ?`),
      setMeta: this.db.prepare(`INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`),
      upsertSessionId: this.db.prepare(
        `INSERT INTO session_ids (map_key, info_json) VALUES (?, ?) ON CONFLICT (map_key) DO UPDATE SET info_json = excluded.info_json`,
      ),
    };
  }

  private load(): void {
    for (const r of this.db.prepare(`SELECT key, value FROM cursors`).all() as Array<{ key: string; value: string }>) {
      this.cursorMap.set(r.key, JSON.parse(r.value) as Cursor);
    }
    for (const r of this.db.prepare(`SELECT dims, row_json FROM totals`).all() as Array<{ dims: string; row_json: string }>) {
      this.totalsMap.set(r.dims, JSON.parse(r.row_json) as TotalsRow);
    }
    for (const r of this.db.prepare(`SELECT kind, origin_key, rows_json FROM snapshots`).all() as Array<{
      kind: string;
      origin_key: string;
      rows_json: string;
    }>) {
      const rows = JSON.parse(r.rows_json);
      if (r.kind === 'sessions') this.sessionRows.set(r.origin_key, rows);
      else if (r.kind === 'auth') this.authRows.set(r.origin_key, rows);
      else if (r.kind === 'quota') this.quotaRows.set(r.origin_key, rows);
    }
    for (const r of this.db.prepare(`SELECT map_key, info_json FROM session_ids`).all() as Array<{
      map_key: string;
      info_json: string;
    }>) {
      this.sessionById.set(r.map_key, JSON.parse(r.info_json) as SessionInfo);
    }
    const meta = this.db.prepare(`SELECT key, value FROM meta WHERE key IN ('last_call_ms', 'call_rows')`).all() as Array<{
      key: string;
      value: string;
    }>;
    // Indexed (calls_ts): one seek, also on a large ledger.
    this.firstCallMs = (this.db.prepare(`SELECT min(ts_ms) AS lo FROM calls WHERE ts_ms > 0`).get() as { lo: number | null }).lo;
    for (const m of meta) {
      if (m.key === 'last_call_ms') this.lastCallMs = Number(m.value);
      if (m.key === 'call_rows') this.callRows = Number(m.value);
    }
  }

  // ---- CursorReader -------------------------------------------------------

  get(key: string): Cursor | undefined {
    return this.cursorMap.get(key);
  }

  keysWithPrefix(prefix: string): string[] {
    const out: string[] = [];
    for (const k of this.cursorMap.keys()) if (k.startsWith(prefix)) out.push(k);
    return out;
  }

  // ---- session id lookup (used by the ingest cycle to label calls) ----------

  lookupSession(stateDir: string, agent: string, sessionId: string): SessionInfo | undefined {
    return this.sessionById.get(sessionMapKey(stateDir, agent, sessionId));
  }

  // ---- writes ---------------------------------------------------------------

  /** Commits calls, cursors and snapshots in one transaction; updates the read model after. */
  commit(batch: CommitBatch): CommitResult {
    const deltas = new Map<string, TotalsRow>();
    let inserted = 0;
    let duplicates = 0;
    let lastCall = this.lastCallMs;
    let firstCall = this.firstCallMs;
    const newSessionIds: Array<[string, SessionInfo]> = [];

    const run = this.db.transaction(() => {
      for (const c of batch.calls ?? []) {
        const res = this.stmts.insertCall.run(
          c.dedupeKey,
          Math.round(c.tsMs),
          c.agent,
          c.seedKind,
          c.kind,
          c.channel,
          c.chatType,
          c.provider,
          c.model,
          c.input,
          c.output,
          c.cacheRead,
          c.cacheWrite,
          c.costUsd,
          c.costEstimated ? 1 : 0,
          c.stopReason,
          c.errorCategory,
          c.latencyMs === null ? null : Math.round(c.latencyMs),
          c.source,
        );
        if (res.changes === 0) {
          duplicates++;
          continue;
        }
        inserted++;
        if (c.tsMs > 0 && (lastCall === null || c.tsMs > lastCall)) lastCall = c.tsMs;
        if (c.tsMs > 0 && (firstCall === null || c.tsMs < firstCall)) firstCall = Math.round(c.tsMs);
        const key = dimsKey({ ...c, errorCategory: c.errorCategory ?? '' });
        let t = deltas.get(key);
        if (!t) {
          const cur = this.totalsMap.get(key);
          t = cur ? cloneTotals(cur) : emptyTotals(c);
          deltas.set(key, t);
        }
        addCall(t, c);
      }
      for (const [key, t] of deltas) this.stmts.upsertTotals.run(key, JSON.stringify(t));
      if (inserted > 0) {
        this.stmts.setMeta.run('call_rows', String(this.callRows + inserted));
        if (lastCall !== null) this.stmts.setMeta.run('last_call_ms', String(lastCall));
      }
      for (const [key, cur] of batch.cursors ?? []) {
        if (cur === null) this.stmts.deleteCursor.run(key);
        else this.stmts.upsertCursor.run(key, JSON.stringify(cur));
      }
      if (batch.sessions) {
        const s = batch.sessions;
        const rows: SessionRow[] = s.rows.map((r) => ({ ...r, stateDir: s.stateDir, agent: s.agent, origin: s.origin }));
        this.writeSnapshot('sessions', originKey(s), rows);
        for (const r of s.rows) {
          const k = sessionMapKey(s.stateDir, s.agent, r.sessionId);
          const prev = this.sessionById.get(k);
          if (!prev || prev.sessionKey !== r.sessionKey || prev.channel !== r.channel || prev.chatType !== r.chatType) {
            this.stmts.upsertSessionId.run(k, JSON.stringify(r));
            newSessionIds.push([k, r]);
          }
        }
      }
      if (batch.auth) {
        const a = batch.auth;
        this.writeSnapshot('auth', originKey(a), a.rows.map((r) => ({ ...r, stateDir: a.stateDir, agent: a.agent, origin: a.origin })));
      }
      if (batch.quota) {
        const q = batch.quota;
        this.writeSnapshot('quota', originKey(q), q.rows.map((r) => ({ ...r, stateDir: q.stateDir, agent: q.agent, origin: q.origin })));
      }
      if (batch.failedRuns) this.failedRuns.add(batch.failedRuns);
    });
    try {
      run();
    } catch (err) {
      this.failedRuns.discard();
      throw err;
    }

    // The transaction committed: publish to the read model.
    this.failedRuns.publish();
    for (const [key, t] of deltas) this.totalsMap.set(key, t);
    this.callRows += inserted;
    this.lastCallMs = lastCall;
    this.firstCallMs = firstCall;
    for (const [key, cur] of batch.cursors ?? []) {
      if (cur === null) this.cursorMap.delete(key);
      else this.cursorMap.set(key, cur);
    }
    for (const [k, r] of newSessionIds) this.sessionById.set(k, r);
    if (batch.sessions) {
      const s = batch.sessions;
      this.sessionRows.set(originKey(s), s.rows.map((r) => ({ ...r, stateDir: s.stateDir, agent: s.agent, origin: s.origin })));
    }
    if (batch.auth) {
      const a = batch.auth;
      this.authRows.set(originKey(a), a.rows.map((r) => ({ ...r, stateDir: a.stateDir, agent: a.agent, origin: a.origin })));
    }
    if (batch.quota) {
      const q = batch.quota;
      this.quotaRows.set(originKey(q), q.rows.map((r) => ({ ...r, stateDir: q.stateDir, agent: q.agent, origin: q.origin })));
    }
    this.ver++;
    return { inserted, duplicates };
  }

  /** Changes whenever the in-memory read model changes (commits, window refreshes). */
  get version(): number {
    return this.ver;
  }

  private writeSnapshot(kind: string, key: string, rows: unknown[]): void {
    this.db
      .prepare(
        `INSERT INTO snapshots (kind, origin_key, rows_json) VALUES (?, ?, ?)
         ON CONFLICT (kind, origin_key) DO UPDATE SET rows_json = excluded.rows_json`,
      )
      .run(kind, key, JSON.stringify(rows));
  }

  /**
   * Recomputes the rolling-window totals from the calls table (called by the
   * ingest loop, never by a scrape).
   */
  refreshWindows(windows: Array<{ name: string; ms: number }>, nowMs: number): void {
    const out: WindowRow[] = [];
    const stmt = this.db.prepare(`SELECT provider, model, count(*) AS messages, sum(input) AS input, sum(output) AS output,
        sum(cache_read) AS cacheRead, sum(cache_write) AS cacheWrite
      FROM calls WHERE ts_ms > ? AND ts_ms <= ? AND stop_reason != 'error' GROUP BY provider, model`);
    for (const w of windows) {
      for (const r of stmt.all(nowMs - w.ms, nowMs) as Array<Omit<WindowRow, 'window'>>) {
        out.push({ ...r, window: w.name });
      }
    }
    this.windowCache = out;
    this.ver++;
  }

  // ---- read model (in memory) ---------------------------------------------

  totals(): Iterable<TotalsRow> {
    return this.totalsMap.values();
  }

  lastCallTimestampMs(): number | null {
    return this.lastCallMs;
  }

  firstCallTimestampMs(): number | null {
    return this.firstCallMs;
  }

  callCount(): number {
    return this.callRows;
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
      for (const r of rows) if (r.origin === 'sqlite') storeAgents.add(`${r.stateDir}\u0000${r.agent}`);
    }
    const seen = new Set<string>();
    const out: SessionRow[] = [];
    for (const rows of this.sessionRows.values()) {
      for (const r of rows) {
        if (!r.active) continue;
        if (r.origin === 'sessions.json' && storeAgents.has(`${r.stateDir}\u0000${r.agent}`)) continue;
        const k = `${r.stateDir}\u0000${r.agent}\u0000${r.sessionKey}`;
        if (seen.has(k)) continue;
        seen.add(k);
        out.push(r);
      }
    }
    return out;
  }

  /** Turns that never reached a model, by agent, channel and category. */
  failedRunTotals(): FailedRunTotal[] {
    return this.failedRuns.totals();
  }

  authProfiles(): AuthRow[] {
    return [...this.authRows.values()].flat();
  }

  quota(): QuotaRow[] {
    return [...this.quotaRows.values()].flat();
  }

  windows(): WindowRow[] {
    return this.windowCache;
  }

  /** Direct query access for reports and tests (reads disk; never used by a scrape). */
  query<T>(sql: string, ...params: unknown[]): T[] {
    return this.db.prepare(sql).all(...params) as T[];
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

function originKey(o: { stateDir: string; agent: string; origin: string }): string {
  return `${o.stateDir}\u0000${o.agent}\u0000${o.origin}`;
}

function addCall(t: TotalsRow, c: LedgerCall & { costEstimated?: boolean }): void {
  t.messages += 1;
  t.input += c.input;
  t.output += c.output;
  t.cacheRead += c.cacheRead;
  t.cacheWrite += c.cacheWrite;
  if (c.costUsd !== null) {
    t.costUsd += c.costUsd;
    if (c.costEstimated) t.costEstimatedUsd += c.costUsd;
  }
  if (c.latencyMs !== null) {
    const s = c.latencyMs / 1000;
    t.latencyCount += 1;
    t.latencySumSeconds += s;
    const i = LATENCY_BUCKETS_SECONDS.findIndex((b) => s <= b);
    if (i >= 0) t.latencyBuckets[i] += 1;
  }
}
