/**
 * State derived from the ledger at ingest time (never during a scrape) and
 * committed back into it as this source's persisted state (`state` batches), so that the Prometheus families stay a pure
 * read of the ledger:
 *
 * - **Label folding** (`derived:model-fold`, `derived:agent-fold`,
 *   `derived:channel-fold`): sticky decisions that fold models, agents and
 *   channels past their limits into `other` (see src/labeling/fold.ts).
 *
 * - **Messages-left estimate** (`derived:quota-estimates`). For each provider
 *   quota window: the ledger's completed calls of that provider since the window
 *   started (reset time minus window length), extrapolated with the provider's
 *   used ratio: left = used_calls * (1 - ratio) / ratio. When the provider gave
 *   no usable figure (ratio 0, no calls counted in the window, or no report at
 *   all) the published rate card is the fallback. Calls, not prompts: see
 *   docs/quota.md for why this is rough. One estimate per quota account; the
 *   ledger does not know which account a call used, so the provider's calls
 *   are counted for each (with several accounts, an upper bound per account).
 */
import type { Ledger, QuotaRow } from '../ledger/ledger.js';
import type { Cursor, PollContext, Source, SourceBatch } from '../model.js';
import { parseWindow } from '../ledger/windows.js';
import type { RateCard } from '../pricing/rate-card.js';
import {
  AGENT_FOLD_KEY,
  CHANNEL_FOLD_KEY,
  DEFAULT_MAX_AGENTS,
  DEFAULT_MAX_CHANNELS,
  FOLD_KEY,
  OTHER,
  nextFold,
  type FoldState,
} from '../labeling/fold.js';

export { FOLD_KEY, AGENT_FOLD_KEY, CHANNEL_FOLD_KEY, OTHER_MODEL, modelFolder, type FoldState } from '../labeling/fold.js';
export const ESTIMATES_KEY = 'derived:quota-estimates';
import { REFRESH_LIMIT } from '../model.js';
import { DEFAULT_ACCOUNT } from '../labeling/privacy.js';
export { REFRESH_LIMIT };

export interface QuotaEstimate {
  provider: string;
  limit: string;
  window: string;
  /** the quota account (see mergeQuota); `default` for rate-card-only estimates */
  account: string;
  messagesLeft: number;
  /** provider: from the used ratio; rate_card: from the published table */
  basis: 'provider' | 'rate_card';
  /** reset time of the provider window the estimate is for; null for rate-card windows */
  resetsAtMs: number | null;
  /** calls the ledger counted in the window */
  used: number;
  /** rate-card estimates without any provider report: the plan limit the estimate is against (messages per window; plan as in the rate card, `*` for any) */
  planLimit?: { messages: number; plan: string };
}

export interface EstimatesState extends Cursor {
  estimates: QuotaEstimate[];
}

/** Ledger provider ids whose calls consume a quota provider's windows. */
export const QUOTA_PROVIDER_ALIASES: Record<string, string[]> = {
  'openai-codex': ['openai-codex', 'codex', 'codex-cli'],
  anthropic: ['anthropic', 'claude-cli'],
};

/** Model filter for model-scoped limits (SQL LIKE pattern on lower(model)); undefined = not countable. */
export function limitModelPattern(provider: string, limit: string): string | null | undefined {
  if (provider === 'openai-codex') return limit === 'codex' ? null : undefined;
  if (provider === 'anthropic') {
    if (limit === 'claude') return null;
    if (limit === 'claude_opus') return '%opus%';
    if (limit === 'claude_sonnet') return '%sonnet%';
    return undefined;
  }
  return undefined;
}

/** Accounts of one provider exported under their own `account` value; the rest are `other`. */
export const MAX_QUOTA_ACCOUNTS = 4;

const mergeKey = (r: QuotaRow) => `${r.provider}\u0000${r.limit}\u0000${r.window}\u0000${r.account ?? DEFAULT_ACCOUNT}`;

/**
 * Bounds the accounts of each provider: `default` first, then the others in
 * hash order, up to MAX_QUOTA_ACCOUNTS; the rest are relabelled `other`. These
 * are gauges, so the choice needs no stickiness (no counter can go down).
 */
function accountFolder(rows: QuotaRow[]): (r: QuotaRow) => string {
  const byProvider = new Map<string, Set<string>>();
  for (const r of rows) {
    let set = byProvider.get(r.provider);
    if (!set) byProvider.set(r.provider, (set = new Set()));
    set.add(r.account ?? DEFAULT_ACCOUNT);
  }
  const kept = new Map<string, Set<string>>();
  for (const [provider, set] of byProvider) {
    const order = [...set].sort((a, b) => (a === DEFAULT_ACCOUNT ? -1 : b === DEFAULT_ACCOUNT ? 1 : a < b ? -1 : a > b ? 1 : 0));
    kept.set(provider, new Set(order.slice(0, MAX_QUOTA_ACCOUNTS)));
  }
  return (r) => {
    const a = r.account ?? DEFAULT_ACCOUNT;
    return kept.get(r.provider)!.has(a) ? a : OTHER;
  };
}

/**
 * One row per (provider, limit, window, account): the newest report across agents
 * and origins (rollouts, polling), with `account` always set (bounded, see
 * accountFolder). Reports whose window has already reset are dropped: their ratio
 * belongs to a window that is over. Refresh-status rows are excluded.
 */
export function mergeQuota(rows: QuotaRow[], nowMs: number): QuotaRow[] {
  const quota = rows.filter((r) => r.limit !== REFRESH_LIMIT);
  const accountOf = accountFolder(quota);
  const best = new Map<string, QuotaRow>();
  for (const raw of quota) {
    if (raw.resetsAtMs !== null && raw.resetsAtMs <= nowMs) continue;
    const r = { ...raw, account: accountOf(raw) };
    const k = mergeKey(r);
    const cur = best.get(k);
    if (!cur || r.observedAtMs > cur.observedAtMs || (r.observedAtMs === cur.observedAtMs && r.usedRatio > cur.usedRatio)) {
      best.set(k, r);
    }
  }
  return [...best.values()].sort((a, b) => {
    const ka = mergeKey(a);
    const kb = mergeKey(b);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
}

export interface DerivedOptions {
  maxModels: number;
  /** distinct agents before newcomers fold into `other` (default DEFAULT_MAX_AGENTS) */
  maxAgents?: number;
  /** distinct channels before newcomers fold into `other` (default DEFAULT_MAX_CHANNELS) */
  maxChannels?: number;
  rateCard: RateCard;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The source that recomputes the derived state after the other sources of a cycle. */
export class DerivedStateSource implements Source {
  readonly name = 'derived';

  constructor(
    private readonly ledger: Ledger,
    private readonly opts: DerivedOptions,
  ) {}

  *poll(ctx: PollContext): Iterable<SourceBatch> {
    const cursors: Array<[string, Cursor | null]> = [];
    for (const [key, state] of this.folds(ctx)) {
      if (!sameJson(state, ctx.cursors.get(key))) cursors.push([key, state]);
    }
    const prevEst = ctx.cursors.get(ESTIMATES_KEY) as EstimatesState | undefined;
    const est: EstimatesState = { estimates: this.estimates(ctx.nowMs()) };
    if (!sameJson(est, prevEst ?? { estimates: [] })) cursors.push([ESTIMATES_KEY, est]);
    if (cursors.length === 0) return;
    yield { kind: 'state', cursors };
  }

  /** Sticky model admission (see src/labeling/fold.ts). */
  fold(prev: FoldState | undefined): FoldState {
    const messages = new Map<string, number>();
    for (const t of this.ledger.totals()) messages.set(t.model, (messages.get(t.model) ?? 0) + t.messages);
    return nextFold(prev, this.opts.maxModels, messages);
  }

  /** The model, agent and channel fold states, from lifetime message counts (sessions count 0). */
  folds(ctx: Pick<PollContext, 'cursors'>): Array<[string, FoldState]> {
    const models = new Map<string, number>();
    const agents = new Map<string, number>();
    const channels = new Map<string, number>();
    const bump = (m: Map<string, number>, k: string, n: number) => m.set(k, (m.get(k) ?? 0) + n);
    for (const t of this.ledger.totals()) {
      bump(models, t.model, t.messages);
      bump(agents, t.agent, t.messages);
      bump(channels, t.channel, t.messages);
    }
    for (const s of this.ledger.activeSessions()) {
      bump(agents, s.agent, 0);
      bump(channels, s.channel, 0);
    }
    const prev = (k: string) => ctx.cursors.get(k) as FoldState | undefined;
    return [
      [FOLD_KEY, nextFold(prev(FOLD_KEY), this.opts.maxModels, models)],
      [AGENT_FOLD_KEY, nextFold(prev(AGENT_FOLD_KEY), this.opts.maxAgents ?? DEFAULT_MAX_AGENTS, agents)],
      [CHANNEL_FOLD_KEY, nextFold(prev(CHANNEL_FOLD_KEY), this.opts.maxChannels ?? DEFAULT_MAX_CHANNELS, channels)],
    ];
  }

  private count(provider: string, pattern: string | null, sinceMs: number, nowMs: number): { n: number; topModel: string | null } {
    const providers = QUOTA_PROVIDER_ALIASES[provider] ?? [provider];
    const rows = this.ledger.reads.completedByModel({ providers, modelLike: pattern, sinceMs, untilMs: nowMs });
    return { n: rows.reduce((s, r) => s + r.n, 0), topModel: rows[0]?.model ?? null };
  }

  /** Plan of the provider's subscription, from its reports or its auth profiles. */
  private planOf(provider: string, reported: string | null): string | null {
    if (reported) return reported;
    for (const p of this.ledger.authProfiles()) {
      const prov = p.provider === 'openai' && p.type === 'oauth' ? 'openai-codex' : p.provider;
      if (prov === provider && p.plan) return p.plan;
    }
    return null;
  }

  private hasSubscription(provider: string): boolean {
    return this.ledger.authProfiles().some((p) => {
      const prov = p.provider === 'openai' && p.type === 'oauth' ? 'openai-codex' : p.provider;
      return prov === provider && (p.type === 'oauth' || p.type === 'token');
    });
  }

  estimates(nowMs: number): QuotaEstimate[] {
    const out: QuotaEstimate[] = [];
    const merged = mergeQuota(this.ledger.quota(), nowMs);
    const reported = new Set<string>();
    for (const q of merged) {
      reported.add(`${q.provider}\u0000${q.limit}\u0000${q.window}`);
      const pattern = limitModelPattern(q.provider, q.limit);
      if (pattern === undefined) continue; // cannot tell which calls this limit counts
      const windowMs = q.windowMinutes * 60_000;
      const since = q.resetsAtMs !== null ? q.resetsAtMs - windowMs : nowMs - windowMs;
      const c = this.count(q.provider, pattern, since, nowMs);
      const u = q.usedRatio;
      let left: number | null = null;
      let basis: QuotaEstimate['basis'] = 'provider';
      if (u >= 1) left = 0;
      else if (u >= 0.01 && c.n > 0) left = Math.round((c.n * (1 - u)) / u);
      else {
        const card = this.opts.rateCard.lookup({
          provider: q.provider,
          limit: q.limit,
          window: q.window,
          plan: this.planOf(q.provider, q.plan),
          model: c.topModel,
        });
        if (card) {
          left = Math.max(0, Math.round(card.messages * (1 - u)));
          basis = 'rate_card';
        }
      }
      if (left !== null) {
        const account = q.account ?? DEFAULT_ACCOUNT;
        out.push({ provider: q.provider, limit: q.limit, window: q.window, account, messagesLeft: left, basis, resetsAtMs: q.resetsAtMs, used: c.n });
      }
    }
    // No provider figure at all: the rate card alone, for subscriptions we know of.
    for (const w of this.opts.rateCard.windows()) {
      if (reported.has(`${w.provider}\u0000${w.limit}\u0000${w.window}`)) continue;
      if (!this.hasSubscription(w.provider)) continue;
      const spec = parseWindow(w.window);
      const pattern = limitModelPattern(w.provider, w.limit);
      if (!spec || pattern === undefined) continue;
      const c = this.count(w.provider, pattern, nowMs - spec.ms, nowMs);
      const card = this.opts.rateCard.lookup({ ...w, plan: this.planOf(w.provider, null), model: c.topModel });
      if (!card) continue;
      out.push({ ...w, account: DEFAULT_ACCOUNT, messagesLeft: Math.max(0, card.messages - c.n), basis: 'rate_card', resetsAtMs: null, used: c.n, planLimit: { messages: card.messages, plan: card.plan } });
    }
    return out;
  }
}
