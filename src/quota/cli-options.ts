/**
 * `clawmeter serve` flags for the usage, quota and pricing features, kept out of
 * serve.ts: the parseArgs spec, the help lines, and their validation.
 */
import { UsageError, positiveNumber, type OptionSpec } from '../cli/args.js';
import { DEFAULT_WINDOWS, parseWindow, type WindowSpec } from '../ledger/windows.js';
import { loadPricing, type Pricing } from '../pricing/prices.js';
import { loadRateCard, type RateCard } from '../pricing/rate-card.js';
import { DEFAULT_ANTHROPIC_BASE, DEFAULT_CODEX_BASE } from './poller.js';
import { DEFAULT_MAX_AGENTS, DEFAULT_MAX_CHANNELS, DEFAULT_MAX_MODELS } from './fold.js';

/** Flags that shape what goes into the ledger (every command that ingests takes them). */
export const LEDGER_OPTIONS = {
  windows: { type: 'string' },
  'max-models': { type: 'string' },
  'max-agents': { type: 'string' },
  'max-channels': { type: 'string' },
  pricing: { type: 'string' },
  'rate-card': { type: 'string' },
} as const satisfies OptionSpec;

export const LEDGER_HELP = `  --windows LIST         rolling windows for openclaw_usage_window_* (default 5h,7d)
  --max-models N         distinct model label values before the rest are folded into "other" (default ${DEFAULT_MAX_MODELS})
  --max-agents N         distinct agent label values before newcomers are folded into "other" (default ${DEFAULT_MAX_AGENTS})
  --max-channels N       distinct channel label values before newcomers are folded into "other" (default ${DEFAULT_MAX_CHANNELS})
  --pricing FILE         JSON price table merged over the built-in one (cost estimates; see docs/quota.md)
  --rate-card FILE       JSON rate card merged over the built-in one (messages-left fallback)
`;

/** The settings with every flag at its default. */
export function defaultUsageSettings(): UsageSettings {
  return resolveUsageOptions({}, {});
}

export const USAGE_OPTIONS = {
  ...LEDGER_OPTIONS,
  'poll-quota': { type: 'boolean' },
  'codex-usage-url': { type: 'string' },
  'anthropic-usage-url': { type: 'string' },
} as const satisfies OptionSpec;

export const USAGE_HELP = `${LEDGER_HELP}  --poll-quota           poll the providers' usage endpoints with the OAuth access tokens of the
                         auth store (openai-codex, anthropic); off by default, at most every 5 min
  --codex-usage-url URL  base URL for --poll-quota (default ${DEFAULT_CODEX_BASE}; CLAWMETER_CODEX_USAGE_URL)
  --anthropic-usage-url URL
                         base URL for --poll-quota (default ${DEFAULT_ANTHROPIC_BASE}; CLAWMETER_ANTHROPIC_USAGE_URL)
`;

export interface UsageSettings {
  windows: WindowSpec[];
  maxModels: number;
  maxAgents: number;
  maxChannels: number;
  pricing: Pricing;
  rateCard: RateCard;
  poll: { codexBaseUrl: string; anthropicBaseUrl: string } | null;
}

function baseUrl(flag: string, v: string | undefined, fallback: string): string {
  const s = v ?? fallback;
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    throw new UsageError(`--${flag} ${s}: not a URL`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new UsageError(`--${flag} ${s}: expected an http(s) URL`);
  if (u.search || u.hash || u.username || u.password) throw new UsageError(`--${flag} ${s}: expected a base URL without query or credentials`);
  return s.replace(/\/+$/, '');
}

export function resolveUsageOptions(
  values: { [K in keyof typeof USAGE_OPTIONS]?: (typeof USAGE_OPTIONS)[K]['type'] extends 'boolean' ? boolean : string },
  env: NodeJS.ProcessEnv = process.env,
): UsageSettings {
  let windows = DEFAULT_WINDOWS;
  if (values.windows !== undefined) {
    const parts = values.windows.split(',').map((s) => s.trim()).filter(Boolean);
    const parsed = parts.map((p) => parseWindow(p));
    const bad = parts.find((_, i) => parsed[i] === null);
    if (parts.length === 0 || bad !== undefined) {
      throw new UsageError(`--windows ${values.windows}: expected durations such as 5h,7d (units m, h, d, w)`);
    }
    const seen = new Map<string, WindowSpec>();
    for (const w of parsed as WindowSpec[]) seen.set(w.name, w);
    windows = [...seen.values()];
  }
  const maxModels = Math.floor(positiveNumber('max-models', values['max-models'], DEFAULT_MAX_MODELS));
  const maxAgents = Math.floor(positiveNumber('max-agents', values['max-agents'], DEFAULT_MAX_AGENTS));
  const maxChannels = Math.floor(positiveNumber('max-channels', values['max-channels'], DEFAULT_MAX_CHANNELS));
  let pricing: Pricing;
  let rateCard: RateCard;
  try {
    pricing = loadPricing(values.pricing);
    rateCard = loadRateCard(values['rate-card']);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const poll = values['poll-quota']
    ? {
        codexBaseUrl: baseUrl('codex-usage-url', values['codex-usage-url'] ?? env.CLAWMETER_CODEX_USAGE_URL, DEFAULT_CODEX_BASE),
        anthropicBaseUrl: baseUrl(
          'anthropic-usage-url',
          values['anthropic-usage-url'] ?? env.CLAWMETER_ANTHROPIC_USAGE_URL,
          DEFAULT_ANTHROPIC_BASE,
        ),
      }
    : null;
  return { windows, maxModels, maxAgents, maxChannels, pricing, rateCard, poll };
}
