/**
 * The cache of rendered /api/v1/ answers (src/sinks/http/api-cache.ts) over a real
 * ledger and a real HTTP server on 127.0.0.1, with a clock the test moves: a new
 * commit changes the answer at once; an answer whose range is relative to now
 * ("last 1h", today) is never served staler than the cache's age bound, even
 * without a commit, nor after the clock went back; the order of parameters makes no
 * new entry, every parameter is part of the key; the cache stays within its entry and byte bounds; live
 * health and errors are never cached; ETag, If-None-Match (304) and Vary are right
 * for the plain and the gzip form.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import zlib from 'node:zlib';
import { Ledger } from '../src/ledger/ledger.js';
import type { CommitCall } from '../src/ledger/types.js';
import { LedgerQuery } from '../src/query/index.js';
import { startServer, type RunningServer } from '../src/sinks/http/server.js';
import { cacheKey } from '../src/sinks/http/api-cache.js';
import { tmpDir } from './helpers.js';

const H = 3_600_000;
const T = Date.parse('2026-11-21T12:00:00Z');
let seq = 0;

function call(tsMs: number, model = 'gpt-5', agent = 'main'): CommitCall {
  return {
    dedupeKey: `c${seq++}`, tsMs, agent, compatKind: 'main', kind: 'direct', channel: 'telegram', chatType: 'direct',
    provider: 'openai-codex', model, input: 100, output: 10, cacheRead: 0, cacheWrite: 0, costUsd: 0.001, costEstimated: false,
    stopReason: 'stop', errorCategory: null, latencyMs: null, source: 'jsonl',
  } as CommitCall;
}

interface Got { status: number; headers: http.IncomingHttpHeaders; body: Buffer }

function get(url: string, headers: Record<string, string> = {}): Promise<Got> {
  return new Promise((resolve, reject) => {
    http.get(url, { headers, agent: false }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts) }));
    }).on('error', reject);
  });
}

const json = (g: Got) => JSON.parse((g.headers['content-encoding'] === 'gzip' ? zlib.gunzipSync(g.body) : g.body).toString('utf8'));
const messages = (g: Got) => (json(g).rows as Array<{ messages: number }>).reduce((a, r) => a + r.messages, 0);

async function setup(limits: { apiCacheEntries?: number; apiCacheBytes?: number; apiMaxAgeMs?: number } = {}) {
  const clock = { now: T };
  const ledger = Ledger.open(tmpDir('clawmeter-apicache-'), { now: () => clock.now });
  const q = new LedgerQuery(ledger, () => clock.now);
  let cycles = 0;
  const s: RunningServer = await startServer(
    {
      api: {
        query: () => q,
        health: () => ({ ready: true, reasons: [], ingesting: false, cyclesCompleted: cycles, lastIngestMs: clock.now, filesRead: 0, bytesRead: 0, callsInserted: 0, sources: [], ledger: null }),
        demo: false, version: 'test', tz: 'UTC', window: { name: '5h', ms: 5 * H }, now: () => clock.now,
      },
      renderMetrics: () => '',
      metricsVersion: () => `${ledger.version}:${cycles}`,
      readiness: () => ({ ready: true, reasons: [] }),
      status: () => ({ demo: false, stateDirs: [], dataDir: '', version: 'test', calls: 0, lastIngestMs: null }),
    },
    '127.0.0.1',
    0,
    { limits },
  );
  return { clock, ledger, s, cache: s.apiCache!, url: `${s.url}/api/v1`, cycle: () => cycles++ };
}

test('API cache: a commit changes the answer; relative ranges never staler than the age bound; clock going back', async () => {
  const { clock, ledger, s, cache, url } = await setup({ apiMaxAgeMs: 2000 });
  try {
    ledger.commit({ calls: [call(T - 30 * 60_000), call(T - 20 * 60_000)] });
    const a = await get(`${url}/series?range=1h`);
    assert.equal(a.status, 200);
    assert.equal(messages(a), 2);
    const b = await get(`${url}/series?range=1h`);
    assert.deepEqual(b.body, a.body, 'the same bytes from the cache');
    assert.equal(cache.renders, 1);
    assert.equal(cache.hits, 1);

    // A new commit: the next answer has it, at once.
    ledger.commit({ calls: [call(T - 10 * 60_000)] });
    const c = await get(`${url}/series?range=1h`);
    assert.equal(messages(c), 3, 'a new commit changes the answer');
    assert.equal(cache.renders, 2);

    // No commit, the clock moves less than the bound: served from the cache.
    clock.now += 1500;
    assert.deepEqual((await get(`${url}/series?range=1h`)).body, c.body);
    // ... and past it: re-rendered with the range moved.
    clock.now += 600;
    const d = json(await get(`${url}/series?range=1h`));
    assert.equal(d.to, T + 2100);
    assert.equal(d.generatedAtMs, T + 2100);

    // Two hours later without any commit, "the last hour" is empty; today's tiles move too.
    const sum0 = json(await get(`${url}/summary`));
    assert.equal(sum0.today.messages, 3);
    clock.now = T + 2 * H;
    const e = await get(`${url}/series?range=1h`);
    assert.equal(messages(e), 0, 'a relative range is not served stale without a commit');
    assert.equal(json(e).from, T + H);
    clock.now = Date.parse('2026-11-22T00:00:01Z');
    assert.equal(json(await get(`${url}/summary`)).today.messages, 0, 'a new day without a commit');

    // The clock goes back (a wall-clock jump): never an answer from "the future".
    const f = json(await get(`${url}/series?range=1h`));
    clock.now -= 1000;
    const g = json(await get(`${url}/series?range=1h`));
    assert.equal(g.to, f.to - 1000, 're-rendered after the clock went back');
  } finally {
    await s.close();
    ledger.close();
  }
});

test('API cache: key normalisation, uncached answers, bounds', async () => {
  const { ledger, s, cache, url, cycle } = await setup({ apiCacheEntries: 4, apiCacheBytes: 64 * 1024 });
  try {
    for (let i = 0; i < 50; i++) ledger.commit({ calls: [call(T - i * 60_000, i % 2 ? 'gpt-5' : 'o3', i % 3 ? 'main' : 'work')] });
    // The order of names makes no new entry; every parameter is part of the key (one the
    // endpoints do not read today costs an entry, never a wrong answer).
    const a = await get(`${url}/series?range=1h&by=model`);
    const b = await get(`${url}/series?by=model&range=1h`);
    assert.deepEqual(b.body, a.body);
    assert.equal(cache.renders, 1);
    assert.equal(cacheKey('/api/v1/series', new URLSearchParams('range=1h&by=model&_=1')), '/api/v1/series?_=1&by=model&range=1h');
    await get(`${url}/series?by=model&range=1h&_=1`);
    assert.equal(cache.renders, 2);
    // The order of repeated values matters (it orders `by`), and is kept.
    const ma = json(await get(`${url}/series?range=1h&by=model&by=agent`)).by;
    const am = json(await get(`${url}/series?range=1h&by=agent&by=model`)).by;
    assert.deepEqual(ma, ['model', 'agent']);
    assert.deepEqual(am, ['agent', 'model']);

    // sources/health is live; a 400 is not kept.
    const r0 = cache.renders;
    await get(`${url}/sources/health`);
    await get(`${url}/sources/health`);
    assert.equal((await get(`${url}/series?range=2y`)).status, 400);
    assert.equal((await get(`${url}/series?range=2y`)).status, 400);
    assert.equal(cache.renders, r0 + 4);
    assert.equal(cache.size.entries, 4, 'only the four 200 answers are kept');

    // An ingest cycle (no commit) also changes the version: health and windows may have moved.
    cycle();
    await get(`${url}/series?range=1h&by=model`);
    assert.equal(cache.size.entries, 1, 'a new version drops every older answer');

    // Bounded: many distinct queries keep at most 4 entries and 64 KiB, and each answer is still right.
    for (let i = 1; i <= 30; i++) {
      const g = await get(`${url}/breakdown?by=model&from=${T - i * 60_000}&to=${T + 1}`, { 'Accept-Encoding': 'gzip' });
      assert.equal(messages(g), i + 1, `breakdown of the last ${i} minutes`);
      assert.ok(cache.size.entries <= 4, `entries ${cache.size.entries}`);
      assert.ok(cache.size.bytes <= 64 * 1024, `bytes ${cache.size.bytes}`);
    }
    // The first of them was evicted and comes back right.
    assert.equal(messages(await get(`${url}/breakdown?by=model&from=${T - 60_000}&to=${T + 1}`)), 2);
  } finally {
    await s.close();
    ledger.close();
  }
});

test('API cache: ETag per encoding, If-None-Match gives 304, Vary and Cache-Control', async () => {
  const { ledger, s, url } = await setup();
  try {
    ledger.commit({ calls: [call(T - 60_000)] });
    const plain = await get(`${url}/summary`);
    const gz = await get(`${url}/summary`, { 'Accept-Encoding': 'gzip' });
    const tag = plain.headers.etag!;
    const gzTag = gz.headers.etag!;
    assert.match(tag, /^"[A-Za-z0-9_-]+"$/);
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.notEqual(gzTag, tag, 'the gzip form is another representation');
    assert.deepEqual(zlib.gunzipSync(gz.body), plain.body);
    for (const r of [plain, gz]) {
      assert.match(String(r.headers.vary), /Accept-Encoding/);
      assert.equal(r.headers['cache-control'], 'private, no-cache');
    }
    const nm = await get(`${url}/summary`, { 'If-None-Match': tag });
    assert.equal(nm.status, 304);
    assert.equal(nm.body.length, 0);
    assert.equal(nm.headers.etag, tag);
    assert.equal((await get(`${url}/summary`, { 'If-None-Match': `"x", W/${gzTag}`, 'Accept-Encoding': 'gzip' })).status, 304, 'weak comparison, a list');
    assert.equal((await get(`${url}/summary`, { 'If-None-Match': tag, 'Accept-Encoding': 'gzip' })).status, 200, 'the plain tag does not validate the gzip form');
    // A commit: the old tag no longer matches.
    ledger.commit({ calls: [call(T - 30_000)] });
    const after = await get(`${url}/summary`, { 'If-None-Match': tag });
    assert.equal(after.status, 200);
    assert.notEqual(after.headers.etag, tag);
    assert.equal(json(after).today.messages, 2);
    // HEAD answers the headers only.
    const head = await new Promise<http.IncomingMessage>((resolve, reject) => http.request(`${url}/summary`, { method: 'HEAD', agent: false }, resolve).on('error', reject).end());
    assert.equal(head.statusCode, 200);
    assert.equal(head.headers.etag, after.headers.etag);
  } finally {
    await s.close();
    ledger.close();
  }
});

test('API cache: the byte bound holds (plain plus gzip), an oversized answer is served but not kept', async () => {
  const { ledger, s, cache, url } = await setup({ apiCacheEntries: 1000, apiCacheBytes: 6000 });
  try {
    for (let i = 0; i < 20; i++) ledger.commit({ calls: [call(T - i * 60_000, `model-${i}`)] });
    for (let i = 1; i <= 20; i++) {
      const g = await get(`${url}/breakdown?by=agent&from=${T - i * 60_000}&to=${T + 1}`, { 'Accept-Encoding': 'gzip' });
      assert.equal(messages(g), Math.min(i + 1, 20));
      assert.ok(cache.size.bytes <= 6000, `bytes ${cache.size.bytes}`);
    }
    assert.ok(cache.size.entries > 1 && cache.size.entries < 20, `evicted by bytes, not by count: ${cache.size.entries}`);
    const big = await get(`${url}/series?range=1h&by=model&step=1m`);
    assert.ok(big.body.length * 2 > 6000 / 4, `the series answer is large (${big.body.length} bytes)`);
    assert.equal(messages(big), 19, 'ranges are half-open: the call at now is not in [now - 1h, now)');
    const before = cache.size.entries;
    assert.deepEqual((await get(`${url}/series?range=1h&by=model&step=1m`)).body.length, big.body.length);
    assert.ok(cache.size.entries <= before, 'not kept');
  } finally {
    await s.close();
    ledger.close();
  }
});
