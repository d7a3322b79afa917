/**
 * The typed query API (src/query/) against independent sums: totals, series and
 * calendar series recomputed in this file from the list of committed calls (and
 * checked against the calls table read directly), the generator's ground truth for
 * a realistic tree, DST days in Europe/Berlin (23 h and 25 h, boundaries written
 * out by hand), the +05:45 day boundary of Asia/Kathmandu, the privacy view and
 * the one-line errors for bad arguments.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { Ledger } from '../src/ledger/ledger.js';
import type { CommitCall } from '../src/ledger/types.js';
import { DIMENSIONS, LedgerQuery, type Dimension, type Filter, type GroupRow } from '../src/query/index.js';
import { generateStateDir } from '../src/demo/generate.js';
import { ingestOnce, sqlRead, tmpDir } from './helpers.js';

const H = 3_600_000;
const T0 = Date.parse('2026-03-27T00:00:00Z');
const T1 = Date.parse('2026-04-01T00:00:00Z');
const OCT0 = Date.parse('2026-10-23T00:00:00Z');
const OCT1 = Date.parse('2026-10-28T00:00:00Z');
const NOW = Date.parse('2026-11-21T12:00:00Z');

/** sfc-like tiny PRNG, deterministic per seed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const AGENTS = ['main', 'work', 'bob@example.com'];
const PROVIDERS = ['openai-codex', 'anthropic', 'ollama'];
const MODELS = ['gpt-5', 'claude-sonnet-4', 'llama3'];
const CHANNELS = ['telegram', 'discord', 'webchat'];

function makeCalls(seed: number, n: number, ranges: Array<[number, number]>, edges: number[]): CommitCall[] {
  const r = rng(seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)];
  const calls: CommitCall[] = [];
  for (let i = 0; i < n; i++) {
    const [a, b] = pick(ranges);
    // a third of the calls sit on or next to a boundary that matters (bucket, day, DST change)
    let ts = Math.floor(a + r() * (b - a));
    if (r() < 0.33) ts = pick(edges) + Math.floor(r() * 3) - 1;
    const err = r() < 0.08;
    const est = r() < 0.3;
    calls.push({
      dedupeKey: `q${seed}-${i}`,
      tsMs: ts,
      agent: pick(AGENTS),
      compatKind: 'main',
      kind: pick(['direct', 'group', 'cron']),
      channel: pick(CHANNELS),
      chatType: pick(['direct', 'group']),
      provider: pick(PROVIDERS),
      model: pick(MODELS),
      input: err ? 0 : Math.floor(r() * 5000),
      output: err ? 0 : Math.floor(r() * 800),
      cacheRead: err ? 0 : Math.floor(r() * 20000),
      cacheWrite: err ? 0 : Math.floor(r() * 300),
      costUsd: err ? null : Math.round(r() * 1e6) / 1e7,
      costEstimated: est,
      stopReason: err ? 'error' : 'stop',
      errorCategory: err ? pick(['rate_limit', 'overloaded', 'auth']) : null,
      latencyMs: null,
      source: pick(['jsonl', 'sqlite']),
    });
  }
  return calls;
}

const scrubbed = (d: Dimension, v: string) => (d === 'agent' && v.includes('@') ? v.replace(/[^\s:@/"]+@[^\s:@/"]+\.[^\s:@/"]+/, 'EMAIL') : v);

function dimOf(c: CommitCall, d: Dimension): string {
  if (d === 'errorCategory') return c.errorCategory ?? '';
  return (c as unknown as Record<string, string>)[d];
}

/** The expected rows, summed here from the call list (scrubbed values compared by shape below). */
function expected(calls: CommitCall[], by: Dimension[], from: number, to: number, where: Filter = {}): Map<string, GroupRow> {
  const out = new Map<string, GroupRow>();
  for (const c of calls) {
    if (!(c.tsMs >= from && c.tsMs < to)) continue;
    if (Object.entries(where).some(([d, vals]) => !vals!.includes(dimOf(c, d as Dimension)))) continue;
    const k = by.map((d) => scrubbed(d, dimOf(c, d))).join('|');
    let e = out.get(k);
    if (!e) out.set(k, (e = { messages: 0, errors: 0, input: 0, output: 0, cacheRead: 0, cacheWrite: 0, totalTokens: 0, costUsd: 0, costEstimatedUsd: 0 }));
    if (c.errorCategory) e.errors++;
    else e.messages++;
    e.input += c.input;
    e.output += c.output;
    e.cacheRead += c.cacheRead;
    e.cacheWrite += c.cacheWrite;
    e.totalTokens += c.input + c.output + c.cacheRead + c.cacheWrite;
    e.costUsd += c.costUsd ?? 0;
    if (c.costEstimated) e.costEstimatedUsd += c.costUsd ?? 0;
  }
  return out;
}

function keyOfRow(r: GroupRow, by: Dimension[]): string {
  return by.map((d) => (d === 'agent' && r.agent!.startsWith('email-') ? 'EMAIL' : r[d])).join('|');
}

function assertRows(actual: GroupRow[], exp: Map<string, GroupRow>, by: Dimension[], what: string): void {
  const got = new Map(actual.filter((r) => r.messages + r.errors > 0).map((r) => [keyOfRow(r, by), r]));
  assert.deepEqual([...got.keys()].sort(), [...exp.keys()].sort(), `${what}: groups`);
  for (const [k, e] of exp) {
    const g = got.get(k)!;
    for (const f of ['messages', 'errors', 'input', 'output', 'cacheRead', 'cacheWrite', 'totalTokens'] as const) assert.equal(g[f], e[f], `${what} ${k} ${f}`);
    for (const f of ['costUsd', 'costEstimatedUsd'] as const) assert.ok(Math.abs(g[f] - e[f]) < 1e-6, `${what} ${k} ${f}: ${g[f]} vs ${e[f]}`);
  }
}

// Boundaries written out by hand (not computed with the code under test).
const BERLIN_SPRING = { start: Date.parse('2026-03-28T23:00:00Z'), end: Date.parse('2026-03-29T22:00:00Z') }; // 23 h
const BERLIN_FALL = { start: Date.parse('2026-10-24T22:00:00Z'), end: Date.parse('2026-10-25T23:00:00Z') }; // 25 h
const KATHMANDU_DAY = { start: Date.parse('2026-03-29T18:15:00Z'), end: Date.parse('2026-03-30T18:15:00Z') };
const EDGES = [
  BERLIN_SPRING.start,
  BERLIN_SPRING.end,
  BERLIN_FALL.start,
  BERLIN_FALL.end,
  KATHMANDU_DAY.start,
  KATHMANDU_DAY.end,
  Date.parse('2026-03-29T01:00:00Z'), // the spring change itself
  Date.parse('2026-10-25T01:00:00Z'), // the fall change
  T0 + 7 * 900_000,
];

function setup(): { ledger: Ledger; q: LedgerQuery; calls: CommitCall[]; dir: string } {
  const dir = tmpDir('clawmeter-query-');
  const ledger = Ledger.open(dir, { now: () => NOW });
  const calls = makeCalls(11, 6000, [[T0, T1], [OCT0, OCT1]], EDGES);
  for (let i = 0; i < calls.length; i += 700) ledger.commit({ calls: calls.slice(i, i + 700) });
  // duplicates are not counted twice (neither in calls nor in buckets)
  ledger.commit({ calls: calls.slice(0, 500) });
  return { ledger, q: new LedgerQuery(ledger, () => NOW), calls, dir };
}

test('totals by every dimension, pairs and filters equal sums over the calls (open and clipped ranges)', () => {
  const { ledger, q, calls } = setup();
  const oddFrom = Date.parse('2026-03-28T07:13:21.123Z');
  const oddTo = Date.parse('2026-10-25T00:52:00.001Z');
  for (const d of DIMENSIONS) {
    assertRows(q.totals({ by: [d] }), expected(calls, [d], -Infinity, Infinity), [d], `all time by ${d}`);
    assertRows(q.totals({ by: [d], from: oddFrom, to: oddTo }), expected(calls, [d], oddFrom, oddTo), [d], `clipped by ${d}`);
  }
  const pair: Dimension[] = ['provider', 'model'];
  assertRows(q.totals({ by: pair, from: T0, to: OCT1 }), expected(calls, pair, T0, OCT1), pair, 'provider x model');
  const where: Filter = { provider: ['anthropic', 'ollama'], channel: ['telegram'] };
  assertRows(q.totals({ by: ['agent'], where, from: oddFrom }), expected(calls, ['agent'], oddFrom, Infinity, where), ['agent'], 'filtered');
  const [all] = q.totals();
  assert.equal(all.messages + all.errors, calls.length);
  // the calls table agrees, read directly
  const db = sqlRead<{ n: number; i: number }>(ledger, `SELECT count(*) AS n, sum(input) AS i FROM calls`)[0];
  assert.equal(db.n, calls.length);
  assert.equal(all.input, db.i);
  assert.deepEqual(q.totals({ from: NOW, to: NOW + H }), [{ messages: 0, errors: 0, input: 0, output: 0, cacheRead: 0, cacheWrite: 0, totalTokens: 0, costUsd: 0, costEstimatedUsd: 0 }]);
  ledger.close();
});

test('series at 5 min, 20 min, 1 h and 1 d equal per-bucket sums over the calls', () => {
  const { ledger, q, calls } = setup();
  const from = Date.parse('2026-03-28T20:07:00Z');
  const to = Date.parse('2026-03-30T03:00:00Z');
  for (const stepMs of [300_000, 1_200_000, H, 24 * H]) {
    const rows = q.series({ from, to, stepMs, by: ['model'] });
    // bucket edges: epoch multiples of the step, clipped to the range
    const starts = [...new Set(rows.map((r) => r.startMs))];
    for (const s of starts.slice(1)) assert.equal(s % stepMs, 0);
    assert.equal(starts[0], from);
    let total = 0;
    for (const s of starts) {
      const inBucket = rows.filter((r) => r.startMs === s);
      const end = inBucket[0].endMs;
      assert.equal(end, Math.min(to, s - (s % stepMs) + stepMs));
      assertRows(inBucket, expected(calls, ['model'], s, end), ['model'], `step ${stepMs} at ${new Date(s).toISOString()}`);
      total += inBucket.reduce((n, r) => n + r.messages + r.errors, 0);
    }
    assert.equal(total, [...expected(calls, [], from, to).values()][0].messages + [...expected(calls, [], from, to).values()][0].errors);
  }
  // ungrouped: one row per bucket, empty buckets as zeros
  const flat = q.series({ from: Date.parse('2026-04-05T00:00:00Z'), to: Date.parse('2026-04-05T06:00:00Z'), stepMs: H });
  assert.equal(flat.length, 6);
  assert.ok(flat.every((r) => r.messages === 0 && r.errors === 0));
  ledger.close();
});

test('calendar days in Europe/Berlin across both DST changes: 23 h and 25 h days, exact sums', () => {
  const { ledger, q, calls } = setup();
  const spring = q.calendarSeries({ from: T0, to: T1, unit: 'day', tz: 'Europe/Berlin' });
  const d29 = spring.find((r) => r.period === '2026-03-29')!;
  assert.equal(d29.startMs, BERLIN_SPRING.start);
  assert.equal(d29.endMs, BERLIN_SPRING.end);
  assert.equal(d29.endMs - d29.startMs, 23 * H);
  assert.equal(spring.find((r) => r.period === '2026-03-28')!.endMs - spring.find((r) => r.period === '2026-03-28')!.startMs, 24 * H);
  const fall = q.calendarSeries({ from: OCT0, to: OCT1, unit: 'day', tz: 'Europe/Berlin', by: ['provider'] });
  const d25 = fall.filter((r) => r.period === '2026-10-25');
  assert.equal(d25[0].startMs, BERLIN_FALL.start);
  assert.equal(d25[0].endMs - d25[0].startMs, 25 * H);
  for (const [rows, by, what] of [
    [spring.filter((r) => r.period === '2026-03-29'), [] as Dimension[], 'spring'],
    [d25, ['provider'] as Dimension[], 'fall'],
  ] as const) {
    assertRows(rows, expected(calls, by, rows[0].startMs, rows[0].endMs), by, what);
  }
  // the first and last periods are clipped to the range
  assert.equal(spring[0].startMs, T0);
  assert.equal(spring[spring.length - 1].endMs, T1);
  // every call of the range is in exactly one day
  const sum = spring.reduce((n, r) => n + r.messages + r.errors, 0);
  const all = [...expected(calls, [], T0, T1).values()][0];
  assert.equal(sum, all.messages + all.errors);
  ledger.close();
});

test('calendar days in Asia/Kathmandu (+05:45) start at 18:15 UTC; weeks start Monday, months on the 1st', () => {
  const { ledger, q, calls } = setup();
  const ktm = q.calendarSeries({ from: T0, to: T1, unit: 'day', tz: 'Asia/Kathmandu', by: ['agent'] });
  const day = ktm.filter((r) => r.period === '2026-03-30');
  assert.equal(day[0].startMs, KATHMANDU_DAY.start);
  assert.equal(day[0].endMs, KATHMANDU_DAY.end);
  assertRows(day, expected(calls, ['agent'], KATHMANDU_DAY.start, KATHMANDU_DAY.end), ['agent'], 'kathmandu day');
  const weeks = q.calendarSeries({ from: T0, to: T1, unit: 'week', tz: 'Europe/Berlin' });
  assert.deepEqual(
    weeks.map((w) => w.period),
    ['2026-03-23', '2026-03-30'],
  );
  assert.equal(weeks[1].startMs, Date.parse('2026-03-29T22:00:00Z')); // Monday 00:00 CEST
  const months = q.calendarSeries({ from: T0, to: OCT1, unit: 'month', tz: 'Europe/Berlin' });
  assert.equal(months.length, 8);
  assert.equal(months[1].period, '2026-04');
  assert.equal(months[1].startMs, Date.parse('2026-03-31T22:00:00Z'));
  assertRows([months[1]], expected(calls, [], months[1].startMs, months[1].endMs), [], 'april');
  ledger.close();
});

test('recentErrors: the newest failed calls, newest first, filtered, scrubbed', () => {
  const { ledger, q, calls } = setup();
  const errs = calls.filter((c) => c.errorCategory).sort((a, b) => b.tsMs - a.tsMs);
  const got = q.recentErrors({ limit: 50 });
  assert.equal(got.length, 50);
  assert.deepEqual(
    got.map((e) => e.tsMs),
    errs.slice(0, 50).map((c) => c.tsMs),
  );
  for (const e of got) assert.ok(e.category && !e.agent.includes('@'));
  const onlyOllama = q.recentErrors({ limit: 5, where: { provider: ['ollama'] } });
  assert.deepEqual(
    onlyOllama.map((e) => e.tsMs),
    errs.filter((c) => c.provider === 'ollama').slice(0, 5).map((c) => c.tsMs),
  );
  ledger.close();
});

test('privacy view: emails hashed in every row, a filter may name the public value, views carry no ids', () => {
  const { ledger, q, calls } = setup();
  const byAgent = q.totals({ by: ['agent'] });
  const hashed = byAgent.find((r) => r.agent!.startsWith('email-'))!;
  assert.ok(hashed, 'the email-named agent is hashed');
  const viaPublic = q.totals({ where: { agent: [hashed.agent!] } })[0];
  assert.equal(viaPublic.messages, hashed.messages);
  assert.equal(viaPublic.messages + viaPublic.errors, calls.filter((c) => c.agent === 'bob@example.com').length);
  ledger.commit({
    sessions: {
      stateDir: '/home/alice/.openclaw',
      agent: 'bob@example.com',
      source: 'sessions.json',
      rows: [{ sessionKey: 'agent:main:telegram:direct:424242', sessionId: 'sess-secret-id', compatKind: 'main', kind: 'direct', channel: 'telegram', chatType: 'direct', updatedAtMs: NOW, active: true }],
    },
    auth: {
      stateDir: '/home/alice/.openclaw',
      agent: 'main',
      source: 'auth-profiles.json',
      rows: [{ profileId: 'openai-codex:alice@example.com', provider: 'openai-codex', type: 'oauth', expiresMs: NOW + H, email: 'alice@example.com', plan: 'plus', cooldownUntilMs: null, cooldownReason: null, disabledUntilMs: null, disabledReason: null, failureCounts: { rate_limit: 2 } }],
    },
    quota: {
      stateDir: '/home/alice/.openclaw',
      agent: 'main',
      source: 'codex-rollouts',
      rows: [{ provider: 'openai-codex', limit: 'codex', window: '5h', windowMinutes: 300, usedRatio: 0.4, resetsAtMs: NOW + H, observedAtMs: NOW - 1000, plan: 'plus' }],
    },
  });
  ledger.refreshWindows([{ name: '5h', ms: 5 * H }], Date.parse('2026-03-29T03:00:00Z'));
  const out = JSON.stringify({
    s: q.sessionsView(),
    a: q.authView(),
    qv: q.quotaView(),
    w: q.windowsView(),
    t: q.totals({ by: [...DIMENSIONS] }),
    e: q.recentErrors({ limit: 100 }),
    c: q.calendarSeries({ from: T0, to: T1, unit: 'day', tz: 'UTC', by: ['agent'] }),
  });
  for (const bad of ['@', '424242', 'sess-secret-id', 'agent:main', '/home/alice']) assert.ok(!out.includes(bad), `no ${bad} in any view`);
  assert.equal(q.sessionsView().length, 1);
  assert.equal(q.authView()[0].profile.startsWith('email-'), true);
  assert.equal(q.quotaView().windows[0].usedRatio, 0.4);
  // windows: the same rows as the ledger's, totals summed
  const w = q.windowsView();
  assert.equal(w.reduce((n, r) => n + r.messages, 0), ledger.windows().reduce((n, r) => n + r.messages, 0));
  assert.ok(w.length > 0);
  ledger.close();
});

test('call count and time bounds; bad arguments are one-line errors', () => {
  const { ledger, q, calls } = setup();
  assert.equal(q.callCount(), calls.length);
  assert.equal(q.firstCallMs(), Math.min(...calls.map((c) => c.tsMs)));
  assert.equal(q.lastCallMs(), Math.max(...calls.map((c) => c.tsMs)));
  const cases: Array<[() => unknown, RegExp]> = [
    [() => q.totals({ by: ['nope' as Dimension] }), /unknown dimension 'nope'/],
    [() => q.totals({ from: 10, to: 5 }), /empty range/],
    [() => q.series({ from: T0, to: T1, stepMs: 1 }), /stepMs/],
    [() => q.series({ from: 0, to: T1, stepMs: 60_000 }), /too many buckets/],
    [() => q.calendarSeries({ from: T0, to: T1, unit: 'day', tz: 'Mars/Olympus' }), /unknown time zone 'Mars\/Olympus'/],
    [() => q.calendarSeries({ from: T0, to: T1, unit: 'year' as 'day', tz: 'UTC' }), /unit must be/],
    [() => q.recentErrors({ limit: 0 }), /limit/],
    [() => q.totals({ where: { model: 'gpt' as unknown as string[] } }), /filter 'model'/],
  ];
  for (const [f, re] of cases) assert.throws(f, (e: Error) => e instanceof RangeError && re.test(e.message) && !e.message.includes('\n'));
  ledger.close();
});

test('generated tree: totals by provider and model equal the generator ground truth', async () => {
  const root = tmpDir('clawmeter-query-gen-');
  const truth = generateStateDir({ dir: path.join(root, 'state'), seed: 5, nowMs: NOW, targetBytes: 2 * 1024 * 1024 });
  const { ledger } = await ingestOnce([path.join(root, 'state')], path.join(root, 'data'));
  const q = new LedgerQuery(ledger, () => NOW);
  const rows = q.totals({ by: ['provider', 'model'] });
  for (const [k, v] of Object.entries(truth.byProviderModel)) {
    const r = rows.find((x) => `${x.provider}/${x.model}` === k);
    assert.ok(r, k);
    assert.equal(r.messages, v.messages, k);
    assert.equal(r.errors, v.errors, k);
    assert.equal(r.cacheRead, v.cacheRead, k);
  }
  const byAgent = q.totals({ by: ['agent'] });
  for (const [a, v] of Object.entries(truth.byAgent)) assert.equal(byAgent.find((r) => r.agent === a)?.messages, v.messages, a);
  // a daily series over the whole history adds up to the same totals
  const days = q.calendarSeries({ from: NOW - 8 * 24 * H, to: NOW + H, unit: 'day', tz: 'Asia/Kathmandu' });
  assert.equal(days.reduce((n, r) => n + r.messages, 0), truth.messages);
  assert.equal(days.reduce((n, r) => n + r.errors, 0), truth.errors);
  ledger.close();
});
