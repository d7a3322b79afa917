/**
 * OTLP traces from the ledger against the local receiver: runs, model calls and
 * usage with historical timing and parent links, the doc's attributes (hashed
 * request ids, gen_ai.system or gen_ai.provider.name), each span exported once
 * (refused batches retried, a restart resends nothing), sampling of root spans
 * within tolerance over 10,000 calls, and only calls since export was enabled
 * unless backfilled.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Ledger } from '../src/ledger/ledger.js';
import { MetricsCollector } from '../src/metrics/collector.js';
import { ProcessMetrics } from '../src/metrics/process.js';
import { otelConfig } from '../src/settings/otel.js';
import { OtlpSink } from '../src/sinks/otlp/sink.js';
import { IngestStats } from '../src/ingest/stats.js';
import { Logger } from '../src/util/log.js';
import { assistantLine, headerLine, ingestOnce, makeState, tmpDir, userLine } from './helpers.js';
import { OtlpReceiver, attrsOf } from './otlp-receiver.js';

const pm = new ProcessMetrics();
process.on('exit', () => pm.stop());

interface Span { traceId: string; spanId: string; parentSpanId?: string; name: string; startTimeUnixNano: string; endTimeUnixNano: string; attributes: any; status?: any } // eslint-disable-line @typescript-eslint/no-explicit-any

function spansOf(receiver: OtlpReceiver): Span[] {
  return receiver.of('traces').flatMap((r) => r.body.resourceSpans.flatMap((rs: any) => rs.scopeSpans.flatMap((ss: any) => ss.spans))); // eslint-disable-line @typescript-eslint/no-explicit-any
}

function sinkFor(ledger: Ledger, url: string, o: { sampleRate?: number; env?: Record<string, string> } = {}) {
  const config = otelConfig({ otelEnabled: true, otelEndpoint: url, otelSampleRate: o.sampleRate ?? 1, otelMetrics: false }, o.env ?? {});
  const collector = new MetricsCollector(ledger, new IngestStats(), { version: 't', demo: false, showAccountEmails: false, processMetrics: pm });
  return new OtlpSink({ config, collector, ledger, log: new Logger('silent'), version: 't', instanceKey: ledger.file, timeoutMs: 4000, intervalMs: 200 });
}

const T0 = 1795281000000;

/** One session: a tool-using turn (2 calls), an error turn, a turn still waiting for its tool results. */
function writeSession(sessions: string, base = T0, name = 'sess-a') {
  const lines = [
    headerLine(name),
    userLine('PROMPT-TEXT-do-not-export'),
    assistantLine({ tsMs: base, stopReason: 'toolUse', responseId: 'resp-RAW-ID-1' }),
    assistantLine({ tsMs: base + 5000, stopReason: 'stop', responseId: 'resp-RAW-ID-2' }),
    userLine('second prompt'),
    assistantLine({ tsMs: base + 20_000, stopReason: 'error', errorMessage: '429 rate limit exceeded', responseId: 'resp-RAW-ID-3' }),
  ];
  fs.writeFileSync(path.join(sessions, `${name}.jsonl`), lines.join('\n') + '\n');
}

test('traces: run, usage and call spans with historical timing, parent links and the doc attributes; exported once', async () => {
  const root = tmpDir();
  const { stateDir, sessions } = makeState(root);
  writeSession(sessions);
  const dataDir = path.join(root, 'data');
  const { ledger } = await ingestOnce([stateDir], dataDir);
  const receiver = await new OtlpReceiver().start();
  try {
    const ship = sinkFor(ledger, receiver.url).traceShipper(ledger);
    const r = await ship.ship(0);
    assert.deepEqual({ ok: r.ok, runs: r.runs }, { ok: true, runs: 2 });
    const spans = spansOf(receiver);
    const byName = (n: string) => spans.filter((s) => s.name === n);
    assert.equal(byName('openclaw.run').length, 2);
    assert.equal(byName('openclaw.model.usage').length, 2);
    assert.equal(byName('openclaw.model.call').length, 3);
    const [run1] = byName('openclaw.run').sort((a, b) => (a.startTimeUnixNano < b.startTimeUnixNano ? -1 : 1));
    assert.equal(run1.parentSpanId ?? '', '', 'the run is a root span');
    const children = spans.filter((s) => s.traceId === run1.traceId && s !== run1);
    assert.equal(children.length, 3, 'usage + two calls in the first run');
    for (const c of children) assert.equal(c.parentSpanId, run1.spanId, `${c.name} is a child of the run`);
    // historical timing: start = request time (message.timestamp), end = the entry append time
    const calls = children.filter((s) => s.name === 'openclaw.model.call').sort((a, b) => (a.startTimeUnixNano < b.startTimeUnixNano ? -1 : 1));
    assert.equal(BigInt(calls[0].startTimeUnixNano), BigInt(T0) * 1_000_000n);
    assert.equal(BigInt(calls[0].endTimeUnixNano), BigInt(T0 + 500) * 1_000_000n);
    assert.equal(BigInt(run1.startTimeUnixNano), BigInt(T0) * 1_000_000n);
    assert.equal(BigInt(run1.endTimeUnixNano), BigInt(T0 + 5500) * 1_000_000n);
    const a = attrsOf(calls[0].attributes);
    assert.equal(a['gen_ai.system'], 'fakecc');
    assert.equal(a['gen_ai.provider.name'], undefined);
    assert.equal(a['gen_ai.request.model'], 'fake-model');
    assert.equal(a['openclaw.api'], 'openai-completions');
    assert.match(String(a['openclaw.provider.request_id_hash']), /^[0-9a-f]{16}$/);
    const errRun = byName('openclaw.run').find((s) => s !== run1)!;
    assert.equal(attrsOf(errRun.attributes)['openclaw.outcome'], 'error');
    assert.equal(attrsOf(errRun.attributes)['openclaw.errorCategory'], 'rate_limit');
    assert.equal(errRun.status?.code, 'STATUS_CODE_ERROR');
    const usage = attrsOf(children.find((s) => s.name === 'openclaw.model.usage')!.attributes);
    assert.equal(usage['openclaw.tokens.input'], '200');
    assert.equal(usage['gen_ai.usage.input_tokens'], '2200', 'GenAI input includes cache reads');
    const bytes = Buffer.concat(receiver.received.map((x) => x.raw)).toString('latin1');
    for (const s of ['resp-RAW-ID', 'PROMPT-TEXT', 'sess-a', 'reply ']) assert.ok(!bytes.includes(s), `no ${s} in any byte`);

    // exported once: again, and after a restart (the ledger reopened), nothing is sent
    assert.equal((await ship.ship(0)).spans, 0);
    await ship.shutdown();
    ledger.close();
    const again = Ledger.open(dataDir);
    const ship2 = sinkFor(again, receiver.url).traceShipper(again);
    assert.equal((await ship2.ship(0)).spans, 0, 'a restart resends nothing');
    // the waiting turn: its tool results arrive later, then it is sent once, whole
    fs.appendFileSync(path.join(sessions, 'sess-a.jsonl'), assistantLine({ tsMs: Date.now() - 1000, stopReason: 'toolUse' }) + '\n');
    await ingestOnce([stateDir], dataDir, again);
    assert.equal((await ship2.ship(0)).runs, 0, 'a run whose end is not in the ledger waits');
    fs.appendFileSync(path.join(sessions, 'sess-a.jsonl'), assistantLine({ tsMs: Date.now(), stopReason: 'stop' }) + '\n');
    await ingestOnce([stateDir], dataDir, again);
    assert.equal((await ship2.ship(0)).runs, 1);
    const ids = spansOf(receiver).map((s) => s.spanId);
    assert.equal(new Set(ids).size, ids.length, 'no span twice');
    await ship2.shutdown();
    again.close();
  } finally {
    await receiver.close();
  }
});

test('traces: a refused batch is not marked sent and goes out later; receiver down then back: no loss, no duplicate', async () => {
  const root = tmpDir();
  const { stateDir, sessions } = makeState(root);
  writeSession(sessions, T0, 's1');
  writeSession(sessions, T0 + 100_000, 's2');
  const { ledger } = await ingestOnce([stateDir], path.join(root, 'data'));
  const receiver = await new OtlpReceiver().start();
  try {
    const ship = sinkFor(ledger, receiver.url).traceShipper(ledger);
    receiver.refuseNext(1, 400);
    assert.equal((await ship.ship(0)).ok, false);
    assert.equal(ledger.spans.exports.sentCount(), 0, 'nothing recorded before an acknowledgement');
    await receiver.down();
    assert.equal((await ship.ship(0)).ok, false);
    await receiver.up();
    receiver.refuseNext(1, 503, '0');
    const r = await ship.ship(0);
    assert.equal(r.ok, true);
    assert.equal(r.runs, 4);
    const ids = spansOf(receiver).map((s) => s.spanId);
    assert.equal(ids.length, 4 * 2 + 6, 'runs + usage + calls');
    assert.equal(new Set(ids).size, ids.length);
    await ship.shutdown();
  } finally {
    await receiver.close();
    ledger.close();
  }
});

test('traces: sampleRate samples root spans (children follow) within tolerance over 10,000 calls; GenAI opt-in', async () => {
  const root = tmpDir();
  const { stateDir, sessions } = makeState(root);
  const lines = [headerLine('big')];
  for (let i = 0; i < 10_000; i++) lines.push(assistantLine({ tsMs: T0 + i * 1000, stopReason: 'stop' }));
  fs.writeFileSync(path.join(sessions, 'big.jsonl'), lines.join('\n') + '\n');
  const { ledger } = await ingestOnce([stateDir], path.join(root, 'data'));
  const receiver = await new OtlpReceiver().start();
  try {
    const ship = sinkFor(ledger, receiver.url, { sampleRate: 0.2, env: { OTEL_SEMCONV_STABILITY_OPT_IN: 'gen_ai_latest_experimental' } }).traceShipper(ledger);
    const r = await ship.ship(0);
    assert.equal(r.runs + r.sampledOut, 10_000);
    const spans = spansOf(receiver);
    const roots = spans.filter((s) => s.name === 'openclaw.run');
    const ratio = roots.length / 10_000;
    assert.ok(Math.abs(ratio - 0.2) < 0.02, `sampled ratio ${ratio}`);
    const kept = new Set(roots.map((s) => s.traceId));
    assert.ok(spans.every((s) => kept.has(s.traceId)), 'children only with their sampled root');
    assert.equal(spans.length, roots.length * 3);
    const call = attrsOf(spans.find((s) => s.name === 'openclaw.model.call')!.attributes);
    assert.equal(call['gen_ai.provider.name'], 'fakecc');
    assert.equal(call['gen_ai.system'], undefined);
    assert.equal(ledger.spans.exports.sentCount(), 10_000, 'sampled-out calls are decided once');
    await ship.shutdown();
  } finally {
    await receiver.close();
    ledger.close();
  }
});

test('serve-style start: only calls from the moment span export was enabled are sent', async () => {
  const root = tmpDir();
  const { stateDir, sessions } = makeState(root);
  writeSession(sessions, T0, 'old');
  const dataDir = path.join(root, 'data');
  const { ledger } = await ingestOnce([stateDir], dataDir);
  const receiver = await new OtlpReceiver().start();
  const sink = sinkFor(ledger, receiver.url);
  try {
    sink.start();
    const now = Date.now();
    fs.writeFileSync(path.join(sessions, 'new.jsonl'), [headerLine('new'), assistantLine({ tsMs: now + 10, stopReason: 'stop' })].join('\n') + '\n');
    await ingestOnce([stateDir], dataDir, ledger);
    for (let i = 0; i < 100 && spansOf(receiver).length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    const runs = spansOf(receiver).filter((s) => s.name === 'openclaw.run');
    assert.equal(runs.length, 1, 'the new call only');
    assert.ok(BigInt(runs[0].startTimeUnixNano) >= BigInt(now) * 1_000_000n);
  } finally {
    await sink.shutdown();
    await receiver.close();
    ledger.close();
  }
});

test('span facts: the response id and API are the message\'s own members, hashed; look-alikes in the content never match', async () => {
  const { spanFactOf, hash16 } = await import('../src/parse/span-facts.js');
  const { parseRecord } = await import('../src/parse/transcript-line.js');
  const ctx = { stateDir: '/s', agent: 'main', sessionId: 'sess', sessionKey: null, source: 'jsonl', where: '/s/x.jsonl' };
  const line = assistantLine({ responseId: 'resp_"quoted"\\id' });
  const r = parseRecord(line);
  assert.equal(r.kind, 'call');
  if (r.kind !== 'call') return;
  const f = spanFactOf(r.ids, r.call, ctx);
  assert.equal(f.requestIdHash, hash16('resp_"quoted"\\id'));
  assert.equal(f.api, 'openai-completions');
  // a tool argument that spells a responseId is escaped inside its string: not a member
  const msg = JSON.parse(assistantLine({ responseId: null }));
  msg.message.content = [{ type: 'toolCall', id: 't1', name: 'x', arguments: { note: '"responseId":"fake-id"' } }];
  const text = JSON.stringify(msg);
  const r2 = parseRecord(text);
  assert.ok(r2.kind === 'call');
  assert.equal(spanFactOf(r2.ids, r2.call, ctx).requestIdHash, null);
  // a tool argument object with members named like the message's, before them in the line: not the message's
  msg.message.content = [{ type: 'toolCall', id: 't2', name: 'x', arguments: { api: 'evil-api', responseId: 'evil-id' } }];
  msg.message.responseId = 'resp_real';
  const r3 = parseRecord(JSON.stringify(msg));
  assert.ok(r3.kind === 'call');
  assert.ok(JSON.stringify(msg).indexOf('evil-api') < JSON.stringify(msg).indexOf('"api":"openai-completions"'), 'the look-alike comes first');
  assert.deepEqual(spanFactOf(r3.ids, r3.call, ctx), { dedupeKey: r3.call.dedupeKey, sessionHash: f.sessionHash, requestIdHash: hash16('resp_real'), api: 'openai-completions' });
});
