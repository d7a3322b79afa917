/**
 * Calendar arithmetic in an IANA time zone for the query API: a zone's UTC offset at
 * an instant, the instant a local day starts (DST-correct: days of 23 and 25 hours,
 * and a day whose midnight is skipped starts at the transition), and the period
 * boundaries (day, ISO week from Monday, month) over a range. Built on Intl, which
 * carries the tz database in Node; no library needed for these few functions.
 */

export type CalendarUnit = 'day' | 'week' | 'month';

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Throws a one-line RangeError for a zone Intl does not know. */
function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone: tz,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch {
      throw new RangeError(`unknown time zone '${tz}' (use an IANA name such as Europe/Berlin or UTC)`);
    }
    if (formatters.size > 100) formatters.clear();
    formatters.set(tz, f);
  }
  return f;
}

/** Throws unless tz is a time zone Intl knows. */
export function checkZone(tz: string): void {
  formatter(tz);
}

export interface LocalDate {
  y: number;
  /** 1-12 */
  m: number;
  d: number;
}

function localParts(tz: string, ms: number): { y: number; m: number; d: number; h: number; mi: number; s: number } {
  const p: Record<string, number> = {};
  for (const part of formatter(tz).formatToParts(new Date(ms))) if (part.type !== 'literal') p[part.type] = Number(part.value);
  return { y: p.year, m: p.month, d: p.day, h: p.hour, mi: p.minute, s: p.second };
}

/** The zone's offset from UTC at an instant, in ms (east positive), to the second. */
export function offsetMs(tz: string, ms: number): number {
  const p = localParts(tz, ms);
  const asUtc = Date.UTC(p.y, p.m - 1, p.d, p.h, p.mi, p.s);
  return asUtc - (ms - (((ms % 1000) + 1000) % 1000));
}

/** The local calendar date of an instant. */
export function localDate(tz: string, ms: number): LocalDate {
  const p = localParts(tz, ms);
  return { y: p.y, m: p.m, d: p.d };
}

function sameDate(a: LocalDate, b: LocalDate): boolean {
  return a.y === b.y && a.m === b.m && a.d === b.d;
}

/** The first instant of a local date (its midnight, or the transition when midnight is skipped). */
export function startOfLocalDay(tz: string, date: LocalDate): number {
  const base = Date.UTC(date.y, date.m - 1, date.d);
  // the true start has one of the offsets in force around that day
  const offsets = new Set([offsetMs(tz, base - 14 * 3_600_000), offsetMs(tz, base), offsetMs(tz, base + 14 * 3_600_000)]);
  let best: number | null = null;
  for (const o of offsets) {
    const t = base - o;
    if (sameDate(localDate(tz, t), date) && (best === null || t < best)) best = t;
  }
  if (best !== null) return best;
  // no offset gives a time on that date (cannot happen with real zones): plain UTC midnight
  return base - offsetMs(tz, base);
}

/** The date `days` after a date (calendar arithmetic, no zone). */
export function addDays(date: LocalDate, days: number): LocalDate {
  const t = new Date(Date.UTC(date.y, date.m - 1, date.d + days));
  return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() };
}

/** The first date of the period (day, ISO week, month) holding a date. */
export function periodStart(date: LocalDate, unit: CalendarUnit): LocalDate {
  if (unit === 'day') return date;
  if (unit === 'month') return { y: date.y, m: date.m, d: 1 };
  const dow = new Date(Date.UTC(date.y, date.m - 1, date.d)).getUTCDay(); // 0 = Sunday
  return addDays(date, -((dow + 6) % 7));
}

function nextPeriod(date: LocalDate, unit: CalendarUnit): LocalDate {
  if (unit === 'day') return addDays(date, 1);
  if (unit === 'week') return addDays(date, 7);
  return date.m === 12 ? { y: date.y + 1, m: 1, d: 1 } : { y: date.y, m: date.m + 1, d: 1 };
}

/** 2026-03-29 (day and week, the week's Monday), 2026-03 (month). */
export function periodLabel(date: LocalDate, unit: CalendarUnit): string {
  const p2 = (n: number) => String(n).padStart(2, '0');
  const ym = `${String(date.y).padStart(4, '0')}-${p2(date.m)}`;
  return unit === 'month' ? ym : `${ym}-${p2(date.d)}`;
}

/**
 * The periods meeting [fromMs, toMs): edges[k]..edges[k+1] is period k, clipped to
 * the range at both ends, and labels[k] its label.
 */
export function calendarEdges(fromMs: number, toMs: number, unit: CalendarUnit, tz: string): { edges: number[]; labels: string[] } {
  let date = periodStart(localDate(tz, fromMs), unit);
  const edges = [fromMs];
  const labels = [periodLabel(date, unit)];
  for (;;) {
    date = nextPeriod(date, unit);
    const start = startOfLocalDay(tz, date);
    if (start >= toMs) break;
    if (start > fromMs) {
      edges.push(start);
      labels.push(periodLabel(date, unit));
    }
  }
  edges.push(toMs);
  return { edges, labels };
}

/** The latest instant <= ms that is a whole number of steps after a local midnight in tz. */
export function alignToZone(ms: number, stepMs: number, tz: string): number {
  const local = ms + offsetMs(tz, ms);
  return ms - (((local % stepMs) + stepMs) % stepMs);
}
