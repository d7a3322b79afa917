/**
 * The neutral data points every sink consumes: what a metric's value is, apart
 * from how any wire format writes it. A family is one row of the metric table
 * with its points and, for cumulative instruments (counters, histograms), the
 * time the accumulation started: the ledger's first call for ledger-derived
 * families, the process start for clawmeter's own (so an OTLP exporter can send
 * cumulative sums with a start time, and OpenMetrics can write `_created`).
 *
 * A histogram point holds explicit bucket bounds and per-bucket counts (not
 * cumulative), its total count and sum; the last count is the overflow bucket.
 */
import type { MetricDef } from './table.js';

export type Labels = Record<string, string>;

/** A sum (counter) or gauge value for one label set. */
export interface NumberPoint {
  labels: Labels;
  value: number;
}

export interface HistogramPoint {
  labels: Labels;
  /** upper bounds, ascending (the +Inf bucket is implied) */
  bounds: readonly number[];
  /** per-bucket counts, bounds.length + 1 entries (the last one above every bound) */
  counts: number[];
  count: number;
  sum: number;
}

export type Point = NumberPoint | HistogramPoint;

export interface MetricFamily {
  def: MetricDef;
  /** Unix ms the cumulative values count from; null for gauges or when unknown (an empty ledger). */
  startMs: number | null;
  points: Point[];
}

export function isHistogram(p: Point): p is HistogramPoint {
  return (p as HistogramPoint).bounds !== undefined;
}

/**
 * A histogram point from per-bound counts as the ledger and the ingest stats keep
 * them (`perBound[i]` observations in (bounds[i-1], bounds[i]]) and the total count.
 */
export function histogramPoint(labels: Labels, bounds: readonly number[], perBound: readonly number[], count: number, sum: number): HistogramPoint {
  const counts = bounds.map((_, i) => perBound[i] ?? 0);
  const below = counts.reduce((a, b) => a + b, 0);
  counts.push(Math.max(0, count - below));
  return { labels, bounds, counts, count, sum };
}

/** A family whose points carry no start time (gauges; sums built by a caller that sets it). */
export function family(def: MetricDef, points: Point[], startMs: number | null = null): MetricFamily {
  return { def, startMs: def.type === 'gauge' ? null : startMs, points };
}

/** One unlabelled point, or none when the value is unknown. */
export function single(v: number | null): NumberPoint[] {
  return v === null ? [] : [{ labels: {}, value: v }];
}
