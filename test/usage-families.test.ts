/**
 * openclaw_usage_*, openclaw_auth_*, openclaw_sessions from a small state dir with
 * two agents and three channels: exact values, the price-table estimate, windows,
 * the latency histogram, model folding that never lets a counter go down, the
 * series cap, and metric names that promtool accepts and that do not collide with
 * OpenClaw's own diagnostics-prometheus names.
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
import { METRICS } from '../src/metrics/table.js';
import { DerivedStateSource, FOLD_KEY, type FoldState } from '../src/quota/derived.js';
import { BUILTIN_RATE_CARD, RateCard, parseRateCard } from '../src/pricing/rate-card.js';
import { BUILTIN_PRICES, Pricing, parsePriceOverride } from '../src/pricing/prices.js';
import { FIXTURES, assistantLine, headerLine, tmpDir } from './helpers.js';

const NOW = 1795281000000; // 2026-11-21T16:30Z, before the auth fixture's cooldown ends
const H = 3600_000;

function writeAgent(state: string, agent: string, index: Record<string, string>, transcripts: Record<string, string[]>): void {
  const sessions = path.join(state, 'agents', agent, 'sessions');
  fs.mkdirSync(sessions, { recursive: true });
  fs.mkdirSync(path.join(state, 'agents', agent, 'agent'), { recursive: true });
  const idx: Record<string, unknown> = {};
  for (const [key, sid] of Object.entries(index)) idx[key] = { sessionId: sid, updatedAt: NOW - H };
  fs.writeFileSync(path.join(sessions, 'sessions.json'), JSON.stringify(idx));
  for (const [sid, lines] of Object.entries(transcripts)) {
    fs.writeFileSync(path.join(sessions, `${sid}.jsonl`), [headerLine(sid), ...lines].join('\n') + '\n');
  }
}

function buildState(root: string): string {
  const state = path.join(root, 'state');
  writeAgent(
    state,
    'main',
    {
      'agent:main:telegram:direct:111222333': 'sid-a',
      'agent:main:discord:group:444555666': 'sid-b',
      'agent:main:cron:nightly': 'sid-c',
    },
    {
      'sid-a': [
        assistantLine({ provider: 'anthropic', model: 'claude-sonnet-4-5-20250929', tsMs: NOW - 1 * H, cost: 0.01 }),
        assistantLine({ provider: 'anthropic', model: 'claude-sonnet-4-5-20250929', tsMs: NOW - 2 * H, cost: 0.01 }),
        // subscription run: cost 0 in the transcript -> estimated from the price table
        assistantLine({ provider: 'anthropic', model: 'claude-sonnet-4-5-20250929', tsMs: NOW - 3 * H, cost: 0 }),
      ],
      'sid-b': [
        assistantLine({ provider: 'openai', model: 'gpt-5', tsMs: NOW - 2 * 24 * H, cost: 0.002 }),
        assistantLine({ provider: 'openai', model: 'gpt-5', tsMs: NOW - 2 * 24 * H + 1000, stopReason: 'error', errorMessage: '429 Too Many Requests', input: 0, output: 0, cacheRead: 0, cost: 0 }),
      ],
      'sid-c': [assistantLine({ provider: 'fakecc', model: 'fake-model', tsMs: NOW - 8 * 24 * H, cost: 0 })],
    },
  );
  writeAgent(state, 'work', { 'agent:work:main': 'sid-d' }, {
    'sid-d': [assistantLine({ provider: 'openrouter', model: 'meta/llama-x', tsMs: NOW - 30 * 60_000, cost: 0.0005 })],
  });
  fs.copyFileSync(path.join(FIXTURES, 'auth/auth-profiles.json'), path.join(state, 'agents/main/agent/auth-profiles.json'));
  fs.copyFileSync(path.join(FIXTURES, 'auth/auth-state.json'), path.join(state, 'agents/main/agent/auth-state.json'));
  return state;
}

async function ingest(state: string, ledger: Ledger, maxModels = 25, stats = new IngestStats()) {
  const derived = new DerivedStateSource(ledger, { maxModels, rateCard: new RateCard(BUILTIN_RATE_CARD) });
  const ing = new Ingestor(ledger, () => [...sourcesFor([state]), derived], {
    log: new Logger('silent'),
    stats,
    now: () => NOW,
    windows: DEFAULT_WINDOWS,
    estimateCost: new Pricing(BUILTIN_PRICES).estimator(),
  });
  await ing.trigger();
  return stats;
}

function render(ledger: Ledger, maxSeries = 2000): string {
  return new MetricsRenderer(ledger, new IngestStats(), { version: 't', demo: false, showAccountEmails: false, maxSeries, nowMs: NOW }).render();
}

function samples(text: string, name: string): string[] {
  return text.split('\n').filter((l) => l.startsWith(name + '{') || l.startsWith(name + ' '));
}

test('usage counters by agent, channel and kind; tokens by type; cost with the estimated part', async () => {
  const root = tmpDir();
  const ledger = Ledger.open(path.join(root, 'data'));
  await ingest(buildState(root), ledger);
  const text = render(ledger);
  assert.deepEqual(samples(text, 'openclaw_usage_messages_total'), [
    'openclaw_usage_messages_total{agent="main",channel="discord",kind="group",model="gpt-5",provider="openai"} 1',
    'openclaw_usage_messages_total{agent="main",channel="telegram",kind="direct",model="claude-sonnet-4-5-20250929",provider="anthropic"} 3',
    'openclaw_usage_messages_total{agent="main",channel="unknown",kind="cron",model="fake-model",provider="fakecc"} 1',
    'openclaw_usage_messages_total{agent="work",channel="unknown",kind="main",model="meta/llama-x",provider="openrouter"} 1',
  ]);
  const tg = samples(text, 'openclaw_usage_tokens_total').filter((l) => l.includes('channel="telegram"'));
  assert.deepEqual(tg, [
    'openclaw_usage_tokens_total{agent="main",channel="telegram",model="claude-sonnet-4-5-20250929",provider="anthropic",type="cache_read"} 3000',
    'openclaw_usage_tokens_total{agent="main",channel="telegram",model="claude-sonnet-4-5-20250929",provider="anthropic",type="cache_write"} 0',
    'openclaw_usage_tokens_total{agent="main",channel="telegram",model="claude-sonnet-4-5-20250929",provider="anthropic",type="input"} 300',
    'openclaw_usage_tokens_total{agent="main",channel="telegram",model="claude-sonnet-4-5-20250929",provider="anthropic",type="output"} 30',
  ]);
  // 0.01 + 0.01 from the transcript, plus (100*3 + 10*15 + 1000*0.3)/1e6 = 0.00075 estimated at list prices
  assert.ok(text.includes('openclaw_usage_cost_usd_total{agent="main",channel="telegram",model="claude-sonnet-4-5-20250929",provider="anthropic"} 0.02075\n'));
  assert.ok(text.includes('openclaw_usage_cost_estimated_usd_total{agent="main",channel="telegram",model="claude-sonnet-4-5-20250929",provider="anthropic"} 0.00075\n'));
  // no price for fake-model: no estimate, cost stays 0
  assert.ok(text.includes('openclaw_usage_cost_usd_total{agent="main",channel="unknown",model="fake-model",provider="fakecc"} 0\n'));
  assert.deepEqual(samples(text, 'openclaw_usage_errors_total'), [
    'openclaw_usage_errors_total{agent="main",category="rate_limit",model="gpt-5",provider="openai"} 1',
  ]);
  assert.match(text, /^# TYPE openclaw_usage_cost_usd_total counter$/m);
  assert.match(text, /^# HELP openclaw_usage_cost_usd_total .*not a bill/m);
  ledger.close();
});

test('latency histogram: cumulative buckets, +Inf equals count', async () => {
  const root = tmpDir();
  const ledger = Ledger.open(path.join(root, 'data'));
  await ingest(buildState(root), ledger);
  const text = render(ledger);
  const h = samples(text, 'openclaw_usage_call_duration_seconds_bucket').filter((l) => l.includes('provider="anthropic"'));
  assert.equal(h.length, 12);
  const values = h.map((l) => Number(l.split(' ').pop()));
  for (let i = 1; i < values.length; i++) assert.ok(values[i] >= values[i - 1], 'cumulative');
  assert.equal(h[0], 'openclaw_usage_call_duration_seconds_bucket{model="claude-sonnet-4-5-20250929",provider="anthropic",le="0.25"} 0');
  assert.equal(h[1], 'openclaw_usage_call_duration_seconds_bucket{model="claude-sonnet-4-5-20250929",provider="anthropic",le="0.5"} 3');
  assert.equal(h[11], 'openclaw_usage_call_duration_seconds_bucket{model="claude-sonnet-4-5-20250929",provider="anthropic",le="+Inf"} 3');
  assert.ok(text.includes('openclaw_usage_call_duration_seconds_count{model="claude-sonnet-4-5-20250929",provider="anthropic"} 3\n'));
  assert.ok(text.includes('openclaw_usage_call_duration_seconds_sum{model="claude-sonnet-4-5-20250929",provider="anthropic"} 1.5\n'));
  assert.match(text, /^# TYPE openclaw_usage_call_duration_seconds histogram$/m);
  ledger.close();
});

test('rolling windows from the ledger: exact right after install, tokens = input+output+cache', async () => {
  const root = tmpDir();
  const ledger = Ledger.open(path.join(root, 'data'));
  await ingest(buildState(root), ledger);
  const text = render(ledger);
  assert.deepEqual(samples(text, 'openclaw_usage_window_messages'), [
    'openclaw_usage_window_messages{model="claude-sonnet-4-5-20250929",provider="anthropic",window="5h"} 3',
    'openclaw_usage_window_messages{model="claude-sonnet-4-5-20250929",provider="anthropic",window="7d"} 3',
    'openclaw_usage_window_messages{model="gpt-5",provider="openai",window="7d"} 1',
    'openclaw_usage_window_messages{model="meta/llama-x",provider="openrouter",window="5h"} 1',
    'openclaw_usage_window_messages{model="meta/llama-x",provider="openrouter",window="7d"} 1',
  ]);
  // 3 calls x (100 input + 10 output + 1000 cache read + 0 cache write)
  assert.ok(text.includes('openclaw_usage_window_tokens{model="claude-sonnet-4-5-20250929",provider="anthropic",window="5h"} 3330\n'));
  ledger.close();
});

test('sessions and auth health families', async () => {
  const root = tmpDir();
  const ledger = Ledger.open(path.join(root, 'data'));
  await ingest(buildState(root), ledger);
  const text = render(ledger);
  assert.deepEqual(samples(text, 'openclaw_sessions'), [
    'openclaw_sessions{agent="main",channel="discord",chat_type="group",kind="group"} 1',
    'openclaw_sessions{agent="main",channel="telegram",chat_type="direct",kind="direct"} 1',
    'openclaw_sessions{agent="main",channel="unknown",chat_type="unknown",kind="cron"} 1',
    'openclaw_sessions{agent="work",channel="unknown",chat_type="unknown",kind="main"} 1',
  ]);
  const expiry = samples(text, 'openclaw_auth_expiry_timestamp_seconds');
  assert.ok(expiry.includes('openclaw_auth_expiry_timestamp_seconds{profile="default",provider="openai-codex",type="oauth"} 1795540000'));
  assert.ok(expiry.includes('openclaw_auth_expiry_timestamp_seconds{profile="setup",provider="anthropic",type="token"} 1795200000'));
  assert.ok(expiry.some((l) => /^openclaw_auth_expiry_timestamp_seconds\{profile="email-[A-Za-z0-9_-]{8}",provider="anthropic",type="oauth"\} 1795300000$/.test(l)));
  assert.equal(expiry.length, 3, 'api keys have no expiry');
  const cooldown = samples(text, 'openclaw_auth_cooldown_until_timestamp_seconds');
  assert.equal(cooldown.length, 1);
  assert.match(cooldown[0], /^openclaw_auth_cooldown_until_timestamp_seconds\{profile="email-[A-Za-z0-9_-]{8}",provider="anthropic",reason="rate_limit"\} 1795285000$/);
  assert.match(samples(text, 'openclaw_auth_failures')[0], /^openclaw_auth_failures\{profile="email-[A-Za-z0-9_-]{8}",provider="anthropic",reason="rate_limit"\} 3$/);
  // after the cooldown ended it is not exported any more
  const later = new MetricsRenderer(ledger, new IngestStats(), { version: 't', demo: false, showAccountEmails: false, maxSeries: 2000, nowMs: 1795285000001 }).render();
  assert.equal(samples(later, 'openclaw_auth_cooldown_until_timestamp_seconds').length, 0);
  ledger.close();
});

test('model folding: past --max-models models become "other", and no counter ever goes down', async () => {
  const root = tmpDir();
  const state = path.join(root, 'state');
  const add = (sid: string, model: string, n: number) => {
    const lines = Array.from({ length: n }, (_, i) => assistantLine({ provider: 'p', model, tsMs: NOW - 10 * H + i }));
    writeAgent(state, 'main', { [`agent:main:${sid}`]: sid }, {});
    fs.writeFileSync(path.join(state, 'agents/main/sessions', `${sid}.jsonl`), [headerLine(sid), ...lines].join('\n') + '\n');
  };
  const ledger = Ledger.open(path.join(root, 'data'));
  const other = (text: string) =>
    samples(text, 'openclaw_usage_messages_total').filter((l) => l.includes('model="other"')).reduce((s, l) => s + Number(l.split(' ').pop()), 0);
  const models = (text: string) => [...new Set(samples(text, 'openclaw_usage_messages_total').map((l) => /model="([^"]+)"/.exec(l)![1]))].sort();
  add('s1', 'm1', 4);
  add('s2', 'm2', 3);
  add('s3', 'm3', 2);
  add('s4', 'm4', 1);
  await ingest(state, ledger, 2);
  let text = render(ledger);
  assert.deepEqual(models(text), ['m1', 'm2', 'other']);
  assert.equal(other(text), 3);
  const history = [other(text)];
  // A new, busy model cannot take a place out of "other" (that would lower "other"): it is folded.
  add('s5', 'm5', 10);
  await ingest(state, ledger, 2);
  text = render(ledger);
  assert.deepEqual(models(text), ['m1', 'm2', 'other']);
  history.push(other(text));
  // Lowering the limit folds the smallest admitted model: "other" grows, m2's series ends.
  await ingest(state, ledger, 1);
  text = render(ledger);
  assert.deepEqual(models(text), ['m1', 'other']);
  history.push(other(text));
  // Raising it admits new models only; folded ones stay folded.
  add('s6', 'm6', 1);
  await ingest(state, ledger, 10);
  text = render(ledger);
  assert.deepEqual(models(text), ['m1', 'm6', 'other']);
  history.push(other(text));
  assert.deepEqual(history, [3, 13, 16, 16]);
  // The decision is persisted in the ledger: a restart keeps it.
  ledger.close();
  const reopened = Ledger.open(path.join(root, 'data'));
  const fold = reopened.get(FOLD_KEY) as FoldState;
  assert.deepEqual(fold.admitted, ['m1', 'm6']);
  assert.deepEqual(fold.folded, ['m2', 'm3', 'm4', 'm5']);
  assert.equal(other(render(reopened)), 16);
  reopened.close();
});

test('the --max-series cap covers these families and is counted', async () => {
  const root = tmpDir();
  const ledger = Ledger.open(path.join(root, 'data'));
  await ingest(buildState(root), ledger);
  const text = render(ledger, 10);
  const domain = text.split('\n').filter((l) => /^openclaw_(usage|quota|auth|sessions)/.test(l));
  const seed = text.split('\n').filter((l) => /^openclaw_codex_(?!exporter_scrape)/.test(l));
  assert.ok(domain.length + seed.length <= 10);
  assert.match(text, /^clawmeter_series_dropped_total [1-9]\d*$/m);
  ledger.close();
});

test('output is deterministic: same ledger, same text (apart from timing lines)', async () => {
  const root = tmpDir();
  const ledger = Ledger.open(path.join(root, 'data'));
  await ingest(buildState(root), ledger);
  const strip = (t: string) => t.split('\n').filter((l) => /^openclaw_(usage|quota|auth|sessions)/.test(l)).join('\n');
  assert.equal(strip(render(ledger)), strip(render(ledger)));
  ledger.close();
});

test('metric names: valid, unit-suffixed, no collision with OpenClaw diagnostics names; labels as declared', async () => {
  const root = tmpDir();
  const ledger = Ledger.open(path.join(root, 'data'));
  await ingest(buildState(root), ledger);
  const text = render(ledger);
  const ours = Object.values(METRICS).filter((d) => ['usage', 'quota', 'auth', 'sessions'].includes(d.group));
  assert.ok(ours.length >= 17);
  for (const d of ours) {
    assert.match(d.name, /^[a-zA-Z_:][a-zA-Z0-9_:]*$/);
    assert.match(d.name, /^openclaw_(usage_|quota_|auth_|sessions$)/, d.name);
    assert.doesNotMatch(d.name, /^openclaw_(model|run|provider_usage)_/, d.name);
    if (d.type === 'counter') assert.match(d.name, /_total$/, d.name);
    else assert.doesNotMatch(d.name, /_total$/, d.name);
    if (d.type === 'histogram') assert.match(d.name, /_seconds$/, d.name);
    if (/timestamp/.test(d.name)) assert.match(d.name, /_timestamp_seconds$/, d.name);
    assert.deepEqual([...d.labels], [...d.labels].sort(), `${d.name} labels sorted`);
    if (d.otlpOnly) {
      assert.doesNotMatch(text, new RegExp(`^# TYPE ${d.name} `, 'm'), `${d.name} is OTLP only`);
      continue;
    }
    assert.match(text, new RegExp(`^# TYPE ${d.name} ${d.type}$`, 'm'), d.name);
    for (const line of text.split('\n').filter((l) => l.startsWith(d.name + '{'))) {
      const names = [...line.matchAll(/([a-z_]+)="/g)].map((m) => m[1]).filter((n) => n !== 'le');
      assert.deepEqual(names, [...d.labels], line);
    }
  }
  ledger.close();
});

test('pricing and rate-card overrides are validated and merged', () => {
  const t = parsePriceOverride({ models: { 'My-Model': { input: 1, output: 2 }, 'gpt-5': { input: 9, output: 9, cacheRead: 1 } } }, 'test');
  const p = new Pricing(t);
  assert.deepEqual(p.priceOf('vendor/my-model'), { input: 1, output: 2, cacheRead: 0, cacheWrite: 0 });
  assert.equal(p.priceOf('gpt-5-2025-08-07')!.input, 9);
  assert.equal(p.priceOf('claude-sonnet-4-5-20250929')!.output, 15, 'built-ins kept');
  assert.equal(new Pricing(BUILTIN_PRICES).priceOf('claude-opus-4-6'), null, 'a future version is not priced as an older one');
  assert.equal(new Pricing(BUILTIN_PRICES).priceOf('gpt-5.4'), null);
  assert.equal(new Pricing(BUILTIN_PRICES).priceOf('gpt-5-mini')!.input, 0.25);
  assert.throws(() => parsePriceOverride({ models: { x: { input: -1, output: 1 } } }, 'f'), /non-negative/);
  assert.throws(() => parsePriceOverride({ models: { x: { input: 1 } } }, 'f'), /"input" and "output"/);
  assert.throws(() => parsePriceOverride([], 'f'), /JSON object/);
  const card = new RateCard(parseRateCard({ entries: [{ provider: 'openai-codex', limit: 'codex', window: '5h', plan: 'plus', messages: 50 }] }, 'f'));
  assert.equal(card.lookup({ provider: 'openai-codex', limit: 'codex', window: '5h', plan: 'plus', model: null })!.messages, 50);
  assert.equal(card.lookup({ provider: 'openai-codex', limit: 'codex', window: '5h', plan: 'plus', model: 'gpt-5.4' })!.messages, 20, 'model entry wins');
  assert.equal(card.lookup({ provider: 'openai-codex', limit: 'codex', window: '5h', plan: 'team', model: null }), null);
  assert.throws(() => parseRateCard({ entries: [{ provider: 'x', limit: 'y', window: 'week', messages: 1 }] }, 'f'), /duration/);
});
