/**
 * `clawmeter report` as a real process over a real ledger: snapshot tests of the
 * table (a day boundary at local midnight and the 23-hour DST day 2026-03-29 in
 * Europe/Berlin, --breakdown), the --json shape scripts rely on (rows and totals
 * with every measure), --csv, filters; the daily totals compared with an
 * independent sum (the calls table read directly and bucketed by local date with
 * Intl here, and the generator's ground truth for a realistic tree); and every
 * read-only command working beside a running serve that holds the ledger.
 * UPDATE_GOLDEN=1 rewrites the snapshots in test/golden/.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Ledger } from '../src/ledger/ledger.js';
import type { CommitCall } from '../src/ledger/types.js';
import { generateStateDir } from '../src/demo/generate.js';
import { serve } from '../src/cli/serve.js';
import { ingestOnce, sqlRead, tmpDir } from './helpers.js';
import { renderReportTable } from '../src/cli/report.js';
import { LedgerReader } from '../src/ledger/readonly.js';
import { LedgerQuery } from '../src/query/index.js';
import { buildReport } from '../src/cli/report-data.js';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const BIN = path.join(ROOT, 'bin/clawmeter.js');
const GOLDEN = path.join(ROOT, 'test/golden');
const MEASURES = ['messages', 'errors', 'input', 'output', 'cacheRead', 'cacheWrite', 'totalTokens', 'costUsd', 'costEstimatedUsd'];

function run(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: '/nonexistent', TZ: 'UTC', ...env }, timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function snapshot(name: string, actual: string): void {
  const f = path.join(GOLDEN, name);
  if (process.env.UPDATE_GOLDEN === '1' || !fs.existsSync(f)) fs.writeFileSync(f, actual);
  assert.equal(actual, fs.readFileSync(f, 'utf8'), `snapshot ${name} (UPDATE_GOLDEN=1 to accept a change)`);
}

function call(i: number, iso: string, o: Partial<CommitCall> = {}): CommitCall {
  return {
    dedupeKey: `r${i}`,
    tsMs: Date.parse(iso),
    agent: 'main',
    compatKind: 'main',
    kind: 'direct',
    channel: 'telegram',
    chatType: 'direct',
    provider: 'anthropic',
    model: 'claude-sonnet-4',
    input: 100 * i,
    output: 10 * i,
    cacheRead: 1000,
    cacheWrite: 5,
    costUsd: 0.01 * i,
    costEstimated: false,
    stopReason: 'stop',
    errorCategory: null,
    latencyMs: null,
    source: 'jsonl',
    ...o,
  };
}

/** Calls around Berlin's local midnight 2026-03-27/28 and its DST day 2026-03-29 (02:00 CET -> 03:00 CEST). */
const EDGE_CALLS: CommitCall[] = [
  call(1, '2026-03-27T22:59:59.999Z'), // 23:59:59.999 CET, the 27th
  call(2, '2026-03-27T23:00:00.000Z'), // 00:00 CET, the 28th
  call(3, '2026-03-28T22:59:59.999Z', { model: 'gpt-5', provider: 'openai-codex', channel: 'discord' }), // last ms of the 28th
  call(4, '2026-03-28T23:00:00.000Z'), // 00:00 CET, the 29th (23 hours long)
  call(5, '2026-03-29T00:59:59.999Z', { costEstimated: true }), // 01:59:59.999 CET, just before the jump
  call(6, '2026-03-29T01:00:00.000Z', { model: 'gpt-5', provider: 'openai-codex' }), // 03:00 CEST
  call(7, '2026-03-29T21:59:59.999Z', { errorCategory: 'rate_limit', stopReason: 'error', input: 0, output: 0, cacheRead: 0, cacheWrite: 0, costUsd: null }), // 23:59:59.999 CEST
  call(8, '2026-03-29T22:00:00.000Z', { agent: 'work', channel: 'discord' }), // 00:00 CEST, the 30th
];

function edgeLedger(): string {
  const dataDir = path.join(tmpDir(), 'data');
  const l = Ledger.open(dataDir);
  l.commit({ calls: EDGE_CALLS });
  l.close();
  return dataDir;
}

const RANGE = ['--since', '2026-03-27', '--until', '2026-03-30'];

test('report daily: a local midnight and the 23-hour DST day in Europe/Berlin (snapshot, --breakdown)', () => {
  const dataDir = edgeLedger();
  const berlin = run(['report', 'daily', '--data-dir', dataDir, '--no-ingest', '--tz', 'Europe/Berlin', ...RANGE]);
  assert.equal(berlin.code, 0, berlin.err);
  snapshot('report-daily-berlin.txt', berlin.out);
  const utc = run(['report', 'daily', '--data-dir', dataDir, '--no-ingest', '--tz', 'UTC', '--breakdown', ...RANGE]);
  assert.equal(utc.code, 0, utc.err);
  snapshot('report-daily-utc-breakdown.txt', utc.out);

  const j = JSON.parse(run(['report', 'daily', '--data-dir', dataDir, '--no-ingest', '--tz', 'Europe/Berlin', '--json', ...RANGE]).out);
  assert.deepEqual(j.rows.map((r: { key: string }) => r.key), ['2026-03-27', '2026-03-28', '2026-03-29', '2026-03-30']);
  const dst = j.rows[2];
  assert.equal(dst.endMs - dst.startMs, 23 * 3_600_000, 'the DST day is 23 hours');
  assert.equal(dst.messages, 3); // calls 4, 5, 6
  assert.equal(dst.errors, 1); // call 7
  assert.equal(j.rows[0].messages, 1);
  assert.equal(j.rows[1].messages, 2);
  assert.equal(j.rows[3].messages, 1);
  for (const r of [...j.rows, j.totals]) for (const k of MEASURES) assert.equal(typeof r[k], 'number', k);
  assert.equal(j.totals.messages, 7);
  assert.equal(j.totals.costEstimatedUsd, 0.05);
  assert.equal(j.tz, 'Europe/Berlin');

  const desc = JSON.parse(run(['report', 'daily', '--data-dir', dataDir, '--no-ingest', '--tz', 'Europe/Berlin', '--json', '--order', 'desc', ...RANGE]).out);
  assert.deepEqual(desc.rows.map((r: { key: string }) => r.key), ['2026-03-30', '2026-03-29', '2026-03-28', '2026-03-27']);
});

test('report weekly, monthly, model, agent, channel, session: json shape, csv, filters', () => {
  const dataDir = edgeLedger();
  const j = (kind: string, ...extra: string[]) => {
    const r = run(['report', kind, '--data-dir', dataDir, '--no-ingest', '--tz', 'Europe/Berlin', '--json', ...RANGE, ...extra]);
    assert.equal(r.code, 0, r.err);
    return JSON.parse(r.out);
  };
  assert.deepEqual(j('weekly').rows.map((r: { key: string }) => r.key), ['2026-03-23', '2026-03-30']);
  assert.deepEqual(j('monthly').rows.map((r: { key: string }) => r.key), ['2026-03']);
  const models = j('model');
  assert.deepEqual(models.rows.map((r: { key: string }) => r.key), ['claude-sonnet-4 · anthropic', 'gpt-5 · openai-codex'], 'largest cost first');
  assert.equal(models.rows.reduce((a: number, r: { messages: number }) => a + r.messages, 0), models.totals.messages);
  assert.deepEqual(j('agent', '--order', 'asc').rows.map((r: { key: string }) => r.key), ['work', 'main']);
  const tg = j('channel', '--channel', 'telegram');
  assert.deepEqual(tg.rows.map((r: { key: string }) => r.key), ['telegram']);
  assert.equal(tg.totals.messages, 5); // calls 1, 2, 4, 5, 6 (7 is an error, 3 and 8 are discord)
  assert.equal(j('daily', '--model', 'gpt-5').totals.messages, 2);
  assert.equal(j('session').rows.length, 3);
  const csv = run(['report', 'model', '--data-dir', dataDir, '--no-ingest', '--csv', ...RANGE]);
  assert.equal(csv.out.split('\n')[0], 'key,model,messages,errors,input,output,cacheRead,cacheWrite,totalTokens,costUsd,costEstimatedUsd');
  assert.match(csv.out, /\ntotal,,7,1,/);
  const bad = run(['report', 'daily', '--data-dir', dataDir, '--no-ingest', '--tz', 'Mars/Olympus']);
  assert.equal(bad.code, 2);
  assert.equal(bad.err.trim().split('\n').length, 1);
  assert.equal(run(['report', 'yearly', '--data-dir', dataDir]).code, 2);
});

test('report daily totals equal an independent sum of the calls per local day, and the ground truth', async () => {
  const root = tmpDir();
  const stateDir = path.join(root, 'state');
  const truth = generateStateDir({ dir: stateDir, seed: 11, nowMs: Date.parse('2026-10-27T12:00:00Z'), days: 6, junk: false });
  const dataDir = path.join(root, 'data');
  const { ledger } = await ingestOnce([stateDir], dataDir);
  const calls = sqlRead<{ ts_ms: number; error_category: string | null; input: number; output: number; cache_read: number; cache_write: number; cost_usd: number | null }>(
    ledger,
    `SELECT ts_ms, error_category, input, output, cache_read, cache_write, cost_usd FROM calls`,
  );
  ledger.close();
  for (const tz of ['Europe/Berlin', 'America/New_York', 'Asia/Kathmandu']) {
    const r = run(['report', 'daily', '--data-dir', dataDir, '--no-ingest', '--tz', tz, '--json']);
    assert.equal(r.code, 0, r.err);
    const rep = JSON.parse(r.out);
    const day = new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' });
    const want = new Map<string, { messages: number; errors: number; tokens: number; cost: number }>();
    for (const c of calls) {
      const k = day.format(new Date(c.ts_ms));
      const w = want.get(k) ?? { messages: 0, errors: 0, tokens: 0, cost: 0 };
      if (c.error_category) w.errors++;
      else w.messages++;
      w.tokens += c.input + c.output + c.cache_read + c.cache_write;
      w.cost += c.cost_usd ?? 0;
      want.set(k, w);
    }
    assert.deepEqual(rep.rows.map((x: { key: string }) => x.key), [...want.keys()].sort(), tz);
    for (const row of rep.rows) {
      const w = want.get(row.key)!;
      assert.equal(row.messages, w.messages, `${tz} ${row.key}`);
      assert.equal(row.errors, w.errors, `${tz} ${row.key}`);
      assert.equal(row.totalTokens, w.tokens, `${tz} ${row.key}`);
      assert.ok(Math.abs(row.costUsd - w.cost) < 1e-6, `${tz} ${row.key}`);
    }
    assert.equal(rep.totals.messages, truth.messages);
    assert.equal(rep.totals.errors, truth.errors);
    assert.equal(rep.totals.input, truth.input);
    assert.equal(rep.totals.cacheRead, truth.cacheRead);
    assert.ok(Math.abs(rep.totals.costUsd - truth.costUsd) < 1e-6);
  }
});

test('read-only commands beside a running serve that holds the ledger: they read alongside and work', { timeout: 60_000 }, async () => {
  const root = tmpDir();
  const stateDir = path.join(root, 'state');
  generateStateDir({ dir: stateDir, seed: 5, nowMs: Date.now(), days: 3, junk: false });
  const dataDir = path.join(root, 'data');
  const h = await serve(['--state-dir', stateDir, '--data-dir', dataDir, '--listen', '127.0.0.1:0', '--log.level', 'silent', '--no-watch'], {});
  assert.ok(h);
  try {
    for (let i = 0; i < 300 && (await fetch(`${h.url}/readyz`)).status !== 200; i++) await new Promise((r) => setTimeout(r, 100));
    const api = (await (await fetch(`${h.url}/api/v1/summary`)).json()) as { calls: number };
    assert.ok(api.calls > 0);
    const r = run(['report', 'daily', '--state-dir', stateDir, '--data-dir', dataDir, '--json']);
    assert.equal(r.code, 0, r.err);
    const rep = JSON.parse(r.out);
    assert.equal(rep.read, 'alongside');
    assert.equal(rep.totals.messages + rep.totals.errors, api.calls);
    for (const cmd of [['blocks'], ['status', '--json'], ['statusline']]) {
      const x = run([...cmd, '--state-dir', stateDir, '--data-dir', dataDir]);
      assert.ok(x.code !== null && x.code < 6, `${cmd[0]}: exit ${x.code} ${x.err}`);
      assert.ok(x.out.length > 0, `${cmd[0]} printed something`);
    }
  } finally {
    await h.stop();
  }
});

test('report table fits a narrow terminal: least important columns left out and named, colour only when asked', () => {
  const r = LedgerReader.open(edgeLedger());
  try {
    const rep = buildReport(new LedgerQuery(r), { kind: 'daily', from: Date.parse('2026-03-27T00:00:00Z'), to: Date.parse('2026-03-31T00:00:00Z'), tz: 'UTC', where: {}, breakdown: false, order: 'asc', windows: [], nowMs: Date.now() });
    const wide = renderReportTable(rep, { color: false });
    const narrow = renderReportTable(rep, { width: 60, color: false });
    const tableLines = narrow.split('\n').filter((l) => /^(day|─|20|Total)/.test(l));
    assert.ok(tableLines.length >= 5);
    for (const line of tableLines) assert.ok(line.length <= 60, `fits 60 columns: ${line}`);
    assert.match(narrow, /column\(s\) left out to fit 60 columns: .*cache write/);
    assert.match(narrow, /total tokens/);
    assert.match(narrow, /cost/);
    assert.doesNotMatch(wide, /left out/);
    assert.doesNotMatch(wide, /\x1b\[/);
    assert.match(renderReportTable(rep, { color: true }), /\x1b\[1m/);
  } finally {
    r.close();
  }
});

test('report window: per rolling window and provider with the provider-reported share, --order, --csv, --agent and --provider filters', () => {
  const dataDir = path.join(tmpDir(), 'data');
  const now = Date.now();
  const at = (msAgo: number) => new Date(now - msAgo).toISOString();
  const l = Ledger.open(dataDir);
  l.commit({
    calls: [
      call(1, at(3_600_000)), // anthropic, main: cost 0.01
      call(2, at(1_800_000), { agent: 'work' }), // anthropic, work: 0.02
      call(3, at(600_000), { provider: 'openai-codex', model: 'gpt-5', costUsd: 0.05 }), // openai-codex, main: 0.05
      call(4, at(3 * 86_400_000), { provider: 'openai-codex', model: 'gpt-5' }), // in 7d only: 0.04
    ],
    quota: { stateDir: '/s', agent: 'main', source: 'quota-poll', rows: [{ provider: 'anthropic', limit: 'session', window: '5h', windowMinutes: 300, usedRatio: 0.25, resetsAtMs: now + 7_200_000, observedAtMs: now, plan: 'max' }] },
  });
  l.close();
  const j = (...extra: string[]) => {
    const r = run(['report', 'window', '--data-dir', dataDir, '--no-ingest', '--json', ...extra]);
    assert.equal(r.code, 0, r.err);
    return JSON.parse(r.out) as { rows: Array<{ key: string; usedRatio: number | null; resetsAtMs: number | null; messages: number; costUsd: number }> };
  };
  const all = j();
  assert.deepEqual(all.rows.map((r) => r.key), ['5h openai-codex', '5h anthropic', '7d openai-codex', '7d anthropic'], 'windows in order, providers by cost');
  assert.equal(all.rows[1].usedRatio, 0.25);
  assert.equal(all.rows[1].resetsAtMs, now + 7_200_000);
  assert.equal(all.rows[0].usedRatio, null, 'no provider report for openai-codex');
  assert.equal(all.rows[1].messages, 2);
  assert.ok(Math.abs(all.rows[2].costUsd - 0.09) < 1e-9);
  assert.deepEqual(j('--order', 'asc').rows.map((r) => r.key), ['5h anthropic', '5h openai-codex', '7d anthropic', '7d openai-codex']);
  assert.deepEqual(j('--agent', 'work').rows.map((r) => [r.key, r.messages]), [['5h anthropic', 1], ['7d anthropic', 1]]);
  assert.deepEqual(j('--provider', 'openai-codex').rows.map((r) => [r.key, r.messages]), [['5h openai-codex', 1], ['7d openai-codex', 2]]);
  const csv = run(['report', 'window', '--data-dir', dataDir, '--no-ingest', '--csv']).out.split('\n');
  assert.equal(csv[0], 'key,model,messages,errors,input,output,cacheRead,cacheWrite,totalTokens,costUsd,costEstimatedUsd,usedRatio,resetsAtMs');
  assert.ok(csv.includes(`5h anthropic,,2,0,300,30,2000,10,2340,0.03,0,0.25,${now + 7_200_000}`), csv.join('\n'));
  const table = run(['report', 'window', '--data-dir', dataDir, '--no-ingest']).out;
  assert.match(table, /5h anthropic .* 25\.0%/);
});
