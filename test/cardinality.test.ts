/**
 * Cardinality on a real ledger: with 1,000 agents, 10,000 channels and 5,000
 * models every domain family stays present under --max-series, adding an agent,
 * a channel or a model never removes a series already exported (folding and the
 * cap are both sticky), label values are length-bounded, and no sample prints a
 * non-finite value.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { Ledger } from '../src/ledger/ledger.js';
import { Ingestor } from '../src/ingest/cycle.js';
import { IngestStats } from '../src/ingest/stats.js';
import { Logger } from '../src/util/log.js';
import { DEFAULT_WINDOWS } from '../src/ledger/windows.js';
import { MetricsRenderer } from '../src/sinks/prometheus/render.js';
import { METRICS } from '../src/metrics/table.js';
import { DerivedStateSource } from '../src/quota/derived.js';
import { AGENT_FOLD_KEY, nextFold, folder, type FoldState } from '../src/labeling/fold.js';
import { MAX_LABEL_LENGTH } from '../src/labeling/privacy.js';
import { BUILTIN_RATE_CARD, RateCard } from '../src/pricing/rate-card.js';
import { BUILTIN_PRICES, Pricing } from '../src/pricing/prices.js';
import type { LedgerCall, SessionInfo } from '../src/model.js';
import { tmpDir } from './helpers.js';

const NOW = 1795285000000;
let seq = 0;

function call(agent: string, channel: string, model: string, o: Partial<LedgerCall> = {}): LedgerCall {
  seq++;
  return {
    dedupeKey: `card-${seq}`,
    tsMs: NOW - (seq % 3600) * 1000,
    provider: 'prov',
    model,
    input: 10,
    output: 2,
    cacheRead: 0,
    cacheWrite: 0,
    costUsd: 0.001,
    stopReason: 'stop',
    errorCategory: null,
    latencyMs: 800,
    agent,
    compatKind: 'main',
    kind: 'direct',
    channel,
    chatType: 'direct',
    source: 'jsonl',
    ...o,
  };
}

interface Limits {
  maxModels: number;
  maxAgents?: number;
  maxChannels?: number;
}

/** Runs one ingest cycle with only the derived-state source (folding decisions committed). */
async function derive(ledger: Ledger, limits: Limits): Promise<void> {
  const derived = new DerivedStateSource(ledger, { ...limits, rateCard: new RateCard(BUILTIN_RATE_CARD) });
  await new Ingestor(ledger, () => [derived], {
    log: new Logger('silent'),
    now: () => NOW,
    windows: DEFAULT_WINDOWS,
    estimateCost: new Pricing(BUILTIN_PRICES).estimator(),
  }).trigger();
}

function renderer(ledger: Ledger, maxSeries: number, stats = new IngestStats()): MetricsRenderer {
  return new MetricsRenderer(ledger, stats, { version: 't', demo: false, showAccountEmails: false, maxSeries, nowMs: NOW });
}

const DOMAIN = Object.values(METRICS).filter((d) => d.group !== 'self' && d.name !== METRICS.codexScrapeDuration.name);

/** `name{labels}` of every sample of the domain families, by family. */
function series(text: string): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>(DOMAIN.map((d) => [d.name, new Set()]));
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const id = line.slice(0, line.lastIndexOf(' '));
    const fam = DOMAIN.find((d) => id === d.name || id.startsWith(d.name + '{') || id.startsWith(d.name + '_'));
    fam && out.get(fam.name)!.add(id);
  }
  return out;
}

function count(m: Map<string, Set<string>>): number {
  return [...m.values()].reduce((n, s) => n + s.size, 0);
}

interface Size {
  agents: number;
  channels: number;
  models: number;
}

/** One call per channel over that many agents and models; errors and sessions too. */
function bigLedger(root: string, size: Size): Ledger {
  const ledger = Ledger.open(path.join(root, 'data'));
  const calls: LedgerCall[] = [];
  for (let i = 0; i < size.channels; i++) {
    const err = i % 10 === 0 ? { stopReason: 'error', errorCategory: 'rate_limit' } : {};
    calls.push(call(`agent-${String(i % size.agents).padStart(4, '0')}`, `chan-${String(i).padStart(5, '0')}`, `model-${String(i % size.models).padStart(4, '0')}`, err));
  }
  ledger.commit({ calls });
  for (let a = 0; a < 50; a++) {
    const agent = `agent-${String(a).padStart(4, '0')}`;
    const rows: SessionInfo[] = [];
    for (let s = 0; s < 20; s++) {
      rows.push({ sessionKey: `agent:${agent}:s${s}`, sessionId: `${agent}-s${s}`, compatKind: 'main', kind: 'direct', channel: `chan-${String(a * 20 + s).padStart(5, '0')}`, chatType: 'direct', updatedAtMs: NOW, active: true });
    }
    ledger.commit({ sessions: { stateDir: '/state', agent, source: 'sessions.json', rows } });
  }
  return ledger;
}

function assertKept(before: Map<string, Set<string>>, after: Map<string, Set<string>>, what: string): void {
  for (const [fam, ids] of before) {
    for (const id of ids) assert.ok(after.get(fam)!.has(id), `${what}: ${id} vanished`);
  }
}

function droppedTotal(text: string): number {
  return Number(/^clawmeter_series_dropped_total (\S+)$/m.exec(text)![1]);
}

async function bigCase(size: Size, limits: Limits, what: string): Promise<void> {
  const root = tmpDir();
  const ledger = bigLedger(root, size);
  try {
    await derive(ledger, limits);
    const all = series(renderer(ledger, 10_000_000).render());
    const r = renderer(ledger, 2000);
    const text1 = r.render();
    const first = series(text1);
    assert.ok(count(first) <= 2000, `${what}: cap holds (${count(first)})`);
    assert.ok(droppedTotal(text1) > 0, `${what}: the cap binds`);
    for (const [fam, ids] of all) {
      if (ids.size > 0) assert.ok(first.get(fam)!.size > 0, `${what}: ${fam} present under the cap`);
    }
    // Newcomers that sort first: one agent, one channel, one model, then all three at once.
    const newcomers: Array<[string, string, string]> = [
      ['a-new-agent', 'chan-00000', 'model-0000'],
      ['agent-0000', 'a-new-channel', 'model-0000'],
      ['agent-0000', 'chan-00000', 'a-new-model'],
      ['a-agent-2', 'a-channel-2', 'a-model-2'],
    ];
    let prev = first;
    for (const [agent, channel, model] of newcomers) {
      ledger.commit({ calls: [call(agent, channel, model), call(agent, channel, model, { stopReason: 'error', errorCategory: 'auth' })] });
      // Right after the commit (folding not yet decided) and after the derived state commits.
      const mid = series(r.render());
      assertKept(prev, mid, `${what}, ${agent}/${channel}/${model} before folding`);
      await derive(ledger, limits);
      const next = series(r.render());
      assertKept(prev, next, `${what}, ${agent}/${channel}/${model}`);
      assert.ok(count(next) <= 2000);
      prev = next;
    }
  } finally {
    ledger.close();
  }
}

test('1,000 agents / 10,000 channels / 5,000 models, default folding: every family present, no series vanishes', async () => {
  await bigCase({ agents: 1000, channels: 10_000, models: 5000 }, { maxModels: 25 }, 'default folding');
});

test('without folding (limits far above, 3,000 series per usage family): the cap alone keeps every family and every exported series', async () => {
  await bigCase({ agents: 300, channels: 3000, models: 1000 }, { maxModels: 100_000, maxAgents: 100_000, maxChannels: 100_000 }, 'no folding');
});

test('agent and channel folding is sticky: newcomers past the limit are other at once, across restarts', async () => {
  const root = tmpDir();
  const dir = path.join(root, 'data');
  let ledger = Ledger.open(dir);
  const limits = { maxModels: 25, maxAgents: 2, maxChannels: 2 };
  ledger.commit({ calls: [call('b', 'x', 'm'), call('c', 'y', 'm')] });
  await derive(ledger, limits);
  const before = series(renderer(ledger, 100_000).render());
  // 'a' has more calls than b and c together, and sorts first: it still folds.
  ledger.commit({ calls: [call('a', 'w', 'm'), call('a', 'w', 'm'), call('a', 'w', 'm')] });
  const undecided = renderer(ledger, 100_000).render();
  assert.ok(!undecided.includes('agent="a"'), 'no place free: exported as other before the fold is committed');
  assert.ok(!undecided.includes('channel="w"'));
  await derive(ledger, limits);
  ledger.close();
  ledger = Ledger.open(dir);
  try {
    await derive(ledger, limits); // also recomputes the window gauges after the restart
    const text = renderer(ledger, 100_000).render();
    const after = series(text);
    assertKept(before, after, 'sticky folding');
    assert.ok(!text.includes('agent="a"'));
    assert.match(text, /^openclaw_usage_messages_total\{agent="other",channel="other",kind="direct",model="m",provider="prov"\} 3$/m);
    const fold = ledger.get(AGENT_FOLD_KEY) as FoldState;
    assert.deepEqual(fold, { max: 2, admitted: ['b', 'c'], folded: ['a'] });
  } finally {
    ledger.close();
  }
});

test('fold decisions: biggest first while places are free, lowering folds the smallest, folder of a full state', () => {
  const counts = new Map([['a', 5], ['b', 9], ['c', 1]]);
  const s1 = nextFold(undefined, 2, counts);
  assert.deepEqual(s1, { max: 2, admitted: ['a', 'b'], folded: ['c'] });
  const s2 = nextFold(s1, 1, counts);
  assert.deepEqual(s2, { max: 1, admitted: ['b'], folded: ['a', 'c'] });
  const s3 = nextFold(s2, 5, new Map([...counts, ['d', 0]]));
  assert.deepEqual(s3, { max: 5, admitted: ['b', 'd'], folded: ['a', 'c'] }, 'raising admits new values only');
  const f = folder(s1);
  assert.deepEqual(['a', 'b', 'c', 'new'].map(f), ['a', 'b', 'other', 'other']);
  assert.equal(folder({ max: 3, admitted: ['a'], folded: [] })('new'), 'new', 'places free: undecided keeps its name');
});

test('three 1 MB model names: /metrics stays small, label values bounded and distinct', async () => {
  const root = tmpDir();
  const ledger = Ledger.open(path.join(root, 'data'));
  try {
    const big = ['x', 'y', 'z'].map((c) => 'm'.repeat(1 << 20) + c);
    ledger.commit({ calls: big.map((m) => call('main', 'telegram', m)) });
    await derive(ledger, { maxModels: 25 });
    const text = renderer(ledger, 2000).render();
    assert.ok(text.length < 200_000, `output is ${text.length} bytes`);
    const values = new Set<string>();
    for (const m of text.matchAll(/model="([^"]*)"/g)) {
      assert.ok(m[1].length <= MAX_LABEL_LENGTH, 'bounded');
      values.add(m[1]);
    }
    assert.equal(values.size, 3, 'three distinct values');
    for (const v of values) assert.match(v, /^m+~[0-9A-Za-z_-]{10}$/);
  } finally {
    ledger.close();
  }
});

function nonFinite(text: string): string[] {
  return text.split('\n').filter((l) => !l.startsWith('#') && /\s(NaN|[+-]?Inf|null|undefined)$/.test(l));
}

test('no sample prints NaN, Inf or null; such values are left out and counted', async () => {
  const root = tmpDir();
  const dir = path.join(root, 'data');
  let ledger = Ledger.open(dir);
  try {
    // Counts a ledger may hold if a source let them through (summing to +Inf, stored as null after a restart).
    try {
      ledger.commit({ calls: [call('main', 'telegram', 'big', { input: 1e308 }), call('main', 'telegram', 'big', { input: 1e308 })] });
    } catch {
      // A ledger that validates its input refuses them: just as good.
    }
    const stats = new IngestStats();
    stats.linesRead = Infinity;
    stats.durationSum = NaN;
    const text = renderer(ledger, 2000, stats).render();
    assert.deepEqual(nonFinite(text), []);
    assert.ok(Number(/^clawmeter_samples_invalid_total (\d+)$/m.exec(text)![1]) >= 2);
    assert.match(text, /^# TYPE clawmeter_lines_read_total counter$/m, 'the family stays, its sample is left out');
    ledger.close();
    ledger = Ledger.open(dir);
    assert.deepEqual(nonFinite(renderer(ledger, 2000).render()), [], 'after a restart too');
  } finally {
    ledger.close();
  }
});
