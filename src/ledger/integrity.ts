/**
 * The self-check run at every open: the persisted totals (and meta `call_rows`,
 * `last_call_ms`) must agree with an aggregate of the calls table, which is the
 * source of truth. One GROUP BY over calls decides; when anything disagrees the
 * totals are rebuilt from the calls, through the same addCall() a commit uses, in
 * one transaction. An intact ledger is only read, never rewritten.
 */
import type Database from 'better-sqlite3';
import { FUTURE_SLACK_MS, MIN_PLAUSIBLE_TS_MS } from '../bounds.js';
import { addCall, callDimsKey, dimsKey, emptyTotals } from './totals.js';
import type { CommitCall, TotalsRow } from './types.js';

interface Aggregate {
  agent: string;
  seed_kind: string;
  kind: string;
  channel: string;
  chat_type: string;
  provider: string;
  model: string;
  ec: string;
  n: number;
  input: number;
  output: number;
  cache_read: number;
  cache_write: number;
  cost: number;
  latency_n: number;
}

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

/** Returns what disagrees between the persisted totals and the calls table ([] when intact). */
export function checkTotals(db: Database.Database, p: Persisted, nowMs: number): string[] {
  const problems: string[] = [];
  const rows = db
    .prepare(
      `SELECT agent, seed_kind, kind, channel, chat_type, provider, model, coalesce(error_category, '') AS ec,
         count(*) AS n, total(input) AS input, total(output) AS output, total(cache_read) AS cache_read,
         total(cache_write) AS cache_write, total(cost_usd) AS cost, count(latency_ms) AS latency_n
       FROM calls GROUP BY agent, seed_kind, kind, channel, chat_type, provider, model, ec`,
    )
    .all() as Aggregate[];
  let calls = 0;
  const seen = new Set<string>();
  for (const a of rows) {
    calls += a.n;
    const key = dimsKey({
      agent: a.agent,
      seedKind: a.seed_kind,
      kind: a.kind,
      channel: a.channel,
      chatType: a.chat_type,
      provider: a.provider,
      model: a.model,
      errorCategory: a.ec,
    });
    seen.add(key);
    const t = p.totals.get(key);
    if (!t) {
      problems.push(`missing totals row for ${a.n} calls`);
      continue;
    }
    const ok =
      t.messages === a.n &&
      t.input === a.input &&
      t.output === a.output &&
      t.cacheRead === a.cache_read &&
      t.cacheWrite === a.cache_write &&
      t.latencyCount === a.latency_n &&
      typeof t.costUsd === 'number' &&
      near(t.costUsd, a.cost);
    if (!ok) problems.push(`totals row disagrees with its ${a.n} calls`);
  }
  for (const k of p.totals.keys()) if (!seen.has(k)) problems.push('totals row without calls');
  if (p.callRows !== calls) problems.push(`call_rows ${p.callRows} but ${calls} calls`);
  const last = expectedLastCall(db, nowMs);
  if (p.lastCallMs !== last) problems.push(`last_call_ms ${String(p.lastCallMs)} but ${String(last)}`);
  return problems;
}

interface CallRow {
  ts_ms: number;
  agent: string;
  seed_kind: string;
  kind: string;
  channel: string;
  chat_type: string;
  provider: string;
  model: string;
  input: number;
  output: number;
  cache_read: number;
  cache_write: number;
  cost_usd: number | null;
  cost_estimated: number;
  stop_reason: string;
  error_category: string | null;
  latency_ms: number | null;
  source: string;
}

/** Recomputes totals and meta from the calls table in one transaction; returns the new state. */
export function rebuildTotals(db: Database.Database, nowMs: number): Persisted {
  const totals = new Map<string, TotalsRow>();
  let callRows = 0;
  const it = db.prepare(`SELECT * FROM calls ORDER BY id`).iterate() as IterableIterator<CallRow>;
  for (const r of it) {
    const c: CommitCall = {
      dedupeKey: '',
      tsMs: r.ts_ms,
      agent: r.agent,
      seedKind: r.seed_kind,
      kind: r.kind,
      channel: r.channel,
      chatType: r.chat_type,
      provider: r.provider,
      model: r.model,
      input: r.input,
      output: r.output,
      cacheRead: r.cache_read,
      cacheWrite: r.cache_write,
      costUsd: r.cost_usd,
      costEstimated: r.cost_estimated === 1,
      stopReason: r.stop_reason,
      errorCategory: r.error_category,
      latencyMs: r.latency_ms,
      source: r.source,
    };
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
