/**
 * The HTTP endpoint: GET /metrics (Prometheus text 0.0.4, or OpenMetrics 1.0 when
 * the scraper's Accept header prefers it), GET /healthz
 * (liveness), GET /readyz (readiness), the dashboard at / with its JSON API under
 * /api/v1/ and its assets under /assets/ (src/sinks/api, src/sinks/web; without
 * them a small landing page), 404 elsewhere and 405 for methods other than GET and
 * HEAD. Routes live in two tables (exact paths, prefixes), so a new endpoint is
 * one line. /metrics only reads in-memory state; only the JSON API reads the
 * ledger file (through the query API). Whatever a request contains (a target `new URL` rejects, a handler that
 * throws), the answer is a 400 or 500 and the server keeps serving.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CONTENT_TYPE } from '../prometheus/exposition.js';
import { OPENMETRICS_CONTENT_TYPE, negotiate, type MetricsFormat } from '../prometheus/negotiate.js';
import { landingPage } from './landing.js';
import { API_PREFIX, apiReply, type ApiDeps } from '../api/handlers.js';
import { ASSET_PREFIX, assetReply, dashboardPage } from '../web/assets.js';

export interface HttpDeps {
  /** The exposition in the negotiated format (text 0.0.4 when the caller passes none). */
  renderMetrics(format?: MetricsFormat): string;
  /** Readiness for /readyz: ready once a full cycle has committed and while no source is down. */
  readiness(): { ready: boolean; reasons: string[] };
  /** Facts for the landing page. */
  status(): { demo: boolean; stateDirs: string[]; dataDir: string; version: string; calls: number; lastIngestMs: number | null };
  /** The JSON API and the dashboard at / (absent: the small landing page only). */
  api?: ApiDeps;
  /** Told about a handler failure or a broken client connection (one line, no request data). */
  onError?(what: string, err: Error): void;
}

export interface RunningServer {
  server: http.Server;
  url: string;
  close(): Promise<void>;
}

interface Reply {
  status: number;
  type: string;
  body: string;
  headers?: http.OutgoingHttpHeaders;
}

const TEXT = 'text/plain; charset=utf-8';

/** path → handler; the only place endpoints are declared. */
const ROUTES: Record<string, (deps: HttpDeps, req: http.IncomingMessage) => Reply> = {
  '/metrics': (d, req) => {
    const format = negotiate(req.headers.accept);
    const type = format === 'openmetrics' ? OPENMETRICS_CONTENT_TYPE : CONTENT_TYPE;
    return { status: 200, type, body: d.renderMetrics(format), headers: { Vary: 'Accept' } };
  },
  '/healthz': () => ({ status: 200, type: TEXT, body: 'ok\n' }),
  '/readyz': (d) => {
    const r = d.readiness();
    if (r.ready) return { status: 200, type: TEXT, body: 'ready\n' };
    const reasons = r.reasons.length > 0 ? r.reasons : ['not ready'];
    return { status: 503, type: TEXT, body: reasons.map((l) => l.replace(/[\r\n]+/g, ' ')).join('\n') + '\n' };
  },
  '/': (d) =>
    d.api
      ? { status: 200, type: 'text/html; charset=utf-8', body: dashboardPage(d.api.demo), headers: { 'Cache-Control': 'no-store' } }
      : { status: 200, type: 'text/html; charset=utf-8', body: landingPage(d.status()) },
  '/about': (d) => ({ status: 200, type: 'text/html; charset=utf-8', body: landingPage(d.status()) }),
};

/** path prefix → handler, for the JSON API and the dashboard's static assets. */
const PREFIX_ROUTES: Array<[string, (deps: HttpDeps, path: string, req: http.IncomingMessage) => Reply | null]> = [
  [API_PREFIX, (d, p, req) => (d.api ? apiReply(d.api, p, new URL(req.url ?? '/', 'http://x').searchParams) : null)],
  [ASSET_PREFIX, (d, p) => (d.api ? assetReply(p) : null)],
];

/**
 * The path of a request target: origin-form (`/metrics?x`) is cut at `?`/`#`;
 * absolute-form (`http://host/metrics`) goes through `new URL`; anything else,
 * or a target `new URL` rejects, is null (a 400).
 */
export function requestPath(target: string | undefined): string | null {
  const t = target ?? '/';
  if (t.startsWith('/')) {
    const cut = t.search(/[?#]/);
    return cut < 0 ? t : t.slice(0, cut);
  }
  try {
    return new URL(t).pathname;
  } catch {
    return null;
  }
}

function send(req: http.IncomingMessage, res: http.ServerResponse, r: Reply, extra: http.OutgoingHttpHeaders = {}): void {
  const buf = Buffer.from(r.body, 'utf8');
  res.writeHead(r.status, { ...extra, ...r.headers, 'Content-Type': r.type, 'Content-Length': buf.length });
  res.end(req.method === 'HEAD' ? undefined : buf);
}

function route(deps: HttpDeps, req: http.IncomingMessage, res: http.ServerResponse): void {
  const p = requestPath(req.url);
  if (p === null) return send(req, res, { status: 400, type: TEXT, body: 'bad request target\n' });
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    return send(req, res, { status: 405, type: TEXT, body: 'method not allowed\n' }, { Allow: 'GET, HEAD' });
  }
  const handler = Object.hasOwn(ROUTES, p) ? ROUTES[p] : undefined;
  if (handler) return send(req, res, handler(deps, req));
  const prefixed = PREFIX_ROUTES.find(([prefix]) => p.startsWith(prefix));
  const reply = prefixed ? prefixed[1](deps, p, req) : null;
  send(req, res, reply ?? { status: 404, type: TEXT, body: 'not found\n' });
}

export function createHandler(deps: HttpDeps): http.RequestListener {
  return (req, res) => {
    try {
      route(deps, req, res);
    } catch (err) {
      deps.onError?.('request handler failed', err as Error);
      if (res.headersSent) {
        res.destroy();
        return;
      }
      try {
        send(req, res, { status: 500, type: TEXT, body: 'internal error\n' });
      } catch {
        res.destroy();
      }
    }
  };
}

export function parseListen(listen: string): { host: string; port: number } | null {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(listen);
  if (!m) return null;
  const port = Number(m[3]);
  if (port > 65535) return null;
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

export function startServer(deps: HttpDeps, host: string, port: number): Promise<RunningServer> {
  const server = http.createServer(createHandler(deps));
  server.keepAliveTimeout = 65_000;
  // A request Node cannot parse gets a 400 and its connection closed; the server goes on.
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (err.code !== 'ECONNRESET' && err.code !== 'EPIPE') deps.onError?.('bad client request', err);
    if (socket.writable && !(socket as { _httpMessage?: unknown })._httpMessage) {
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    } else socket.destroy();
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      // After listening, a server error is reported, never thrown out of the process.
      server.on('error', (err) => deps.onError?.('http server error', err));
      const a = server.address() as AddressInfo;
      const h = a.family === 'IPv6' ? `[${a.address}]` : a.address;
      resolve({
        server,
        url: `http://${h}:${a.port}`,
        close: () =>
          new Promise<void>((r) => {
            server.close(() => r());
            server.closeAllConnections();
          }),
      });
    });
  });
}
