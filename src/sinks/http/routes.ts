/**
 * The route table of the HTTP endpoint (the only place endpoints are declared,
 * so a new one is one line), the dependencies handlers read, and the security
 * headers every answer carries. Handlers read in-memory state only.
 */
import type http from 'node:http';
import { CONTENT_TYPE } from '../prometheus/exposition.js';
import { OPENMETRICS_CONTENT_TYPE, negotiate, type MetricsFormat } from '../prometheus/negotiate.js';
import type { BodyCache } from './body-cache.js';
import type { ApiCache } from './api-cache.js';
import { LANDING_CSP, landingPage } from './landing.js';
import { isLoopbackAddress } from './limits.js';
import { API_PREFIX, type ApiDeps } from '../api/handlers.js';
import { ASSET_PREFIX, assetReply, dashboardPage } from '../web/assets.js';

export interface HttpDeps {
  /** The exposition in the negotiated format (text 0.0.4 when the caller passes none). */
  renderMetrics(format?: MetricsFormat): string;
  /** Changes whenever the metrics may have changed (ledger commits, ingest cycles); the /metrics body and the API answers are rendered once per value. */
  metricsVersion?(): string;
  /** Readiness for /readyz: ready once a full cycle has committed and while no source is down. */
  readiness(): { ready: boolean; reasons: string[] };
  /** Facts for the landing page. */
  status(): { demo: boolean; stateDirs: string[]; dataDir: string; version: string; calls: number; lastIngestMs: number | null };
  /** The JSON API and the dashboard at / (absent: the small landing page only). */
  api?: ApiDeps;
  /** Told about a handler failure or a broken client connection (one line, no request data). */
  onError?(what: string, err: Error): void;
}

export interface Reply {
  status: number;
  type: string;
  body: string | Buffer;
  /** the gzip form of body, when the route offers one */
  gzip?: () => Buffer;
  headers?: Record<string, string>;
  /** a strong validator of body (the gzip form gets its own); with it, If-None-Match can answer 304 */
  etag?: string;
}

export interface RouteContext {
  deps: HttpDeps;
  body: BodyCache;
  /** rendered API answers (null without an API) */
  apiCache: ApiCache | null;
  req: http.IncomingMessage;
}

export const TEXT = 'text/plain; charset=utf-8';

/** On every answer (a web config's http_server_config.headers may override them). */
export const BASE_HEADERS: Record<string, string> = {
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};

export const ROUTES: Record<string, (c: RouteContext) => Reply> = {
  '/metrics': ({ body, req }) => {
    // OpenMetrics 1.0 when the scraper's Accept header prefers it, else text 0.0.4.
    const format = negotiate(req.headers.accept);
    const b = body.get(format);
    const type = format === 'openmetrics' ? OPENMETRICS_CONTENT_TYPE : CONTENT_TYPE;
    return { status: 200, type, body: b.plain, gzip: b.gzip, headers: { Vary: 'Accept' } };
  },
  '/healthz': () => ({ status: 200, type: TEXT, body: 'ok\n' }),
  '/readyz': ({ deps }) => {
    const r = deps.readiness();
    if (r.ready) return { status: 200, type: TEXT, body: 'ready\n' };
    const reasons = r.reasons.length > 0 ? r.reasons : ['not ready'];
    return { status: 503, type: TEXT, body: reasons.map((l) => l.replace(/[\r\n]+/g, ' ')).join('\n') + '\n' };
  },
  '/': (c) =>
    c.deps.api
      ? { status: 200, type: 'text/html; charset=utf-8', body: dashboardPage(c.deps.api.demo), headers: { 'Content-Security-Policy': DASHBOARD_CSP } }
      : about(c),
  '/about': about,
};

/** path prefix → handler, for the JSON API and the dashboard's static assets (null: not found). */
export const PREFIX_ROUTES: Array<[string, (c: RouteContext, path: string) => Reply | null]> = [
  [API_PREFIX, ({ apiCache, req }, p) => (apiCache ? apiCache.get(p, new URL(req.url ?? '/', 'http://x').searchParams) : null)],
  [ASSET_PREFIX, ({ deps }, p) => (deps.api ? assetReply(p) : null)],
];

function about({ deps, req }: RouteContext): Reply {
  return {
    status: 200,
    type: 'text/html; charset=utf-8',
    body: landingPage(deps.status(), { local: isLoopbackAddress(req.socket.remoteAddress) }),
    headers: { 'Content-Security-Policy': LANDING_CSP },
  };
}

/** The dashboard loads only its own files (no inline code) and talks only to its own API. */
export const DASHBOARD_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
