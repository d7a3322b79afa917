/**
 * Plausibility bounds shared by the parser (which skips implausible calls with a
 * counted reason) and the ledger (which re-checks every call it stores, whatever
 * source produced it). Kept apart from model.ts because it holds code, not types;
 * it imports nothing from the project, so every layer may use it.
 *
 * - token counts: finite, integral, 0 ≤ n ≤ MAX_TOKENS_PER_FIELD per field per call;
 * - cost: finite, 0 ≤ usd ≤ MAX_COST_USD per call;
 * - timestamps: from MIN_PLAUSIBLE_TS_MS to FUTURE_SLACK_MS past the clock, else the
 *   call still counts but never sets the last-run time nor enters a window;
 * - provider and model names: at most MAX_NAME_LENGTH characters (see boundName).
 */
import crypto from 'node:crypto';

/** 1e9 tokens in one field of one call: far above any context window, far below float trouble. */
export const MAX_TOKENS_PER_FIELD = 1e9;
/** 100,000 USD for one call. */
export const MAX_COST_USD = 1e5;
/** 2015-01-01T00:00:00Z: no OpenClaw transcript is older. */
export const MIN_PLAUSIBLE_TS_MS = Date.UTC(2015, 0, 1);
/** How far past the clock a call's timestamp may be (clock skew between hosts). */
export const FUTURE_SLACK_MS = 86_400_000;
/** Longest provider or model name kept as is. */
export const MAX_NAME_LENGTH = 200;

/** True when tsMs may be used as a call time (last-run time, rolling windows). */
export function plausibleTimestamp(tsMs: number, nowMs: number): boolean {
  return Number.isFinite(tsMs) && tsMs >= MIN_PLAUSIBLE_TS_MS && tsMs <= nowMs + FUTURE_SLACK_MS;
}

/** A token count within bounds. */
export function plausibleTokens(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= MAX_TOKENS_PER_FIELD;
}

/** A cost within bounds (null = unknown, always fine). */
export function plausibleCost(usd: number | null): boolean {
  return usd === null || (Number.isFinite(usd) && usd >= 0 && usd <= MAX_COST_USD);
}

/** Why a call's numbers are unusable, or null when they are fine. */
export function usageProblem(c: {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  costUsd: number | null;
}): string | null {
  for (const f of ['input', 'output', 'cacheRead', 'cacheWrite'] as const) {
    if (!plausibleTokens(c[f])) return `${f} ${String(c[f])} is not an integer from 0 to ${MAX_TOKENS_PER_FIELD}`;
  }
  if (!plausibleCost(c.costUsd)) return `cost ${String(c.costUsd)} is not a number from 0 to ${MAX_COST_USD}`;
  return null;
}

/**
 * Cuts a name longer than MAX_NAME_LENGTH to its first characters plus a hash of
 * the whole name, so distinct long names stay distinct and the result is stable.
 */
export function boundName(s: string): string {
  if (s.length <= MAX_NAME_LENGTH) return s;
  const h = crypto.createHash('sha256').update(s).digest('base64url').slice(0, 12);
  let cut = MAX_NAME_LENGTH - 13;
  const last = s.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut--; // never split a surrogate pair
  return `${s.slice(0, cut)}~${h}`;
}
