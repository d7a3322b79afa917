/**
 * No span sent twice across a restart, also in the cases the first OTLP session
 * left open: a span batch still in flight when the process is told to stop (the
 * collector acknowledges after the old 5 s cap: the stop waits for the verdict and
 * records the batch as sent), and `ledger rebuild` (the sent marks, the moment span
 * export was enabled and the log-export cursors are carried into the new ledger).
 * `otel backfill` while another process holds the ledger stops with one line
 * saying what to do.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { Ledger } from '../src/ledger/ledger.js';
import { MetricsCollector } from '../src/metrics/collector.js';
import { ProcessMetrics } from '../src/metrics/process.js';
import { otelConfig } from '../src/settings/otel.js';
import { OtlpSink, SHUTDOWN_WAIT_MS } from '../src/sinks/otlp/sink.js';
import { IngestStats } from '../src/ingest/stats.js';
import { Logger } from '../src/util/log.js';
import { assistantLine, headerLine, ingestOnce, makeState, tmpDir } from './helpers.js';
import { OtlpReceiver } from './otlp-receiver.js';

const pm = new ProcessMetrics();
process.on('exit', () => pm.stop());
const BIN = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../bin/clawmeter.js');

function sinkFor(ledger: Ledger, url: string, timeoutMs?: number) {
  const config = otelConfig({ otelEnabled: true, otelEndpoint: url, otelSampleRate: 1, otelMetrics: false, otelLogs: false }, {});
  const collector = new MetricsCollector(ledger, new IngestStats(), { version: 't', demo: false, showAccountEmails: false, processMetrics: pm });
  return new OtlpSink({ config, collector, ledger, log: new Logger('silent'), version: 't', instanceKey: ledger.file, intervalMs: 200, ...(timeoutMs ? { timeoutMs } : {}) });
}

function spanIds(r: OtlpReceiver): string[] {
  return r.of('traces').flatMap((x) => x.body.resourceSpans.flatMap((rs: any) => rs.scopeSpans.flatMap((ss: any) => ss.spans.map((s: any) => s.spanId)))); // eslint-disable-line @typescript-eslint/no-explicit-any
}

function writeCalls(sessions: string, name: string, n: number, base: number, step = 10_000) {
  const lines = [headerLine(name)];
  for (let i = 0; i < n; i++) lines.push(assistantLine({ tsMs: base + i * step, stopReason: i % 2 === 0 ? 'toolUse' : 'stop' }));
  fs.writeFileSync(path.join(sessions, `${name}.jsonl`), lines.join('\n') + '\n');
}

test('stop while a span batch is in flight: the stop waits for the acknowledgement, records it, and a restart sends nothing again', async () => {
  const root = tmpDir();
  const { stateDir, sessions } = makeState(root);
  const dataDir = path.join(root, 'data');
  const ledger = Ledger.open(dataDir);
  const receiver = await new OtlpReceiver().start();
  try {
    const sink = sinkFor(ledger, receiver.url);
    sink.start(); // span export enabled now: only calls from here on
    writeCalls(sessions, 'live', 6, Date.now() + 100, 10);
    await ingestOnce([stateDir], dataDir, ledger);
    const late = SHUTDOWN_WAIT_MS + 1500; // acknowledged after the old cap
    receiver.delayNext(1, late);
    const arrived = new Promise<void>((resolve) => (receiver.onDelayed = resolve));
    await arrived;
    const t0 = Date.now();
    await sink.shutdown();
    const waited = Date.now() - t0;
    assert.ok(waited >= late - 300, `the stop waited for the verdict (${waited} ms)`);
    assert.equal(ledger.spans.exports.sentCount(), 6, 'the acknowledged batch is recorded before the stop returns');
    const first = spanIds(receiver);
    assert.equal(first.length, 3 * 2 + 6, 'three runs: run + usage + two calls each');
    ledger.close();

    // the restart
    const again = Ledger.open(dataDir);
    const sink2 = sinkFor(again, receiver.url);
    sink2.start();
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal((await sink2.traceShipper(again).ship(0)).spans, 0);
    await sink2.shutdown();
    const ids = spanIds(receiver);
    assert.equal(ids.length, first.length, 'nothing sent twice');
    assert.equal(new Set(ids).size, ids.length);
    again.close();
  } finally {
    await receiver.close();
  }
});

test('ledger rebuild carries what was sent: no span again, same export start, log cursors kept; an unreadable old ledger only warns', async () => {
  const root = tmpDir();
  const { stateDir, sessions } = makeState(root);
  const dataDir = path.join(root, 'data');
  writeCalls(sessions, 'old', 4, 1795281000000);
  const { ledger } = await ingestOnce([stateDir], dataDir);
  const receiver = await new OtlpReceiver().start();
  try {
    const ship = sinkFor(ledger, receiver.url, 4000).traceShipper(ledger);
    assert.equal((await ship.ship(0)).runs, 2);
    await ship.shutdown();
    const since = ledger.spans.exports.tracesSinceMs(Date.now());
    const logKey = `otel-log:${path.join(root, 'gw.log')}`;
    ledger.commit({ cursors: [[logKey, { ino: 7, offset: 1234 } as never]] });
    const sent = ledger.spans.exports.sentCount();
    ledger.close();

    const { ledger: fresh, movedAside, carried, carryError } = Ledger.replace(dataDir);
    assert.equal(carryError, undefined);
    assert.deepEqual(carried, { spans: sent, logCursors: 1 });
    assert.equal(movedAside.length, 1, 'no side files of the old ledger left behind by reading it');
    assert.deepEqual(fresh.get(logKey), { ino: 7, offset: 1234 });
    assert.equal(fresh.spans.exports.tracesSinceMs(Date.now() + 1e6), since);
    await ingestOnce([stateDir], dataDir, fresh);
    assert.equal(fresh.callCount(), 4);
    const ship2 = sinkFor(fresh, receiver.url, 4000).traceShipper(fresh);
    assert.equal((await ship2.ship(0)).spans, 0, 'the rebuilt ledger sends nothing again');
    await ship2.shutdown();
    fresh.close();

    // an old ledger that cannot be read: the rebuild goes on and says marks were lost
    fs.writeFileSync(path.join(dataDir, 'ledger.sqlite'), Buffer.alloc(4096, 7));
    const broken = Ledger.replace(dataDir);
    assert.equal(broken.carried, null);
    assert.match(broken.carryError ?? '', /\S/);
    broken.ledger.close();
  } finally {
    await receiver.close();
  }
});

test('otel backfill while another process holds the ledger: one line, exit 2, what to do', async () => {
  const root = tmpDir();
  const { stateDir, sessions } = makeState(root);
  const dataDir = path.join(root, 'data');
  writeCalls(sessions, 'x', 2, 1795281000000);
  const { ledger } = await ingestOnce([stateDir], dataDir);
  try {
    const r = await new Promise<{ status: number | null; stderr: string }>((resolve) => {
      const c = spawn(process.execPath, [BIN, 'otel', 'backfill', '--since', '0', '--data-dir', dataDir, '--otel.endpoint', 'http://127.0.0.1:9'], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      c.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      c.on('close', (status) => resolve({ status, stderr }));
    });
    assert.equal(r.status, 2);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], new RegExp(`^clawmeter: otel backfill: the ledger in .* is in use by pid ${process.pid}\\b.*stop that 'clawmeter serve', run the backfill, then start serve again`));
  } finally {
    ledger.close();
  }
});
