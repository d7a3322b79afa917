/**
 * OTLP metrics against a local receiver that decodes with the official protos:
 * names, units, attributes, cumulative temporality with the ledger's first call as
 * start time, headers, a receiver that is down and comes back (full totals),
 * 429/503 with Retry-After honoured, and no secret, email or content in any byte.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { MetricsCollector } from '../src/metrics/collector.js';
import { ProcessMetrics } from '../src/metrics/process.js';
import { otelConfig } from '../src/settings/otel.js';
import { OtlpSink } from '../src/sinks/otlp/sink.js';
import { Logger } from '../src/util/log.js';
import { FIXTURES, assistantLine, copyDir, ingestOnce, tmpDir, totalsOf } from './helpers.js';
import { OtlpReceiver, attrsOf, type Received } from './otlp-receiver.js';

const TOKEN = 'tok-HEADER-s3cr3t';

async function setup() {
  const root = tmpDir();
  const state = path.join(root, 'state');
  copyDir(path.join(FIXTURES, 'openclaw-real/v2026.7.35-jsonl'), state);
  fs.copyFileSync(path.join(FIXTURES, 'auth/auth-profiles.json'), path.join(state, 'agents/main/agent/auth-profiles.json'));
  fs.copyFileSync(path.join(FIXTURES, 'auth/auth-state.json'), path.join(state, 'agents/main/agent/auth-state.json'));
  const { ledger, stats } = await ingestOnce([state], path.join(root, 'data'));
  const receiver = await new OtlpReceiver().start();
  const pm = new ProcessMetrics();
  const collector = new MetricsCollector(ledger, stats, { version: 'test', demo: false, showAccountEmails: false, processMetrics: pm });
  const config = otelConfig({ otelEnabled: true, otelEndpoint: receiver.url, otelHeaders: [`x-collector-token=${TOKEN}`], otelTraces: false, otelLogs: false }, {});
  const logs: string[] = [];
  const log = new Logger('info', (l) => logs.push(l));
  const sink = new OtlpSink({ config, collector, log, version: 'test', instanceKey: ledger.file, intervalMs: 600_000, timeoutMs: 4000 });
  sink.start();
  return { root, state, ledger, receiver, sink, logs, pm };
}

type Metric = { name: string; unit?: string; sum?: any; histogram?: any; gauge?: any }; // eslint-disable-line @typescript-eslint/no-explicit-any

function metricsOf(r: Received): Map<string, Metric> {
  const out = new Map<string, Metric>();
  for (const rm of r.body.resourceMetrics) for (const sm of rm.scopeMetrics) for (const m of sm.metrics) out.set(m.name, m);
  return out;
}

function sumOf(m: Metric, where: (a: Record<string, unknown>) => boolean = () => true): number {
  return m.sum.dataPoints.filter((p: any) => where(attrsOf(p.attributes))).reduce((a: number, p: any) => a + (p.asDouble ?? Number(p.asInt ?? 0)), 0); // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** Text of the transcript entries: none of it may reach the receiver. */
function contentStrings(state: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.jsonl')) {
        for (const line of fs.readFileSync(p, 'utf8').split('\n')) {
          for (const m of line.matchAll(/"(?:text|thinking)":"((?:[^"\\]|\\.){16,})"/g)) out.push(JSON.parse(`"${m[1]}"`).slice(0, 40));
        }
      }
    }
  };
  walk(state);
  return out;
}

test('metrics: doc names, units, attributes, cumulative from the first call; headers; no secret or content in any byte', async () => {
  const { ledger, receiver, sink, pm, state } = await setup();
  try {
    assert.equal(await sink.flushMetrics(), true);
    const [req] = receiver.of('metrics');
    assert.ok(req, 'one export received');
    assert.equal(req.headers['x-collector-token'], TOKEN, 'configured header sent');
    assert.equal(req.headers['content-type'], 'application/x-protobuf');
    const res = attrsOf(req.body.resourceMetrics[0].resource.attributes);
    assert.equal(res['service.name'], 'clawmeter');
    assert.match(String(res['service.instance.id']), /^[0-9a-f]{16}$/);
    const m = metricsOf(req);
    const first = BigInt(ledger.firstCallTimestampMs()!) * 1_000_000n;
    const totals = totalsOf(ledger);

    const tokens = m.get('openclaw.tokens')!;
    assert.equal(tokens.unit, '{token}');
    assert.equal(tokens.sum.aggregationTemporality, 'AGGREGATION_TEMPORALITY_CUMULATIVE');
    assert.equal(tokens.sum.isMonotonic, true);
    for (const p of tokens.sum.dataPoints) {
      assert.equal(BigInt(p.startTimeUnixNano), first, 'start = the ledger first call');
      assert.ok(BigInt(p.timeUnixNano) > first);
      assert.deepEqual(Object.keys(attrsOf(p.attributes)).sort(), ['openclaw.agent', 'openclaw.channel', 'openclaw.model', 'openclaw.provider', 'openclaw.token']);
    }
    assert.equal(sumOf(tokens, (a) => a['openclaw.token'] === 'output'), totals.output + sumErrOutput(ledger));
    const cost = m.get('openclaw.cost.usd')!;
    assert.equal(cost.unit, 'USD');
    assert.ok(sumOf(cost) > 0);

    const dur = m.get('gen_ai.client.operation.duration')!;
    assert.equal(dur.unit, 's');
    assert.equal(dur.histogram.aggregationTemporality, 'AGGREGATION_TEMPORALITY_CUMULATIVE');
    const dp = dur.histogram.dataPoints[0];
    assert.deepEqual(Object.keys(attrsOf(dp.attributes)).sort(), ['gen_ai.operation.name', 'gen_ai.provider.name', 'gen_ai.request.model']);
    const ms = m.get('openclaw.model_call.duration_ms')!;
    assert.equal(ms.unit, 'ms');
    assert.equal(ms.histogram.dataPoints[0].explicitBounds[0], dp.explicitBounds[0] * 1000);
    assert.equal(ms.histogram.dataPoints[0].count, dp.count);

    const usage = m.get('gen_ai.client.token.usage')!;
    const types = new Set(usage.histogram.dataPoints.map((p: any) => attrsOf(p.attributes)['gen_ai.token.type'])); // eslint-disable-line @typescript-eslint/no-explicit-any
    assert.deepEqual([...types].sort(), ['input', 'output']);

    assert.ok(m.get('openclaw.auth.expiry')?.gauge, "clawmeter's own families under their OTel names");
    assert.ok(m.get('openclaw.sessions')?.gauge);
    assert.ok(m.get('clawmeter.ingest.cycles')?.sum);
    assert.ok(!m.has('openclaw_codex_messages_total') && !m.has('openclaw.codex.messages'), 'seed duplicates are Prometheus-only');

    const bytes = Buffer.concat(receiver.received.map((r) => r.raw)).toString('latin1');
    assert.ok(!bytes.includes('SECRET'), 'no token, key or refresh');
    assert.ok(!bytes.includes('@example.com'), 'emails hashed');
    assert.ok(!bytes.includes(TOKEN), 'headers are not in the payload');
    const texts = contentStrings(state);
    assert.ok(texts.length > 3, 'the fixture has content to leak');
    for (const t of texts) assert.ok(!bytes.includes(t), `no content: ${t}`);
  } finally {
    await sink.shutdown();
    await receiver.close();
    pm.stop();
    ledger.close();
  }
});

function sumErrOutput(ledger: import('../src/ledger/ledger.js').Ledger): number {
  let n = 0;
  for (const r of ledger.totals()) if (r.errorCategory) n += r.output;
  return n;
}

test('receiver down, then back: the next export carries the complete totals', async () => {
  const { ledger, receiver, sink, pm, state, logs } = await setup();
  try {
    assert.equal(await sink.flushMetrics(), true);
    const before = sumOf(metricsOf(receiver.of('metrics')[0]).get('openclaw.model_call.count')!);
    await receiver.down();
    // history keeps arriving while the collector is away
    const f = path.join(state, 'agents/main/sessions', 'late.jsonl');
    fs.writeFileSync(f, [assistantLine({ output: 7 }), assistantLine({ output: 7 }), assistantLine({ output: 7 })].join('\n') + '\n');
    await ingestOnce([state], '', ledger);
    assert.equal(await sink.flushMetrics(), false, 'export fails while down');
    assert.ok(logs.some((l) => l.includes('OTLP metrics export failed')));
    assert.ok(!logs.join('\n').includes('s3cr3t'), 'headers never logged');
    await receiver.up();
    assert.equal(await sink.flushMetrics(), true);
    const ok = receiver.of('metrics');
    const after = sumOf(metricsOf(ok[ok.length - 1]).get('openclaw.model_call.count')!);
    assert.equal(after, before + 3, 'totals include everything that happened while down');
  } finally {
    await sink.shutdown();
    await receiver.close();
    pm.stop();
    ledger.close();
  }
});

test('429 and 503 with Retry-After: the exporter waits as told and retries the same export', async () => {
  const { ledger, receiver, sink, pm } = await setup();
  try {
    for (const status of [429, 503] as const) {
      const n = receiver.received.length;
      receiver.refuseNext(1, status, '1');
      const t0 = performance.now();
      assert.equal(await sink.flushMetrics(), true, `${status} then success`);
      const waited = performance.now() - t0;
      const got = receiver.received.slice(n);
      assert.deepEqual(got.map((r) => r.status), [status, 200]);
      assert.ok(waited >= 900, `${status}: waited ${waited.toFixed(0)} ms for Retry-After: 1`);
      assert.ok(got[0].raw.equals(got[1].raw), 'the same request is retried');
    }
  } finally {
    await sink.shutdown();
    await receiver.close();
    pm.stop();
    ledger.close();
  }
});
