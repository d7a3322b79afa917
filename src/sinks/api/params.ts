/**
 * Query-string parameters of the JSON API (docs/api.md): a time range (`range=24h`
 * back from now, or `from`/`to` as ISO times or epoch ms), a step, `by` dimensions,
 * filters (`agent=`, `provider=`, `model=`, `channel=`, comma-separated or
 * repeated) and `tz`. Every bad value is a RangeError with a one-line message,
 * answered as a 400.
 */
import { DIMENSIONS, type Dimension, type Filter } from '../../query/index.js';
import { parseWindow, type WindowSpec } from '../../ledger/windows.js';

export const RANGES: Record<string, number> = { '1h': 3_600_000, '6h': 21_600_000, '24h': 86_400_000, '7d': 604_800_000, '30d': 2_592_000_000 };
/** The step a range gets when none is asked for: about 100-300 points per chart. */
const DEFAULT_STEP: Array<[number, number]> = [
  [21_600_000, 300_000],
  [86_400_000, 900_000],
  [604_800_000, 3_600_000],
  [2_592_000_000, 10_800_000],
];
const MAX_SPAN_MS = 400 * 86_400_000;

function bad(msg: string): never {
  throw new RangeError(msg);
}

function time(name: string, v: string): number {
  const n = /^-?\d+$/.test(v) ? Number(v) : Date.parse(v);
  if (!Number.isFinite(n)) bad(`${name}: expected an ISO time or epoch milliseconds`);
  return n;
}

export function rangeOf(p: URLSearchParams, nowMs: number, fallback = '24h'): { from: number; to: number } {
  const from = p.get('from');
  const to = p.get('to');
  if (from !== null || to !== null) {
    const f = from === null ? bad('from: required with to') : time('from', from);
    const t = to === null ? nowMs : time('to', to);
    if (!(t > f)) bad('empty range: to must be after from');
    if (t - f > MAX_SPAN_MS) bad('range longer than 400 days');
    return { from: f, to: t };
  }
  const r = p.get('range') ?? fallback;
  const ms = RANGES[r];
  if (ms === undefined) bad(`range: one of ${Object.keys(RANGES).join(', ')}, or from/to`);
  return { from: nowMs - ms, to: nowMs };
}

export function stepOf(p: URLSearchParams, span: number): number {
  const s = p.get('step');
  if (s === null) return (DEFAULT_STEP.find(([upTo]) => span <= upTo) ?? [0, 86_400_000])[1];
  const m = /^(\d+)([smhd])$/.exec(s);
  if (!m) bad('step: expected a duration such as 15m, 1h');
  const ms = Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd'];
  if (ms < 60_000) bad('step: at least 1m');
  if (span / ms > 2000) bad('step: too small for the range (more than 2000 points)');
  return ms;
}

export function byOf(p: URLSearchParams, allowed: readonly Dimension[] = DIMENSIONS): Dimension[] {
  const raw = p.getAll('by').flatMap((v) => v.split(',')).filter(Boolean);
  for (const d of raw) if (!allowed.includes(d as Dimension)) bad(`by: unknown dimension '${d.slice(0, 40)}' (one of ${allowed.join(', ')})`);
  return raw as Dimension[];
}

export function filterOf(p: URLSearchParams): Filter {
  const out: Filter = {};
  for (const d of ['agent', 'provider', 'model', 'channel'] as const) {
    const vals = p.getAll(d).flatMap((v) => v.split(',')).filter(Boolean);
    if (vals.length > 0) out[d] = vals;
  }
  return out;
}

export function tzOf(p: URLSearchParams, fallback: string): string {
  return p.get('tz') ?? fallback;
}

export function limitOf(p: URLSearchParams, def: number, max: number): number {
  const v = p.get('limit');
  if (v === null) return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > max) bad(`limit: a whole number from 1 to ${max}`);
  return n;
}

/** `window=5h`: a rolling window (a duration in m, h, d or w), else the fallback. */
export function windowOf(p: URLSearchParams, fallback: WindowSpec): WindowSpec {
  const v = p.get('window');
  if (v === null) return fallback;
  return parseWindow(v) ?? bad('window: a duration such as 30m, 5h, 7d or 1w');
}
