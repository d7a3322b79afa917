/**
 * The openclaw_quota_* gauges from the ledger's quota snapshots and the
 * messages-left estimates the ingest loop committed (src/quota/derived.ts): the
 * derived-state keys are read here, in the metric model, so no sink imports them.
 * Labels are bounded: provider ids, limit and window names from the providers'
 * bounded sets, and `account` (hashed, at most MAX_QUOTA_ACCOUNTS per provider
 * plus `other`, see mergeQuota).
 */
import { ESTIMATES_KEY, REFRESH_LIMIT, mergeQuota, type EstimatesState } from '../../quota/derived.js';
import { DEFAULT_ACCOUNT } from '../../labeling/privacy.js';
import { add, keyOf, list, max, min, type Acc } from '../accumulate.js';
import { family, type MetricFamily } from '../points.js';
import { METRICS } from '../table.js';
import type { CollectInput } from './input.js';

export function quotaFamilies(input: CollectInput): MetricFamily[] {
  const now = input.nowMs;
  const rows = input.ledger.quota();
  const used: Acc = new Map();
  const resets: Acc = new Map();
  const observed: Acc = new Map();
  const live = new Set<string>();
  for (const q of mergeQuota(rows, now)) {
    const labels = { account: q.account ?? DEFAULT_ACCOUNT, limit: q.limit, provider: q.provider, window: q.window };
    live.add(keyOf(labels));
    add(used, labels, q.usedRatio);
    if (q.resetsAtMs !== null) add(resets, labels, q.resetsAtMs / 1000);
    add(observed, labels, q.observedAtMs / 1000);
  }

  // Refresh status: 0 if any agent's last attempt for the provider failed.
  const refresh: Acc = new Map();
  for (const r of rows) {
    if (r.limit !== REFRESH_LIMIT) continue;
    min(refresh, { provider: r.provider }, r.usedRatio >= 1 ? 1 : 0);
  }

  const left: Acc = new Map();
  const est = input.ledger.get(ESTIMATES_KEY) as EstimatesState | undefined;
  for (const e of est?.estimates ?? []) {
    const labels = { account: e.account ?? DEFAULT_ACCOUNT, limit: e.limit, provider: e.provider, window: e.window };
    if (e.basis === 'provider') {
      // Only while the provider window it was computed for is still the current one.
      if (e.resetsAtMs !== null && e.resetsAtMs <= now) continue;
      if (!live.has(keyOf(labels))) continue;
    } else if (e.resetsAtMs !== null && e.resetsAtMs <= now) continue;
    max(left, labels, e.messagesLeft);
  }

  return [
    family(METRICS.quotaUsedRatio, list(used)),
    family(METRICS.quotaResetsAt, list(resets)),
    family(METRICS.quotaObservedAt, list(observed)),
    family(METRICS.quotaRefreshSuccess, list(refresh)),
    family(METRICS.quotaMessagesLeft, list(left)),
  ];
}
