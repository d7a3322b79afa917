/**
 * The HTTP endpoint under hostile and broken requests (raw sockets on 127.0.0.1):
 * each probe gets a 4xx answer and the server goes on serving; a handler that
 * fails answers 500; /readyz follows the ingest stats' readiness.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import path from 'node:path';
import { serve } from '../src/cli/serve.js';
import { IngestStats } from '../src/ingest/stats.js';
import { requestPath, startServer, type HttpDeps } from '../src/sinks/http/server.js';
import { FIXTURES, copyDir, tmpDir } from './helpers.js';

/** Sends raw bytes, returns what the server answered before closing (or after 2 s of silence). */
function raw(url: string, bytes: string | Buffer): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const sock = net.connect(Number(port), hostname);
    let got = '';
    const done = () => {
      sock.destroy();
      resolve(got);
    };
    sock.setTimeout(2000, done);
    sock.on('data', (d) => {
      got += d.toString('latin1');
      // One answer is enough; keep-alive connections would stay open.
      if (/\r\n\r\n/.test(got) && /Content-Length: 0|\r\n\r\n[\s\S]+/i.test(got)) done();
    });
    sock.on('end', done);
    sock.on('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNRESET' ? done() : reject(e)));
    sock.write(bytes);
  });
}

const PROBES: Array<[string, string | Buffer, RegExp]> = [
  ['//[ (Invalid URL)', 'GET //[ HTTP/1.1\r\nHost: x\r\n\r\n', /^HTTP\/1\.1 404 /],
  ['absolute http://[', 'GET http://[ HTTP/1.1\r\nHost: x\r\n\r\n', /^HTTP\/1\.1 400 /],
  ['absolute http://a:99999/', 'GET http://a:99999/ HTTP/1.1\r\nHost: x\r\n\r\n', /^HTTP\/1\.1 400 /],
  ['absolute-form that parses', 'GET http://x/healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', /^HTTP\/1\.1 200 /],
  ['query and fragment', 'GET /metrics?%zz#[ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', /^HTTP\/1\.1 200 /],
  ['garbage bytes', Buffer.from([0x00, 0xff, 0x13, 0x37, 0x0d, 0x0a, 0x0d, 0x0a]), /^HTTP\/1\.1 400 /],
  ['bad header line', 'GET /metrics HTTP/1.1\r\nHost x\r\n\r\n', /^HTTP\/1\.1 400 /],
  ['bad method token', 'G(T /metrics HTTP/1.1\r\nHost: x\r\n\r\n', /^HTTP\/1\.1 400 /],
  ['DELETE', 'DELETE /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', /^HTTP\/1\.1 405 /],
  ['prototype key as path', 'GET /__proto__ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', /^HTTP\/1\.1 404 /],
];

test('hostile request targets never crash the server; a normal scrape works after each', async () => {
  const root = tmpDir();
  const state = path.join(root, 'state');
  copyDir(path.join(FIXTURES, 'openclaw-real/v2026.7.35-jsonl'), state);
  const h = await serve(['--state-dir', state, '--data-dir', path.join(root, 'data'), '--listen', '127.0.0.1:0', '--log-level', 'silent']);
  assert.ok(h);
  try {
    for (const [name, bytes, expect] of PROBES) {
      const answer = await raw(h.url, bytes);
      assert.match(answer, expect, `${name}: ${JSON.stringify(answer.slice(0, 80))}`);
      const r: Response = await fetch(`${h.url}/metrics`);
      assert.equal(r.status, 200, `scrape after ${name}`);
      assert.match(await r.text(), /^clawmeter_build_info\{/m);
    }
  } finally {
    await h.stop();
  }
});

test('requestPath: origin-form is cut at ? and #; absolute-form parsed; unparseable is null', () => {
  assert.equal(requestPath('/metrics?x=1'), '/metrics');
  assert.equal(requestPath('//['), '//[');
  assert.equal(requestPath('http://h/readyz#x'), '/readyz');
  assert.equal(requestPath('http://['), null);
  assert.equal(requestPath('http://a:99999/'), null);
  assert.equal(requestPath('*'), null);
});

async function withServer(deps: HttpDeps, fn: (url: string) => Promise<void>): Promise<void> {
  const s = await startServer(deps, '127.0.0.1', 0);
  try {
    await fn(s.url);
  } finally {
    await s.close();
  }
}

test('a handler that throws answers 500 and the server keeps serving', async () => {
  const stats = new IngestStats();
  const errors: string[] = [];
  let broken = false;
  const deps: HttpDeps = {
    renderMetrics: () => {
      if (broken) throw new Error('render failed');
      return 'x 1\n';
    },
    readiness: () => stats.readiness(),
    // A landing page whose facts cannot be produced (a real SyntaxError).
    status: () => JSON.parse(broken ? '{' : '{"demo":false,"stateDirs":[],"dataDir":"/d","version":"t","calls":0,"lastIngestMs":null}'),
    onError: (what) => errors.push(what),
  };
  await withServer(deps, async (url) => {
    assert.equal((await fetch(`${url}/metrics`)).status, 200);
    assert.equal((await fetch(`${url}/`)).status, 200);
    broken = true;
    const r = await fetch(`${url}/metrics`);
    assert.equal(r.status, 500);
    assert.equal(await r.text(), 'internal error\n', 'no error detail leaks to the client');
    assert.equal((await fetch(`${url}/`)).status, 500);
    assert.equal((await fetch(`${url}/healthz`)).status, 200, 'still serving');
    assert.deepEqual(errors, ['request handler failed', 'request handler failed']);
    broken = false;
    assert.equal((await fetch(`${url}/metrics`)).status, 200);
  });
});

test('/readyz: 503 with one reason per line until ready, 200 ready after; /healthz stays 200', async () => {
  const stats = new IngestStats();
  const deps: HttpDeps = {
    renderMetrics: () => '',
    readiness: () => stats.readiness(),
    status: () => ({ demo: false, stateDirs: [], dataDir: '/x', version: 't', calls: 0, lastIngestMs: null }),
  };
  await withServer(deps, async (url) => {
    let r = await fetch(`${url}/readyz`);
    assert.equal(r.status, 503);
    assert.equal(await r.text(), 'first ingest cycle not finished yet\n');
    assert.equal((await fetch(`${url}/healthz`)).status, 200);

    stats.cyclesCompleted = 1;
    r = await fetch(`${url}/readyz`);
    assert.equal(r.status, 200);
    assert.equal(await r.text(), 'ready\n');

    stats.sources.set('s\u0000main\u0000sqlite', { stateDir: '/s', agent: 'main', source: 'sqlite', up: false, lastSuccessMs: null, reason: 'store_unavailable\nsecond line' });
    stats.sources.set('s\u0000work\u0000jsonl', { stateDir: '/s', agent: 'work', source: 'jsonl', up: false, lastSuccessMs: 1, reason: 'unreadable' });
    r = await fetch(`${url}/readyz`);
    assert.equal(r.status, 503);
    assert.deepEqual((await r.text()).split('\n'), [
      'source down: sqlite of agent main: store_unavailable second line',
      'source down: jsonl of agent work: unreadable',
      '',
    ]);
    const head = await fetch(`${url}/readyz`, { method: 'HEAD' });
    assert.equal(head.status, 503);
    assert.equal(await head.text(), '');
    const home = await (await fetch(`${url}/`)).text();
    assert.match(home, /<a href="\/readyz">/);
    assert.match(home, /<a href="\/healthz">/);
  });
});
