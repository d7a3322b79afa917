/**
 * The HTTP endpoint, in-process: routes, status codes, content type, background
 * ingestion of new lines, demo mode; and `promtool check metrics` on the output.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { serve } from '../src/cli/serve.js';
import { FIXTURES, assistantLine, copyDir, tmpDir } from './helpers.js';

async function waitFor<T>(fn: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

function setup() {
  const root = tmpDir();
  const state = path.join(root, 'state');
  copyDir(path.join(FIXTURES, 'openclaw-real/v2026.7.35-jsonl'), state);
  fs.copyFileSync(path.join(FIXTURES, 'auth/auth-profiles.json'), path.join(state, 'agents/main/agent/auth-profiles.json'));
  return { root, state, data: path.join(root, 'data') };
}

test('routes: /metrics, /healthz, /, 404, 405, HEAD', async () => {
  const { state, data } = setup();
  const h = await serve(['--state-dir', state, '--data-dir', data, '--listen', '127.0.0.1:0', '--log-level', 'silent']);
  assert.ok(h);
  try {
    const m = await waitFor(async () => {
      const r = await fetch(`${h.url}/metrics`);
      const t = await r.text();
      return t.includes('openclaw_codex_messages_total{') ? { r, t } : undefined;
    });
    assert.equal(m.r.status, 200);
    assert.equal(m.r.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
    const health = await fetch(`${h.url}/healthz`);
    assert.equal(health.status, 200);
    assert.equal(await health.text(), 'ok\n');
    const home = await fetch(`${h.url}/`);
    assert.equal(home.status, 200);
    assert.match(await home.text(), /<a href="\/metrics">/);
    assert.equal((await fetch(`${h.url}/nope`)).status, 404);
    const post = await fetch(`${h.url}/metrics`, { method: 'POST', body: 'x' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET, HEAD');
    const head = await fetch(`${h.url}/metrics`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), '');
  } finally {
    await h.stop();
  }
});

test('new lines are picked up in the background; a scrape renders the last state', async () => {
  const { state, data } = setup();
  const h = await serve(['--state-dir', state, '--data-dir', data, '--listen', '127.0.0.1:0', '--log-level', 'silent', '--interval', '1']);
  assert.ok(h);
  try {
    const count = async () => {
      const t = await (await fetch(`${h.url}/metrics`)).text();
      const m = /^openclaw_codex_messages_total\{model="fake-model",provider="fakecc",session_kind="main"\} (\d+)$/m.exec(t);
      return m ? Number(m[1]) : undefined;
    };
    const before = await waitFor(count);
    fs.appendFileSync(
      path.join(state, 'agents/main/sessions/8d44e698-ceee-458c-b7fe-bb0b5bc0a6c4.jsonl'),
      assistantLine({ provider: 'fakecc', model: 'fake-model' }) + '\n',
    );
    const after = await waitFor(async () => {
      const c = await count();
      return c !== undefined && c > before ? c : undefined;
    });
    assert.equal(after, before + 1);
  } finally {
    await h.stop();
  }
});

test('restart with the ledger present: the first scrape is already complete', async () => {
  const { state, data } = setup();
  let h = await serve(['--state-dir', state, '--data-dir', data, '--listen', '127.0.0.1:0', '--log-level', 'silent']);
  assert.ok(h);
  const first = await waitFor(async () => {
    const t = await (await fetch(`${h!.url}/metrics`)).text();
    return /clawmeter_ledger_calls 10$/m.test(t) ? t : undefined;
  });
  await h.stop();
  // Make the state unreadable-by-time: remove it; the ledger alone must serve the totals.
  fs.rmSync(state, { recursive: true, force: true });
  fs.mkdirSync(path.join(state, 'agents'), { recursive: true });
  h = await serve(['--state-dir', state, '--data-dir', data, '--listen', '127.0.0.1:0', '--log-level', 'silent']);
  assert.ok(h);
  try {
    const t = await (await fetch(`${h.url}/metrics`)).text();
    const pick = (s: string) => s.split('\n').filter((l) => l.startsWith('openclaw_codex_messages_total{')).join('\n');
    assert.equal(pick(t), pick(first));
    assert.ok(pick(t).length > 0);
  } finally {
    await h.stop();
  }
});

test('demo mode: labelled DEMO on the page and in /metrics help', async () => {
  const h = await serve(['--demo', '--listen', '127.0.0.1:0', '--log-level', 'silent']);
  assert.ok(h);
  try {
    assert.equal(h.demo, true);
    const t = await waitFor(async () => {
      const s = await (await fetch(`${h.url}/metrics`)).text();
      return s.includes('openclaw_codex_messages_total{') ? s : undefined;
    });
    assert.match(t, /# HELP openclaw_codex_messages_total DEMO/);
    assert.match(await (await fetch(`${h.url}/`)).text(), /DEMO/);
  } finally {
    await h.stop();
  }
});

test('no state directory anywhere: serve says where it looked and serves DEMO', async () => {
  const home = tmpDir();
  const lines: string[] = [];
  const orig = process.stderr.write.bind(process.stderr);
  (process.stderr as unknown as { write: (s: string) => boolean }).write = (s: string) => {
    lines.push(String(s));
    return true;
  };
  let h;
  try {
    h = await serve(['--listen', '127.0.0.1:0', '--log-level', 'warn'], { HOME: home, XDG_STATE_HOME: path.join(home, 'xdg') });
  } finally {
    (process.stderr as unknown as { write: typeof orig }).write = orig;
  }
  assert.ok(h);
  await h.stop();
  assert.equal(h.demo, true);
  const msg = lines.join('');
  assert.match(msg, /no OpenClaw state directory found/);
  assert.match(msg, /\.openclaw/);
});

test('promtool check metrics is clean except for the seed name it dislikes', async (t) => {
  const promtool = spawnSync('promtool', ['--version']);
  if (promtool.error) {
    if (process.env.CI) assert.fail('promtool missing in CI');
    t.skip('promtool not installed');
    return;
  }
  const h = await serve(['--demo', '--listen', '127.0.0.1:0', '--log-level', 'silent']);
  assert.ok(h);
  try {
    const text = await waitFor(async () => {
      const s = await (await fetch(`${h.url}/metrics`)).text();
      return s.includes('openclaw_codex_messages_total{') ? s : undefined;
    });
    const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    const complaints = (r.stdout + r.stderr).trim().split('\n').filter(Boolean);
    assert.deepEqual(complaints, ['openclaw_codex_exporter_scrape_duration_ms metric names should not contain abbreviated units']);
  } finally {
    await h.stop();
  }
});
