/**
 * The one-screen summary the dashboard's tiles, `clawmeter status` and
 * `clawmeter statusline` show: usage in the current rolling window against the
 * provider-reported quota (or the rate-card estimate, labelled so), cost today /
 * this week / this month in a time zone, cache hit ratio, the next OAuth expiry,
 * active sessions, the last assistant turn and error counts. Built only from the
 * query API (LedgerQuery), so it carries the same privacy view.
 */
import type { Measures } from '../ledger/query-types.js';
import { checkZone, localDate, periodStart, startOfLocalDay, type CalendarUnit } from './calendar.js';
import type { LedgerQuery, QuotaWindowView } from './index.js';
import type { QuotaEstimate } from '../quota/derived.js';

export interface PeriodTotals extends Measures {
  /** start of the local period (epoch ms) */
  fromMs: number;
}

export interface Summary {
  generatedAtMs: number;
  tz: string;
  calls: number;
  firstCallMs: number | null;
  lastCallMs: number | null;
  /** the rolling window the tiles show (the first of --windows, 5h by default) */
  window: PeriodTotals & { name: string; cacheHitRatio: number | null; byProvider: Array<Measures & { provider: string }> };
  today: PeriodTotals;
  week: PeriodTotals;
  month: PeriodTotals;
  /** provider-reported windows (usedRatio 0..1, resetsAtMs) that have not reset */
  quota: QuotaWindowView[];
  /** messages-left estimates; basis rate_card means no provider report: an estimate from a plan table */
  estimates: QuotaEstimate[];
  auth: { profiles: number; oauth: number; nextExpiryMs: number | null; expired: number };
  activeSessions: number;
}

/** The first instant of the local day, ISO week or month holding nowMs in tz. */
export function periodStartMs(nowMs: number, unit: CalendarUnit, tz: string): number {
  return startOfLocalDay(tz, periodStart(localDate(tz, nowMs), unit));
}

/** cache reads over all prompt tokens (input + cache read + cache write); null with none. */
export function cacheHitRatio(m: Measures): number | null {
  const prompt = m.input + m.cacheRead + m.cacheWrite;
  return prompt > 0 ? m.cacheRead / prompt : null;
}

export function summarize(q: LedgerQuery, o: { nowMs: number; tz: string; window?: { name: string; ms: number } }): Summary {
  checkZone(o.tz);
  const now = o.nowMs;
  const to = now + 1;
  const win = o.window ?? { name: '5h', ms: 5 * 3_600_000 };
  const span = (fromMs: number): PeriodTotals => ({ fromMs, ...q.totals({ from: fromMs, to })[0] });
  const w = span(now - win.ms);
  const byProvider = q.totals({ from: w.fromMs, to, by: ['provider'] }).map((r) => ({ ...r, provider: r.provider ?? '' }));
  const quota = q.quotaView(now);
  const auth = q.authView();
  const oauth = auth.filter((a) => a.type === 'oauth' || a.type === 'token');
  const expiries = oauth.map((a) => a.expiresMs).filter((x): x is number => x !== null);
  const future = expiries.filter((x) => x > now);
  return {
    generatedAtMs: now,
    tz: o.tz,
    calls: q.callCount(),
    firstCallMs: q.firstCallMs(),
    lastCallMs: q.lastCallMs(),
    window: { ...w, name: win.name, cacheHitRatio: cacheHitRatio(w), byProvider },
    today: span(periodStartMs(now, 'day', o.tz)),
    week: span(periodStartMs(now, 'week', o.tz)),
    month: span(periodStartMs(now, 'month', o.tz)),
    quota: quota.windows,
    estimates: quota.estimates,
    auth: {
      profiles: auth.length,
      oauth: oauth.length,
      nextExpiryMs: future.length > 0 ? Math.min(...future) : null,
      expired: expiries.filter((x) => x <= now).length,
    },
    activeSessions: q.sessionsView().length,
  };
}
