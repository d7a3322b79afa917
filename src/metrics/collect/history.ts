/**
 * The ledger-derived families of one history step, for `clawmeter backfill`:
 * the compat counters, the last run time and the usage families, collected by the
 * live scrape's own functions so names, labels, email scrubbing and model folding
 * are the live scrape's. Families with no history (sessions, auth, quota: only
 * their current state is stored) and process metrics have no step.
 */
import type { HistoryStep } from '../../ledger/history.js';
import type { Folders } from '../../labeling/fold.js';
import { cleanFamilies } from '../guard.js';
import type { MetricFamily } from '../points.js';
import { compatCounterFamilies, lastRunFamily } from './compat.js';
import { usageFamilies } from './usage.js';

/** The step's families, through the same guard as the live scrape (long labels cut alike, non-finite points left out). */
export function historyFamilies(step: HistoryStep, folds: Folders, invalid = { count: 0 }): MetricFamily[] {
  const families = [...compatCounterFamilies(step.totals, folds.model, null), lastRunFamily(step.lastCallMs), ...usageFamilies(step.totals, step.windows, folds, null)];
  return cleanFamilies(
    families.filter((f) => !f.def.otlpOnly), // a Prometheus backfill: OTLP-only views stay out
    invalid,
  );
}
