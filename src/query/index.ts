/**
 * The typed query API every sink and command reads the ledger through (docs/query.md):
 * usage aggregates from the calls (usage.ts: totals, series, calendarSeries,
 * recentErrors), the in-memory read model (views.ts: sessions, auth, quota,
 * windows) and the ledger's call count and time bounds. Every row is plain data
 * with the privacy view applied; no SQL here (src/ledger/reads.ts holds it).
 */
import type { LedgerReadModel } from '../ledger/readonly.js';
import type { ErrorCall, Filter, GroupRow } from '../ledger/query-types.js';
import { UsageQueries, type CalendarQuery, type CalendarRow, type SeriesQuery, type SeriesRow, type TotalsQuery } from './usage.js';
import { authView, quotaView, sessionsView, windowsView, type AuthView, type QuotaView, type SessionView, type WindowView } from './views.js';

export type { Dimension, ErrorCall, Filter, GroupRow, Measures } from '../ledger/query-types.js';
export { DIMENSIONS } from '../ledger/query-types.js';
export type { CalendarQuery, CalendarRow, SeriesQuery, SeriesRow, TotalsQuery } from './usage.js';
export type { AuthView, QuotaView, QuotaWindowView, SessionView, WindowView } from './views.js';
export type { CalendarUnit } from './calendar.js';

export class LedgerQuery {
  private readonly usage: UsageQueries;

  constructor(
    private readonly ledger: LedgerReadModel,
    private readonly now: () => number = Date.now,
  ) {
    this.usage = new UsageQueries(ledger);
  }

  /** Sums over [from, to) grouped by any subset of dimensions. Reads the disk. */
  totals(q: TotalsQuery = {}): GroupRow[] {
    return this.usage.totals(q);
  }

  /** Sums per fixed step over [from, to). Reads the disk. */
  series(q: SeriesQuery): SeriesRow[] {
    return this.usage.series(q);
  }

  /** Sums per local day, week or month of an IANA zone over [from, to). Reads the disk. */
  calendarSeries(q: CalendarQuery): CalendarRow[] {
    return this.usage.calendarSeries(q);
  }

  /** The last `limit` failed calls, newest first. Reads the disk. */
  recentErrors(q: { limit: number; where?: Filter }): ErrorCall[] {
    return this.usage.recentErrors(q);
  }

  sessionsView(): SessionView[] {
    return sessionsView(this.ledger);
  }

  authView(): AuthView[] {
    return authView(this.ledger);
  }

  quotaView(nowMs: number = this.now()): QuotaView {
    return quotaView(this.ledger, nowMs);
  }

  windowsView(): WindowView[] {
    return windowsView(this.ledger);
  }

  /** Newest plausible call time, epoch ms (null: no call yet). */
  lastCallMs(): number | null {
    return this.ledger.lastCallTimestampMs();
  }

  /** Oldest plausible call time: the start time of cumulative sums (OTLP). */
  firstCallMs(): number | null {
    return this.ledger.firstCallTimestampMs();
  }

  callCount(): number {
    return this.ledger.callCount();
  }
}
