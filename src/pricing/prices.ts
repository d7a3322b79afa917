/**
 * The price table clawmeter ships, used to estimate the API-equivalent cost of a
 * call whose transcript cost is missing or zero (subscription/OAuth runs, custom
 * providers, misconfigured pricing). It is an estimate at public list prices, not
 * a bill: no discounts, batch or priority tiers, long-context surcharges or
 * regional prices. `--pricing FILE` overrides or extends it (see docs/quota.md).
 *
 * Prices are USD per million tokens. `input` applies to non-cached input tokens
 * (OpenClaw's `usage.input`), `cacheRead` to cached input, `cacheWrite` to cache
 * creation.
 */
import fs from 'node:fs';
import type { ParsedCall } from '../model.js';

export interface ModelPrice {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

export interface PriceTable {
  /** When the built-in prices were last checked (shown in docs and in errors). */
  checked: string;
  /** model key (lower case, no provider prefix, no date suffix) -> price */
  models: Record<string, ModelPrice>;
}

const p = (input: number, output: number, cacheRead: number, cacheWrite: number): ModelPrice => ({
  input,
  output,
  cacheRead,
  cacheWrite,
});

/**
 * Built-in list prices. Keys match a model id exactly, or followed by a release
 * suffix only (a date such as `-20250929` / `-2025-08-07` / `@20250514`, `-latest`,
 * a `-v1:0` revision), so `claude-sonnet-4-5` covers `claude-sonnet-4-5-20250929`
 * but `claude-opus-4` does not price a future `claude-opus-4-6`. Models not listed
 * get no estimate.
 */
export const BUILTIN_PRICES: PriceTable = {
  checked: '2025-11',
  models: {
    // Anthropic (cache write = 5-minute cache creation price)
    'claude-opus-4': p(15, 75, 1.5, 18.75),
    'claude-opus-4-1': p(15, 75, 1.5, 18.75),
    'claude-opus-4-5': p(5, 25, 0.5, 6.25),
    'claude-sonnet-4': p(3, 15, 0.3, 3.75),
    'claude-sonnet-4-5': p(3, 15, 0.3, 3.75),
    'claude-3-7-sonnet': p(3, 15, 0.3, 3.75),
    'claude-3-5-sonnet': p(3, 15, 0.3, 3.75),
    'claude-haiku-4-5': p(1, 5, 0.1, 1.25),
    'claude-3-5-haiku': p(0.8, 4, 0.08, 1),
    // OpenAI (cached input billed at the cached-input price; no cache-write charge)
    'gpt-5': p(1.25, 10, 0.125, 0),
    'gpt-5-codex': p(1.25, 10, 0.125, 0),
    'gpt-5-mini': p(0.25, 2, 0.025, 0),
    'gpt-5-nano': p(0.05, 0.4, 0.005, 0),
    'gpt-5.1': p(1.25, 10, 0.125, 0),
    'gpt-5.1-codex': p(1.25, 10, 0.125, 0),
    'gpt-4.1': p(2, 8, 0.5, 0),
    'gpt-4.1-mini': p(0.4, 1.6, 0.1, 0),
    'gpt-4.1-nano': p(0.1, 0.4, 0.025, 0),
    'gpt-4o': p(2.5, 10, 1.25, 0),
    'gpt-4o-mini': p(0.15, 0.6, 0.075, 0),
    o3: p(2, 8, 0.5, 0),
    'o4-mini': p(1.1, 4.4, 0.275, 0),
  },
};

/** Lower-cased model id without a `provider/` or Bedrock `vendor.` prefix. */
export function normalizeModel(model: string): string {
  let m = model.trim().toLowerCase();
  const slash = m.lastIndexOf('/');
  if (slash >= 0) m = m.slice(slash + 1);
  return m.replace(/^(?:[a-z]{2}\.)?(?:anthropic|openai)\./, '');
}

/** What may follow a price key in a model id: release date, -latest, revision. */
const RELEASE_SUFFIX = /^(?:-\d{8}|-\d{4}-\d{2}-\d{2}|@\d{8}|-latest)?(?:-v\d+(?::\d+)?)?$/;

export class Pricing {
  private readonly keys: string[];

  constructor(readonly table: PriceTable) {
    // Longest first (a shorter key can only match through a release suffix anyway).
    this.keys = Object.keys(table.models).sort((a, b) => b.length - a.length || (a < b ? -1 : 1));
  }

  priceOf(model: string): ModelPrice | null {
    const m = normalizeModel(model);
    for (const k of this.keys) {
      if (m.startsWith(k) && RELEASE_SUFFIX.test(m.slice(k.length))) return this.table.models[k];
    }
    return null;
  }

  /** Estimated USD cost of a call, or null when the model has no price or the call no tokens. */
  estimate(call: Pick<ParsedCall, 'model' | 'input' | 'output' | 'cacheRead' | 'cacheWrite'>): number | null {
    const price = this.priceOf(call.model);
    if (!price) return null;
    const tokens = call.input + call.output + call.cacheRead + call.cacheWrite;
    if (tokens <= 0) return null;
    const usd =
      (call.input * price.input + call.output * price.output + call.cacheRead * price.cacheRead + call.cacheWrite * price.cacheWrite) /
      1e6;
    return Math.round(usd * 1e9) / 1e9;
  }

  /** The hook the ingest cycle takes (`IngestOptions.estimateCost`). */
  estimator(): (call: ParsedCall) => number | null {
    return (call) => this.estimate(call);
  }
}

function priceField(v: unknown, where: string, field: string): number {
  if (v === undefined) return 0;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new Error(`${where}: "${field}" must be a non-negative number (USD per million tokens)`);
  }
  return v;
}

/**
 * Parses a pricing override: `{"replace"?: boolean, "models": {"<model>": {"input", "output",
 * "cacheRead"?, "cacheWrite"?}}}`. Entries are merged over the built-in table unless
 * `replace` is true. Throws with a one-line reason.
 */
export function parsePriceOverride(value: unknown, where: string, base: PriceTable = BUILTIN_PRICES): PriceTable {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error(`${where}: expected a JSON object`);
  const o = value as Record<string, unknown>;
  const models = o.models;
  if (models === null || typeof models !== 'object' || Array.isArray(models)) {
    throw new Error(`${where}: expected "models": { "<model>": { "input": ..., "output": ... } }`);
  }
  const out: Record<string, ModelPrice> = o.replace === true ? {} : { ...base.models };
  for (const [name, raw] of Object.entries(models as Record<string, unknown>)) {
    const key = normalizeModel(name);
    if (!key) throw new Error(`${where}: empty model name`);
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new Error(`${where}: model "${name}" must be an object`);
    const r = raw as Record<string, unknown>;
    if (r.input === undefined || r.output === undefined) throw new Error(`${where}: model "${name}" needs "input" and "output"`);
    out[key] = {
      input: priceField(r.input, where, `${name}.input`),
      output: priceField(r.output, where, `${name}.output`),
      cacheRead: priceField(r.cacheRead, where, `${name}.cacheRead`),
      cacheWrite: priceField(r.cacheWrite, where, `${name}.cacheWrite`),
    };
  }
  return { checked: `${base.checked} + ${where}`, models: out };
}

/** Built-in prices, overridden by a JSON file when given. Throws with a one-line reason. */
export function loadPricing(file?: string): Pricing {
  if (!file) return new Pricing(BUILTIN_PRICES);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`--pricing ${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`--pricing ${file}: not valid JSON`);
  }
  return new Pricing(parsePriceOverride(value, `--pricing ${file}`));
}
