/**
 * The self-check run at every open: the persisted totals (and meta `call_rows`,
 * `last_call_ms`) must agree with an aggregate of the calls table, which is the
 * source of truth. One scan summing the calls decides; when anything disagrees the
 * totals are rebuilt from the calls, through the same addCall() a commit uses, in
 * one transaction. An intact ledger is only read, never rewritten.
 */
import type Database from 'better-sqlite3';
import { FUTURE_SLACK_MS, MIN_PLAUSIBLE_TS_MS } from '../bounds.js';
import { addCall, callDimsKey, callFromRow, emptyTotals } from './totals.js';
import type { StoredCallRow, TotalsRow } from './types.js';

export interface Persisted {
  totals: Map<string, TotalsRow>;
  callRows: number;
  lastCallMs: number | null;
}

/** The plausible last-call time the calls table implies (see bounds.ts). */
function expectedLastCall(db: Database.Database, nowMs: number): number | null {
  const r = db.prepare(`SELECT max(ts_ms) AS m FROM calls WHERE ts_ms >= ? AND ts_ms <= ?`).get(MIN_PLAUSIBLE_TS_MS, nowMs + FUTURE_SLACK_MS) as {
    m: number | null;
  };
  return r.m;
}

function near(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-9 + 1e-9 * Math.max(Math.abs(a), Math.abs(b));
}

const FIELDS = ['messages', 'input', 'output', 'cacheRead', 'cacheWrite', 'costUsd', 'costEstimatedUsd', 'latencyCount', 'latencySumSeconds'] as const;

export type CallSums = Record<(typeof FIELDS)[number], number>;

/**
 * The calls table summed in one scan without sorting (a GROUP BY over the eight
 * dimensions costs ten times more at 200k calls); also checks the quarter-hour
 * buckets (quarter-buckets.ts).
 */
export function callSums(db: Database.Database): CallSums {
  return db
    .prepare(
      `SELECT count(*) AS messages, total(input) AS input, total(output) AS output, total(cache_read) AS cacheRead,
         total(cache_write) AS cacheWrite, total(cost_usd) AS costUsd,
         total(CASE WHEN cost_estimated = 1 THEN cost_usd END) AS costEstimatedUsd,
         count(latency_ms) AS latencyCount, total(latency_ms) / 1000.0 AS latencySumSeconds
       FROM calls`,
    )
    .get() as CallSums;
}

/**
 * Returns what disagrees between the persisted totals and the calls' sums ([] when
 * intact). The totals rows are summed in memory, and each must hold finite,
 * non-negative numbers.
 */
export function checkTotals(db: Database.Database, p: Persisted, nowMs: number, a: CallSums = callSums(db)): string[] {
  const problems: string[] = [];
  const sum = Object.fromEntries(FIELDS.map((f) => [f, 0])) as Record<(typeof FIELDS)[number], number>;
  for (const t of p.totals.values()) {
    for (const f of FIELDS) {
      const v = t[f];
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) problems.push(`totals ${f} is ${String(v)}`);
      else sum[f] += v;
    }
    if (!Array.isArray(t.latencyBuckets)) problems.push('totals row without latency buckets');
  }
  for (const f of FIELDS) {
    const exact = f === 'messages' || f === 'latencyCount' || f === 'input' || f === 'output' || f === 'cacheRead' || f === 'cacheWrite';
    if (exact ? sum[f] !== a[f] : !near(sum[f], a[f])) problems.push(`totals ${f} ${sum[f]} but calls hold ${a[f]}`);
  }
  if (p.callRows !== a.messages) problems.push(`call_rows ${p.callRows} but ${a.messages} calls`);
  const last = expectedLastCall(db, nowMs);
  if (p.lastCallMs !== last) problems.push(`last_call_ms ${String(p.lastCallMs)} but ${String(last)}`);
  return problems;
}


/** Recomputes totals and meta from the calls table in one transaction; returns the new state. */
export function rebuildTotals(db: Database.Database, nowMs: number): Persisted {
  const totals = new Map<string, TotalsRow>();
  let callRows = 0;
  const it = db.prepare(`SELECT * FROM calls ORDER BY id`).iterate() as IterableIterator<StoredCallRow>;
  for (const r of it) {
    const c = callFromRow(r);
    const key = callDimsKey(c);
    let t = totals.get(key);
    if (!t) totals.set(key, (t = emptyTotals(c)));
    addCall(t, c);
    callRows++;
  }
  const lastCallMs = expectedLastCall(db, nowMs);
  db.transaction(() => {
    db.exec(`DELETE FROM totals`);
    const ins = db.prepare(`INSERT INTO totals (dims, row_json) VALUES (?, ?)`);
    for (const [k, t] of totals) ins.run(k, JSON.stringify(t));
    const meta = db.prepare(`INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`);
    meta.run('call_rows', String(callRows));
    if (lastCallMs === null) db.prepare(`DELETE FROM meta WHERE key = 'last_call_ms'`).run();
    else meta.run('last_call_ms', String(lastCallMs));
  })();
  return { totals, callRows, lastCallMs };
}
