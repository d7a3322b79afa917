/**
 * --poll-quota against a fake usage server on 127.0.0.1: the endpoints and headers
 * OpenClaw uses, at most one request per profile per 5 minutes, failures visible
 * in openclaw_quota_refresh_success, a window that disappears, the SQLite auth
 * store, and tokens never in logs or metrics.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import Database from 'better-sqlite3';
import { Ledger } from '../src/ledger/ledger.js';
import { Ingestor } from '../src/ingest/cycle.js';
import { IngestStats } from '../src/ingest/stats.js';
import { Logger } from '../src/util/log.js';
import { MetricsRenderer } from '../src/sinks/prometheus/render.js';
import { QuotaPoller, parseAnthropicUsage, parseCodexUsage } from '../src/sources/quota-poller.js';
import { tmpDir } from './helpers.js';
import { quotaAccount } from '../src/labeling/privacy.js';

/** The quota `account` of the two polled profiles: a hash of the profile id, never the id. */
const CODEX_ACCT = quotaAccount('openai-codex:default');
const CLAUDE_ACCT = quotaAccount('anthropic:work');

const NOW = Date.parse('2026-11-21T12:00:00Z');
const CODEX_TOKEN = 'tok-codex-SECRET-access';
const ANTH_TOKEN = 'tok-anth-SECRET-access';
const SQLITE_TOKEN = 'tok-sqlite-SECRET-access';

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
}

async function fakeServer(handler: (req: http.IncomingMessage, res: http.ServerResponse) => void) {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const close = () =>
    new Promise<void>((r) => {
      server.close(() => r());
      server.closeAllConnections(); // fetch keeps connections alive
    });
  return { url: `http://127.0.0.1:${port}`, seen, close };
}

function json(res: http.ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

const CODEX_BODY = {
  plan_type: 'plus',
  rate_limit: {
    allowed: true,
    limit_reached: false,
    primary_window: { used_percent: 25, limit_window_seconds: 18000, reset_after_seconds: 3600, reset_at: NOW / 1000 + 3600 },
    secondary_window: { used_percent: 60, limit_window_seconds: 604800, reset_after_seconds: 86400, reset_at: NOW / 1000 + 86400 },
  },
  credits: { has_credits: false, unlimited: false, balance: '0' },
  additional_rate_limits: [
    {
      limit_name: 'GPT-5.3-Codex-Spark',
      metered_feature: 'codex_bengalfox',
      rate_limit: { primary_window: { used_percent: 5, limit_window_seconds: 18000, reset_at: NOW / 1000 + 3600 }, secondary_window: null },
    },
  ],
};

const ANTH_BODY = {
  five_hour: { utilization: 37, resets_at: '2026-11-21T14:00:00Z' },
  seven_day: { utilization: 12.5, resets_at: '2026-11-25T00:00:00Z' },
  seven_day_opus: { utilization: 80, resets_at: '2026-11-25T00:00:00Z' },
  seven_day_sonnet: null,
  extra_usage: null,
};

function makeState(root: string): string {
  const state = path.join(root, 'state');
  const agentDir = path.join(state, 'agents/main/agent');
  fs.mkdirSync(agentDir, { recursive: true });
  fs.writeFileSync(
    path.join(agentDir, 'auth-profiles.json'),
    JSON.stringify({
      version: 1,
      profiles: {
        'openai-codex:default': { type: 'oauth', provider: 'openai-codex', access: CODEX_TOKEN, refresh: 'rt-SECRET', expires: NOW + 86400_000, accountId: 'acct-SECRET-1' },
        'openai-codex:old': { type: 'oauth', provider: 'openai-codex', access: 'tok-expired-SECRET', refresh: 'rt-SECRET', expires: NOW - 1000 },
        'anthropic:me@example.com': { type: 'oauth', provider: 'anthropic', access: ANTH_TOKEN, refresh: 'rt-SECRET', expires: NOW + 86400_000, email: 'me@example.com' },
        'openrouter:default': { type: 'api_key', provider: 'openrouter', key: 'sk-or-SECRET' },
      },
    }),
  );
  // A second agent in the SQLite era: the store lives in openclaw-agent.sqlite.
  const workDir = path.join(state, 'agents/work/agent');
  fs.mkdirSync(workDir, { recursive: true });
  const db = new Database(path.join(workDir, 'openclaw-agent.sqlite'));
  db.exec(`CREATE TABLE auth_profile_store (store_key TEXT NOT NULL PRIMARY KEY, store_json TEXT NOT NULL, updated_at INTEGER NOT NULL) STRICT`);
  db.prepare(`INSERT INTO auth_profile_store VALUES (?, ?, ?)`).run(
    'primary',
    JSON.stringify({ version: 1, profiles: { 'anthropic:work': { type: 'oauth', provider: 'anthropic', access: SQLITE_TOKEN, expires: NOW + 86400_000 } } }),
    NOW,
  );
  db.close();
  return state;
}

function render(ledger: Ledger, now: number): string {
  return new MetricsRenderer(ledger, new IngestStats(), { version: 't', demo: false, showAccountEmails: false, maxSeries: 2000, nowMs: now }).render();
}

test('response parsing: durations, percent to ratio, null windows skipped', () => {
  const c = parseCodexUsage(CODEX_BODY, NOW);
  assert.deepEqual(
    c.map((o) => [o.limit, o.window, o.usedRatio, o.resetsAtMs, o.plan]),
    [
      ['codex', '5h', 0.25, NOW + 3600_000, 'plus'],
      ['codex', '7d', 0.6, NOW + 86400_000, 'plus'],
      ['codex_bengalfox', '5h', 0.05, NOW + 3600_000, 'plus'],
    ],
  );
  const a = parseAnthropicUsage(ANTH_BODY, NOW);
  assert.deepEqual(
    a.map((o) => [o.limit, o.window, o.usedRatio, o.resetsAtMs]),
    [
      ['claude', '5h', 0.37, Date.parse('2026-11-21T14:00:00Z')],
      ['claude', '7d', 0.125, Date.parse('2026-11-25T00:00:00Z')],
      ['claude_opus', '7d', 0.8, Date.parse('2026-11-25T00:00:00Z')],
    ],
  );
  assert.deepEqual(parseCodexUsage({ rate_limit: { primary_window: null, secondary_window: null } }, NOW), []);
});

test('polls both providers with the right headers, at most once per 5 minutes, into the ledger', async () => {
  let anthropicStatus = 200;
  let codexBody: unknown = CODEX_BODY;
  const srv = await fakeServer((req, res) => {
    if (req.url === '/backend-api/wham/usage') return json(res, 200, codexBody);
    if (req.url === '/api/oauth/usage') return anthropicStatus === 200 ? json(res, 200, ANTH_BODY) : json(res, anthropicStatus, { error: { message: 'token expired' } });
    json(res, 404, {});
  });
  const root = tmpDir();
  const state = makeState(root);
  const logLines: string[] = [];
  let now = NOW;
  const poller = new QuotaPoller({
    stateDirs: () => [state],
    codexBaseUrl: srv.url,
    anthropicBaseUrl: srv.url + '/',
    log: new Logger('debug', (l) => logLines.push(l)),
    now: () => now,
  });
  const ledger = Ledger.open(path.join(root, 'data'));
  const ingestor = new Ingestor(ledger, () => [poller.source()], { log: new Logger('silent'), now: () => now });
  try {
    await poller.pollOnce();
    // codex (json store), anthropic (json store), anthropic (sqlite store); the expired profile is skipped
    assert.equal(srv.seen.length, 3);
    const codex = srv.seen.filter((s) => s.url === '/backend-api/wham/usage');
    assert.equal(codex.length, 1);
    assert.equal(codex[0].method, 'GET');
    assert.equal(codex[0].headers.authorization, `Bearer ${CODEX_TOKEN}`);
    assert.equal(codex[0].headers['chatgpt-account-id'], 'acct-SECRET-1');
    const anth = srv.seen.filter((s) => s.url === '/api/oauth/usage');
    assert.deepEqual(anth.map((s) => s.headers.authorization).sort(), [`Bearer ${ANTH_TOKEN}`, `Bearer ${SQLITE_TOKEN}`]);
    for (const s of anth) assert.equal(s.headers['anthropic-beta'], 'oauth-2025-04-20');

    // Same time, and 4 minutes later: no new request.
    await poller.pollOnce();
    now += 4 * 60_000;
    await poller.pollOnce();
    assert.equal(srv.seen.length, 3);

    await ingestor.trigger();
    let text = render(ledger, now);
    assert.match(text, new RegExp(`^openclaw_quota_used_ratio\\{account="${CODEX_ACCT}",limit="codex",provider="openai-codex",window="5h"\\} 0\\.25$`, 'm'));
    assert.match(text, new RegExp(`^openclaw_quota_used_ratio\\{account="${CODEX_ACCT}",limit="codex",provider="openai-codex",window="7d"\\} 0\\.6$`, 'm'));
    assert.match(text, new RegExp(`^openclaw_quota_used_ratio\\{account="${CODEX_ACCT}",limit="codex_bengalfox",provider="openai-codex",window="5h"\\} 0\\.05$`, 'm'));
    assert.match(text, new RegExp(`^openclaw_quota_used_ratio\\{account="${CLAUDE_ACCT}",limit="claude",provider="anthropic",window="5h"\\} 0\\.37$`, 'm'));
    assert.match(text, new RegExp(`^openclaw_quota_used_ratio\\{account="${CLAUDE_ACCT}",limit="claude_opus",provider="anthropic",window="7d"\\} 0\\.8$`, 'm'));
    assert.match(text, new RegExp(`^openclaw_quota_observed_at_timestamp_seconds\\{account="${CLAUDE_ACCT}",limit="claude",provider="anthropic",window="5h"\\} ${NOW / 1000}$`, 'm'));
    assert.match(text, /^openclaw_quota_refresh_success\{provider="anthropic"\} 1$/m);
    assert.match(text, /^openclaw_quota_refresh_success\{provider="openai-codex"\} 1$/m);

    // 5 minutes after the first poll: due again. Anthropic now refuses; Codex dropped its weekly window.
    anthropicStatus = 401;
    codexBody = { ...CODEX_BODY, rate_limit: { ...CODEX_BODY.rate_limit, secondary_window: null } };
    now = NOW + 5 * 60_000;
    await poller.pollOnce();
    assert.equal(srv.seen.length, 6);
    await ingestor.trigger();
    text = render(ledger, now);
    assert.match(text, /^openclaw_quota_refresh_success\{provider="anthropic"\} 0$/m);
    assert.match(text, /^openclaw_quota_refresh_success\{provider="openai-codex"\} 1$/m);
    assert.doesNotMatch(text, /^openclaw_quota_[a-z_]+\{account="[^"]*",limit="codex",provider="openai-codex",window="7d"\}/m, 'the weekly window is gone');
    // the last good anthropic report stays, with its observation time
    assert.match(text, new RegExp(`^openclaw_quota_observed_at_timestamp_seconds\\{account="${CLAUDE_ACCT}",limit="claude",provider="anthropic",window="5h"\\} ${NOW / 1000}$`, 'm'));

    // Nothing secret anywhere.
    const all = logLines.join('\n') + '\n' + text + JSON.stringify(ledger.quota());
    for (const secret of ['SECRET', 'tok-', '@', 'acct-']) assert.ok(!all.includes(secret), secret);
    assert.ok(logLines.some((l) => l.includes('quota poll failed') && l.includes('status=401')));
  } finally {
    await poller.stop();
    ledger.close();
    await srv.close();
  }
});

test('the 5-minute floor holds unless explicitly lowered for tests; 429 backs off; network errors count as failures', async () => {
  let status = 200;
  const srv = await fakeServer((_req, res) => (status === 200 ? json(res, 200, CODEX_BODY) : json(res, status, {})));
  const root = tmpDir();
  const state = makeState(root);
  fs.rmSync(path.join(state, 'agents/work'), { recursive: true });
  let now = NOW;
  const poller = new QuotaPoller({ stateDirs: () => [state], codexBaseUrl: srv.url, anthropicBaseUrl: srv.url, minIntervalMs: 1000, log: new Logger('silent'), now: () => now });
  await poller.pollOnce();
  assert.equal(srv.seen.length, 2);
  now += 60_000;
  await poller.pollOnce();
  assert.equal(srv.seen.length, 2, 'asking for 1 s does not go below 5 minutes');
  // 429: the next attempt waits longer than the interval
  status = 429;
  now = NOW + 5 * 60_000;
  await poller.pollOnce();
  assert.equal(srv.seen.length, 4);
  status = 200;
  now = NOW + 10 * 60_000;
  await poller.pollOnce();
  assert.equal(srv.seen.length, 4, 'backing off after 429');
  now = NOW + 16 * 60_000;
  await poller.pollOnce();
  assert.equal(srv.seen.length, 6);
  await srv.close();

  // A server that is not there: a failure, reported, not a crash.
  const dead = new QuotaPoller({ stateDirs: () => [state], codexBaseUrl: srv.url, anthropicBaseUrl: srv.url, timeoutMs: 500, log: new Logger('silent'), now: () => NOW });
  const ledger = Ledger.open(path.join(root, 'data'));
  await dead.pollOnce();
  await new Ingestor(ledger, () => [dead.source()], { log: new Logger('silent'), now: () => NOW }).trigger();
  const text = render(ledger, NOW);
  assert.match(text, /^openclaw_quota_refresh_success\{provider="openai-codex"\} 0$/m);
  assert.doesNotMatch(text, /^openclaw_quota_used_ratio/m);
  ledger.close();
});
