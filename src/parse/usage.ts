/**
 * Reads the numbers of a transcript's `usage` object under the bounds of
 * src/bounds.ts: token counts and costs may be JSON numbers or numeric strings
 * ("123"); anything non-finite, negative, fractional (tokens) or above the caps
 * makes the call implausible, and the parser skips it with a counted reason.
 */
import { MAX_COST_USD, MAX_TOKENS_PER_FIELD } from '../bounds.js';

export interface UsageNumbers {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  costUsd: number | null;
}

const NUMERIC = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;

/** A JSON number or numeric string as a number; undefined when absent, NaN when unusable. */
function num(v: unknown): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return NUMERIC.test(v) ? Number(v) : NaN;
  return NaN;
}

function tokens(u: Record<string, unknown>, names: string[]): number {
  for (const n of names) {
    const v = num(u[n]);
    if (v === undefined) continue;
    return Number.isInteger(v) && v >= 0 && v <= MAX_TOKENS_PER_FIELD ? v : NaN;
  }
  return 0;
}

function cost(u: Record<string, unknown>): number | null {
  let v = u.cost;
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) v = (v as Record<string, unknown>).total;
  const n = num(v);
  if (n === undefined) return null;
  return Number.isFinite(n) && n >= 0 && n <= MAX_COST_USD ? n : NaN;
}

/** The usage numbers, or a one-line reason when one of them is out of bounds. */
export function readUsage(u: Record<string, unknown>): UsageNumbers | { problem: string } {
  const r: UsageNumbers = {
    input: tokens(u, ['input', 'input_tokens', 'prompt_tokens', 'inputTokens']),
    output: tokens(u, ['output', 'output_tokens', 'completion_tokens', 'outputTokens']),
    cacheRead: tokens(u, ['cacheRead', 'cache_read', 'cache_read_input_tokens', 'cached_tokens', 'cacheReadTokens']),
    cacheWrite: tokens(u, ['cacheWrite', 'cache_write', 'cache_creation_input_tokens', 'cacheWriteTokens']),
    costUsd: cost(u),
  };
  for (const k of ['input', 'output', 'cacheRead', 'cacheWrite', 'costUsd'] as const) {
    const v = r[k];
    if (v !== null && Number.isNaN(v)) return { problem: `usage ${k} out of bounds` };
  }
  return r;
}
