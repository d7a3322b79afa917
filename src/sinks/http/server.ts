/**
 * The HTTP endpoint: GET /metrics (Prometheus text 0.0.4), GET /healthz, a small
 * landing page at /, 404 elsewhere and 405 for methods other than GET and HEAD.
 * Handlers only read in-memory state; nothing here touches the disk.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CONTENT_TYPE } from '../prometheus/exposition.js';
import { landingPage } from './landing.js';

export interface HttpDeps {
  renderMetrics(): string;
  /** Readiness for /readyz: ready once a full cycle has committed and while no source is down. */
  readiness(): { ready: boolean; reasons: string[] };
  /** Facts for the landing page. */
  status(): { demo: boolean; stateDirs: string[]; dataDir: string; version: string; calls: number; lastIngestMs: number | null };
}

export interface RunningServer {
  server: http.Server;
  url: string;
  close(): Promise<void>;
}

export function createHandler(deps: HttpDeps): http.RequestListener {
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const known = url.pathname === '/metrics' || url.pathname === '/healthz' || url.pathname === '/';
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('method not allowed\n');
      return;
    }
    if (!known) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('not found\n');
      return;
    }
    let body: string;
    let type: string;
    try {
      if (url.pathname === '/metrics') {
        body = deps.renderMetrics();
        type = CONTENT_TYPE;
      } else if (url.pathname === '/healthz') {
        body = 'ok\n';
        type = 'text/plain; charset=utf-8';
      } else {
        body = landingPage(deps.status());
        type = 'text/html; charset=utf-8';
      }
    } catch (err) {
      res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(`internal error: ${(err as Error).message}\n`);
      return;
    }
    const buf = Buffer.from(body, 'utf8');
    res.writeHead(200, { 'Content-Type': type, 'Content-Length': buf.length });
    res.end(req.method === 'HEAD' ? undefined : buf);
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
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
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
