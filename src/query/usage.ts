/**
 * Usage aggregates over the ledger's calls for reports, charts and exports:
 * totals by any subset of dimensions, series bucketed by a fixed step, calendar
 * series (day, week, month in an IANA zone, DST-correct) and the most recent
 * errors. All sums come from the ledger's typed reads (quarter-hour buckets plus
 * the calls at the edges, src/ledger/reads.ts); this module turns ranges into
 * interval edges, applies the privacy view (src/labeling/privacy.ts: agent,
 * provider and model values scrubbed, then rows that became equal merged) and
 * returns plain, sorted rows.
 */
import type { LedgerReadModel } from '../ledger/readonly.js';
import {
  DIMENSIONS,
  addMeasures,
  emptyMeasures,
  type Dimension,
  type ErrorCall,
  type Filter,
  type GroupRow,
  type IntervalRow,
  type Measures,
} from '../ledger/query-types.js';
import { scrub } from '../labeling/privacy.js';
import { alignToZone, calendarEdges, checkZone, type CalendarUnit } from './calendar.js';

/** Outside every real timestamp: the bounds of an open range. */
const MIN_MS = -8.64e15;
const MAX_MS = 8.64e15;
/** Most intervals one series may have (a clear error beyond). */
export const MAX_INTERVALS = 100_000;
/** Most rows recentErrors returns. */
export const MAX_ERRORS = 10_000;

/** Dimensions whose values are free text and pass through scrub(). */
const SCRUBBED: ReadonlySet<Dimension> = new Set(['agent', 'provider', 'model']);

export interface TotalsQuery {
  by?: Dimension[];
  where?: Filter;
  /** inclusive start, epoch ms (absent: the beginning) */
  from?: number;
  /** exclusive end, epoch ms (absent: no end) */
  to?: number;
}

export interface SeriesQuery {
  from: number;
  to: number;
  stepMs: number;
  by?: Dimension[];
  where?: Filter;
  /** buckets start at a local midnight plus whole steps in this zone (default UTC: epoch multiples) */
  tz?: string;
}

export interface CalendarQuery {
  from: number;
  to: number;
  unit: CalendarUnit;
  tz: string;
  by?: Dimension[];
  where?: Filter;
}

/** One bucket of a series (and of one group, when grouped), clipped to the query range. */
export type SeriesRow = { startMs: number; endMs: number } & GroupRow;

/** One period of a calendar series: its local label (2026-03-29, or 2026-03 for months). */
export type CalendarRow = SeriesRow & { period: string };

function fail(msg: string): never {
  throw new RangeError(msg);
}

function checkBy(by: Dimension[] | undefined): Dimension[] {
  const out = by ?? [];
  for (const d of out) if (!DIMENSIONS.includes(d)) fail(`unknown dimension '${String(d)}' (one of ${DIMENSIONS.join(', ')})`);
  return [...new Set(out)];
}

function checkRange(from: number, to: number): void {
  if (!Number.isFinite(from) || !Number.isFinite(to)) fail('from and to must be finite epoch milliseconds');
  if (!(to > from)) fail(`empty range: to (${to}) must be after from (${from})`);
}

const money = (v: number) => Math.round(v * 1e9) / 1e9;

export class UsageQueries {
  constructor(private readonly ledger: LedgerReadModel) {}

  /**
   * Filter values as given, plus every stored value whose public (scrubbed) form is
   * one of them: a filter may name what the reports show.
   */
  private expand(where: Filter | undefined): Filter | undefined {
    if (!where) return undefined;
    const out: Filter = {};
    let known: Map<Dimension, Set<string>> | null = null;
    for (const d of DIMENSIONS) {
      const vals = where[d];
      if (vals === undefined) continue;
      if (!Array.isArray(vals) || vals.some((v) => typeof v !== 'string')) fail(`filter '${d}' must be a list of strings`);
      if (vals.length === 0) continue;
      const set = new Set(vals);
      if (SCRUBBED.has(d)) {
        if (!known) {
          known = new Map([['agent', new Set()], ['provider', new Set()], ['model', new Set()]]);
          for (const t of this.ledger.totals()) {
            known.get('agent')!.add(t.agent);
            known.get('provider')!.add(t.provider);
            known.get('model')!.add(t.model);
          }
        }
        for (const raw of known.get(d)!) if (set.has(scrub(raw))) set.add(raw);
      }
      out[d] = [...set];
    }
    return out;
  }

  /** Adds raw interval rows into one row per (interval, public dims), sorted by interval then dims. */
  private merge(rows: IntervalRow[], by: Dimension[]): Array<{ i: number; row: GroupRow }> {
    const scrubAt = by.map((d) => SCRUBBED.has(d));
    const acc = new Map<string, { i: number; key: string; dims: string[]; m: Measures }>();
    for (const r of rows) {
      const dims = scrubAt.some(Boolean) ? r.dims.map((v, n) => (scrubAt[n] ? scrub(v) : v)) : r.dims;
      const key = dims.join('\u0000');
      const k = `${r.i}\u0001${key}`;
      let e = acc.get(k);
      if (!e) acc.set(k, (e = { i: r.i, key, dims, m: emptyMeasures() }));
      addMeasures(e.m, r.sums);
    }
    const sorted = [...acc.values()].sort((a, b) => a.i - b.i || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return sorted.map((e) => {
      const row: Partial<Record<Dimension, string>> = {};
      by.forEach((d, n) => (row[d] = e.dims[n]));
      e.m.costUsd = money(e.m.costUsd);
      e.m.costEstimatedUsd = money(e.m.costEstimatedUsd);
      return { i: e.i, row: Object.assign(row, e.m) };
    });
  }

  private bucketed(edges: number[], by: Dimension[], where: Filter | undefined): Array<{ i: number; row: GroupRow }> {
    if (edges.length - 1 > MAX_INTERVALS) fail(`too many buckets (${edges.length - 1}; at most ${MAX_INTERVALS}): use a larger step or a shorter range`);
    return this.merge(this.ledger.reads.intervalSums(edges, by, this.expand(where)), by);
  }

  /**
   * Sums over [from, to) grouped by `by` (no dimension: one row, zero when there is
   * no call), sorted by the grouped values.
   */
  totals(q: TotalsQuery = {}): GroupRow[] {
    const by = checkBy(q.by);
    const from = q.from ?? MIN_MS;
    const to = q.to ?? MAX_MS;
    checkRange(from, to);
    const rows = this.bucketed([from, to], by, q.where).map((e) => e.row);
    return by.length === 0 && rows.length === 0 ? [emptyMeasures()] : rows;
  }

  /**
   * Sums per step over [from, to): buckets start at whole steps after a midnight of
   * `tz` (UTC by default, so epoch multiples), the first and last clipped to the
   * range. Without `by` every bucket has a row (zeros included); with `by`, one row
   * per bucket and group that has calls. Steps of 15 minutes or more read the
   * quarter-hour buckets; finer ones the calls, through their time index.
   */
  series(q: SeriesQuery): SeriesRow[] {
    const by = checkBy(q.by);
    checkRange(q.from, q.to);
    if (!Number.isFinite(q.stepMs) || q.stepMs < 1000 || Math.round(q.stepMs) !== q.stepMs) fail('stepMs must be a whole number of milliseconds, at least 1000');
    if ((q.to - q.from) / q.stepMs > MAX_INTERVALS) fail(`too many buckets (more than ${MAX_INTERVALS}): use a larger step or a shorter range`);
    const tz = q.tz ?? 'UTC';
    checkZone(tz);
    const edges = [q.from];
    for (let t = alignToZone(q.from, q.stepMs, tz) + q.stepMs; t < q.to; t += q.stepMs) edges.push(t);
    edges.push(q.to);
    return this.rowsOf(edges, by, q.where, () => ({}));
  }

  /** Sums per local day, ISO week (from Monday) or month of `tz`, clipped to [from, to). */
  calendarSeries(q: CalendarQuery): CalendarRow[] {
    const by = checkBy(q.by);
    checkRange(q.from, q.to);
    if (q.unit !== 'day' && q.unit !== 'week' && q.unit !== 'month') fail(`unit must be day, week or month, not '${String(q.unit)}'`);
    checkZone(q.tz);
    if ((q.to - q.from) / 86_400_000 > MAX_INTERVALS) fail(`range too long (more than ${MAX_INTERVALS} days)`);
    const { edges, labels } = calendarEdges(q.from, q.to, q.unit, q.tz);
    return this.rowsOf(edges, by, q.where, (i) => ({ period: labels[i] })) as CalendarRow[];
  }

  private rowsOf<E extends object>(edges: number[], by: Dimension[], where: Filter | undefined, extra: (i: number) => E): Array<SeriesRow & E> {
    const merged = this.bucketed(edges, by, where);
    const out: Array<SeriesRow & E> = [];
    const at = (i: number, row: GroupRow) => out.push({ startMs: edges[i], endMs: edges[i + 1], ...extra(i), ...row });
    if (by.length > 0) {
      for (const e of merged) at(e.i, e.row);
      return out;
    }
    let n = 0;
    for (let i = 0; i + 1 < edges.length; i++) {
      if (n < merged.length && merged[n].i === i) at(i, merged[n++].row);
      else at(i, emptyMeasures());
    }
    return out;
  }

  /** The last `limit` failed calls, newest first. */
  recentErrors(q: { limit: number; where?: Filter }): ErrorCall[] {
    if (!Number.isInteger(q.limit) || q.limit < 1 || q.limit > MAX_ERRORS) fail(`limit must be a whole number from 1 to ${MAX_ERRORS}`);
    return this.ledger.reads
      .recentErrors(q.limit, this.expand(q.where))
      .map((e) => ({ ...e, agent: scrub(e.agent), provider: scrub(e.provider), model: scrub(e.model) }));
  }
}

export type { Measures };
