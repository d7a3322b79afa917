/**
 * The JSON API under /api/v1/ against a real `clawmeter serve` over a generated
 * state directory (with emails in profile ids and secrets in the auth files):
 * every endpoint answers JSON with generatedAtMs; no answer contains a secret,
 * an email, a session id or a state-dir path; bad parameters are a 400 with one
 * line, unknown endpoints a 404; the series sums equal the totals; the page and
 * its assets work under a strict CSP (no inline script or style) and come only
 * from clawmeter.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { serve } from '../src/cli/serve.js';
import { generateStateDir } from '../src/demo/generate.js';
import { tmpDir } from './helpers.js';

const ENDPOINTS = ['summary', 'series', 'series?by=model&range=7d', 'breakdown?by=agent', 'errors', 'windows', 'quota', 'auth', 'sources/health', 'statusline', 'statusline?tz=Europe/Berlin&window=30m'];

test('JSON API: every endpoint, privacy, errors, consistency, and the page under a strict CSP', { timeout: 60_000 }, async () => {
  const root = tmpDir();
  const stateDir = path.join(root, 'state');
  generateStateDir({ dir: stateDir, seed: 9, nowMs: Date.now(), days: 4, junk: false });
  const h = await serve(['--state-dir', stateDir, '--data-dir', path.join(root, 'data'), '--listen', '127.0.0.1:0', '--log.level', 'silent', '--no-watch'], { TZ: 'UTC' });
  assert.ok(h);
  try {
    for (let i = 0; i < 300 && (await fetch(`${h.url}/readyz`)).status !== 200; i++) await new Promise((r) => setTimeout(r, 100));
    const secrets = [...fs.readFileSync(path.join(stateDir, 'agents/main/agent/auth-profiles.json'), 'utf8').matchAll(/SECRET-[A-Za-z0-9]+/g)].map((m) => m[0]);
    assert.ok(secrets.length > 0, 'the fixture has secrets to leak');
    const sessionIds = fs.readdirSync(path.join(stateDir, 'agents/main/sessions')).filter((f) => f.endsWith('.jsonl')).map((f) => f.slice(0, 36));
    for (const e of ENDPOINTS) {
      const r: Response = await fetch(`${h.url}/api/v1/${e}`);
      assert.equal(r.status, 200, e);
      assert.match(r.headers.get('content-type') ?? '', /^application\/json/);
      const text = await r.text();
      const j = JSON.parse(text);
      assert.equal(typeof j.generatedAtMs, 'number', e);
      assert.ok(!text.includes('@'), `${e}: no email`);
      assert.ok(!text.includes(root), `${e}: no path`);
      for (const s of secrets) assert.ok(!text.includes(s), `${e}: no secret`);
      for (const id of sessionIds) assert.ok(!text.includes(id), `${e}: no session id`);
    }
    // the series of a range adds up to the breakdown of the same range
    const to = Date.now();
    const from = to - 3 * 86_400_000;
    const series = (await (await fetch(`${h.url}/api/v1/series?from=${from}&to=${to}&step=1h`)).json()) as { rows: Array<{ totalTokens: number; messages: number }> };
    const agents = (await (await fetch(`${h.url}/api/v1/breakdown?by=agent&from=${from}&to=${to}`)).json()) as { rows: Array<{ totalTokens: number; messages: number }> };
    const sum = (rows: Array<{ totalTokens: number; messages: number }>) => rows.reduce((a, r) => [a[0] + r.totalTokens, a[1] + r.messages], [0, 0]);
    assert.deepEqual(sum(series.rows), sum(agents.rows));
    assert.ok(sum(series.rows)[1] > 0);

    for (const bad of ['series?range=2y', 'series?step=1s', 'series?from=yesterday', 'series?by=sessionId', 'breakdown', 'errors?limit=0', 'summary?tz=Mars/Olympus', 'series?from=10&to=5', 'statusline?tz=Mars/Olympus', 'statusline?window=0h']) {
      const r: Response = await fetch(`${h.url}/api/v1/${bad}`);
      assert.equal(r.status, 400, bad);
      const j = (await r.json()) as { error: string };
      assert.ok(j.error.length > 0 && !j.error.includes('\n'), bad);
    }
    assert.equal((await fetch(`${h.url}/api/v1/nope`)).status, 404);
    assert.equal((await fetch(`${h.url}/assets/../package.json`)).status, 404);
    assert.equal((await fetch(`${h.url}/assets/nope.js`)).status, 404);
    assert.equal((await fetch(`${h.url}/api/v1/summary`, { method: 'HEAD' })).status, 200);

    const page = await (await fetch(`${h.url}/`)).text();
    assert.doesNotMatch(page, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline script');
    assert.doesNotMatch(page, /<style|\sstyle=/, 'no inline style');
    for (const m of page.matchAll(/(?:src|href)="([^"]+)"/g)) {
      if (m[1].startsWith('data:')) continue;
      assert.ok(m[1].startsWith('/'), `same-origin asset: ${m[1]}`);
      if (m[1].startsWith('/assets/')) assert.equal((await fetch(`${h.url}${m[1]}`)).status, 200, m[1]);
    }
    const js = await (await fetch(`${h.url}/assets/dashboard.js`)).text();
    assert.doesNotMatch(js, /https?:\/\//, 'the script loads nothing from another host');
  } finally {
    await h.stop();
  }
});

test('DEMO mode: the dashboard keeps the DEMO banner and the API says demo', { timeout: 60_000 }, async () => {
  const root = tmpDir();
  const h = await serve(['--demo', '--data-dir', path.join(root, 'data'), '--listen', '127.0.0.1:0', '--log.level', 'silent', '--no-watch'], { TZ: 'UTC', HOME: root });
  assert.ok(h);
  try {
    const page = await (await fetch(`${h.url}/`)).text();
    assert.match(page, /<title>clawmeter \(DEMO\)<\/title>/);
    assert.match(page, /id="demo-banner"[^>]*><strong>DEMO<\/strong>/);
    const s = (await (await fetch(`${h.url}/api/v1/sources/health`)).json()) as { demo: boolean };
    assert.equal(s.demo, true);
  } finally {
    await h.stop();
  }
});
