/**
 * Accumulation of values into deterministic point lists: one entry per label
 * set, summed or keeping the largest or smallest value, listed sorted by label
 * values with the labels themselves sorted by name (the original exporter's order).
 */
import type { Labels, NumberPoint } from './points.js';

/** Labels with keys sorted alphabetically (the original exporter's order). */
export function sorted(labels: Labels): Labels {
  const out: Labels = {};
  for (const k of Object.keys(labels).sort()) out[k] = labels[k];
  return out;
}

export function cmpLabels(a: Labels, b: Labels): number {
  const ka = Object.values(a).join('\u0000');
  const kb = Object.values(b).join('\u0000');
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/**
 * Points accumulated by label set. Entries are keyed by the label values in the
 * order the call site passes them (each call site uses one order per map), and keep
 * the labels sorted by name plus a sort key, computed once per entry.
 */
export type Acc = Map<string, { labels: Labels; value: number; sortKey: string }>;

export function keyOf(labels: Labels): string {
  let k = '';
  for (const n in labels) k += labels[n] + '\u0000';
  return k;
}

function entry(labels: Labels, value: number): { labels: Labels; value: number; sortKey: string } {
  const l = sorted(labels);
  return { labels: l, value, sortKey: keyOf(l) };
}

/** Adds v to the point with these labels. */
export function add(m: Acc, labels: Labels, v: number): void {
  const k = keyOf(labels);
  const cur = m.get(k);
  if (cur) cur.value += v;
  else m.set(k, entry(labels, v));
}

/**
 * add() for a hot loop that already knows the entry's key (keyOf of the labels it
 * would pass): adds v and returns true when the entry exists, else returns false and
 * the caller creates it with addNew(), so the labels object is built once per entry,
 * not once per value (the usage families add ~8 values per totals row).
 */
export function addKnown(m: Acc, k: string, v: number): boolean {
  const cur = m.get(k);
  if (!cur) return false;
  cur.value += v;
  return true;
}

/** A new entry under key `k`, which must be keyOf(labels). */
export function addNew(m: Acc, k: string, labels: Labels, v: number): void {
  m.set(k, entry(labels, v));
}

/** Keeps the largest value per label set (the same profile seen by several agents). */
export function max(m: Acc, labels: Labels, v: number): void {
  const k = keyOf(labels);
  const cur = m.get(k);
  if (!cur) m.set(k, entry(labels, v));
  else if (v > cur.value) cur.value = v;
}

/** Keeps the smallest value per label set. */
export function min(m: Acc, labels: Labels, v: number): void {
  const k = keyOf(labels);
  const cur = m.get(k);
  if (!cur) m.set(k, entry(labels, v));
  else if (v < cur.value) cur.value = v;
}

/** The accumulated points, sorted by label values. */
export function list(m: Acc): NumberPoint[] {
  return [...m.values()]
    .sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0))
    .map((s) => ({ labels: s.labels, value: s.value }));
}
