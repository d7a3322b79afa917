/**
 * The duration metrics of the OTLP issue against the local receiver:
 * `openclaw.model_call.duration_ms` with `openclaw.errorCategory` on failed calls
 * (and `gen_ai.client.operation.duration` with `error.type`), and
 * `openclaw.run.duration_ms` from the ledger's run durations, which agree with the
 * `openclaw.run` spans of the same ledger, are measured whole across commits and
 * restarts, are built for an existing ledger by the schema 4 migration, and show on
 * /metrics as `openclaw_usage_run_duration_seconds` (the by-category latency row
 * stays OTLP-only).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Ledger } from '../src/ledger/ledger.js';
import { MetricsCollector } from '../src/metrics/collector.js';
import { ProcessMetrics } from '../src/metrics/process.js';
import { otelConfig } from '../src/settings/otel.js';
import { OtlpSink } from '../src/sinks/otlp/sink.js';
import { MetricsRenderer } from '../src/sinks/prometheus/render.js';
import { IngestStats } from '../src/ingest/stats.js';
import { Logger } from '../src/util/log.js';
import { assistantLine, headerLine, ingestOnce, makeState, tmpDir, userLine } from './helpers.js';
import { OtlpReceiver, attrsOf, type Received } from './otlp-receiver.js';

const pm = new ProcessMetrics();
process.on('exit', () => pm.stop());

const T0 = 1795281000000;

function sinkFor(ledger: Ledger, url: string, signals: { metrics: boolean; traces: boolean }) {
  const config = otelConfig({ otelEnabled: true, otelEndpoint: url, otelMetrics: signals.metrics, otelTraces: signals.traces, otelLogs: false }, {});
  const collector = new MetricsCollector(ledger, new IngestStats(), { version: 't', demo: false, showAccountEmails: false, processMetrics: pm });
  return new OtlpSink({ config, collector, ledger, log: new Logger('silent'), version: 't', instanceKey: ledger.file, intervalMs: 600_000, timeoutMs: 4000 });
}

/** Two sessions: a tool-using turn (2 calls), an error turn, a turn still waiting for tool results; a quiet gap in the second. */
function writeSessions(sessions: string) {
  fs.writeFileSync(path.join(sessions, 'a.jsonl'), [
    headerLine('a'), userLine('p'),
    assistantLine({ tsMs: T0, stopReason: 'toolUse' }),
    assistantLine({ tsMs: T0 + 5000, stopReason: 'stop' }),
    userLine('q'),
    assistantLine({ tsMs: T0 + 20_000, stopReason: 'error', errorMessage: '429 rate limit exceeded' }),
    assistantLine({ tsMs: T0 + 40_000, stopReason: 'toolUse' }),
  ].join('\n') + '\n');
  fs.writeFileSync(path.join(sessions, 'b.jsonl'), [
    headerLine('b'),
    assistantLine({ tsMs: T0, stopReason: 'toolUse' }),
    assistantLine({ tsMs: T0 + 11 * 60_000, stopReason: 'stop' }), // after 11 min of quiet: a new run
  ].join('\n') + '\n');
}

type Metric = { name: string; unit?: string; histogram?: any }; // eslint-disable-line @typescript-eslint/no-explicit-any
function metricsOf(r: Received): Map<string, Metric> {
  const out = new Map<string, Metric>();
  for (const rm of r.body.resourceMetrics) for (const sm of rm.scopeMetrics) for (const m of sm.metrics) out.set(m.name, m);
  return out;
}

test('openclaw.model_call.duration_ms by error category; openclaw.run.duration_ms agrees with the run spans', async () => {
  const root = tmpDir();
  const { stateDir, sessions } = makeState(root);
  writeSessions(sessions);
  const { ledger, stats } = await ingestOnce([stateDir], path.join(root, 'data'));
  const receiver = await new OtlpReceiver().start();
  const sink = sinkFor(ledger, receiver.url, { metrics: true, traces: false });
  sink.start();
  try {
    assert.equal(await sink.flushMetrics(), true);
    const m = metricsOf(receiver.of('metrics')[0]);
    const ms = m.get('openclaw.model_call.duration_ms')!;
    assert.equal(ms.unit, 'ms');
    const points = ms.histogram.dataPoints.map((p: any) => ({ a: attrsOf(p.attributes), count: Number(p.count) })); // eslint-disable-line @typescript-eslint/no-explicit-any
    const failed = points.filter((p: any) => p.a['openclaw.errorCategory'] !== undefined); // eslint-disable-line @typescript-eslint/no-explicit-any
    assert.deepEqual(failed.map((p: any) => [p.a['openclaw.errorCategory'], p.count]), [['rate_limit', 1]]); // eslint-disable-line @typescript-eslint/no-explicit-any
    assert.equal(points.reduce((n: number, p: { count: number }) => n + p.count, 0), 6, 'every call with a latency, once');
    assert.ok(points.every((p: any) => p.a['openclaw.provider'] === 'fakecc' && p.a['openclaw.model'] === 'fake-model')); // eslint-disable-line @typescript-eslint/no-explicit-any
    const gen = m.get('gen_ai.client.operation.duration')!;
    assert.equal(gen.unit, 's');
    const types = gen.histogram.dataPoints.map((p: any) => attrsOf(p.attributes)['error.type']).filter(Boolean); // eslint-disable-line @typescript-eslint/no-explicit-any
    assert.deepEqual(types, ['rate_limit']);

    // runs: a's tool turn (T0 .. T0+5500) and error turn (T0+20000 .. +20500), b's two quiet-split runs; a's waiting turn is not over
    const run = m.get('openclaw.run.duration_ms')!;
    assert.equal(run.unit, 'ms');
    const rp = run.histogram.dataPoints;
    assert.deepEqual(Object.keys(attrsOf(rp[0].attributes)).sort(), ['openclaw.agent', 'openclaw.channel', 'openclaw.model', 'openclaw.provider']);
    const count = rp.reduce((n: number, p: any) => n + Number(p.count), 0); // eslint-disable-line @typescript-eslint/no-explicit-any
    const sum = rp.reduce((n: number, p: any) => n + Number(p.sum), 0); // eslint-disable-line @typescript-eslint/no-explicit-any
    assert.equal(count, 4);
    assert.equal(sum, 5500 + 500 + 500 + 500);
    assert.equal(BigInt(rp[0].startTimeUnixNano), BigInt(ledger.firstCallTimestampMs()!) * 1_000_000n, 'cumulative from the first call');

    // the same runs as spans: same count, same durations
    const traces = sinkFor(ledger, receiver.url, { metrics: false, traces: true }).traceShipper(ledger);
    await traces.ship(0);
    await traces.shutdown();
    const runs = receiver.of('traces').flatMap((r) => r.body.resourceSpans.flatMap((rs: any) => rs.scopeSpans.flatMap((ss: any) => ss.spans))).filter((s: any) => s.name === 'openclaw.run'); // eslint-disable-line @typescript-eslint/no-explicit-any
    const spanMs = runs.map((s: any) => Number((BigInt(s.endTimeUnixNano) - BigInt(s.startTimeUnixNano)) / 1_000_000n)).sort((x: number, y: number) => x - y); // eslint-disable-line @typescript-eslint/no-explicit-any
    // the same four, plus a's last turn: a span after 10 minutes of wall-clock quiet, in the histogram only once its session goes on
    assert.deepEqual(spanMs, [500, 500, 500, 500, 5500], 'the run spans carry the same timing');

    // Prometheus: the run histogram is a family; the by-category latency view is not
    const text = new MetricsRenderer(ledger, stats, { version: 't', demo: false, showAccountEmails: false, maxSeries: 2000 }).render();
    assert.match(text, /^# TYPE openclaw_usage_run_duration_seconds histogram$/m);
    assert.match(text, /^openclaw_usage_run_duration_seconds_count\{agent="main",channel="[a-z]+",model="fake-model",provider="fakecc"\} 4$/m);
    assert.doesNotMatch(text, /by_category/);
  } finally {
    await sink.shutdown();
    await receiver.close();
    ledger.close();
  }
});

test('run durations: a run spread over two commits and a restart is measured whole; calls seen again count once', async () => {
  const root = tmpDir();
  const { stateDir, sessions } = makeState(root);
  const dataDir = path.join(root, 'data');
  const file = path.join(sessions, 's.jsonl');
  fs.writeFileSync(file, [headerLine('s'), assistantLine({ tsMs: T0, stopReason: 'toolUse' })].join('\n') + '\n');
  const first = await ingestOnce([stateDir], dataDir);
  assert.deepEqual(first.ledger.runDurations(), [], 'the run has not ended');
  first.ledger.close();
  fs.appendFileSync(file, [assistantLine({ tsMs: T0 + 30_000, stopReason: 'toolUse' }), assistantLine({ tsMs: T0 + 90_000, stopReason: 'stop' })].join('\n') + '\n');
  fs.copyFileSync(file, path.join(sessions, 's.jsonl.reset.2026-11-21T17-21-18.764Z')); // the same calls again in an archive
  const again = await ingestOnce([stateDir], dataDir, Ledger.open(dataDir));
  const rows = again.ledger.runDurations();
  assert.equal(rows.length, 1);
  assert.deepEqual({ count: rows[0].count, sum: rows[0].sumSeconds }, { count: 1, sum: 90.5 });
  again.ledger.close();
});

test('schema 4 migration: an existing ledger gets its run durations from its calls, once', async () => {
  const root = tmpDir();
  const { stateDir, sessions } = makeState(root);
  writeSessions(sessions);
  const dataDir = path.join(root, 'data');
  const { ledger } = await ingestOnce([stateDir], dataDir);
  const before = JSON.stringify(ledger.runDurations());
  const open = JSON.stringify(ledger['db'].prepare(`SELECT * FROM open_runs ORDER BY session_hash`).all());
  ledger.close();
  const db = new Database(path.join(dataDir, 'ledger.sqlite'));
  db.exec(`DROP TABLE run_totals; DROP TABLE open_runs; UPDATE meta SET value = '3' WHERE key = 'schema_version'`);
  db.close();
  const notices: string[] = [];
  const m = Ledger.open(dataDir, { log: (_l, msg) => notices.push(msg) });
  assert.deepEqual(notices, []);
  assert.equal(JSON.stringify(m.runDurations()), before);
  assert.equal(JSON.stringify(m['db'].prepare(`SELECT * FROM open_runs ORDER BY session_hash`).all()), open, 'the waiting run is carried too');
  m.close();
  const n = Ledger.open(dataDir);
  assert.equal(JSON.stringify(n.runDurations()), before, 'not built twice');
  n.close();
});
