/**
 * Rate-limit snapshots of Codex rollouts (`event_msg` / `token_count` `rate_limits`:
 * `limit_id`, `primary` / `secondary` with `used_percent`, `window_minutes`,
 * `resets_at` or `resets_in_seconds`, `plan_type`) and window names by duration.
 * Used by the rollout parser (`codex-rollout.ts`) and the quota poller; the rollout
 * source re-exports them.
 */
import { safeToken } from './session-kind.js';
import { toEpochMs } from './transcript-line.js';

export interface WindowObs {
  window: string;
  windowMinutes: number;
  usedRatio: number;
  resetsAtMs: number | null;
}

export interface LimitObs {
  observedAtMs: number;
  plan: string | null;
  windows: WindowObs[];
}

function asRecord(v: unknown): Record<string, unknown> | null {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function str(v: unknown): string | null {
  return typeof v === 'string' && v.length > 0 ? v : null;
}

/** 300 -> "5h", 10080 -> "7d", 45 -> "45m". */
export function windowName(minutes: number): string {
  if (minutes % 1440 === 0) return `${minutes / 1440}d`;
  if (minutes % 60 === 0) return `${minutes / 60}h`;
  return `${minutes}m`;
}

/** A usable rate-limit snapshot of one `token_count`, or null. */
export function parseRateLimits(v: unknown, eventMs: number): { limit: string; obs: LimitObs } | null {
  const rl = asRecord(v);
  if (!rl) return null;
  const windows: WindowObs[] = [];
  for (const slot of ['primary', 'secondary']) {
    const w = asRecord(rl[slot]);
    if (!w) continue;
    const pct = num(w.used_percent);
    const mins = num(w.window_minutes);
    if (pct === null || mins === null || mins <= 0 || !Number.isInteger(mins)) continue;
    let resetsAtMs: number | null = null;
    const at = num(w.resets_at);
    const inS = num(w.resets_in_seconds);
    if (at !== null && at > 0) resetsAtMs = toEpochMs(at);
    else if (inS !== null && inS >= 0 && eventMs > 0) resetsAtMs = eventMs + inS * 1000;
    const name = windowName(mins);
    if (windows.some((x) => x.window === name)) continue;
    windows.push({ window: name, windowMinutes: mins, usedRatio: Math.min(1, Math.max(0, pct / 100)), resetsAtMs });
  }
  if (windows.length === 0) return null;
  const plan = str(rl.plan_type);
  return {
    limit: safeToken(str(rl.limit_id) ?? 'codex'),
    obs: { observedAtMs: eventMs, plan: plan ? safeToken(plan) : null, windows },
  };
}
