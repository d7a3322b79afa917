/**
 * The persistent ledger: one row per counted model call, per-source cursors, the
 * current session index, auth profiles and quota observations, all in one SQLite
 * file (WAL). Calls are insert-only and deduplicated by identity, so every total
 * derived from them only grows; deleting the ledger is the only reset.
 *
 * Events and cursors commit in one transaction (see commit()), so a kill -9 at any
 * moment leaves either the batch and its cursor, or neither. One process writes a
 * ledger at a time (lock.ts); a damaged file is refused, never recreated
 * (schema.ts); the totals are checked against the calls at every open
 * (integrity.ts).
 *
 * Sinks read the in-memory read model (totals(), sessions(), ...), which is loaded
 * at open and updated after each commit: a scrape never touches the disk. Reports
 * and charts read through `reads` (typed queries, reads.ts; src/query/ on top).
 */
import fs from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { boundName, MIN_PLAUSIBLE_TS_MS, plausibleCost, plausibleTimestamp, usageProblem } from '../bounds.js';
import type { Cursor, CursorReader, SessionInfo } from '../model.js';
import { LedgerUnavailable } from './errors.js';
import { callSums, checkTotals, rebuildTotals } from './integrity.js';
import { WriterLock, privateDir } from './lock.js';
import { isCorruption, openLedgerFile } from './schema.js';
import { Snapshots } from './snapshots.js';
import { addCall, callDimsKey, cloneTotals, emptyTotals } from './totals.js';
import type { AuthRow, CommitBatch, CommitCall, CommitResult, LedgerOptions, QuotaRow, SessionRow, TotalsRow, WindowRow } from './types.js';
import { WindowBuckets } from './window-buckets.js';
import { FailedRunTable, type FailedRunTotal } from './failed-runs.js';
import { CallAliasTable } from './call-aliases.js';
import { BucketDeltas, checkBuckets, rebuildBuckets } from './quarter-buckets.js';
import { LedgerReads } from './reads.js';
import { SpanStore } from './spans.js';

export type { AuthRow, CommitBatch, CommitResult, LedgerOptions, QuotaRow, SessionRow, TotalsRow, WindowRow } from './types.js';
export { LedgerLocked, LedgerUnavailable } from './errors.js';

export const LEDGER_FILE = 'ledger.sqlite';

export class Ledger implements CursorReader {
  readonly file: string;
  private cursorMap = new Map<string, Cursor>();
  private totalsMap = new Map<string, TotalsRow>();
  private snaps: Snapshots;
  private readonly failedRuns: FailedRunTable;
  private readonly aliases: CallAliasTable;
  /** Span facts and the OTLP export's bookkeeping (spans.ts). */
  readonly spans: SpanStore;
  private buckets: WindowBuckets;
  private windowCache: WindowRow[] = [];
  private lastCallMs: number | null = null;
  private firstCallMs: number | null = null;
  /** Typed read queries over the calls and their quarter-hour buckets (disk; never used by a scrape). */
  readonly reads: LedgerReads;
  /** Bumped whenever the read model changes; sinks cache what they derive from it. */
  private ver = 0;
  private callRows = 0;
  private readonly now: () => number;
  private readonly notify: NonNullable<LedgerOptions['log']>;
  private stmts: {
    insertCall: Database.Statement;
    upsertTotals: Database.Statement;
    upsertCursor: Database.Statement;
    deleteCursor: Database.Statement;
    setMeta: Database.Statement;
    upsertBucket: Database.Statement;
  };

  private constructor(
    file: string,
    private readonly db: Database.Database,
    private readonly lock: WriterLock,
    opts: LedgerOptions,
  ) {
    this.file = file;
    this.now = opts.now ?? Date.now;
    this.notify = opts.log ?? (() => undefined);
    this.stmts = {
      insertCall: db.prepare(`INSERT OR IGNORE INTO calls
        (dedupe_key, ts_ms, agent, seed_kind, kind, channel, chat_type, provider, model, input, output, cache_read,
         cache_write, cost_usd, cost_estimated, stop_reason, error_category, latency_ms, source)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      upsertTotals: db.prepare(
        `INSERT INTO totals (dims, row_json) VALUES (?, ?) ON CONFLICT (dims) DO UPDATE SET row_json = excluded.row_json`,
      ),
      upsertCursor: db.prepare(`INSERT INTO cursors (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`),
      deleteCursor: db.prepare(`DELETE FROM cursors WHERE key = ?`),
      setMeta: db.prepare(`INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`),
      upsertBucket: BucketDeltas.prepare(db),
    };
    this.reads = new LedgerReads(db);
    this.snaps = new Snapshots(db);
    this.failedRuns = new FailedRunTable(db);
    this.aliases = new CallAliasTable(db);
    this.spans = new SpanStore(db);
    this.buckets = new WindowBuckets(db, this.now);
    this.load();
  }

  /**
   * Opens (creating if needed) the ledger in dataDir and takes its writer lock.
   * Throws LedgerLocked when another process holds it, LedgerUnavailable when the
   * file is not a usable ledger.
   */
  static open(dataDir: string, opts: LedgerOptions = {}): Ledger {
    privateDir(dataDir);
    const file = path.join(dataDir, LEDGER_FILE);
    const lock = WriterLock.acquire(dataDir);
    let db: Database.Database | null = null;
    try {
      db = openLedgerFile(file, (opts.now ?? Date.now)());
      return new Ledger(file, db, lock, opts);
    } catch (err) {
      db?.close();
      lock.release();
      if (isCorruption(err)) throw new LedgerUnavailable(file, `the database is corrupt (${(err as Error).message})`);
      throw err;
    }
  }

  /**
   * `clawmeter ledger rebuild`: under the writer lock, moves the current ledger file
   * (and its -wal/-shm) aside as `ledger.sqlite.broken-<timestamp>` and opens a new,
   * empty ledger in its place. Returns the ledger and the paths moved aside.
   */
  static replace(dataDir: string, opts: LedgerOptions = {}): { ledger: Ledger; movedAside: string[] } {
    privateDir(dataDir);
    const file = path.join(dataDir, LEDGER_FILE);
    const lock = WriterLock.acquire(dataDir);
    let db: Database.Database | null = null;
    try {
      const stamp = new Date((opts.now ?? Date.now)()).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
      const movedAside: string[] = [];
      for (const suffix of ['', '-wal', '-shm']) {
        const from = file + suffix;
        if (!fs.existsSync(from)) continue;
        const to = `${file}.broken-${stamp}${suffix}`;
        fs.renameSync(from, to);
        movedAside.push(to);
      }
      db = openLedgerFile(file, (opts.now ?? Date.now)());
      return { ledger: new Ledger(file, db, lock, opts), movedAside };
    } catch (err) {
      db?.close();
      lock.release();
      throw err;
    }
  }

  private load(): void {
    for (const r of this.db.prepare(`SELECT key, value FROM cursors`).all() as Array<{ key: string; value: string }>) {
      this.cursorMap.set(r.key, JSON.parse(r.value) as Cursor);
    }
    for (const r of this.db.prepare(`SELECT dims, row_json FROM totals`).all() as Array<{ dims: string; row_json: string }>) {
      this.totalsMap.set(r.dims, JSON.parse(r.row_json) as TotalsRow);
    }
    const meta = this.db.prepare(`SELECT key, value FROM meta WHERE key IN ('last_call_ms', 'call_rows')`).all() as Array<{
      key: string;
      value: string;
    }>;
    for (const m of meta) {
      if (m.key === 'last_call_ms') this.lastCallMs = Number(m.value);
      if (m.key === 'call_rows') this.callRows = Number(m.value);
    }
    const persisted = { totals: this.totalsMap, callRows: this.callRows, lastCallMs: this.lastCallMs };
    const sums = callSums(this.db);
    const problems = checkTotals(this.db, persisted, this.now(), sums);
    if (problems.length > 0) {
      const r = rebuildTotals(this.db, this.now());
      this.totalsMap = r.totals;
      this.callRows = r.callRows;
      this.lastCallMs = r.lastCallMs;
      this.notify('warn', 'ledger totals disagreed with its calls; rebuilt them from the calls', {
        problems: problems.length,
        first: problems[0],
        calls: r.callRows,
      });
    }
    const bucketProblems = checkBuckets(this.db, sums);
    if (bucketProblems.length > 0) {
      rebuildBuckets(this.db);
      this.notify('warn', 'ledger quarter-hour buckets disagreed with its calls; rebuilt them from the calls', {
        problems: bucketProblems.length,
        first: bucketProblems[0],
      });
    }
    this.firstCallMs = this.reads.firstCallMs();
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
    return this.snaps.lookupSession(stateDir, agent, sessionId);
  }

  // ---- writes ---------------------------------------------------------------

  /** A call as stored: bounded names, finite times; null when its numbers are out of bounds. */
  private sanitize(c: CommitCall): CommitCall | null {
    // an estimate (our pricing table) out of bounds is dropped, not the call
    if (c.costEstimated && !plausibleCost(c.costUsd)) c = { ...c, costUsd: null, costEstimated: false };
    const problem = usageProblem(c);
    if (problem) {
      this.notify('warn', 'call refused: usage out of bounds', { problem, source: c.source });
      return null;
    }
    const provider = boundName(c.provider);
    const model = boundName(c.model);
    const tsMs = Number.isFinite(c.tsMs) ? Math.round(c.tsMs) : 0;
    const latencyMs = c.latencyMs !== null && Number.isFinite(c.latencyMs) && c.latencyMs >= 0 ? Math.round(c.latencyMs) : null;
    if (provider === c.provider && model === c.model && tsMs === c.tsMs && latencyMs === c.latencyMs) return c;
    return { ...c, provider, model, tsMs, latencyMs };
  }

  /** Commits calls, cursors and snapshots in one transaction; updates the read model after. */
  commit(batch: CommitBatch): CommitResult {
    const deltas = new Map<string, TotalsRow>();
    const added: CommitCall[] = [];
    let inserted = 0;
    let duplicates = 0;
    let rejected = 0;
    let lastCall = this.lastCallMs;
    let firstCall = this.firstCallMs;
    const buckets = new BucketDeltas(this.stmts.upsertBucket);
    const nowMs = this.now();
    let publishSnapshots: () => void = () => undefined;

    const run = this.db.transaction(() => {
      for (const raw of batch.calls ?? []) {
        const c = this.sanitize(raw);
        if (!c) {
          rejected++;
          continue;
        }
        // A call already counted under the other side's identity (see call-aliases.ts).
        if (c.alias && this.aliases.isDuplicate(c.alias, c.dedupeKey)) {
          duplicates++;
          continue;
        }
        const res = this.stmts.insertCall.run(
          c.dedupeKey,
          c.tsMs,
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
          c.latencyMs,
          c.source,
        );
        if (res.changes === 0) {
          duplicates++;
          continue;
        }
        inserted++;
        if (c.alias) this.aliases.record(c.alias, c.dedupeKey);
        added.push(c);
        if (plausibleTimestamp(c.tsMs, nowMs) && (lastCall === null || c.tsMs > lastCall)) lastCall = c.tsMs;
        if (c.tsMs >= MIN_PLAUSIBLE_TS_MS && (firstCall === null || c.tsMs < firstCall)) firstCall = c.tsMs;
        buckets.add(c);
        const key = callDimsKey(c);
        let t = deltas.get(key);
        if (!t) {
          const cur = this.totalsMap.get(key);
          t = cur ? cloneTotals(cur) : emptyTotals(c);
          deltas.set(key, t);
        }
        addCall(t, c);
      }
      for (const [key, t] of deltas) this.stmts.upsertTotals.run(key, JSON.stringify(t));
      buckets.write();
      if (inserted > 0) {
        this.stmts.setMeta.run('call_rows', String(this.callRows + inserted));
        if (lastCall !== null) this.stmts.setMeta.run('last_call_ms', String(lastCall));
      }
      for (const [key, cur] of batch.cursors ?? []) {
        if (cur === null) this.stmts.deleteCursor.run(key);
        else this.stmts.upsertCursor.run(key, JSON.stringify(cur));
      }
      publishSnapshots = this.snaps.write(batch);
      if (batch.failedRuns) this.failedRuns.add(batch.failedRuns);
      if (batch.spans) this.spans.add(batch.spans);
    });
    try {
      run();
    } catch (err) {
      this.failedRuns.discard();
      throw err;
    }
    this.failedRuns.publish();

    // The transaction committed: publish to the read model.
    for (const [key, t] of deltas) this.totalsMap.set(key, t);
    for (const c of added) this.buckets.add(c);
    this.callRows += inserted;
    this.lastCallMs = lastCall;
    this.firstCallMs = firstCall;
    for (const [key, cur] of batch.cursors ?? []) {
      if (cur === null) this.cursorMap.delete(key);
      else this.cursorMap.set(key, cur);
    }
    publishSnapshots();
    this.ver++;
    return rejected > 0 ? { inserted, duplicates, rejected } : { inserted, duplicates };
  }

  /** Changes whenever the in-memory read model changes (commits, window refreshes). */
  get version(): number {
    return this.ver;
  }

  /**
   * Recomputes the rolling-window totals (called by the ingest loop, never by a
   * scrape): completed calls with now - window < ts <= now, see window-buckets.ts.
   */
  refreshWindows(windows: Array<{ name: string; ms: number }>, nowMs: number): void {
    this.windowCache = this.buckets.refresh(windows, nowMs);
    this.ver++;
  }

  // ---- read model (in memory) ---------------------------------------------

  totals(): Iterable<TotalsRow> {
    return this.totalsMap.values();
  }

  lastCallTimestampMs(): number | null {
    return this.lastCallMs;
  }

  /** The oldest plausible call time: the start time of the cumulative sums (OTLP). */
  firstCallTimestampMs(): number | null {
    return this.firstCallMs;
  }

  callCount(): number {
    return this.callRows;
  }

  sessions(): SessionRow[] {
    return this.snaps.sessions();
  }

  /** Active sessions, one per (state dir, agent, session key); see Snapshots.activeSessions. */
  activeSessions(): SessionRow[] {
    return this.snaps.activeSessions();
  }

  /** Turns that never reached a model, by agent, channel and category. */
  failedRunTotals(): FailedRunTotal[] {
    return this.failedRuns.totals();
  }

  authProfiles(): AuthRow[] {
    return this.snaps.authProfiles();
  }

  quota(): QuotaRow[] {
    return this.snaps.quota();
  }

  windows(): WindowRow[] {
    return this.windowCache;
  }

  close(): void {
    if (this.db.open) this.db.close();
    this.lock.release();
  }
}
