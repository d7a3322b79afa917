/**
 * Published subscription "rate card": how many messages a plan allows per quota
 * window, as the providers publish it. Used ONLY as a fallback for
 * openclaw_quota_messages_left_estimate when the provider reported no usable
 * figure. The providers change these numbers often and count user prompts, not
 * model calls, so the fallback is rough by construction (docs/quota.md).
 * `--rate-card FILE` overrides or extends the table.
 */
import fs from 'node:fs';
import { normalizeModel } from './prices.js';

export interface RateCardEntry {
  /** provider id as used in labels, e.g. "openai-codex", "anthropic" */
  provider: string;
  /** limit family, e.g. "codex" */
  limit: string;
  /** window by duration: "5h", "7d" */
  window: string;
  /** plan name in lower case ("plus", "pro", ...) or "*" for any plan */
  plan: string;
  /** model id (or key prefix, see prices.ts matching) or "*" for any model */
  model: string;
  /** messages per window; the low end of the published range */
  messages: number;
  /** where the number comes from */
  source: string;
}

const CODEX_PRICING_PAGE = 'developers.openai.com/codex/pricing (low end of the published range)';

/** Built-in table: the low end of the ranges published by the providers. */
export const BUILTIN_RATE_CARD: RateCardEntry[] = [
  { provider: 'openai-codex', limit: 'codex', window: '5h', plan: 'plus', model: 'gpt-5.5', messages: 15, source: CODEX_PRICING_PAGE },
  { provider: 'openai-codex', limit: 'codex', window: '5h', plan: 'plus', model: 'gpt-5.4', messages: 20, source: CODEX_PRICING_PAGE },
  { provider: 'openai-codex', limit: 'codex', window: '5h', plan: 'plus', model: 'gpt-5.4-mini', messages: 60, source: CODEX_PRICING_PAGE },
  { provider: 'openai-codex', limit: 'codex', window: '5h', plan: 'plus', model: 'gpt-5.3-codex', messages: 30, source: CODEX_PRICING_PAGE },
  { provider: 'openai-codex', limit: 'codex', window: '5h', plan: 'plus', model: '*', messages: 15, source: CODEX_PRICING_PAGE },
  { provider: 'openai-codex', limit: 'codex', window: '5h', plan: 'pro', model: 'gpt-5.4', messages: 223, source: CODEX_PRICING_PAGE },
  { provider: 'openai-codex', limit: 'codex', window: '5h', plan: 'pro', model: 'gpt-5.4-mini', messages: 743, source: CODEX_PRICING_PAGE },
  { provider: 'openai-codex', limit: 'codex', window: '5h', plan: 'pro', model: 'gpt-5.3-codex', messages: 300, source: CODEX_PRICING_PAGE },
  { provider: 'openai-codex', limit: 'codex', window: '5h', plan: 'pro', model: '*', messages: 223, source: CODEX_PRICING_PAGE },
  {
    provider: 'anthropic',
    limit: 'claude',
    window: '5h',
    plan: 'max_20x',
    model: '*',
    messages: 200,
    source: 'Anthropic Max 20x guidance, 2025: 200-800 Claude Code prompts per 5 h (low end)',
  },
];

export class RateCard {
  constructor(readonly entries: RateCardEntry[]) {}

  /**
   * The messages-per-window figure for a provider/limit/window/plan, preferring an
   * entry for the given model, then the plan's "*" model, then plan "*".
   */
  lookup(q: { provider: string; limit: string; window: string; plan: string | null; model: string | null }): RateCardEntry | null {
    const plan = q.plan?.toLowerCase() ?? null;
    const model = q.model ? normalizeModel(q.model) : null;
    let best: RateCardEntry | null = null;
    let bestScore = -1;
    for (const e of this.entries) {
      if (e.provider !== q.provider || e.limit !== q.limit || e.window !== q.window) continue;
      const planScore = e.plan === '*' ? 0 : plan !== null && e.plan === plan ? 2 : -1;
      if (planScore < 0) continue;
      const modelScore = e.model === '*' ? 0 : model !== null && modelMatches(model, e.model) ? 1 : -1;
      if (modelScore < 0) continue;
      const score = planScore + modelScore;
      if (score > bestScore) {
        best = e;
        bestScore = score;
      }
    }
    return best;
  }

  /** Every (provider, limit, window) the card has figures for. */
  windows(): Array<{ provider: string; limit: string; window: string }> {
    const seen = new Map<string, { provider: string; limit: string; window: string }>();
    for (const e of this.entries) seen.set(`${e.provider}\u0000${e.limit}\u0000${e.window}`, { provider: e.provider, limit: e.limit, window: e.window });
    return [...seen.values()].sort((a, b) => (`${a.provider}\u0000${a.limit}\u0000${a.window}` < `${b.provider}\u0000${b.limit}\u0000${b.window}` ? -1 : 1));
  }
}

function modelMatches(model: string, key: string): boolean {
  const k = normalizeModel(key);
  return model === k || (model.startsWith(k) && /^(?:-\d{8}|-\d{4}-\d{2}-\d{2}|-latest)$/.test(model.slice(k.length)));
}

const WINDOW_RE = /^\d{1,5}[mhdw]$/;
const TOKEN_RE = /^[a-z0-9*][a-z0-9_.*-]{0,63}$/;

/**
 * Parses a rate-card override: `{"replace"?: boolean, "entries": [{provider, limit, window,
 * plan, model?, messages, source?}]}`. Entries replace built-in ones with the same
 * (provider, limit, window, plan, model), others are added; `replace: true` drops the
 * built-in table. Throws with a one-line reason.
 */
export function parseRateCard(value: unknown, where: string, base: RateCardEntry[] = BUILTIN_RATE_CARD): RateCardEntry[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error(`${where}: expected a JSON object`);
  const o = value as Record<string, unknown>;
  if (!Array.isArray(o.entries)) throw new Error(`${where}: expected "entries": [ {provider, limit, window, plan, messages} ]`);
  const key = (e: RateCardEntry) => `${e.provider}\u0000${e.limit}\u0000${e.window}\u0000${e.plan}\u0000${e.model}`;
  const out = new Map<string, RateCardEntry>();
  if (o.replace !== true) for (const e of base) out.set(key(e), e);
  o.entries.forEach((raw, i) => {
    const at = `${where}: entries[${i}]`;
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new Error(`${at} must be an object`);
    const r = raw as Record<string, unknown>;
    const s = (f: string, dflt?: string): string => {
      const v = r[f] ?? dflt;
      if (typeof v !== 'string' || !TOKEN_RE.test(v.toLowerCase())) throw new Error(`${at}: "${f}" must be a short lower-case name`);
      return v.toLowerCase();
    };
    const window = s('window');
    if (!WINDOW_RE.test(window)) throw new Error(`${at}: "window" must be a duration such as 5h or 7d`);
    const messages = r.messages;
    if (typeof messages !== 'number' || !Number.isFinite(messages) || messages <= 0) throw new Error(`${at}: "messages" must be a positive number`);
    const e: RateCardEntry = {
      provider: s('provider'),
      limit: s('limit'),
      window,
      plan: s('plan', '*'),
      model: s('model', '*'),
      messages,
      source: typeof r.source === 'string' ? r.source.slice(0, 200) : where,
    };
    out.set(key(e), e);
  });
  return [...out.values()];
}

/** Built-in rate card, overridden by a JSON file when given. Throws with a one-line reason. */
export function loadRateCard(file?: string): RateCard {
  if (!file) return new RateCard(BUILTIN_RATE_CARD);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`--rate-card ${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`--rate-card ${file}: not valid JSON`);
  }
  return new RateCard(parseRateCard(value, `--rate-card ${file}`));
}
