/**
 * Families beyond the original exporter's (openclaw_usage_*, openclaw_quota_*,
 * openclaw_auth_*, openclaw_sessions). Built from the ledger's read model only:
 * in-memory totals, windows, sessions, auth and quota snapshots, and the derived
 * state the ingest loop committed (model folding, messages-left estimates; see
 * src/quota/derived.ts). No file, no query.
 *
 * Every label value comes from a bounded set: agent folder names, bounded
 * channel/kind/chat-type tokens, provider ids, models, agents and channels folded
 * to `other` past --max-models / --max-agents / --max-channels, bounded error categories and auth reasons, profile names with
 * emails hashed. Session ids, session keys and peer ids never become labels.
 * Samples are sorted by label values so the output is deterministic.
 */
import type { Ledger, TotalsRow, WindowRow } from '../../ledger/ledger.js';
import { LATENCY_BUCKETS_SECONDS } from '../../ledger/buckets.js';
import { safeToken } from '../../parse/session-kind.js';
import { ESTIMATES_KEY, REFRESH_LIMIT, mergeQuota, type EstimatesState } from '../../quota/derived.js';
import { foldersOf, type Folders } from '../../quota/fold.js';
import { sorted, type Labels, type Sample } from './exposition.js';
import { METRICS, type MetricDef } from './metrics.js';
import { accountLabel, add, cmpLabels, keyOf, list, max, min, scrub, type Acc } from './labels.js';

export interface FamilyInput {
  ledger: Ledger;
  totals: TotalsRow[];
  nowMs: number;
  showAccountEmails: boolean;
}


const TOKEN_TYPES: Array<[string, 'input' | 'output' | 'cacheRead' | 'cacheWrite']> = [
  ['input', 'input'],
  ['output', 'output'],
  ['cache_read', 'cacheRead'],
  ['cache_write', 'cacheWrite'],
];

/**
 * The usage families from totals and window rows, with models, agents and channels
 * folded. Exported for `clawmeter backfill`, which renders the same families from
 * the ledger's history.
 */
export function usageFamilies(totals: Iterable<TotalsRow>, windows: Iterable<WindowRow>, folds: Folders): Array<[MetricDef, Sample[]]> {
  const fold = folds.model;
  const messages: Acc = new Map();
  const tokens: Acc = new Map();
  const cost: Acc = new Map();
  const costEst: Acc = new Map();
  const errors: Acc = new Map();
  const hist = new Map<string, { labels: Labels; buckets: number[]; count: number; sum: number }>();
  for (const t of totals) {
    const model = scrub(fold(t.model));
    const agent = scrub(folds.agent(t.agent));
    const provider = scrub(t.provider);
    const base = { agent, channel: folds.channel(t.channel), model, provider };
    if (t.errorCategory) add(errors, { agent, category: t.errorCategory, model, provider }, t.messages);
    else add(messages, { ...base, kind: t.kind }, t.messages);
    for (const [type, field] of TOKEN_TYPES) add(tokens, { ...base, type }, t[field]);
    add(cost, base, t.costUsd);
    add(costEst, base, t.costEstimatedUsd);
    if (t.latencyCount > 0) {
      const labels = sorted({ model, provider });
      const k = keyOf(labels);
      let h = hist.get(k);
      if (!h) {
        h = { labels, buckets: new Array(LATENCY_BUCKETS_SECONDS.length).fill(0), count: 0, sum: 0 };
        hist.set(k, h);
      }
      t.latencyBuckets.forEach((n, i) => (h!.buckets[i] += n));
      h.count += t.latencyCount;
      h.sum += t.latencySumSeconds;
    }
  }
  const histSamples: Sample[] = [];
  for (const h of [...hist.values()].sort((a, b) => cmpLabels(a.labels, b.labels))) {
    let cum = 0;
    LATENCY_BUCKETS_SECONDS.forEach((b, i) => {
      cum += h.buckets[i];
      histSamples.push({ suffix: '_bucket', labels: { ...h.labels, le: String(b) }, value: cum });
    });
    histSamples.push({ suffix: '_bucket', labels: { ...h.labels, le: '+Inf' }, value: h.count });
    histSamples.push({ suffix: '_sum', labels: h.labels, value: Math.round(h.sum * 1e6) / 1e6 });
    histSamples.push({ suffix: '_count', labels: h.labels, value: h.count });
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
    [METRICS.usageMessages, list(messages)],
    [METRICS.usageTokens, list(tokens)],
    [METRICS.usageCost, money(cost)],
    [METRICS.usageCostEstimated, money(costEst)],
    [METRICS.usageErrors, list(errors)],
    [METRICS.usageWindowMessages, list(wMessages)],
    [METRICS.usageWindowTokens, list(wTokens)],
    [METRICS.usageCallDuration, histSamples],
  ];
}

export function quotaFamilies(input: FamilyInput): Array<[MetricDef, Sample[]]> {
  const now = input.nowMs;
  const rows = input.ledger.quota();
  const used: Acc = new Map();
  const resets: Acc = new Map();
  const observed: Acc = new Map();
  const live = new Set<string>();
  for (const q of mergeQuota(rows, now)) {
    const labels = { limit: q.limit, provider: q.provider, window: q.window };
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
    const labels = { limit: e.limit, provider: e.provider, window: e.window };
    if (e.basis === 'provider') {
      // Only while the provider window it was computed for is still the current one.
      if (e.resetsAtMs !== null && e.resetsAtMs <= now) continue;
      if (!live.has(keyOf(labels))) continue;
    } else if (e.resetsAtMs !== null && e.resetsAtMs <= now) continue;
    max(left, labels, e.messagesLeft);
  }

  return [
    [METRICS.quotaUsedRatio, list(used)],
    [METRICS.quotaResetsAt, list(resets)],
    [METRICS.quotaObservedAt, list(observed)],
    [METRICS.quotaRefreshSuccess, list(refresh)],
    [METRICS.quotaMessagesLeft, list(left)],
  ];
}

export function authFamilies(input: FamilyInput): Array<[MetricDef, Sample[]]> {
  const expiry: Acc = new Map();
  const cooldown: Acc = new Map();
  const failures: Acc = new Map();
  for (const p of input.ledger.authProfiles()) {
    const profile = accountLabel(p.profileId, p.email, input.showAccountEmails);
    const provider = safeToken(p.provider);
    if (p.expiresMs !== null) max(expiry, { profile, provider, type: safeToken(p.type) }, p.expiresMs / 1000);
    if (p.cooldownUntilMs !== null && p.cooldownUntilMs > input.nowMs) {
      max(cooldown, { profile, provider, reason: safeToken(p.cooldownReason) }, p.cooldownUntilMs / 1000);
    }
    if (p.disabledUntilMs !== null && p.disabledUntilMs > input.nowMs) {
      max(cooldown, { profile, provider, reason: `disabled_${safeToken(p.disabledReason)}` }, p.disabledUntilMs / 1000);
    }
    for (const [reason, n] of Object.entries(p.failureCounts)) max(failures, { profile, provider, reason: safeToken(reason) }, n);
  }
  return [
    [METRICS.authExpiry, list(expiry)],
    [METRICS.authCooldownUntil, list(cooldown)],
    [METRICS.authFailures, list(failures)],
  ];
}

export function sessionFamilies(input: FamilyInput): Array<[MetricDef, Sample[]]> {
  const sessions: Acc = new Map();
  const folds = foldersOf((k) => input.ledger.get(k));
  for (const s of input.ledger.activeSessions()) {
    add(sessions, { agent: scrub(folds.agent(s.agent)), channel: folds.channel(s.channel), chat_type: s.chatType, kind: s.kind }, 1);
  }
  return [[METRICS.sessions, list(sessions)]];
}

/** The usage families, with models, agents and channels folded as the ledger's derived state says. */
export function usageFamiliesOf(input: FamilyInput): Array<[MetricDef, Sample[]]> {
  return usageFamilies(input.totals, input.ledger.windows(), foldersOf((k) => input.ledger.get(k)));
}
