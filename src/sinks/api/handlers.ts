/**
 * The JSON API under /api/v1/ (docs/api.md) that the built-in dashboard reads:
 * summary, series, breakdown, errors, windows, quota, auth and sources/health,
 * and the one line `clawmeter statusline` prints when a serve is running. A
 * thin layer over the query API (src/query/), so every answer carries its privacy
 * view (no session ids or keys, emails hashed, no paths or secrets). Each answer
 * says when it was computed (`generatedAtMs`); a bad parameter is a 400 with a
 * one-line `error`, an unknown path a 404, a ledger not open yet a 503.
 */
import { type Dimension, type LedgerQuery } from '../../query/index.js';
import { periodStartMs, summarize } from '../../query/summary.js';
import { statusLine } from '../../query/statusline.js';
import type { HealthView } from '../../query/health.js';
import { byOf, filterOf, limitOf, rangeOf, stepOf, tzOf, windowOf } from './params.js';

export const API_PREFIX = '/api/v1/';

export interface ApiDeps {
  /** the query API over the open ledger; null while the process starts */
  query(): LedgerQuery | null;
  health(): HealthView;
  demo: boolean;
  version: string;
  /** default zone of calendar periods (today, this week, this month) */
  tz: string;
  /** the rolling window of the summary tiles */
  window: { name: string; ms: number };
  now?: () => number;
  /** a random id of this process, echoed by /api/v1/statusline so a client knows whom it asked */
  instance?: string;
}

export interface ApiReply {
  status: number;
  type: string;
  body: string;
  headers?: Record<string, string>;
}

const JSON_TYPE = 'application/json; charset=utf-8';
const BREAKDOWN: readonly Dimension[] = ['agent', 'channel', 'model', 'provider', 'kind', 'chatType', 'errorCategory', 'source'];

function json(status: number, body: unknown): ApiReply {
  return { status, type: JSON_TYPE, body: JSON.stringify(body), headers: { 'Cache-Control': 'no-store' } };
}

type Handler = (q: LedgerQuery, p: URLSearchParams, d: ApiDeps, now: number) => Record<string, unknown>;

const ENDPOINTS: Record<string, Handler> = {
  summary: (q, p, d, now) => ({ demo: d.demo, version: d.version, ...summarize(q, { nowMs: now, tz: tzOf(p, d.tz), window: d.window }) }),
  series: (q, p, d, now) => {
    const { from, to } = rangeOf(p, now);
    const stepMs = stepOf(p, to - from);
    const by = byOf(p, ['model', 'provider', 'agent', 'channel']);
    const tz = tzOf(p, d.tz);
    const rows = q.series({ from, to, stepMs, by, where: filterOf(p), tz });
    return { from, to, stepMs, by, tz, rows };
  },
  breakdown: (q, p, _d, now) => {
    const { from, to } = rangeOf(p, now, '30d');
    const by = byOf(p, BREAKDOWN);
    if (by.length === 0) throw new RangeError(`by: required (one or more of ${BREAKDOWN.join(', ')})`);
    const rows = q.totals({ from, to, by, where: filterOf(p) }).sort((a, b) => b.costUsd - a.costUsd || b.totalTokens - a.totalTokens);
    return { from, to, by, rows };
  },
  errors: (q, p, _d, now) => {
    const { from, to } = rangeOf(p, now, '24h');
    const where = filterOf(p);
    const byCategory = q
      .totals({ from, to, by: ['errorCategory'], where })
      .filter((r) => r.errorCategory !== '')
      .map((r) => ({ category: r.errorCategory ?? '', errors: r.errors }));
    return { from, to, byCategory, recent: q.recentErrors({ limit: limitOf(p, 50, 1000), where }) };
  },
  windows: (q) => ({ windows: q.windowsView() }),
  quota: (q, _p, _d, now) => ({ ...q.quotaView(now) }),
  auth: (q) => ({ profiles: q.authView() }),
  statusline: (q, p, d, now) => {
    const tz = tzOf(p, d.tz);
    const window = windowOf(p, d.window);
    const line = statusLine(q, { nowMs: now, dayStartMs: periodStartMs(now, 'day', tz), window });
    return { line, tz, window: window.name, ...(d.instance ? { instance: d.instance } : {}) };
  },
};

/** Every endpoint under /api/v1/ (docs/api.md documents each with an example). */
export const API_ENDPOINTS: readonly string[] = [...Object.keys(ENDPOINTS), 'sources/health'];

/** Answers a GET under /api/v1/ (path without the query string, and its parameters). */
export function apiReply(d: ApiDeps, path: string, params: URLSearchParams): ApiReply {
  const name = path.slice(API_PREFIX.length);
  const now = (d.now ?? Date.now)();
  if (name === 'sources/health') {
    const h = d.health();
    return json(200, { generatedAtMs: now, demo: d.demo, ...h });
  }
  const handler = Object.hasOwn(ENDPOINTS, name) ? ENDPOINTS[name] : undefined;
  if (!handler) return json(404, { error: `unknown endpoint ${API_PREFIX}${name.slice(0, 60)} (see docs/api.md)` });
  const q = d.query();
  if (!q) return json(503, { error: 'starting: the ledger is not open yet' });
  try {
    return json(200, { generatedAtMs: now, ...handler(q, params, d, now) });
  } catch (err) {
    if (err instanceof RangeError) return json(400, { error: err.message.split('\n')[0] });
    throw err;
  }
}
