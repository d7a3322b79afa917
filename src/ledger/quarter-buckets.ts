/**
 * Quarter-hour pre-aggregates of the calls table (`call_buckets`): one row per
 * bucket start (a multiple of 15 minutes since the epoch) and combination of the
 * query dimensions, holding the sums the query API reports. Every real time-zone
 * offset is a multiple of 15 minutes, so a local day, week or month is an exact
 * union of these buckets in any zone.
 *
 * Maintained in the same transaction as the calls (BucketDeltas, inside commit),
 * for inserted calls only; built from the calls table by the schema 1 -> 2
 * migration; checked against the calls at every open (checkBuckets) and rebuilt
 * from them when they disagree, like the totals (integrity.ts).
 */
import type Database from 'better-sqlite3';
import type { CommitCall } from './types.js';
import type { CallSums } from './integrity.js';

export const QUARTER_MS = 900_000;

/** Start of the quarter hour holding ts (floor, also for negative times). */
export function quarterOf(ts: number): number {
  return ts - (((ts % QUARTER_MS) + QUARTER_MS) % QUARTER_MS);
}

export const BUCKETS_DDL = `
  CREATE TABLE IF NOT EXISTS call_buckets (
    start_ms INTEGER NOT NULL,
    agent TEXT NOT NULL, kind TEXT NOT NULL, channel TEXT NOT NULL, chat_type TEXT NOT NULL,
    provider TEXT NOT NULL, model TEXT NOT NULL, error_category TEXT NOT NULL, source TEXT NOT NULL,
    messages INTEGER NOT NULL, errors INTEGER NOT NULL, input INTEGER NOT NULL, output INTEGER NOT NULL,
    cache_read INTEGER NOT NULL, cache_write INTEGER NOT NULL,
    cost_usd REAL NOT NULL, cost_estimated_usd REAL NOT NULL,
    PRIMARY KEY (start_ms, agent, kind, channel, chat_type, provider, model, error_category, source)
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS calls_errors ON calls (ts_ms) WHERE error_category IS NOT NULL;
  CREATE INDEX IF NOT EXISTS calls_stop_errors ON calls (ts_ms) WHERE stop_reason = 'error';
`;

const DIM_COLS = 'agent, kind, channel, chat_type, provider, model, error_category, source';

/** The whole table recomputed from the calls (one INSERT ... SELECT; the caller's transaction). */
function fill(db: Database.Database): void {
  db.exec(`DELETE FROM call_buckets`);
  db.exec(`INSERT INTO call_buckets (start_ms, ${DIM_COLS}, messages, errors, input, output, cache_read, cache_write, cost_usd, cost_estimated_usd)
    SELECT ts_ms - (((ts_ms % ${QUARTER_MS}) + ${QUARTER_MS}) % ${QUARTER_MS}) AS q,
      agent, kind, channel, chat_type, provider, model, coalesce(error_category, '') AS ec, source,
      sum(coalesce(error_category, '') = ''), sum(coalesce(error_category, '') != ''), sum(input), sum(output), sum(cache_read), sum(cache_write), total(cost_usd),
      total(CASE WHEN cost_estimated = 1 THEN cost_usd END)
    FROM calls GROUP BY q, agent, kind, channel, chat_type, provider, model, ec, source`);
}

/** Schema 1 -> 2: builds the buckets of an existing ledger, once (inside the migration transaction). */
export function migrateBuckets(db: Database.Database, fromVersion: number): void {
  if (fromVersion >= 2) return;
  fill(db);
}

/** Rebuilds the buckets from the calls (after checkBuckets found a disagreement). */
export function rebuildBuckets(db: Database.Database): void {
  db.transaction(() => fill(db))();
}

function near(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-6 + 1e-9 * Math.max(Math.abs(a), Math.abs(b));
}

/** What disagrees between the buckets' sums and the calls' sums ([] when they agree). */
export function checkBuckets(db: Database.Database, calls: CallSums): string[] {
  const b = db
    .prepare(
      `SELECT coalesce(sum(messages + errors), 0) AS messages, coalesce(sum(input), 0) AS input, coalesce(sum(output), 0) AS output,
         coalesce(sum(cache_read), 0) AS cacheRead, coalesce(sum(cache_write), 0) AS cacheWrite,
         total(cost_usd) AS costUsd, total(cost_estimated_usd) AS costEstimatedUsd FROM call_buckets`,
    )
    .get() as Record<'messages' | 'input' | 'output' | 'cacheRead' | 'cacheWrite' | 'costUsd' | 'costEstimatedUsd', number>;
  const out: string[] = [];
  for (const f of ['messages', 'input', 'output', 'cacheRead', 'cacheWrite'] as const) {
    if (b[f] !== calls[f]) out.push(`buckets ${f} ${b[f]} but calls hold ${calls[f]}`);
  }
  for (const f of ['costUsd', 'costEstimatedUsd'] as const) {
    if (!near(b[f], calls[f])) out.push(`buckets ${f} ${b[f]} but calls hold ${calls[f]}`);
  }
  return out;
}

type Delta = [messages: number, errors: number, input: number, output: number, cacheRead: number, cacheWrite: number, cost: number, costEst: number];

/** The bucket changes of one commit: add() each inserted call, then write() inside the transaction. */
export class BucketDeltas {
  private deltas = new Map<string, { key: unknown[]; d: Delta }>();

  constructor(private readonly upsert: Database.Statement) {}

  static prepare(db: Database.Database): Database.Statement {
    return db.prepare(`INSERT INTO call_buckets (start_ms, ${DIM_COLS}, messages, errors, input, output, cache_read, cache_write, cost_usd, cost_estimated_usd)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (start_ms, ${DIM_COLS}) DO UPDATE SET messages = messages + excluded.messages, errors = errors + excluded.errors, input = input + excluded.input,
        output = output + excluded.output, cache_read = cache_read + excluded.cache_read, cache_write = cache_write + excluded.cache_write,
        cost_usd = cost_usd + excluded.cost_usd, cost_estimated_usd = cost_estimated_usd + excluded.cost_estimated_usd`);
  }

  add(c: CommitCall): void {
    const q = quarterOf(c.tsMs);
    const err = c.errorCategory ?? '';
    // The map key is one string; the column values are kept only for a new bucket (most calls add to one).
    const k = `${q}\u0000${c.agent}\u0000${c.kind}\u0000${c.channel}\u0000${c.chatType}\u0000${c.provider}\u0000${c.model}\u0000${err}\u0000${c.source}`;
    let e = this.deltas.get(k);
    if (!e) this.deltas.set(k, (e = { key: [q, c.agent, c.kind, c.channel, c.chatType, c.provider, c.model, err, c.source], d: [0, 0, 0, 0, 0, 0, 0, 0] }));
    const cost = c.costUsd ?? 0;
    e.d[c.errorCategory ? 1 : 0] += 1;
    e.d[2] += c.input;
    e.d[3] += c.output;
    e.d[4] += c.cacheRead;
    e.d[5] += c.cacheWrite;
    e.d[6] += cost;
    if (c.costEstimated) e.d[7] += cost;
  }

  write(): void {
    const steps = this.writeSteps(Infinity);
    while (!steps.next().done);
  }

  /** write() in steps: yields after every `slice` upserts (a stepped commit pauses there). */
  *writeSteps(slice: number): Generator<void> {
    let n = 0;
    for (const { key, d } of this.deltas.values()) {
      this.upsert.run(...key, ...d);
      if (++n % slice === 0) yield;
    }
  }
}
