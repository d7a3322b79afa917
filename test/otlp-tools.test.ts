/**
 * `openclaw.tool.execution` spans and opt-in content capture against the local
 * OTLP receiver: the toolResult recognizer on real 2026.7.35 and 2026.9.6 lines
 * (look-alikes inside the tool output never change the result), tool spans from
 * the assistant call that asked for the tool to its result, children of the call
 * span, with the doc's attributes; from JSONL files and from the SQLite store's
 * compressed rows (navigation projection, never decompressed); and content only
 * when the matching captureContent sub-key is on: bounded, redacted, nothing kept
 * or sent otherwise.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createIngestor } from '../src/ingest/pipeline.js';
import { Ledger } from '../src/ledger/ledger.js';
import { MetricsCollector } from '../src/metrics/collector.js';
import { ProcessMetrics } from '../src/metrics/process.js';
import { readToolResult, toolOutputText } from '../src/parse/tool-result.js';
import { LineMarkers } from '../src/parse/line-markers.js';
import { coldArchiveLines } from '../src/sources/cold-envelope.js';
import { otelConfig } from '../src/settings/otel.js';
import { OtlpSink } from '../src/sinks/otlp/sink.js';
import { IngestStats } from '../src/ingest/stats.js';
import { Logger } from '../src/util/log.js';
import { FIXTURES, copyDir, headerLine, ingestOnce, makeState, tmpDir, userLine } from './helpers.js';
import { OtlpReceiver, attrsOf } from './otlp-receiver.js';

const pm = new ProcessMetrics();
process.on('exit', () => pm.stop());

interface Span { traceId: string; spanId: string; parentSpanId?: string; name: string; startTimeUnixNano: string; endTimeUnixNano: string; attributes: any; status?: any } // eslint-disable-line @typescript-eslint/no-explicit-any

function spansOf(receiver: OtlpReceiver): Span[] {
  return receiver.of('traces').flatMap((r) => r.body.resourceSpans.flatMap((rs: any) => rs.scopeSpans.flatMap((ss: any) => ss.spans))); // eslint-disable-line @typescript-eslint/no-explicit-any
}

function shipper(ledger: Ledger, url: string, flags: Record<string, unknown> = {}) {
  const config = otelConfig({ otelEnabled: true, otelEndpoint: url, otelSampleRate: 1, otelMetrics: false, ...flags }, {});
  const collector = new MetricsCollector(ledger, new IngestStats(), { version: 't', demo: false, showAccountEmails: false, processMetrics: pm });
  return new OtlpSink({ config, collector, ledger, log: new Logger('silent'), version: 't', instanceKey: ledger.file, timeoutMs: 4000, intervalMs: 200 }).traceShipper(ledger);
}

const T0 = 1795281000000;
const iso = (ms: number) => new Date(ms).toISOString();

function call(o: { id: string; ts: number; stop: string; content: unknown[]; resp: string }): string {
  return JSON.stringify({
    type: 'message', id: o.id, parentId: null, timestamp: iso(o.ts + 400),
    message: { role: 'assistant', content: o.content, api: 'openai-completions', provider: 'fakecc', model: 'fake-model',
      usage: { input: 10, output: 5, cacheRead: 0, cacheWrite: 0, cost: { total: 0.001 } }, stopReason: o.stop, timestamp: o.ts, responseId: o.resp },
  });
}

function result(o: { id: string; callId: string; name: string; ts: number; isError: boolean; text: string; details?: unknown }): string {
  return JSON.stringify({
    type: 'message', id: o.id, parentId: null, timestamp: iso(o.ts),
    message: { role: 'toolResult', toolCallId: o.callId, toolName: o.name, content: [{ type: 'text', text: o.text }], ...(o.details ? { details: o.details } : {}), isError: o.isError, timestamp: o.ts - 2 },
  });
}

const SECRET_OUT = 'token=tk-TOOLOUT-secret-123456 mail bob@example.com';
const OUTPUT_TEXT = 'TOOL-OUTPUT-TEXT-must-not-leak ';
const ARG_TEXT = 'TOOL-ARGUMENT-must-not-leak';
const REPLY_TEXT = 'MODEL-REPLY-must-not-leak';

/** A turn: one call asking for two tools (one fails), their results, the final call; then a second, tool-free turn. */
function writeToolSession(sessions: string): void {
  const lines = [
    headerLine('tool-sess'),
    userLine('PROMPT-TEXT'),
    call({ id: 'a1', ts: T0, stop: 'toolUse', resp: 'resp-T1', content: [
      { type: 'text', text: REPLY_TEXT },
      { type: 'toolCall', id: 'call_RAW_1', name: 'read', arguments: { path: ARG_TEXT } },
      { type: 'toolCall', id: 'call_RAW_2', name: 'exec', arguments: { command: 'ls' } },
    ] }),
    // the output holds look-alikes of the fields that matter
    result({ id: 'r1', callId: 'call_RAW_1', name: 'read', ts: T0 + 1400, isError: false, text: `${OUTPUT_TEXT}"isError":true "toolCallId":"x" ${SECRET_OUT} ${'x'.repeat(3000)}` }),
    result({ id: 'r2', callId: 'call_RAW_2', name: 'exec', ts: T0 + 2400, isError: true, text: 'exit 1', details: { isError: false, toolName: 'fake', role: 'assistant' } }), // names "assistant": passed on as a possible call
    call({ id: 'a2', ts: T0 + 3000, stop: 'stop', resp: 'resp-T2', content: [{ type: 'text', text: 'done' }] }),
    userLine('second'),
    call({ id: 'a3', ts: T0 + 60_000, stop: 'stop', resp: 'resp-T3', content: [{ type: 'text', text: 'plain' }] }),
  ];
  fs.writeFileSync(path.join(sessions, 'tool-sess.jsonl'), lines.join('\n') + '\n');
}

test('toolResult recognizer: real 2026.7.35 and 2026.9.6 lines; look-alikes in the output change nothing', () => {
  const real735 = fs.readFileSync(path.join(FIXTURES, 'openclaw-real/v2026.7.35-jsonl/agents/main/sessions/7079d001-25d7-46cb-a375-e305924e5af4.jsonl'), 'utf8').split('\n')[6];
  const real96 = fs.readFileSync(path.join(FIXTURES, 'openclaw-real/v2026.9.6-sqlite/transcript_events-as-jsonl/10ea90ad-a461-492c-8997-b48e0b0e6495.jsonl'), 'utf8').split('\n').find((l) => l.includes('"toolResult"'))!;
  for (const [line, id, ts] of [[real735, 'call_fake_4', Date.parse('2026-11-21T17:19:54.904Z')], [real96, 'call_fake_14', Date.parse('2026-11-21T17:22:46.756Z')]] as const) {
    const b = Buffer.from(line);
    assert.ok(new LineMarkers(b).toolResult(0, b.length));
    const r = readToolResult(b, 0, b.length, true)!;
    assert.deepEqual({ id: r.toolCallId, name: r.toolName, ts: r.tsMs, err: r.isError }, { id, name: 'read', ts, err: false });
    assert.match(toolOutputText(r.outputRaw), /^# USER\.md/);
    // without content capture the output is not read at all
    assert.deepEqual(readToolResult(b, 0, b.length), { ...r, outputRaw: '' });
  }
  const tricky = Buffer.from(result({ id: 'r', callId: 'c-1', name: 'exec', ts: T0, isError: false, text: '"isError":true,"timestamp":1,"toolName":"evil"', details: { isError: true } }));
  const r = readToolResult(tricky, 0, tricky.length)!;
  assert.deepEqual({ name: r.toolName, err: r.isError, ts: r.tsMs }, { name: 'exec', err: false, ts: T0 });
  // an assistant line, a user line quoting the role, broken JSON: not tool results
  const notOne = [call({ id: 'x', ts: T0, stop: 'stop', resp: 'r', content: [] }), userLine('"role":"toolResult"'), '{"type":"message","message":{"role":"toolResult","content":['];
  for (const l of notOne) {
    const lb = Buffer.from(l);
    assert.equal(new LineMarkers(lb).toolResult(0, lb.length) && readToolResult(lb, 0, lb.length) !== null, false, l.slice(0, 60));
  }
  // a long output: the head is cut to 1024 characters (a cut escape at the end is dropped)
  const long = Buffer.from(result({ id: 'r', callId: 'c', name: 'read', ts: T0, isError: false, text: '\\"ü'.repeat(5000) }));
  const head = toolOutputText(readToolResult(long, 0, long.length, true)!.outputRaw);
  assert.ok(head.length > 400 && head.length <= 1024 && /^(\\"ü)+/.test(head), `${head.length}`);
  // short outputs are whole (the kept prefix ends at the closing quote)
  const short = Buffer.from(result({ id: 'r', callId: 'c', name: 'read', ts: T0, isError: false, text: 'a "b" \\ c' }));
  assert.equal(toolOutputText(readToolResult(short, 0, short.length, true)!.outputRaw), 'a "b" \\ c');
  // other layouts (an entry member after the message, no isError): the whole line, same result
  const odd = Buffer.from(JSON.stringify({ type: 'message', timestamp: iso(T0), message: { role: 'toolResult', toolCallId: 'c', toolName: 'grep', content: [{ type: 'text', text: 'x' }] }, extra: 1 }));
  const oddR = readToolResult(odd, 0, odd.length, true)!;
  assert.deepEqual({ ...oddR, outputRaw: toolOutputText(oddR.outputRaw) }, { toolCallId: 'c', toolName: 'grep', tsMs: T0, isError: false, outputRaw: 'x' });
  // the same on a large line (the head and tail proofs fail: parsed whole)
  const oddBig = Buffer.from(JSON.stringify({ type: 'message', timestamp: iso(T0), message: { role: 'toolResult', toolCallId: 'c', toolName: 'grep', content: [{ type: 'text', text: 'y'.repeat(5000) }], isError: true }, extra: 1 }));
  assert.deepEqual({ ...readToolResult(oddBig, 0, oddBig.length)!, outputRaw: '' }, { toolCallId: 'c', toolName: 'grep', tsMs: T0, isError: true, outputRaw: '' });
});

test('cold-archive envelopes (2026.9.5+): their toolResult rows become tool results too', () => {
  const row = (seq: number, event: string) => JSON.stringify({ kind: 'event', row: { seq, event_json: event, created_at: T0 } });
  const data = Buffer.from([
    JSON.stringify({ kind: 'header', version: 1, sessionId: 's-cold', generation: 'g1' }),
    row(1, call({ id: 'a', ts: T0, stop: 'toolUse', resp: 'r', content: [] })),
    row(2, result({ id: 'r', callId: 'call_9', name: 'grep', ts: T0 + 900, isError: true, text: 'no match' })),
    row(3, userLine('hi')),
  ].join('\n') + '\n');
  const issues: unknown[] = [];
  const got = coldArchiveLines(data, 'cold', 1 << 20, { report: (i: unknown) => issues.push(i) } as never);
  assert.equal(got.records.length, 2);
  const r = got.records[1].toolResult!;
  assert.deepEqual({ id: r.toolCallId, name: r.toolName, ts: r.tsMs, err: r.isError, pos: got.records[1].pos }, { id: 'call_9', name: 'grep', ts: T0 + 900, err: true, pos: 2 });
  assert.deepEqual(issues, []);
});

test('tool execution spans: call that asked -> result, children of the call span, doc attributes, no content or raw id', async () => {
  const root = tmpDir();
  const { stateDir, sessions } = makeState(root);
  writeToolSession(sessions);
  const { ledger } = await ingestOnce([stateDir], path.join(root, 'data'));
  const receiver = await new OtlpReceiver().start();
  try {
    assert.equal(ledger.spans.content.rows(), 0, 'no content kept without captureContent');
    const ship = shipper(ledger, receiver.url);
    assert.equal((await ship.ship(0)).runs, 2);
    const spans = spansOf(receiver);
    const tools = spans.filter((s) => s.name === 'openclaw.tool.execution').sort((a, b) => (a.endTimeUnixNano < b.endTimeUnixNano ? -1 : 1));
    assert.equal(tools.length, 2);
    const asked = spans.find((s) => s.name === 'openclaw.model.call' && BigInt(s.startTimeUnixNano) === BigInt(T0) * 1_000_000n)!;
    for (const t of tools) {
      assert.equal(t.parentSpanId, asked.spanId, 'child of the call that asked for it');
      assert.equal(t.traceId, asked.traceId);
      assert.equal(BigInt(t.startTimeUnixNano), BigInt(T0 + 400) * 1_000_000n, 'starts when the tool call was appended');
    }
    assert.equal(BigInt(tools[0].endTimeUnixNano), BigInt(T0 + 1400) * 1_000_000n);
    assert.equal(BigInt(tools[1].endTimeUnixNano), BigInt(T0 + 2400) * 1_000_000n);
    const [ok, failed] = tools.map((t) => attrsOf(t.attributes));
    assert.deepEqual(ok, { 'gen_ai.tool.name': 'read', 'openclaw.toolName': 'read', 'gen_ai.operation.name': 'execute_tool' });
    assert.equal(failed['openclaw.toolName'], 'exec');
    assert.equal(failed['openclaw.errorCategory'], 'tool_error');
    assert.equal(tools[1].status?.code, 'STATUS_CODE_ERROR');
    assert.equal(tools[0].status?.code, undefined);
    assert.equal(spans.filter((s) => s.name === 'openclaw.tool.execution' && s.traceId !== asked.traceId).length, 0, 'the tool-free turn has none');
    const bytes = Buffer.concat(receiver.received.map((x) => x.raw)).toString('latin1');
    for (const s of ['call_RAW', OUTPUT_TEXT, ARG_TEXT, REPLY_TEXT, 'tk-TOOLOUT', 'bob@', 'openclaw.content']) assert.ok(!bytes.includes(s), `no ${s} in any byte`);
    assert.equal((await ship.ship(0)).spans, 0, 'sent once');
    await ship.shutdown();
  } finally {
    await receiver.close();
    ledger.close();
  }
});

test('real fixtures: a tool span from the 2026.7.35 JSONL transcript and from the 2026.9.6 store (compressed row)', async () => {
  for (const fx of ['v2026.7.35-jsonl', 'v2026.9.6-state-db']) {
    const root = tmpDir();
    const state = path.join(root, 'state');
    copyDir(path.join(FIXTURES, 'openclaw-real', fx), state);
    const { ledger } = await ingestOnce([state], path.join(root, 'data'));
    const receiver = await new OtlpReceiver().start();
    try {
      const ship = shipper(ledger, receiver.url);
      await ship.ship(0);
      const spans = spansOf(receiver);
      const tools = spans.filter((s) => s.name === 'openclaw.tool.execution');
      assert.equal(tools.length, 1, fx);
      assert.equal(attrsOf(tools[0].attributes)['openclaw.toolName'], 'read', fx);
      const parent = spans.find((s) => s.spanId === tools[0].parentSpanId)!;
      assert.ok(parent && ['openclaw.model.call', 'openclaw.run'].includes(parent.name), fx);
      assert.ok(BigInt(tools[0].endTimeUnixNano) > BigInt(tools[0].startTimeUnixNano), `${fx}: the result comes after the call`);
      await ship.shutdown();
    } finally {
      await receiver.close();
      ledger.close();
    }
  }
});

async function capturedLedger(root: string, name: string): Promise<Ledger> {
  const { stateDir, sessions } = makeState(path.join(root, name));
  writeToolSession(sessions);
  const ledger = Ledger.open(path.join(root, name, 'data'));
  await createIngestor(ledger, () => [stateDir], { log: new Logger('silent'), capture: { outputMessages: true, toolInputs: true, toolOutputs: true } }).trigger();
  return ledger;
}

test('captureContent: each sub-key adds only its bounded, redacted content; off at export time sends none', async () => {
  const root = tmpDir();
  const receiver = await new OtlpReceiver().start();
  const a = await capturedLedger(root, 'a');
  const b = await capturedLedger(root, 'b');
  try {
    assert.ok(a.spans.content.rows() >= 4, 'kept at ingest: a reply, two tool inputs, two tool outputs');
    // only the tool outputs switched on for export
    const ship = shipper(a, receiver.url, { otelCaptureToolOutputs: true });
    await ship.ship(0);
    await ship.shutdown();
    const read = spansOf(receiver).find((s) => s.name === 'openclaw.tool.execution' && attrsOf(s.attributes)['openclaw.toolName'] === 'read')!;
    const out = String(attrsOf(read.attributes)['openclaw.content.tool_outputs']);
    assert.ok(out.startsWith(OUTPUT_TEXT), 'the tool output head');
    assert.ok(out.length <= 1024, 'bounded');
    assert.ok(!out.includes('tk-TOOLOUT') && !out.includes('bob@example.com'), 'secrets and emails redacted');
    assert.match(out, /token=<redacted>/);
    let bytes = Buffer.concat(receiver.received.map((x) => x.raw)).toString('latin1');
    for (const s of [ARG_TEXT, REPLY_TEXT, 'openclaw.content.tool_inputs', 'openclaw.content.output_messages']) assert.ok(!bytes.includes(s), `sub-key off at export: no ${s}`);

    // all three on: the arguments and the reply too, each on its own span
    receiver.received.length = 0;
    const all = shipper(b, receiver.url, { otelCaptureToolOutputs: true, otelCaptureToolInputs: true, otelCaptureOutput: true });
    await all.ship(0);
    await all.shutdown();
    const spans = spansOf(receiver);
    const readB = spans.find((s) => s.name === 'openclaw.tool.execution' && attrsOf(s.attributes)['openclaw.toolName'] === 'read')!;
    assert.equal(attrsOf(readB.attributes)['openclaw.content.tool_inputs'], JSON.stringify({ path: ARG_TEXT }));
    const asking = spans.find((s) => s.spanId === readB.parentSpanId)!;
    assert.equal(attrsOf(asking.attributes)['openclaw.content.output_messages'], REPLY_TEXT);
    assert.ok(spans.filter((s) => s.name === 'openclaw.run' || s.name === 'openclaw.model.usage').every((s) => !Object.keys(attrsOf(s.attributes)).some((k) => k.startsWith('openclaw.content'))));
    bytes = Buffer.concat(receiver.received.map((x) => x.raw)).toString('latin1');
    assert.ok(!bytes.includes('PROMPT-TEXT'), 'user prompts are never captured (inputMessages has nothing to send)');
    assert.ok(!bytes.includes('call_RAW'), 'tool call ids never leave');
  } finally {
    await receiver.close();
    a.close();
    b.close();
  }
});
