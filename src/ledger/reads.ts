/**
 * The ledger's typed read queries: every SQL statement that reads calls for a
 * report, a chart, the quota estimates or the history replay lives here, behind
 * methods that take structured arguments and return plain rows. Nothing outside
 * src/ledger/ writes SQL (src/query/ builds the public API on these).
 *
 * Sums over time ranges come from the quarter-hour buckets (quarter-buckets.ts)
 * for the whole quarters inside each interval and from the calls table, through
 * its time index, for the parts of a quarter at the edges, so any interval is
 * exact while the cost depends on the number of quarters, not of calls.
 *
 * Takes a database handle, not a Ledger, so a read-only connection (a report
 * beside a running `serve`) can use it as well.
 */
import type { StoredCallRow } from './types.js';
import type Database from 'better-sqlite3';
import { MIN_PLAUSIBLE_TS_MS } from '../bounds.js';
import { QUARTER_MS, quarterOf } from './quarter-buckets.js';
import { callSource } from './source-names.js';
import { DIMENSIONS, type Dimension, type ErrorCall, type Filter, type IntervalRow } from './query-types.js';

/** Column of each dimension in call_buckets (b) and in calls (c). */
const BUCKET_COL: Record<Dimension, string> = {
  agent: 'b.agent',
  channel: 'b.channel',
  kind: 'b.kind',
  chatType: 'b.chat_type',
  provider: 'b.provider',
  model: 'b.model',
  errorCategory: 'b.error_category',
  source: 'b.source',
};
const CALL_COL: Record<Dimension, string> = {
  ...(Object.fromEntries(DIMENSIONS.map((d) => [d, BUCKET_COL[d].replace('b.', 'c.')])) as Record<Dimension, string>),
  errorCategory: `coalesce(c.error_category, '')`,
};

const BUCKET_SUMS = `sum(b.messages) AS messages, sum(b.errors) AS errors, sum(b.input) AS input, sum(b.output) AS output, sum(b.cache_read) AS cacheRead, sum(b.cache_write) AS cacheWrite,
  total(b.cost_usd) AS costUsd, total(b.cost_estimated_usd) AS costEstimatedUsd`;
const CALL_SUMS = `sum(coalesce(c.error_category, '') = '') AS messages, sum(coalesce(c.error_category, '') != '') AS errors,
  sum(c.input) AS input, sum(c.output) AS output, sum(c.cache_read) AS cacheRead, sum(c.cache_write) AS cacheWrite,
  total(c.cost_usd) AS costUsd, total(CASE WHEN c.cost_estimated = 1 THEN c.cost_usd END) AS costEstimatedUsd`;

/** One call as the history replay reads it (src/ledger/history.ts). */
export type HistoryCallRow = StoredCallRow & { id: number };

type Interval = [i: number, lo: number, hi: number];

function ceilQuarter(ts: number): number {
  const q = quarterOf(ts);
  return q === ts ? q : q + QUARTER_MS;
}

function whereSql(where: Filter | undefined, col: Record<Dimension, string>, params: unknown[]): string {
  let sql = '';
  for (const d of DIMENSIONS) {
    const vals = where?.[d];
    if (!vals || vals.length === 0) continue;
    sql += ` AND ${col[d]} IN (${vals.map(() => '?').join(', ')})`;
    params.push(...vals);
  }
  return sql;
}

export class LedgerReads {
  private cache = new Map<string, Database.Statement>();

  constructor(private readonly db: Database.Database) {}

  private stmt(sql: string): Database.Statement {
    let s = this.cache.get(sql);
    if (!s) {
      if (this.cache.size >= 64) this.cache.clear();
      s = this.db.prepare(sql);
      this.cache.set(sql, s);
    }
    return s;
  }

  /**
   * Sums of the calls in each interval [edges[k], edges[k+1]), grouped by the given
   * dimensions and filtered by `where`. Rows may repeat an (interval, dims) pair
   * (one from the buckets, one from the edge calls): callers add them up.
   */
  intervalSums(edges: number[], by: Dimension[], where?: Filter): IntervalRow[] {
    const whole: Interval[] = [];
    const part: Interval[] = [];
    for (let k = 0; k + 1 < edges.length; k++) {
      const a = edges[k];
      const b = edges[k + 1];
      if (!(b > a)) continue;
      const qa = ceilQuarter(a);
      const qb = quarterOf(b);
      if (qa < qb) {
        whole.push([k, qa, qb]);
        if (a < qa) part.push([k, a, qa]);
        if (qb < b) part.push([k, qb, b]);
      } else part.push([k, a, b]);
    }
    const out: IntervalRow[] = [];
    if (whole.length > 0) this.run(out, 'call_buckets b', 'b.start_ms', BUCKET_COL, BUCKET_SUMS, whole, by, where);
    if (part.length > 0) this.run(out, 'calls c', 'c.ts_ms', CALL_COL, CALL_SUMS, part, by, where);
    return out;
  }

  private run(
    out: IntervalRow[],
    table: string,
    ts: string,
    col: Record<Dimension, string>,
    sums: string,
    intervals: Interval[],
    by: Dimension[],
    where: Filter | undefined,
  ): void {
    const dimSel = by.map((d, n) => `, ${col[d]} AS d${n}`).join('');
    let sql: string;
    let params: unknown[];
    if (intervals.length === 1) {
      // one range (totals): a plain range scan, cheaper than the join below
      const [[i, lo, hi]] = intervals;
      params = [lo, hi];
      const w = whereSql(where, col, params);
      const group = by.length > 0 ? ` GROUP BY ${by.map((d) => col[d]).join(', ')}` : '';
      sql = `SELECT ${Number(i)} AS i${dimSel}, ${sums} FROM ${table} WHERE ${ts} >= ? AND ${ts} < ?${w}${group}`;
    } else {
      // the intervals as a JSON list joined to the range index: one statement for any number of them
      params = [JSON.stringify(intervals)];
      const w = whereSql(where, col, params);
      const group = ['iv.i', ...by.map((d) => col[d])].join(', ');
      sql = `WITH iv(i, lo, hi) AS (SELECT value ->> 0, value ->> 1, value ->> 2 FROM json_each(?))
        SELECT iv.i AS i${dimSel}, ${sums}
        FROM iv CROSS JOIN ${table} WHERE ${ts} >= iv.lo AND ${ts} < iv.hi${w}
        GROUP BY ${group}`;
    }
    const n = by.length;
    for (const r of this.stmt(sql).raw(true).iterate(...params) as IterableIterator<unknown[]>) {
      if (r[n + 1] === null) continue; // no group and no row: sum() of nothing
      const input = r[n + 3] as number;
      const output = r[n + 4] as number;
      const cacheRead = r[n + 5] as number;
      const cacheWrite = r[n + 6] as number;
      out.push({
        i: r[0] as number,
        dims: r.slice(1, n + 1) as string[],
        sums: {
          messages: r[n + 1] as number,
          errors: r[n + 2] as number,
          input,
          output,
          cacheRead,
          cacheWrite,
          totalTokens: input + output + cacheRead + cacheWrite,
          costUsd: r[n + 7] as number,
          costEstimatedUsd: r[n + 8] as number,
        },
      });
    }
  }

  /** The newest failed calls (through the errors index), newest first. */
  recentErrors(limit: number, where?: Filter): ErrorCall[] {
    const params: unknown[] = [];
    const w = whereSql(where, CALL_COL, params);
    params.push(limit);
    const rows = this.stmt(
      `SELECT c.ts_ms AS tsMs, c.agent AS agent, c.channel AS channel, c.provider AS provider, c.model AS model,
         c.error_category AS category, c.source AS source
       FROM calls c WHERE c.error_category IS NOT NULL AND c.error_category != ''${w} ORDER BY c.ts_ms DESC, c.id DESC LIMIT ?`,
    ).all(...params) as ErrorCall[];
    return rows.map((r) => ({ ...r, source: callSource(r.source) }));
  }

  /** The oldest plausible call time (the start of cumulative sums), through the time index. */
  firstCallMs(): number | null {
    return (this.stmt(`SELECT min(ts_ms) AS lo FROM calls WHERE ts_ms >= ?`).get(MIN_PLAUSIBLE_TS_MS) as { lo: number | null }).lo;
  }

  /** The time range of calls with a positive timestamp (the history replay's range). */
  timeRange(): { firstMs: number; lastMs: number } | null {
    const r = this.stmt(`SELECT min(ts_ms) AS lo, max(ts_ms) AS hi FROM calls WHERE ts_ms > 0`).get() as { lo: number | null; hi: number | null };
    return r.lo !== null && r.hi !== null ? { firstMs: r.lo, lastMs: r.hi } : null;
  }

  /** Calls with ts <= untilMs after (afterTs, afterId) in (ts, id) order: one keyset page. */
  callsPage(untilMs: number, afterTs: number, afterId: number, limit: number): HistoryCallRow[] {
    return this.stmt(
      `SELECT id, ts_ms, agent, seed_kind, kind, channel, chat_type, provider, model, input, output, cache_read, cache_write,
         cost_usd, cost_estimated, stop_reason, error_category, latency_ms
       FROM calls WHERE ts_ms <= ? AND (ts_ms > ? OR (ts_ms = ? AND id > ?)) ORDER BY ts_ms, id LIMIT ?`,
    ).all(untilMs, afterTs, afterTs, afterId, limit) as HistoryCallRow[];
  }

  /**
   * Completed (non-error stop reason) calls per model of the given providers with
   * sinceMs < ts <= untilMs, optionally only models whose lower-cased name matches
   * a LIKE pattern; most calls first (the quota estimates, src/quota/derived.ts).
   */
  completedByModel(o: { providers: string[]; modelLike: string | null; sinceMs: number; untilMs: number }): Array<{ model: string; n: number }> {
    const params: unknown[] = [...o.providers, o.sinceMs, o.untilMs];
    let sql = `SELECT model, count(*) AS n FROM calls WHERE provider IN (${o.providers.map(() => '?').join(', ')})
      AND ts_ms > ? AND ts_ms <= ? AND stop_reason != 'error'`;
    if (o.modelLike) {
      sql += ` AND lower(model) LIKE ?`;
      params.push(o.modelLike);
    }
    sql += ` GROUP BY model ORDER BY n DESC, model`;
    return this.stmt(sql).all(...params) as Array<{ model: string; n: number }>;
  }
}
