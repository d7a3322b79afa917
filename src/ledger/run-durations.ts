/**
 * Run (user turn) durations, the ledger view behind `openclaw.run.duration_ms`:
 * in one session, a run is the calls up to and including the first whose stop
 * reason is not `toolUse`, exactly as the trace export forms `openclaw.run` spans
 * (src/sinks/otlp/runs.ts uses RUN_QUIET_MS and runEnds() from here). Its duration
 * runs from the first call's request time to the last call's response time, and it
 * is kept as a histogram by the last call's agent, channel, provider and model.
 *
 * Maintained in the commit transaction for inserted calls only (so a call seen
 * again never counts twice), with the one still-open run of each session (its last
 * call asked for tools) persisted next to the totals, so a run spread over several
 * commits or a restart is measured whole. A gap of RUN_QUIET_MS or more before the
 * session's next call closes an open run at its last call; an open run with no next
 * call is not measured (the trace export closes it after RUN_QUIET_MS of wall-clock
 * quiet, which ingest cannot tell from history read late). Runs whose first request time is unknown are left out
 * (their duration would only be the spread of append times). Calls without span
 * facts (ledgers written before them) have no session and form no runs.
 */
import type Database from 'better-sqlite3';
import type { CommitCall } from './types.js';

/** A run whose last call waits for tool results ends after this much quiet. */
export const RUN_QUIET_MS = 10 * 60_000;
/** Upper bounds (seconds) of the run-duration histogram. */
export const RUN_BUCKETS_SECONDS = [1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1200, 1800, 3600];

export interface RunDurationRow {
  agent: string;
  channel: string;
  provider: string;
  model: string;
  count: number;
  sumSeconds: number;
  /** per-bound counts (observations above the last bound are count minus their sum) */
  buckets: number[];
}

type RunCall = Pick<CommitCall, 'tsMs' | 'latencyMs' | 'stopReason' | 'agent' | 'channel' | 'provider' | 'model'>;

interface OpenRun {
  startMs: number | null;
  lastMs: number;
  /** the labels of its latest call (a run closed by quiet is kept under them) */
  last: Pick<RunCall, 'agent' | 'channel' | 'provider' | 'model'>;
}

const RUN_DDL = `
  CREATE TABLE IF NOT EXISTS run_totals (dims TEXT PRIMARY KEY, row_json TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS open_runs (session_hash TEXT PRIMARY KEY, run_json TEXT NOT NULL);`;

type Dims = OpenRun['last'];
const dimsOf = (c: Dims) => `${c.agent}\u0000${c.channel}\u0000${c.provider}\u0000${c.model}`;
const durationOf = (o: OpenRun) => (o.startMs === null ? null : Math.max(0, o.lastMs - o.startMs));

/** Whether a call closes its run (its stop reason is not toolUse). */
export const runEnds = (stopReason: string) => stopReason !== 'toolUse';

/**
 * The run rule over one session's calls in time order: `open` is the session's
 * open run (or null), `closed` receives every run that ended; returns the open run
 * after the calls.
 */
export function advanceRuns(open: OpenRun | null, calls: readonly RunCall[], closed: (last: Dims, durationMs: number | null) => void): OpenRun | null {
  for (const c of calls) {
    if (open && c.tsMs - open.lastMs >= RUN_QUIET_MS) {
      closed(open.last, durationOf(open)); // quiet too long: it ended at its last call
      open = null;
    }
    const start = c.latencyMs !== null ? c.tsMs - c.latencyMs : null;
    const last = { agent: c.agent, channel: c.channel, provider: c.provider, model: c.model };
    if (!open) open = { startMs: start, lastMs: c.tsMs, last };
    else {
      if (open.startMs !== null && start !== null && start < open.startMs) open.startMs = start;
      if (c.tsMs >= open.lastMs) {
        open.lastMs = c.tsMs;
        open.last = last;
      }
    }
    if (runEnds(c.stopReason)) {
      closed(open.last, durationOf(open));
      open = null;
    }
  }
  return open;
}

function emptyRow(c: Dims): RunDurationRow {
  return { agent: c.agent, channel: c.channel, provider: c.provider, model: c.model, count: 0, sumSeconds: 0, buckets: new Array(RUN_BUCKETS_SECONDS.length).fill(0) };
}

function observe(t: RunDurationRow, ms: number): void {
  const s = ms / 1000;
  t.count += 1;
  t.sumSeconds += s;
  const i = RUN_BUCKETS_SECONDS.findIndex((b) => s <= b);
  if (i >= 0) t.buckets[i] += 1;
}

export class RunDurations {
  private readonly totalsMap = new Map<string, RunDurationRow>();
  private readonly openMap = new Map<string, OpenRun>();
  private stagedTotals = new Map<string, RunDurationRow>();
  private stagedOpen = new Map<string, OpenRun | null>();
  private readonly upsertTotal: Database.Statement;
  private readonly upsertOpen: Database.Statement;
  private readonly deleteOpen: Database.Statement;

  constructor(db: Database.Database) {
    db.exec(RUN_DDL);
    this.upsertTotal = db.prepare(`INSERT INTO run_totals (dims, row_json) VALUES (?, ?) ON CONFLICT (dims) DO UPDATE SET row_json = excluded.row_json`);
    this.upsertOpen = db.prepare(`INSERT INTO open_runs (session_hash, run_json) VALUES (?, ?) ON CONFLICT (session_hash) DO UPDATE SET run_json = excluded.run_json`);
    this.deleteOpen = db.prepare(`DELETE FROM open_runs WHERE session_hash = ?`);
    for (const r of db.prepare(`SELECT dims, row_json FROM run_totals`).all() as Array<{ dims: string; row_json: string }>) {
      this.totalsMap.set(r.dims, JSON.parse(r.row_json) as RunDurationRow);
    }
    for (const r of db.prepare(`SELECT session_hash AS s, run_json AS j FROM open_runs`).all() as Array<{ s: string; j: string }>) {
      this.openMap.set(r.s, JSON.parse(r.j) as OpenRun);
    }
  }

  /** Inside the commit transaction: the inserted calls (with their sessions, by call identity) advance their sessions' runs. */
  add(calls: readonly CommitCall[], sessionOf: (dedupeKey: string) => string | undefined): void {
    const steps = this.addSteps(calls, sessionOf, Infinity);
    while (!steps.next().done);
  }

  /** add() in steps: yields after each `slice` calls' sessions (a stepped commit lets the event loop in there). */
  *addSteps(calls: readonly CommitCall[], sessionOf: (dedupeKey: string) => string | undefined, slice: number): Generator<void> {
    const bySession = new Map<string, CommitCall[]>();
    for (const c of calls) {
      const s = sessionOf(c.dedupeKey);
      if (s === undefined) continue;
      let l = bySession.get(s);
      if (!l) bySession.set(s, (l = []));
      l.push(c);
    }
    let done = 0;
    for (const [session, list] of bySession) {
      if (done >= slice) {
        yield;
        done = 0;
      }
      done += list.length;
      list.sort((a, b) => a.tsMs - b.tsMs || (a.dedupeKey < b.dedupeKey ? -1 : a.dedupeKey > b.dedupeKey ? 1 : 0));
      const before = this.stagedOpen.has(session) ? this.stagedOpen.get(session)! : (this.openMap.get(session) ?? null);
      const open = advanceRuns(before && { ...before, last: { ...before.last } }, list, (last, ms) => {
        if (ms === null) return;
        const k = dimsOf(last);
        let t = this.stagedTotals.get(k);
        if (!t) {
          const cur = this.totalsMap.get(k);
          t = cur ? { ...cur, buckets: cur.buckets.slice() } : emptyRow(last);
          this.stagedTotals.set(k, t);
        }
        observe(t, ms);
      });
      this.stagedOpen.set(session, open);
      if (open) this.upsertOpen.run(session, JSON.stringify(open));
      else if (before) this.deleteOpen.run(session);
    }
    for (const [k, t] of this.stagedTotals) this.upsertTotal.run(k, JSON.stringify(t));
  }

  /** After the transaction committed. */
  publish(): void {
    for (const [k, t] of this.stagedTotals) this.totalsMap.set(k, t);
    for (const [s, o] of this.stagedOpen) {
      if (o) this.openMap.set(s, o);
      else this.openMap.delete(s);
    }
    this.discard();
  }

  /** After a rolled-back transaction. */
  discard(): void {
    this.stagedTotals = new Map();
    this.stagedOpen = new Map();
  }

  totals(): RunDurationRow[] {
    return [...this.totalsMap.values()];
  }
}

/**
 * Schema 3 -> 4: the run durations of an existing ledger, built once from its calls
 * that have span facts (one read in session and time order), inside the migration's
 * transaction (schema.ts), after the span facts became columns of calls (span-columns.ts).
 */
export function migrateRunDurations(db: Database.Database, fromVersion: number): void {
  if (fromVersion >= 4) return;
  db.exec(RUN_DDL);
  const runs = new RunDurations(db);
  const rows = db.prepare(`
    SELECT c.session_hash AS session, c.dedupe_key AS dedupeKey, c.ts_ms AS tsMs, c.latency_ms AS latencyMs, c.stop_reason AS stopReason,
           c.agent AS agent, c.channel AS channel, c.provider AS provider, c.model AS model
    FROM calls c WHERE c.session_hash IS NOT NULL ORDER BY c.session_hash, c.ts_ms, c.dedupe_key`);
  let session: string | null = null;
  let batch: CommitCall[] = [];
  const sessions = new Map<string, string>();
  const flush = () => {
    if (batch.length) runs.add(batch, (k) => sessions.get(k));
    runs.publish();
    batch = [];
    sessions.clear();
  };
  for (const r of rows.all() as Array<{ session: string } & CommitCall>) {
    if (r.session !== session) {
      flush();
      session = r.session;
    }
    batch.push(r);
    sessions.set(r.dedupeKey, r.session);
  }
  flush();
}
