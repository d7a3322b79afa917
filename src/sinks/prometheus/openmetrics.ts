/**
 * OpenMetrics text with timestamps for `clawmeter backfill`: the ledger-derived
 * families (the seed counters, openclaw_usage_* counters, histogram and window
 * gauges, openclaw_codex_last_run_timestamp) rendered from one history step with
 * the live renderer's own family functions, so names, labels, email scrubbing and
 * model folding are those of the live scrape. Every sample carries the extra
 * labels (job, instance, …) the live scrape gets from Prometheus.
 *
 * Families with no history (sessions, auth, quota: only their current state is
 * stored) and process metrics are not written.
 */
import type { HistoryStep } from '../../ledger/history.js';
import { escapeHelp, formatValue, renderLabels, sorted, type Labels, type Sample } from './exposition.js';
import { METRICS, type MetricDef } from './metrics.js';
import { seedCounterFamilies } from './seed-families.js';
import { usageFamilies } from './families.js';
import { cleanSamples } from './labels.js';
import type { Folders } from '../../quota/fold.js';

/** The families a backfill writes (and a test checks against the live renderer). */
export function historyFamilies(step: HistoryStep, folds: Folders): Array<[MetricDef, Sample[]]> {
  return [
    ...seedCounterFamilies(step.totals, folds.model),
    [METRICS.codexLastRun, step.lastCallMs === null ? [] : [{ labels: {}, value: step.lastCallMs / 1000 }]],
    ...usageFamilies(step.totals, step.windows, folds),
  ];
}

/** OpenMetrics names a counter family without its `_total` suffix. */
function familyName(d: MetricDef): string {
  return d.type === 'counter' && d.name.endsWith('_total') ? d.name.slice(0, -'_total'.length) : d.name;
}

function sampleName(d: MetricDef, s: Sample): string {
  if (d.type === 'counter') return `${familyName(d)}_total`;
  return d.name + (s.suffix ?? '');
}

/**
 * One step as OpenMetrics lines (without the final `# EOF`). Samples keep the
 * renderer's label order; the extra labels are merged in and the set sorted.
 */
export function renderStep(families: Array<[MetricDef, Sample[]]>, tsMs: number, extra: Labels): string {
  const ts = (tsMs / 1000).toFixed(3);
  let out = '';
  const invalid = { count: 0 };
  for (const [d, all] of families) {
    // The same bounds as the live scrape: long label values cut alike, non-finite values left out.
    const samples = cleanSamples(all, invalid);
    if (samples.length === 0) continue;
    out += `# HELP ${familyName(d)} ${escapeHelp(d.help)}\n# TYPE ${familyName(d)} ${d.type}\n`;
    for (const s of samples) out += `${sampleName(d, s)}${renderLabels(sorted({ ...s.labels, ...extra }))} ${formatValue(s.value)} ${ts}\n`;
  }
  return out;
}
