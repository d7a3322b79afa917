/**
 * The one line `clawmeter statusline` prints (and GET /api/v1/statusline answers):
 * the two most used provider-reported windows with their reset countdowns (else
 * messages in the rolling window), and cost today. One function for both, so a
 * running serve and a reader of the ledger print the same line.
 */
import type { LedgerQuery } from './index.js';

/** A countdown: 'now', '42m', '2h13m', '3d4h'. */
export function fmtIn(ms: number): string {
  if (ms <= 0) return 'now';
  const m = Math.round(ms / 60_000);
  const d = Math.floor(m / 1440);
  const h = Math.floor((m % 1440) / 60);
  return d > 0 ? `${d}d${h}h` : h > 0 ? `${h}h${String(m % 60).padStart(2, '0')}m` : `${m}m`;
}

export interface StatusLineOptions {
  nowMs: number;
  /** the start of today (local midnight in the chosen zone) */
  dayStartMs: number;
  /** the rolling window shown when no provider reports a window */
  window: { name: string; ms: number };
}

export function statusLine(q: LedgerQuery, o: StatusLineOptions): string {
  const now = o.nowMs;
  const parts: string[] = [];
  const quota = q.quotaView(now).windows.sort((a, b) => b.usedRatio - a.usedRatio);
  for (const w of quota.slice(0, 2)) {
    parts.push(`${w.provider} ${w.window} ${Math.round(100 * w.usedRatio)}%${w.resetsAtMs !== null ? ` ↻${fmtIn(w.resetsAtMs - now)}` : ''}`);
  }
  if (parts.length === 0) {
    const t = q.totals({ from: now - o.window.ms, to: now + 1 })[0];
    parts.push(`${o.window.name} ${t.messages} msgs`);
  }
  const today = q.totals({ from: o.dayStartMs, to: now + 1 })[0];
  parts.push(`$${today.costUsd.toFixed(2)} today`);
  return parts.join(' · ');
}
