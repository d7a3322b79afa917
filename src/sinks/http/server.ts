/**
 * The HTTP endpoint: GET /metrics (Prometheus text 0.0.4, or OpenMetrics 1.0 when
 * the Accept header prefers it; gzip on request),
 * GET /healthz (liveness), GET /readyz (readiness), the dashboard at / with its
 * JSON API under /api/v1/ and assets under /assets/ (else a small landing page),
 * /about, 404 elsewhere and 405 for methods other than GET and HEAD. Routes live in
 * two tables (routes.ts: exact paths, prefixes). This module owns the connection: plain HTTP or TLS from the
 * web config, basic auth in front of every route, security headers, bounded
 * header/URL size, header/request/keep-alive timeouts and a connection cap
 * (limits.ts), and live reload of the web config. Handlers only read in-memory
 * state; nothing here touches the disk. Whatever a request contains, the answer
 * is a 4xx or 500 and the server keeps serving.
 */
import http from 'node:http';
import https from 'node:https';
import type tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { BasicAuth, parseBasicAuth } from './basic-auth.js';
import { BodyCache, acceptsGzip } from './body-cache.js';
import { ApiCache } from './api-cache.js';
import { DEFAULT_LIMITS, type HttpLimits } from './limits.js';
import { BASE_HEADERS, PREFIX_ROUTES, ROUTES, TEXT, type HttpDeps, type Reply } from './routes.js';
import { clientCertProblem, requestsClientCert, secureContextOptions, type TlsMaterial } from './tls.js';
import type { WebConfig } from './web-config.js';

export type { HttpDeps } from './routes.js';
export { isLoopbackHost, isLoopbackAddress } from './limits.js';

export interface RunningServer {
  server: http.Server;
  /** the API answer cache (null without an API), for tests and benchmarks */
  apiCache: ApiCache | null;
  url: string;
  tls: boolean;
  /** Applies a changed web config to new requests and connections; returns a one-line note when part of it needs a restart. */
  applyWebConfig(cfg: WebConfig): string | null;
  close(): Promise<void>;
}

export interface ServerOptions {
  web?: WebConfig | null;
  limits?: Partial<HttpLimits>;
}

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

interface Live {
  auth: BasicAuth;
  headers: Record<string, string>;
  tls: TlsMaterial | null;
}

/** True when an If-None-Match header names this entity tag (weak comparison, RFC 9110 13.1.2) or is `*`. */
export function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  const bare = (t: string) => t.trim().replace(/^W\//, '');
  return header.split(',').some((t) => t.trim() === '*' || bare(t) === etag);
}

function send(req: http.IncomingMessage, res: http.ServerResponse, r: Reply, live: Live): void {
  let buf = typeof r.body === 'string' ? Buffer.from(r.body, 'utf8') : r.body;
  const headers: http.OutgoingHttpHeaders = { ...BASE_HEADERS, ...r.headers, ...live.headers, 'Content-Type': r.type };
  let etag = r.etag;
  if (r.gzip) {
    headers.Vary = headers.Vary ? `${headers.Vary}, Accept-Encoding` : 'Accept-Encoding';
    if (acceptsGzip(req.headers['accept-encoding'] as string | undefined)) {
      buf = r.gzip();
      headers['Content-Encoding'] = 'gzip';
      // Another representation, so another strong tag.
      if (etag) etag = etag.replace(/"$/, '-gzip"');
    }
  }
  if (etag && r.status === 200) {
    headers.ETag = etag;
    if (etagMatches(req.headers['if-none-match'] as string | undefined, etag)) {
      delete headers['Content-Encoding'];
      delete headers['Content-Type'];
      res.writeHead(304, headers);
      res.end();
      return;
    }
  }
  headers['Content-Length'] = buf.length;
  res.writeHead(r.status, headers);
  res.end(req.method === 'HEAD' ? undefined : buf);
}

const text = (status: number, body: string, headers?: Record<string, string>): Reply => ({ status, type: TEXT, body, headers });

async function route(deps: HttpDeps, body: BodyCache, apiCache: ApiCache | null, limits: HttpLimits, live: Live, req: http.IncomingMessage): Promise<Reply> {
  const target = req.url ?? '/';
  if (target.length > limits.maxUrlBytes) return text(414, 'request target too long\n');
  const p = requestPath(target);
  if (p === null) return text(400, 'bad request target\n');
  if (live.auth.enabled && !(await live.auth.check(parseBasicAuth(req.headers.authorization)))) {
    return text(401, 'unauthorized\n', { 'WWW-Authenticate': 'Basic realm="clawmeter", charset="UTF-8"' });
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') return text(405, 'method not allowed\n', { Allow: 'GET, HEAD' });
  const handler = Object.hasOwn(ROUTES, p) ? ROUTES[p] : undefined;
  if (handler) return handler({ deps, body, apiCache, req });
  const prefixed = PREFIX_ROUTES.find(([prefix]) => p.startsWith(prefix));
  return (prefixed ? prefixed[1]({ deps, body, apiCache, req }, p) : null) ?? text(404, 'not found\n');
}

function createHandler(deps: HttpDeps, body: BodyCache, apiCache: ApiCache | null, limits: HttpLimits, live: () => Live): http.RequestListener {
  return (req, res) => {
    const l = live();
    const fail = (err: unknown) => {
      deps.onError?.('request handler failed', err as Error);
      if (res.headersSent) return void res.destroy();
      try {
        send(req, res, text(500, 'internal error\n'), l);
      } catch {
        res.destroy();
      }
    };
    route(deps, body, apiCache, limits, l, req).then((r) => {
      try {
        send(req, res, r, l);
      } catch (err) {
        fail(err);
      }
    }, fail);
  };
}

export function parseListen(listen: string): { host: string; port: number } | null {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(listen);
  if (!m) return null;
  const port = Number(m[3]);
  if (port > 65535) return null;
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

function liveOf(cfg: WebConfig | null | undefined): Live {
  return { auth: new BasicAuth(cfg?.users ?? {}), headers: { ...(cfg?.headers ?? {}) }, tls: cfg?.tls ?? null };
}

export function startServer(deps: HttpDeps, host: string, port: number, opts: ServerOptions = {}): Promise<RunningServer> {
  const limits: HttpLimits = { ...DEFAULT_LIMITS, ...opts.limits };
  let live = liveOf(opts.web);
  // Without a version to key on, every scrape renders.
  let n = 0;
  const body = new BodyCache(deps.renderMetrics, deps.metricsVersion ?? (() => String(n++)), limits.bodyMaxAgeMs);
  // API answers are cached only when there is a data version to key on.
  const apiCache = deps.api
    ? new ApiCache(deps.api, deps.metricsVersion ?? null, { maxEntries: limits.apiCacheEntries, maxBytes: limits.apiCacheBytes, maxAgeMs: limits.apiMaxAgeMs })
    : null;
  const handler = createHandler(deps, body, apiCache, limits, () => live);
  const base = { maxHeaderSize: limits.maxHeaderBytes, connectionsCheckingInterval: limits.checkIntervalMs };
  const tlsOn = live.tls !== null;
  const server: http.Server = live.tls
    ? https.createServer({ ...base, ...secureContextOptions(live.tls), requestCert: requestsClientCert(live.tls.clientAuthType), rejectUnauthorized: false }, handler)
    : http.createServer(base, handler);
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.timeout = limits.idleTimeoutMs;
  server.maxConnections = limits.maxConnections;
  if (tlsOn) {
    // The client-certificate policy is checked per connection, against the config of that moment.
    server.on('secureConnection', (socket: tls.TLSSocket) => {
      const m = live.tls;
      const problem = m ? clientCertProblem(socket, m) : null;
      if (problem) socket.destroy();
    });
    server.on('tlsClientError', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'ECONNRESET') deps.onError?.('TLS handshake failed', err);
    });
  }
  // A request Node cannot parse gets a 400 (431 for oversized headers) and its connection closed; the server goes on.
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (err.code !== 'ECONNRESET' && err.code !== 'EPIPE' && err.code !== 'ERR_HTTP_REQUEST_TIMEOUT') deps.onError?.('bad client request', err);
    if (socket.writable && !(socket as { _httpMessage?: unknown })._httpMessage) {
      const status = err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    } else socket.destroy();
  });
  const applyWebConfig = (cfg: WebConfig): string | null => {
    let note: string | null = null;
    let tlsNext = cfg.tls;
    if ((cfg.tls !== null) !== tlsOn) {
      note = tlsOn ? 'removing tls_server_config needs a restart; TLS stays on with the previous certificate' : 'adding tls_server_config needs a restart; still serving plain HTTP';
      tlsNext = live.tls;
    }
    if (tlsNext && tlsNext !== live.tls) {
      (server as https.Server).setSecureContext(secureContextOptions(tlsNext));
      // Read by Node for each new TLS connection.
      (server as https.Server & { requestCert: boolean }).requestCert = requestsClientCert(tlsNext.clientAuthType);
    }
    live = { ...liveOf(cfg), tls: tlsNext };
    return note;
  };
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
        apiCache,
        url: `${tlsOn ? 'https' : 'http'}://${h}:${a.port}`,
        tls: tlsOn,
        applyWebConfig,
        close: () =>
          new Promise<void>((r) => {
            server.close(() => r());
            server.closeAllConnections();
          }),
      });
    });
  });
}
