/**
 * HTTP hardening over raw sockets on 127.0.0.1: oversized URL (414) and headers
 * (431), a client that sends headers too slowly is cut off (408), the connection
 * cap, 500 slow clients holding connections while a normal scrape is answered,
 * security headers; and the /metrics body rendered once per version, served
 * plain or gzip.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import zlib from 'node:zlib';
import http from 'node:http';
import { startServer, type HttpDeps, type RunningServer } from '../src/sinks/http/server.js';
import type { HttpLimits } from '../src/sinks/http/limits.js';
import { BodyCache, acceptsGzip } from '../src/sinks/http/body-cache.js';

function deps(o: { render?: () => string; version?: () => string } = {}): HttpDeps {
  return {
    renderMetrics: o.render ?? (() => '# HELP x y\n# TYPE x gauge\nx 1\n'.repeat(200)),
    metricsVersion: o.version,
    readiness: () => ({ ready: true, reasons: [] }),
    status: () => ({ demo: false, stateDirs: [], dataDir: '/d', version: 't', calls: 0, lastIngestMs: null }),
  };
}

async function withServer(d: HttpDeps, limits: Partial<HttpLimits>, fn: (s: RunningServer, port: number) => Promise<void>): Promise<void> {
  const s = await startServer(d, '127.0.0.1', 0, { limits });
  try {
    await fn(s, Number(new URL(s.url).port));
  } finally {
    await s.close();
  }
}

/** Writes bytes, resolves with what came back once the server closes or after `ms`. */
function raw(port: number, bytes: string, ms = 3000): Promise<{ got: string; closed: boolean }> {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    let got = '';
    const t = setTimeout(() => {
      sock.destroy();
      resolve({ got, closed: false });
    }, ms);
    sock.on('data', (d) => (got += d.toString('latin1')));
    const end = () => {
      clearTimeout(t);
      resolve({ got, closed: true });
    };
    sock.on('close', end);
    sock.on('error', () => {});
    sock.write(bytes);
  });
}

/** A keep-alive-free GET with node:http (fetch pools connections). */
function get(port: number, p: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: p, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
  });
}

test('oversized URL is 414, oversized headers 431, and the server goes on', async () => {
  await withServer(deps(), {}, async (_s, port) => {
    const longUrl = await raw(port, `GET /metrics?${'a'.repeat(3000)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    assert.match(longUrl.got, /^HTTP\/1\.1 414 /);
    const bigHeader = await raw(port, `GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(10_000)}\r\n\r\n`);
    assert.match(bigHeader.got, /^HTTP\/1\.1 431 /);
    assert.equal((await get(port, '/metrics')).status, 200);
  });
});

test('a client that sends its headers too slowly is cut off with 408', async () => {
  await withServer(deps(), { headersTimeoutMs: 1000, checkIntervalMs: 250 }, async (_s, port) => {
    const t = performance.now();
    const r = await raw(port, 'GET /metrics HTTP/1.1\r\nHost: x\r\n', 15_000);
    assert.ok(r.closed, 'the server closed the connection');
    assert.match(r.got, /^HTTP\/1\.1 408 /);
    assert.ok(performance.now() - t < 14_000);
  });
});

test('connection cap: connections past the cap are closed at once; capacity returns when they go', async () => {
  await withServer(deps(), { maxConnections: 5 }, async (_s, port) => {
    const held: net.Socket[] = [];
    for (let i = 0; i < 5; i++) {
      const s = net.connect(port, '127.0.0.1');
      await new Promise((r) => s.once('connect', r));
      held.push(s);
    }
    await new Promise((r) => setTimeout(r, 100));
    const over = await raw(port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n', 5000);
    assert.ok(over.closed && over.got === '', `sixth connection closed without an answer: ${JSON.stringify(over.got.slice(0, 40))}`);
    for (const s of held) s.destroy();
    await new Promise((r) => setTimeout(r, 200));
    assert.equal((await get(port, '/healthz')).status, 200);
  });
});

test('500 slow clients holding connections do not stop a normal scrape', async () => {
  await withServer(deps(), {}, async (_s, port) => {
    const slow: net.Socket[] = [];
    for (let i = 0; i < 500; i++) {
      const s = net.connect(port, '127.0.0.1');
      s.on('error', () => {});
      s.write('GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: ');
      slow.push(s);
    }
    await Promise.all(slow.map((s) => (s.connecting ? new Promise((r) => s.once('connect', r)) : null)));
    try {
      const t = performance.now();
      const r = await get(port, '/metrics');
      assert.equal(r.status, 200);
      assert.match(r.body.toString(), /^# HELP x y/);
      assert.ok(performance.now() - t < 5000, 'answered promptly');
      assert.ok(slow.filter((s) => !s.destroyed).length >= 490, 'the slow clients were still connected');
    } finally {
      for (const s of slow) s.destroy();
    }
  });
});

test('/metrics: rendered once per version for many concurrent scrapers, gzip on request, security headers', async () => {
  let renders = 0;
  let version = 1;
  const d = deps({ render: () => `# HELP x y\n# TYPE x gauge\nx ${++renders}\n${'# filler\n'.repeat(2000)}`, version: () => String(version) });
  await withServer(d, { bodyMaxAgeMs: 60_000 }, async (_s, port) => {
    const all = await Promise.all(Array.from({ length: 100 }, (_, i) => get(port, '/metrics', i % 2 ? { 'Accept-Encoding': 'gzip, deflate' } : {})));
    assert.equal(renders, 1, 'one render for 100 scrapes of the same version');
    for (const [i, r] of all.entries()) {
      assert.equal(r.status, 200);
      const text = i % 2 ? zlib.gunzipSync(r.body).toString() : r.body.toString();
      assert.equal(r.headers['content-encoding'], i % 2 ? 'gzip' : undefined);
      assert.match(text, /^# HELP x y\n# TYPE x gauge\nx 1\n/);
      assert.equal(r.headers.vary, 'Accept, Accept-Encoding');
      assert.equal(r.headers['x-content-type-options'], 'nosniff');
    }
    assert.ok(all[1].body.length < all[0].body.length / 10, 'gzip is much smaller');
    version = 2;
    const next = await get(port, '/metrics');
    assert.match(next.body.toString(), /\nx 2\n/, 'a new version renders again');
    const head = await new Promise<http.IncomingMessage>((r) => http.request({ host: '127.0.0.1', port, path: '/metrics', method: 'HEAD', agent: false }, r).end());
    assert.equal(Number(head.headers['content-length']), next.body.length);
  });
});

test('BodyCache and Accept-Encoding parsing', () => {
  let now = 0;
  let n = 0;
  const c = new BodyCache(() => `v${++n}`, () => 'same', 1000, () => now);
  assert.equal(c.get().plain.toString(), 'v1');
  now = 999;
  assert.equal(c.get().plain.toString(), 'v1');
  now = 1000;
  assert.equal(c.get().plain.toString(), 'v2', 'older than maxAge: rendered again');
  assert.equal(acceptsGzip('gzip'), true);
  assert.equal(acceptsGzip('deflate, gzip;q=0.5'), true);
  assert.equal(acceptsGzip('gzip;q=0'), false);
  assert.equal(acceptsGzip('identity'), false);
  assert.equal(acceptsGzip(undefined), false);
});
