/**
 * The openclaw_usage_* families (calls, tokens, cost, errors, the latency
 * histogram, rolling windows) from the ledger's totals and window rows, with
 * models, agents and channels folded as the ledger's derived state says.
 *
 * Every label value comes from a bounded set: agent folder names, bounded
 * channel/kind tokens, provider ids, models, agents and channels folded to
 * `other` past --max-models / --max-agents / --max-channels, bounded error
 * categories. Session ids, session keys and peer ids never become labels. Points
 * are sorted by label values so every output is deterministic.
 */
import type { TotalsRow, WindowRow } from '../../ledger/ledger.js';
import { LATENCY_BUCKETS_SECONDS } from '../../ledger/buckets.js';
import { foldersOf, type Folders } from '../../labeling/fold.js';
import { scrub } from '../../labeling/privacy.js';
import { add, addKnown, addNew, cmpLabels, keyOf, list, sorted, type Acc } from '../accumulate.js';
import { family, histogramPoint, type HistogramPoint, type Labels, type MetricFamily } from '../points.js';
import { METRICS } from '../table.js';
import type { CollectInput } from './input.js';

const TOKEN_TYPES: Array<[string, 'input' | 'output' | 'cacheRead' | 'cacheWrite']> = [
  ['input', 'input'],
  ['output', 'output'],
  ['cache_read', 'cacheRead'],
  ['cache_write', 'cacheWrite'],
];

/** One base label set's token and cost sums (usageFamilies). */
interface BaseSums {
  labels: Labels;
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  cost: number;
  costEst: number;
}

/** Histograms accumulated by label set (per-bound counts as the ledger keeps them). */
export type Hist = Map<string, { labels: Labels; buckets: number[]; count: number; sum: number }>;

export function addHist(m: Hist, labels: Labels, buckets: readonly number[], count: number, sum: number): void {
  // keyed by the values in the caller's label order (one order per map); sorted once per entry
  const k = keyOf(labels);
  let h = m.get(k);
  if (!h) {
    h = { labels: sorted(labels), buckets: new Array(buckets.length).fill(0), count: 0, sum: 0 };
    m.set(k, h);
  }
  for (let i = 0; i < buckets.length; i++) h.buckets[i] += buckets[i];
  h.count += count;
  h.sum += sum;
}

export function histPoints(m: Hist, bounds: readonly number[]): HistogramPoint[] {
  return [...m.values()]
    .sort((a, b) => cmpLabels(a.labels, b.labels))
    .map((h) => histogramPoint(h.labels, bounds, h.buckets, h.count, Math.round(h.sum * 1e6) / 1e6));
}

/**
 * The usage families from totals and window rows. Exported for `clawmeter
 * backfill`, which collects the same families from the ledger's history.
 */
export function usageFamilies(totals: Iterable<TotalsRow>, windows: Iterable<WindowRow>, folds: Folders, startMs: number | null): MetricFamily[] {
  const fold = folds.model;
  const messages: Acc = new Map();
  const tokens: Acc = new Map();
  const cost: Acc = new Map();
  const costEst: Acc = new Map();
  const errors: Acc = new Map();
  const hist: Hist = new Map();
  const histByCategory: Hist = new Map();
  // Rows sharing the base labels are summed into one entry first (one map lookup per
  // row); keys are the values in label order, as keyOf() builds them, and each labels
  // object is built only when its point is new.
  const NUL = '\u0000';
  const bases = new Map<string, BaseSums>();
  for (const t of totals) {
    const model = scrub(fold(t.model));
    const agent = scrub(folds.agent(t.agent));
    const provider = scrub(t.provider);
    const channel = folds.channel(t.channel);
    const mp = model + NUL + provider + NUL;
    const key = agent + NUL + channel + NUL + mp;
    let b = bases.get(key);
    if (!b) {
      b = { labels: { agent, channel, model, provider }, input: 0, output: 0, cacheRead: 0, cacheWrite: 0, cost: 0, costEst: 0 };
      bases.set(key, b);
    }
    b.input += t.input;
    b.output += t.output;
    b.cacheRead += t.cacheRead;
    b.cacheWrite += t.cacheWrite;
    b.cost += t.costUsd;
    b.costEst += t.costEstimatedUsd;
    const v = t.messages;
    if (t.errorCategory) {
      const k = agent + NUL + t.errorCategory + NUL + mp;
      if (!addKnown(errors, k, v)) addNew(errors, k, { agent, category: t.errorCategory, model, provider }, v);
    } else {
      const k = key + t.kind + NUL;
      if (!addKnown(messages, k, v)) addNew(messages, k, { ...b.labels, kind: t.kind }, v);
    }
    if (t.latencyCount > 0) {
      addHist(hist, { model, provider }, t.latencyBuckets, t.latencyCount, t.latencySumSeconds);
      addHist(histByCategory, { category: t.errorCategory, model, provider }, t.latencyBuckets, t.latencyCount, t.latencySumSeconds);
    }
  }
  for (const [key, b] of bases) {
    for (const [type, field] of TOKEN_TYPES) addNew(tokens, key + type + NUL, { ...b.labels, type }, b[field]);
    addNew(cost, key, b.labels, b.cost);
    addNew(costEst, key, b.labels, b.costEst);
  }

  // Rolling windows (recomputed by the ingest loop).
  const wMessages: Acc = new Map();
  const wTokens: Acc = new Map();
  for (const w of windows) {
    const labels = { model: scrub(fold(w.model)), provider: scrub(w.provider), window: w.window };
    add(wMessages, labels, w.messages);
    add(wTokens, labels, w.input + w.output + w.cacheRead + w.cacheWrite);
  }

  const money = (m: Acc) => list(m).map((s) => ({ ...s, value: Math.round(s.value * 1e9) / 1e9 }));
  return [
    family(METRICS.usageMessages, list(messages), startMs),
    family(METRICS.usageTokens, list(tokens), startMs),
    family(METRICS.usageCost, money(cost), startMs),
    family(METRICS.usageCostEstimated, money(costEst), startMs),
    family(METRICS.usageErrors, list(errors), startMs),
    family(METRICS.usageWindowMessages, list(wMessages)),
    family(METRICS.usageWindowTokens, list(wTokens)),
    family(METRICS.usageCallDuration, histPoints(hist, LATENCY_BUCKETS_SECONDS), startMs),
    family(METRICS.usageCallDurationByCategory, histPoints(histByCategory, LATENCY_BUCKETS_SECONDS), startMs),
  ];
}

/** The usage families of the live read model. */
export function usageFamiliesOf(input: CollectInput): MetricFamily[] {
  return usageFamilies(input.totals, input.ledger.windows(), foldersOf((k) => input.ledger.get(k)), input.startMs);
}
