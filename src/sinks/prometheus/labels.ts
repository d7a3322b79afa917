/**
 * Label values and sample lists shared by every family: the privacy rules (PII
 * scrubbing, account names, the length bound; src/labeling/privacy.ts, shared with
 * the query API), the finite-value guard, and accumulation into deterministic,
 * sorted sample lists.
 */
import { MAX_LABEL_LENGTH, boundLabel } from '../../labeling/privacy.js';
import { sorted, type Labels, type Sample } from './exposition.js';

export { scrub, accountLabel, MAX_LABEL_LENGTH, boundLabel } from '../../labeling/privacy.js';

/**
 * The last guard before exposition, applied to every family: label values are
 * length-bounded, and a sample whose value is not a finite number (NaN, ±Inf: a
 * counter the ledger could not hold) is left out and counted in `invalid`, never
 * printed. Returns the input array when nothing needed changing.
 */
export function cleanSamples(samples: Sample[], invalid: { count: number }): Sample[] {
  let out: Sample[] | null = null;
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i];
    let fixed: Sample | null = s;
    if (!Number.isFinite(s.value)) {
      invalid.count++;
      fixed = null;
    } else {
      for (const n in s.labels) {
        if (s.labels[n].length > MAX_LABEL_LENGTH) {
          const labels: Labels = {};
          for (const k in s.labels) labels[k] = boundLabel(s.labels[k]);
          fixed = { ...s, labels };
          break;
        }
      }
    }
    if (fixed !== s && out === null) out = samples.slice(0, i);
    if (out !== null && fixed !== null) out.push(fixed);
  }
  return out ?? samples;
}

export function cmpLabels(a: Labels, b: Labels): number {
  const ka = Object.values(a).join('\u0000');
  const kb = Object.values(b).join('\u0000');
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/**
 * Samples accumulated by label set. Entries are keyed by the label values in the
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

/** Adds v to the sample with these labels. */
export function add(m: Acc, labels: Labels, v: number): void {
  const k = keyOf(labels);
  const cur = m.get(k);
  if (cur) cur.value += v;
  else m.set(k, entry(labels, v));
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

/** The accumulated samples, sorted by label values. */
export function list(m: Acc): Sample[] {
  return [...m.values()]
    .sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0))
    .map((s) => ({ labels: s.labels, value: s.value }));
}
