/**
 * `openclaw_usage_runs_failed_total`: turns that ended before any model request
 * (OpenClaw's `run-failed-before-reply` notices), from the ledger's failed-run totals
 * only (no file, no query). Kept apart from the call families on purpose: such a
 * turn is not a model call, so it is never a message or an error there.
 * Labels are bounded: agent folder names, bounded channel tokens, and the
 * categories of src/parse/failed-run.ts.
 */
import { scrub } from '../../labeling/privacy.js';
import { add, list, type Acc } from '../accumulate.js';
import { family, type MetricFamily } from '../points.js';
import { METRICS } from '../table.js';
import type { CollectInput } from './input.js';

export function failedRunFamilies(input: CollectInput): MetricFamily[] {
  const runs: Acc = new Map();
  for (const r of input.ledger.failedRunTotals()) {
    add(runs, { agent: scrub(r.agent), category: r.category, channel: r.channel }, r.runs);
  }
  return [family(METRICS.usageRunsFailed, list(runs), input.startMs)];
}
