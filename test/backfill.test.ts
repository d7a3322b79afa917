/**
 * `clawmeter backfill`: at its last step the counters equal what the live
 * renderer exports (same series, labels, values), and blocks made from it with
 * `promtool tsdb create-blocks-from openmetrics` load into a fresh Prometheus
 * whose range queries over the past match the ledger.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { MetricsRenderer } from '../src/sinks/prometheus/render.js';
import { IngestStats } from '../src/ingest/stats.js';
import { assistantLine, headerLine, ingestOnce, makeState, tmpDir } from './helpers.js';
import { ROOT, freePort, startPrometheus, until } from './prom-harness.js';

const HOUR = 3_600_000;

function parseSamples(text: string, withTs: boolean): Map<string, number> {
  const m = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const parts = line.split(' ');
    const [, name, body = ''] = /^([^{]+)(?:\{(.*)\})?$/.exec(parts[0])!;
    const labels = body.split(/,(?=[a-z_]+=")/).filter((l) => l && !/^(instance|job)=/.test(l)).sort();
    const key = labels.length ? `${name}{${labels.join(',')}}` : name;
    m.set(key, Number(parts[withTs ? parts.length - 2 : parts.length - 1]));
  }
  return m;
}

test('backfill: history as OpenMetrics, equal to the live scrape at the seam, loaded by promtool into Prometheus', { timeout: 90_000 }, async (t) => {
  const root = tmpDir('clawmeter-backfill-');
  const { stateDir, sessions } = makeState(root);
  const now = Date.now();
  const start = Math.floor((now - 48 * HOUR) / HOUR) * HOUR;
  const lines = [headerLine('5f0e0c1a-0000-4000-8000-000000000001')];
  const callTimes: number[] = [];
  for (let i = 0; i < 40; i++) {
    const ts = start + i * 1.1 * HOUR + 60_000;
    callTimes.push(ts + 500); // the ledger keeps the entry time, 500 ms after the message start here
    lines.push(assistantLine({ provider: 'openai-codex', model: i % 3 === 0 ? 'gpt-5.4' : 'gpt-5.4-mini', tsMs: ts, input: 10 + i, output: 5 }));
  }
  fs.writeFileSync(path.join(sessions, '5f0e0c1a-0000-4000-8000-000000000001.jsonl'), lines.join('\n') + '\n');
  const dataDir = path.join(root, 'data');
  const { ledger } = await ingestOnce([stateDir], dataDir);
  const live = new MetricsRenderer(ledger, new IngestStats(), {
    version: 'test',
    demo: false,
    showAccountEmails: false,
    maxSeries: 100_000,
  }).render();
  ledger.close();

  const out = path.join(root, 'history.om');
  const untilS = Math.floor(now / 1000);
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/clawmeter.js'), 'backfill', '--data-dir', dataDir, '--instance', 'host-a:9099', '--until', String(untilS), '--step', '5m', '--out', out], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const text = fs.readFileSync(out, 'utf8');
  assert.ok(text.endsWith('# EOF\n'));
  assert.match(text, /openclaw_codex_messages_total\{instance="host-a:9099",job="clawmeter",model="gpt-5\.4-mini",provider="openai-codex",session_kind="[a-z-]+"\} \d+ \d+\.\d{3}\n/);

  // The last step equals the live exposition for every counter and histogram sample it carries.
  const lastTs = text.trimEnd().split('\n').at(-2)!.split(' ').at(-1)!;
  const lastStep = text.split('\n').filter((l) => l.endsWith(` ${lastTs}`)).join('\n');
  const hist = parseSamples(lastStep, true);
  const liveSamples = parseSamples(live, false);
  let compared = 0;
  for (const [k, v] of hist) {
    if (k.startsWith('openclaw_codex_last_run') || k.startsWith('openclaw_usage_window')) continue; // gauges: checked below
    assert.equal(liveSamples.get(k), v, k);
    compared++;
  }
  assert.ok(compared >= 10, `${compared} samples compared`);
  for (const k of liveSamples.keys()) {
    if (/^openclaw_(codex_(messages|input|output|cache|message_errors)|usage_(messages|tokens|cost|errors|call_duration))/.test(k)) assert.ok(hist.has(k), `backfill lacks ${k}`);
  }
  assert.equal(hist.get('openclaw_codex_last_run_timestamp'), liveSamples.get('openclaw_codex_last_run_timestamp'));
  assert.equal(hist.get('openclaw_codex_last_run_timestamp'), callTimes.at(-1)! / 1000);

  // Blocks into a fresh Prometheus; range queries over the past match the ledger.
  if (spawnSync('promtool', ['--version']).error || spawnSync('prometheus', ['--version']).error) {
    t.skip('prometheus/promtool not installed');
    return;
  }
  const tsdb = path.join(root, 'tsdb');
  const cb = spawnSync('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', out, tsdb], { encoding: 'utf8' });
  assert.equal(cb.status, 0, cb.stderr);
  const port = await freePort();
  const cfg = path.join(root, 'prometheus.yml');
  fs.writeFileSync(cfg, 'global:\n  scrape_interval: 15s\nscrape_configs: []\n');
  const prom = startPrometheus(cfg, tsdb, port);
  const base = `http://127.0.0.1:${port}`;
  try {
    const q = `sum(openclaw_codex_messages_total{job="clawmeter",instance="host-a:9099"})`;
    const range = await until(async () => {
      const res = await fetch(`${base}/api/v1/query_range?query=${encodeURIComponent(q)}&start=${(start + HOUR) / 1000}&end=${untilS - 600}&step=3600`);
      const j = (await res.json()) as { status: string; data: { result: Array<{ values: Array<[number, string]> }> } };
      return j.status === 'success' && j.data.result.length === 1 ? j.data.result[0].values : undefined;
    }, 45_000, 'backfilled range');
    assert.ok(range.length >= 40, `${range.length} points`);
    for (const [ts, v] of range) {
      // the newest 5-minute step at or before ts
      const stepT = Math.floor((ts * 1000) / 300_000) * 300_000;
      assert.equal(Number(v), callTimes.filter((c) => c <= stepT).length, `at ${new Date(ts * 1000).toISOString()}`);
    }
    const win = await until(async () => {
      const res = await fetch(`${base}/api/v1/query?query=${encodeURIComponent('sum(openclaw_usage_window_messages{window="5h"})')}&time=${(start + 24 * HOUR) / 1000}`);
      const j = (await res.json()) as { data: { result: Array<{ value: [number, string] }> } };
      return j.data.result[0] ? Number(j.data.result[0].value[1]) : undefined;
    }, 10_000, 'window gauge');
    const at = start + 24 * HOUR;
    assert.equal(win, callTimes.filter((c) => c > at - 5 * HOUR && c <= at).length);
  } catch (err) {
    throw new Error(`${(err as Error).message}\nprometheus:\n${prom.stderr().slice(-1500)}`);
  } finally {
    await prom.stop();
  }
});
