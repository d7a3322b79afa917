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
import path from 'node:path';
import type Database from 'better-sqlite3';
import type { Cursor, CursorReader, SessionInfo, SpanFact } from '../model.js';
import { callSums, checkTotals, rebuildTotals } from './integrity.js';
import type { WriterLock } from './lock.js';
import { LEDGER_FILE, openFile, replaceFile } from './ledger-file.js';
import type { OwnerApi } from './owner.js';
import { CallAliasTable } from './call-aliases.js';
import { SpanStore } from './spans.js';
import type { CarriedMarks } from './span-exports.js';
import { Snapshots } from './snapshots.js';
import { CommitWork, spanFacts, type CommitStatements } from './commit-work.js';
import { WriteHealth } from './write-health.js';
import type { AuthRow, CommitBatch, CommitResult, LedgerOptions, QuotaRow, SessionRow, TotalsRow, WindowRow } from './types.js';
import { WindowBuckets } from './window-buckets.js';
import { withCompatKind } from './totals.js';
import { FailedRunTable, type FailedRunTotal } from './failed-runs.js';
import { BucketDeltas, checkBuckets, rebuildBuckets } from './quarter-buckets.js';
import { LedgerReads } from './reads.js';
import { RunDurations, type RunDurationRow } from './run-durations.js';
import { Checkpointer } from './checkpointer.js';

export type { RunDurationRow } from './run-durations.js';
export type { AuthRow, CommitBatch, CommitResult, LedgerOptions, QuotaRow, SessionRow, TotalsRow, WindowRow } from './types.js';
export { LedgerLocked, LedgerUnavailable } from './errors.js';

export { LEDGER_FILE };

export class Ledger implements CursorReader {
  private cursorMap = new Map<string, Cursor>();
  private totalsMap = new Map<string, TotalsRow>();
  private snaps: Snapshots;
  private readonly failedRuns: FailedRunTable;
  private readonly aliases: CallAliasTable;
  private readonly runs: RunDurations;
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
  private stmts: CommitStatements;
  /** WAL checkpoints on their own thread once a backfill starts (checkpointer.ts). */
  readonly checkpoints: Checkpointer;

  private constructor(
    readonly file: string,
    private readonly db: Database.Database,
    private readonly lock: WriterLock,
    opts: LedgerOptions,
    /** whether commits succeed (disk full, read-only, ...): write-health.ts */
    readonly writeHealth = new WriteHealth(path.dirname(file), opts.now ?? Date.now),
  ) {
    this.now = opts.now ?? Date.now;
    this.notify = opts.log ?? (() => undefined);
    this.stmts = {
      insertCall: db.prepare(`INSERT OR IGNORE INTO calls
        (dedupe_key, ts_ms, agent, seed_kind, kind, channel, chat_type, provider, model, input, output, cache_read,
         cache_write, cost_usd, cost_estimated, stop_reason, error_category, latency_ms, source, session_hash, request_id_hash, api)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      fillSpan: db.prepare(`UPDATE calls SET session_hash = ?, request_id_hash = ?, api = ? WHERE dedupe_key = ? AND session_hash IS NULL`),
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
    this.runs = new RunDurations(db);
    this.buckets = new WindowBuckets(db, this.now);
    this.checkpoints = new Checkpointer(db, file, this.notify);
    this.load();
  }

  /**
   * Opens (creating if needed) the ledger in dataDir and takes its writer lock.
   * Throws LedgerLocked when another process holds it, LedgerUnavailable when the
   * file is not a usable ledger.
   */
  static open(dataDir: string, opts: LedgerOptions = {}): Ledger {
    const f = openFile(dataDir, opts.now ?? Date.now);
    return f.adopt((db, lock) => new Ledger(f.file, db, lock, opts));
  }

  /**
   * `clawmeter ledger rebuild`: under the writer lock, moves the current ledger file
   * (and its -wal/-shm) aside as `ledger.sqlite.broken-<timestamp>` and opens a new,
   * empty ledger in its place, with what the OTLP export had sent carried over from
   * the old file when it can still be read (`carried`; else `carryError`). Returns the
   * ledger and the paths moved aside.
   */
  static replace(dataDir: string, opts: LedgerOptions = {}): { ledger: Ledger; movedAside: string[]; carried: CarriedMarks | null; carryError?: string } {
    const f = replaceFile(dataDir, opts.now ?? Date.now);
    const ledger = f.adopt((db, lock) => new Ledger(f.file, db, lock, opts));
    return { ledger, movedAside: f.movedAside, carried: f.carried, ...(f.carryError ? { carryError: f.carryError } : {}) };
  }

  private load(): void {
    for (const r of this.db.prepare(`SELECT key, value FROM cursors`).all() as Array<{ key: string; value: string }>) {
      this.cursorMap.set(r.key, JSON.parse(r.value) as Cursor);
    }
    for (const r of this.db.prepare(`SELECT dims, row_json FROM totals`).all() as Array<{ dims: string; row_json: string }>) {
      this.totalsMap.set(r.dims, withCompatKind(JSON.parse(r.row_json) as TotalsRow));
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

  /** Commits calls, cursors and snapshots in one transaction; updates the read model after. */
  commit(batch: CommitBatch): CommitResult {
    if (this.stepping) throw new Error('ledger commit while a stepped commit is open');
    const work = this.newWork();
    let publishSnapshots: () => void = () => undefined;
    const run = this.db.transaction(() => {
      const spans = spanFacts(batch.spans);
      work.insertCalls(batch.calls ?? [], 0, Infinity, spans);
      const steps = work.finishCalls(batch.cursors);
      while (!steps.next().done);
      const rest = this.finishSteps(batch, work, spans, Infinity);
      let r = rest.next();
      while (!r.done) r = rest.next();
      publishSnapshots = r.value;
    });
    try {
      run();
    } catch (err) {
      this.failedRuns.discard();
      this.runs.discard();
      throw this.writeHealth.failed(err);
    }
    this.checkpoints.afterCommit();
    return this.publish(work, batch, publishSnapshots);
  }

  /**
   * The same commit as commit(), in one SQLite transaction, but its calls are
   * inserted `slice` at a time with `pause()` awaited in between (the ingest cycle
   * lets scrapes in there). Scrapes read the in-memory model, which changes only
   * after COMMIT; a crash or an error before it leaves neither calls nor cursors.
   * No other commit may run until it settles.
   */
  async commitInSteps(batch: CommitBatch, pause: () => Promise<void>, slice = 1_000): Promise<CommitResult> {
    if (this.stepping) throw new Error('ledger commit while a stepped commit is open');
    this.stepping = true;
    const work = this.newWork();
    const calls = batch.calls ?? [];
    const spans = spanFacts(batch.spans);
    let publishSnapshots: () => void = () => undefined;
    this.checkpoints.start();
    try {
      try {
        this.db.exec('BEGIN IMMEDIATE');
        for (let i = 0; i < calls.length; i += slice) {
          if (i > 0) await pause();
          work.insertCalls(calls, i, i + slice, spans);
        }
        const steps = work.finishCalls(batch.cursors, slice);
        while (!steps.next().done) await pause();
        const rest = this.finishSteps(batch, work, spans, slice);
        let r = rest.next();
        while (!r.done) {
          await pause();
          r = rest.next();
        }
        publishSnapshots = r.value;
        this.db.exec('COMMIT');
        this.checkpoints.afterCommit();
      } catch (err) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        this.failedRuns.discard();
        this.runs.discard();
        throw this.writeHealth.failed(err);
      }
      // Committed; published after one more pause, so COMMIT and publishing are two short tasks, not one long one.
      await pause().catch(() => undefined);
    } finally {
      this.stepping = false;
    }
    return this.publish(work, batch, publishSnapshots);
  }

  private stepping = false;

  private newWork(): CommitWork {
    return new CommitWork(this.stmts, {
      totals: this.totalsMap,
      callRows: this.callRows,
      lastCallMs: this.lastCallMs,
      firstCallMs: this.firstCallMs,
      nowMs: this.now(),
      notify: this.notify,
      aliases: this.aliases,
    });
  }

  /**
   * The writes after the calls' own, inside the transaction, yielding after every
   * `slice` calls' runs and `slice` tool results (a stepped commit pauses there: a
   * 10,000-call batch held the loop 20-40 ms here); returns the snapshots' publisher.
   * A run goes by the span fact stored with its call (`spans`, first copy wins).
   */
  private *finishSteps(batch: CommitBatch, work: CommitWork, spans: ReadonlyMap<string, SpanFact>, slice: number): Generator<void, () => void> {
    const publishSnapshots = this.snaps.write(batch);
    if (batch.failedRuns) this.failedRuns.add(batch.failedRuns);
    if (spans.size > 0 && work.added.length > 0) yield* this.runs.addSteps(work.added, (k) => spans.get(k)?.sessionHash, slice);
    const tools = batch.toolResults ?? [];
    for (let i = 0; i < tools.length; i += slice) {
      yield;
      this.spans.tools.add(tools, i, i + slice);
    }
    if (batch.content) this.spans.content.add(batch.content);
    return publishSnapshots;
  }

  /** The transaction committed: publish to the read model. */
  private publish(work: CommitWork, batch: CommitBatch, publishSnapshots: () => void): CommitResult {
    this.writeHealth.ok();
    this.failedRuns.publish();
    this.runs.publish();
    for (const [key, t] of work.deltas) this.totalsMap.set(key, t);
    for (const c of work.added) this.buckets.add(c);
    this.callRows += work.inserted;
    this.lastCallMs = work.lastCall;
    this.firstCallMs = work.firstCall;
    for (const [key, cur] of batch.cursors ?? []) {
      if (cur === null) this.cursorMap.delete(key);
      else this.cursorMap.set(key, cur);
    }
    publishSnapshots();
    this.ver++;
    const { inserted, duplicates, rejected } = work;
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

  /** Run (user turn) durations by agent, channel, provider and model (run-durations.ts). */
  runDurations(): RunDurationRow[] {
    return this.runs.totals();
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

  /** Tells readers (statusline) where this process's JSON API answers: ledger.owner.json. */
  advertise(api: OwnerApi): void {
    this.lock.advertise(api);
  }

  close(): void {
    this.checkpoints.close();
    if (this.db.open) this.db.close();
    this.lock.release();
  }
}
