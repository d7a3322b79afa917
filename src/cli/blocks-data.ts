/**
 * The 5-hour usage blocks of `clawmeter blocks`, for every provider: a block
 * starts at the whole hour of the first call after the previous block ended and
 * lasts 5 hours (the way subscription windows count). The active block (it has
 * not ended) gets a burn rate (tokens and messages per hour since it started)
 * and a projection of when the provider's window limit is hit at that rate: from
 * the provider-reported used ratio of its 5-hour window where known, else from
 * the messages-left estimate of the plan's published limit (labelled estimate).
 * Sums come from the query API's quarter-hour series, so they are exact.
 */
import { emptyMeasures, type Measures } from '../ledger/query-types.js';
import type { Filter, LedgerQuery } from '../query/index.js';
import { QUOTA_PROVIDER_ALIASES } from '../quota/derived.js';

export const BLOCK_MS = 5 * 3_600_000;
const HOUR = 3_600_000;
const STEP = 15 * 60_000;

export interface Block extends Measures {
  provider: string;
  startMs: number;
  endMs: number;
  active: boolean;
  /** active block only */
  burn?: { tokensPerHour: number; messagesPerHour: number };
  /** active block only: when the window limit is hit at the burn rate (null: not before the window resets, or unknown) */
  projection?: { basis: 'provider' | 'estimate' | 'none'; usedRatio: number | null; limitAtMs: number | null; resetsAtMs: number | null; note: string };
}

/** Which quota provider's windows a ledger provider's calls count against. */
function quotaProviderOf(provider: string): string {
  for (const [q, aliases] of Object.entries(QUOTA_PROVIDER_ALIASES)) if (aliases.includes(provider)) return q;
  return provider;
}

export function buildBlocks(q: LedgerQuery, o: { from: number; to: number; nowMs: number; where: Filter }): Block[] {
  if (!(o.to > o.from)) return [];
  const from = Math.floor(o.from / STEP) * STEP;
  const rows = q.series({ from, to: o.to, stepMs: STEP, by: ['provider'], where: o.where });
  const blocks: Block[] = [];
  const open = new Map<string, Block>();
  for (const r of rows) {
    if (r.messages + r.errors === 0) continue;
    const provider = r.provider ?? '';
    let b = open.get(provider);
    if (!b || r.startMs >= b.endMs) {
      const start = Math.floor(r.startMs / HOUR) * HOUR;
      b = { provider, startMs: start, endMs: start + BLOCK_MS, active: false, ...emptyMeasures() };
      open.set(provider, b);
      blocks.push(b);
    }
    for (const k of ['messages', 'errors', 'input', 'output', 'cacheRead', 'cacheWrite', 'totalTokens', 'costUsd', 'costEstimatedUsd'] as const) b[k] += r[k];
  }
  const quota = q.quotaView(o.nowMs);
  for (const b of blocks) {
    b.costUsd = Math.round(b.costUsd * 1e9) / 1e9;
    b.costEstimatedUsd = Math.round(b.costEstimatedUsd * 1e9) / 1e9;
    if (!(b.endMs > o.nowMs && b.startMs <= o.nowMs)) continue;
    b.active = true;
    const hours = Math.max(0.25, (o.nowMs - b.startMs) / HOUR);
    const burn = { tokensPerHour: Math.round(b.totalTokens / hours), messagesPerHour: Math.round((10 * b.messages) / hours) / 10 };
    b.burn = burn;
    const qp = quotaProviderOf(b.provider);
    const reported = quota.windows.filter((w) => w.provider === qp && w.windowMinutes === 300).sort((x, y) => y.usedRatio - x.usedRatio)[0];
    if (reported) {
      const windowStart = reported.resetsAtMs !== null ? reported.resetsAtMs - BLOCK_MS : null;
      const elapsed = windowStart !== null ? reported.observedAtMs - windowStart : null;
      let limitAtMs: number | null = null;
      if (reported.usedRatio >= 1) limitAtMs = reported.observedAtMs;
      else if (elapsed !== null && elapsed > 0 && reported.usedRatio > 0) {
        const at = reported.observedAtMs + ((1 - reported.usedRatio) * elapsed) / reported.usedRatio;
        limitAtMs = reported.resetsAtMs === null || at < reported.resetsAtMs ? Math.round(at) : null;
      }
      b.projection = {
        basis: 'provider',
        usedRatio: reported.usedRatio,
        limitAtMs,
        resetsAtMs: reported.resetsAtMs,
        note: limitAtMs === null ? 'not hit before the window resets at this rate' : 'limit hit at this rate',
      };
      continue;
    }
    const est = quota.estimates.find((e) => e.provider === qp && e.window === '5h');
    if (est && burn.messagesPerHour === 0) {
      b.projection = { basis: 'estimate', usedRatio: null, limitAtMs: null, resetsAtMs: b.endMs, note: `no messages in this block yet (estimate: ${est.messagesLeft} messages left)` };
    } else if (est) {
      const at = o.nowMs + (est.messagesLeft / burn.messagesPerHour) * HOUR;
      b.projection = {
        basis: 'estimate',
        usedRatio: est.used + est.messagesLeft > 0 ? est.used / (est.used + est.messagesLeft) : null,
        limitAtMs: at < b.endMs ? Math.round(at) : null,
        resetsAtMs: b.endMs,
        note: `estimate from the plan's published limit (${est.messagesLeft} messages left)`,
      };
    } else b.projection = { basis: 'none', usedRatio: null, limitAtMs: null, resetsAtMs: b.endMs, note: 'no provider report and no plan limit known' };
  }
  return blocks;
}
