/**
 * `openclaw_usage_runs_failed_total` and the run-duration histogram. Failed runs: turns that ended before any model request
 * (OpenClaw's `run-failed-before-reply` notices), from the ledger's failed-run totals
 * only (no file, no query). Kept apart from the call families on purpose: such a
 * turn is not a model call, so it is never a message or an error there.
 * Labels are bounded: agent folder names, bounded channel tokens, and the
 * categories of src/parse/failed-run.ts.
 */
import { RUN_BUCKETS_SECONDS } from '../../ledger/run-durations.js';
import { foldersOf } from '../../labeling/fold.js';
import { scrub } from '../../labeling/privacy.js';
import { add, list, type Acc } from '../accumulate.js';
import { family, type MetricFamily } from '../points.js';
import { METRICS } from '../table.js';
import type { CollectInput } from './input.js';
import { addHist, histPoints, type Hist } from './usage.js';

export function failedRunFamilies(input: CollectInput): MetricFamily[] {
  const runs: Acc = new Map();
  for (const r of input.ledger.failedRunTotals()) {
    add(runs, { agent: scrub(r.agent), category: r.category, channel: r.channel }, r.runs);
  }
  return [family(METRICS.usageRunsFailed, list(runs), input.startMs)];
}

/**
 * `openclaw_usage_run_duration_seconds` (OTLP `openclaw.run.duration_ms`): the
 * ledger's run durations (src/ledger/run-durations.ts) by agent, channel, provider
 * and model, folded like the call families.
 */
export function runDurationFamilies(input: CollectInput): MetricFamily[] {
  const folds = foldersOf((k) => input.ledger.get(k));
  const hist: Hist = new Map();
  for (const r of input.ledger.runDurations()) {
    const labels = { agent: scrub(folds.agent(r.agent)), channel: folds.channel(r.channel), model: scrub(folds.model(r.model)), provider: scrub(r.provider) };
    addHist(hist, labels, r.buckets, r.count, r.sumSeconds);
  }
  return [family(METRICS.usageRunDuration, histPoints(hist, RUN_BUCKETS_SECONDS), input.startMs)];
}
