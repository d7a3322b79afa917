/**
 * No label value anywhere in /metrics contains an email, a peer id (chat user,
 * phone number, channel id), a session id, a session key or a Codex thread id,
 * whatever the session keys, session entries, auth profiles and rollouts hold.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Ledger } from '../src/ledger/ledger.js';
import { Ingestor } from '../src/ingest/cycle.js';
import { IngestStats } from '../src/ingest/stats.js';
import { sourcesFor } from '../src/sources/index.js';
import { Logger } from '../src/util/log.js';
import { DEFAULT_WINDOWS } from '../src/ledger/windows.js';
import { MetricsRenderer } from '../src/sinks/prometheus/render.js';
import { DerivedStateSource } from '../src/quota/derived.js';
import { BUILTIN_RATE_CARD, RateCard } from '../src/pricing/rate-card.js';
import { FIXTURES, assistantLine, copyDir, headerLine, tmpDir } from './helpers.js';

const NOW = Date.parse('2026-11-20T12:00:00Z');
const EMAILS = ['alice@example.com', 'bob@corp.example', 'carol@mail.example'];
const PEERS = ['123456789', '15551234567', '987654321012345678', 'u0abcdef42', '4242424242'];
const THREAD = '019b2a10-5c3e-7d41-9a6f-2f1c0e8b7a01';

const SESSIONS: Record<string, { sid: string; entry: Record<string, unknown> }> = {
  'agent:main:telegram:direct:123456789': {
    sid: '11111111-1111-4111-8111-111111111111',
    entry: { chatType: 'direct', channel: 'telegram', origin: { provider: 'telegram', from: 'telegram:123456789', surface: 'telegram' } },
  },
  'agent:main:whatsapp:direct:+15551234567': {
    sid: '22222222-2222-4222-8222-222222222222',
    entry: { origin: { provider: 'whatsapp', from: '+15551234567', chatType: 'direct' }, lastTo: '+15551234567' },
  },
  'agent:main:discord:channel:987654321012345678': {
    sid: '33333333-3333-4333-8333-333333333333',
    // a channel value that is itself an id: must not become a label
    entry: { channel: 'discord:987654321012345678', chatType: 'channel', displayName: 'carol@mail.example' },
  },
  'agent:main:slack:acme:direct:u0abcdef42': {
    sid: '44444444-4444-4444-8444-444444444444',
    entry: { deliveryContext: { channel: 'slack', to: 'user:u0abcdef42' } },
  },
  'telegram:slash:4242424242': { sid: '55555555-5555-4555-8555-555555555555', entry: {} },
  'agent:main:main': { sid: '66666666-6666-4666-8666-666666666666', entry: {} },
};

function buildState(root: string): string {
  const state = path.join(root, 'state');
  copyDir(path.join(FIXTURES, 'rollouts/state'), state); // codex rollout + its mirror transcript
  const sessions = path.join(state, 'agents/main/sessions');
  const index = JSON.parse(fs.readFileSync(path.join(sessions, 'sessions.json'), 'utf8')) as Record<string, unknown>;
  let i = 0;
  for (const [key, { sid, entry }] of Object.entries(SESSIONS)) {
    index[key] = { sessionId: sid, updatedAt: NOW - 1000, ...entry };
    const lines = [
      assistantLine({ provider: 'anthropic', model: 'claude-sonnet-4-5', tsMs: NOW - 3600_000 + i++ * 1000 }),
      assistantLine({ provider: 'openai', model: 'gpt-5', tsMs: NOW - 3600_000 + i++ * 1000, stopReason: 'error', errorMessage: `rate limited for alice@example.com (session ${sid})` }),
    ];
    fs.writeFileSync(path.join(sessions, `${sid}.jsonl`), [headerLine(sid), ...lines].join('\n') + '\n');
  }
  fs.writeFileSync(path.join(sessions, 'sessions.json'), JSON.stringify(index));
  const agentDir = path.join(state, 'agents/main/agent');
  fs.writeFileSync(
    path.join(agentDir, 'auth-profiles.json'),
    JSON.stringify({
      version: 1,
      profiles: {
        'anthropic:alice@example.com': { type: 'oauth', provider: 'anthropic', access: 'x', expires: NOW + 3600_000, email: 'alice@example.com' },
        'openai-codex:bob@corp.example': { type: 'oauth', provider: 'openai-codex', access: 'x', expires: NOW + 3600_000, email: 'bob@corp.example' },
        'openai-codex:default': { type: 'oauth', provider: 'openai-codex', access: 'x', expires: NOW + 3600_000, email: 'carol@mail.example' },
      },
    }),
  );
  fs.writeFileSync(
    path.join(agentDir, 'auth-state.json'),
    JSON.stringify({
      version: 1,
      usageStats: {
        'anthropic:alice@example.com': {
          cooldownUntil: NOW + 600_000,
          cooldownReason: 'blocked for alice@example.com',
          disabledUntil: NOW + 600_000,
          disabledReason: 'billing',
          failureCounts: { rate_limit: 2, 'alice@example.com': 1 },
        },
      },
    }),
  );
  return state;
}

function labelValues(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || !line.includes('{')) continue;
    const labels = line.slice(line.indexOf('{') + 1, line.lastIndexOf('}'));
    for (const m of labels.matchAll(/[a-zA-Z_][a-zA-Z0-9_]*="((?:[^"\\]|\\.)*)"/g)) out.push(m[1]);
  }
  return out;
}

async function renderAll(state: string, root: string, showAccountEmails = false): Promise<string> {
  const ledger = Ledger.open(path.join(root, 'data'));
  const derived = new DerivedStateSource(ledger, { maxModels: 25, rateCard: new RateCard(BUILTIN_RATE_CARD) });
  await new Ingestor(ledger, () => [...sourcesFor([state]), derived], { log: new Logger('silent'), now: () => NOW, windows: DEFAULT_WINDOWS }).trigger();
  const text = new MetricsRenderer(ledger, new IngestStats(), { version: 't', demo: false, showAccountEmails, maxSeries: 5000, nowMs: NOW }).render();
  ledger.close();
  return text;
}

test('no label value contains an email, a peer id, a session id, a session key or a thread id', async () => {
  const root = tmpDir();
  const state = buildState(root);
  const text = await renderAll(state, root);
  const values = labelValues(text);
  assert.ok(values.length > 50, 'the state produced a full exposition');
  // every family of this issue is present, so the check covers them
  for (const fam of ['openclaw_usage_messages_total', 'openclaw_usage_errors_total', 'openclaw_sessions', 'openclaw_quota_used_ratio', 'openclaw_auth_expiry_timestamp_seconds', 'openclaw_auth_cooldown_until_timestamp_seconds', 'openclaw_auth_failures']) {
    assert.match(text, new RegExp(`^${fam}\\{`, 'm'), fam);
  }
  const forbidden = [
    ...EMAILS,
    ...PEERS,
    THREAD,
    ...Object.values(SESSIONS).map((s) => s.sid),
    ...Object.keys(SESSIONS),
    '5d0c9e1a-2b3c-4d5e-8f90-a1b2c3d4e5f6',
  ];
  for (const v of values) {
    assert.ok(!v.includes('@'), `label value with an email: ${v}`);
    for (const f of forbidden) assert.ok(!v.includes(f), `label value ${JSON.stringify(v)} contains ${f}`);
    assert.doesNotMatch(v, /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i, `no uuid: ${v}`);
  }
  // and nowhere else in the text either (help lines included)
  for (const e of EMAILS) assert.ok(!text.includes(e), e);
  // the profile with an email in its id is hashed, the reason with free text is bounded
  assert.match(text, /profile="email-[A-Za-z0-9_-]{8}"/);
  assert.match(text, /openclaw_auth_cooldown_until_timestamp_seconds\{profile="email-[A-Za-z0-9_-]{8}",provider="anthropic",reason="other"\}/);
  assert.match(text, /reason="disabled_billing"/);
});

test('emails appear only with --show-account-emails, and only as profile/account labels', async () => {
  const root = tmpDir();
  const text = await renderAll(buildState(root), root, true);
  const withEmail = labelValues(text).filter((v) => v.includes('@'));
  assert.ok(withEmail.length > 0);
  for (const line of text.split('\n').filter((l) => !l.startsWith('#') && l.includes('@'))) {
    assert.match(line, /(profile|account)="[^"]*@/, line);
  }
});

test('email-shaped model, provider and agent names are hashed in the usage families', async () => {
  const root = tmpDir();
  const state = path.join(root, 'state');
  const sessions = path.join(state, 'agents/ops@corp.example/sessions');
  fs.mkdirSync(sessions, { recursive: true });
  fs.writeFileSync(path.join(sessions, 'sessions.json'), JSON.stringify({ 'agent:ops@corp.example:main': { sessionId: 's1' } }));
  fs.writeFileSync(
    path.join(sessions, 's1.jsonl'),
    [headerLine('s1'), assistantLine({ provider: 'custom-dave@corp.example', model: 'dave@corp.example/tuned', tsMs: NOW - 1000 })].join('\n') + '\n',
  );
  const text = await renderAll(state, root);
  const ours = text.split('\n').filter((l) => /^openclaw_(usage|quota|auth|sessions)/.test(l));
  assert.ok(ours.length > 0);
  for (const l of ours) assert.ok(!l.includes('@'), l);
  assert.match(
    text,
    /^openclaw_usage_messages_total\{agent="email-[A-Za-z0-9_-]{8}",channel="unknown",kind="main",model="email-[A-Za-z0-9_-]{8}\/tuned",provider="email-[A-Za-z0-9_-]{8}"\} 1$/m,
  );
});

test(
  'seed families hash email-shaped model names too',
  {},
  async () => {
    const root = tmpDir();
    const state = path.join(root, 'state');
    const sessions = path.join(state, 'agents/main/sessions');
    fs.mkdirSync(sessions, { recursive: true });
    fs.writeFileSync(
      path.join(sessions, 's1.jsonl'),
      [headerLine('s1'), assistantLine({ provider: 'p', model: 'dave@corp.example/tuned', tsMs: NOW - 1000 })].join('\n') + '\n',
    );
    const text = await renderAll(state, root);
    assert.ok(!labelValues(text).some((v) => v.includes('@')));
  },
);
