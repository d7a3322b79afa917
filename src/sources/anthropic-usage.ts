/**
 * Parser for Anthropic's OAuth usage response (`GET /api/oauth/usage`, used by the
 * opt-in quota poller). Two shapes, both handled:
 *
 * - the legacy fields `five_hour`, `seven_day`, `seven_day_opus`, `seven_day_sonnet`
 *   (`utilization` in percent, `resets_at` ISO);
 * - the newer `limits[]` array, `{kind: "session" | "weekly_all" | "weekly_scoped",
 *   percent, resets_at, scope: {model: {display_name}} | null}` (shape as published by
 *   third-party readers; per-model weekly usage is only there, the `seven_day_<model>`
 *   fields being null). It wins over a legacy field for the same limit and window.
 *
 * Limits: `claude` (5h, 7d) and `claude_<model>` (7d), model names bounded by
 * `safeToken` and capped at 8 scoped limits, so a response can never explode the series.
 */
import type { QuotaObservation } from '../model.js';
import { safeToken } from '../parse/session-kind.js';
import { toEpochMs } from '../parse/transcript-line.js';
import { asRecord } from './json-file.js';
import { windowName } from '../parse/codex-rate-limits.js';

const LEGACY: Array<[string, string, number]> = [
  ['five_hour', 'claude', 300],
  ['seven_day', 'claude', 10080],
  ['seven_day_opus', 'claude_opus', 10080],
  ['seven_day_sonnet', 'claude_sonnet', 10080],
];
const MAX_SCOPED = 8;

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function ratio(percent: number): number {
  return Math.min(1, Math.max(0, percent / 100));
}

/** The observations of one `limits[]` array (empty when absent or unusable). */
function fromLimits(v: unknown, nowMs: number): QuotaObservation[] {
  if (!Array.isArray(v)) return [];
  const out: QuotaObservation[] = [];
  let scoped = 0;
  for (const x of v) {
    const e = asRecord(x);
    const pct = num(e?.percent) ?? num(e?.utilization);
    if (!e || pct === null) continue;
    let limit: string;
    let minutes: number;
    if (e.kind === 'session') [limit, minutes] = ['claude', 300];
    else if (e.kind === 'weekly_all') [limit, minutes] = ['claude', 10080];
    else if (e.kind === 'weekly_scoped') {
      const model = asRecord(asRecord(e.scope)?.model);
      const name = typeof model?.display_name === 'string' ? model.display_name : typeof model?.id === 'string' ? model.id : null;
      if (!name || scoped >= MAX_SCOPED) continue;
      scoped++;
      [limit, minutes] = [`claude_${safeToken(name.toLowerCase())}`, 10080];
    } else continue;
    const window = windowName(minutes);
    if (out.some((o) => o.limit === limit && o.window === window)) continue;
    out.push({ provider: 'anthropic', limit, window, windowMinutes: minutes, usedRatio: ratio(pct), resetsAtMs: toEpochMs(e.resets_at), observedAtMs: nowMs, plan: null });
  }
  return out;
}

/** Parses an oauth/usage response (percentages) into observations. */
export function parseAnthropicUsage(body: unknown, nowMs: number): QuotaObservation[] {
  const b = asRecord(body);
  if (!b) return [];
  const out = fromLimits(b.limits, nowMs);
  for (const [field, limit, minutes] of LEGACY) {
    const w = asRecord(b[field]);
    const pct = num(w?.utilization);
    if (!w || pct === null) continue;
    const window = windowName(minutes);
    if (out.some((o) => o.limit === limit && o.window === window)) continue; // limits[] is newer
    out.push({ provider: 'anthropic', limit, window, windowMinutes: minutes, usedRatio: ratio(pct), resetsAtMs: toEpochMs(w.resets_at), observedAtMs: nowMs, plan: null });
  }
  return out;
}
