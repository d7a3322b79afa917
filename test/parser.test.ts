import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTranscriptLine, callIdentity } from '../src/parse/transcript-line.js';
import { categorizeError } from '../src/parse/error-category.js';
import { compatSessionKind, compatIndexKind, sessionKindOf, channelOf, chatTypeOf } from '../src/parse/session-kind.js';

function assistant(msg: Record<string, unknown>, entry: Record<string, unknown> = {}): string {
  return JSON.stringify({
    type: 'message',
    id: 'a1b2c3d4',
    parentId: null,
    timestamp: '2026-11-21T17:19:12.107Z',
    ...entry,
    message: {
      role: 'assistant',
      content: [{ type: 'text', text: 'hi' }],
      api: 'openai-completions',
      provider: 'fakecc',
      model: 'fake-model',
      usage: { input: 201, output: 7, cacheRead: 1000, cacheWrite: 0, totalTokens: 1208, cost: { total: 0.000315 } },
      stopReason: 'stop',
      timestamp: 1795281552006,
      responseId: 'chatcmpl-1',
      ...msg,
    },
  });
}

test('an assistant message is a model call with usage, cost, time and latency', () => {
  const r = parseTranscriptLine(assistant({}));
  assert.equal(r.kind, 'call');
  if (r.kind !== 'call') return;
  assert.deepEqual(
    { ...r.call, dedupeKey: undefined },
    {
      dedupeKey: undefined,
      tsMs: Date.parse('2026-11-21T17:19:12.107Z'),
      provider: 'fakecc',
      model: 'fake-model',
      input: 201,
      output: 7,
      cacheRead: 1000,
      cacheWrite: 0,
      costUsd: 0.000315,
      stopReason: 'stop',
      errorCategory: null,
      latencyMs: 101,
    },
  );
});

test('only type message with role assistant counts', () => {
  assert.deepEqual(parseTranscriptLine('{"type":"session","version":3,"id":"x"}'), { kind: 'ignored', why: 'not_message' });
  assert.deepEqual(parseTranscriptLine('{"type":"message","message":{"role":"user","content":"assistant"}}'), {
    kind: 'ignored',
    why: 'not_assistant',
  });
  assert.deepEqual(parseTranscriptLine('{"type":"custom","customType":"model-snapshot","data":{"role":"assistant"}}'), {
    kind: 'ignored',
    why: 'not_message',
  });
});

test('synthetic OpenClaw rows are not model calls', () => {
  assert.equal(parseTranscriptLine(assistant({ provider: 'openclaw', model: 'delivery-mirror' })).kind, 'ignored');
  assert.equal(parseTranscriptLine(assistant({ provider: 'openclaw', model: 'gateway-injected' })).kind, 'ignored');
  assert.equal(parseTranscriptLine(assistant({ api: 'openclaw-transcript' })).kind, 'ignored');
});

test('malformed lines are reported, not thrown', () => {
  assert.deepEqual(parseTranscriptLine('{"type":"message","message":{"role":"assis'), { kind: 'malformed', why: 'malformed_json' });
  assert.deepEqual(parseTranscriptLine('[1,2]'), { kind: 'malformed', why: 'not_an_object' });
  assert.deepEqual(parseTranscriptLine('"assistant"'), { kind: 'malformed', why: 'not_an_object' });
});

test('identity: responseId with provider and message.timestamp; copies with new entry ids are the same call', () => {
  const a = parseTranscriptLine(assistant({}));
  const copy = parseTranscriptLine(assistant({}, { id: 'ffffffff', timestamp: '2026-11-22T00:00:00.000Z' }));
  const reusedId = parseTranscriptLine(assistant({ timestamp: 1795281999999 }));
  const otherProvider = parseTranscriptLine(assistant({ provider: 'other' }));
  assert.ok(a.kind === 'call' && copy.kind === 'call' && reusedId.kind === 'call' && otherProvider.kind === 'call');
  assert.equal(a.call.dedupeKey, copy.call.dedupeKey);
  assert.notEqual(a.call.dedupeKey, reusedId.call.dedupeKey, 'servers that reuse ids: the timestamp separates calls');
  assert.notEqual(a.call.dedupeKey, otherProvider.call.dedupeKey);
});

test('identity without responseId: fingerprint of entry id, timestamp, provider, model, usage', () => {
  const base = parseTranscriptLine(assistant({ responseId: undefined }));
  const sameCopy = parseTranscriptLine(assistant({ responseId: undefined }, { timestamp: '2026-11-23T00:00:00.000Z' }));
  const otherEntry = parseTranscriptLine(assistant({ responseId: undefined }, { id: '99999999' }));
  const otherUsage = parseTranscriptLine(assistant({ responseId: undefined, usage: { input: 1, output: 1 } }));
  assert.ok(base.kind === 'call' && sameCopy.kind === 'call' && otherEntry.kind === 'call' && otherUsage.kind === 'call');
  assert.equal(base.call.dedupeKey, sameCopy.call.dedupeKey);
  assert.notEqual(base.call.dedupeKey, otherEntry.call.dedupeKey);
  assert.notEqual(base.call.dedupeKey, otherUsage.call.dedupeKey);
  assert.equal(
    base.call.dedupeKey,
    callIdentity({ responseId: null, entryId: 'a1b2c3d4', messageTs: 1795281552006, provider: 'fakecc', model: 'fake-model', input: 201, output: 7, cacheRead: 1000, cacheWrite: 0 }),
  );
});

test('timestamps: entry ISO first, message.timestamp as fallback', () => {
  const r = parseTranscriptLine(assistant({}, { timestamp: undefined }));
  assert.ok(r.kind === 'call');
  assert.equal(r.call.tsMs, 1795281552006);
  assert.equal(r.call.latencyMs, null);
});

test('error rows carry a bounded category; aborted is a message', () => {
  const e = parseTranscriptLine(
    assistant({ stopReason: 'error', errorMessage: '429 fake rate limit reached (FAIL429); Retry-After: 1 seconds', errorCode: 'rate_limit_exceeded', usage: {} }),
  );
  assert.ok(e.kind === 'call');
  assert.equal(e.call.stopReason, 'error');
  assert.equal(e.call.errorCategory, 'rate_limit');
  const a = parseTranscriptLine(assistant({ stopReason: 'aborted' }));
  assert.ok(a.kind === 'call');
  assert.equal(a.call.stopReason, 'aborted');
  assert.equal(a.call.errorCategory, null);
});

test('usage aliases and missing cost', () => {
  const r = parseTranscriptLine(assistant({ usage: { input_tokens: 5, output_tokens: 6, cache_read_input_tokens: 7, cache_creation_input_tokens: 8 } }));
  assert.ok(r.kind === 'call');
  assert.deepEqual([r.call.input, r.call.output, r.call.cacheRead, r.call.cacheWrite, r.call.costUsd], [5, 6, 7, 8, null]);
});

test('error categories', () => {
  const cases: Array<[string, string | undefined, string]> = [
    ['500 fake upstream exploded (FAIL500)', 'server_error', 'server_error'],
    ['429 Too Many Requests', undefined, 'rate_limit'],
    ['You exceeded your current quota, please check your plan and billing details', 'insufficient_quota', 'usage_limit'],
    ['The usage limit has been reached', 'usage_limit_reached', 'usage_limit'],
    ['529 {"type":"overloaded_error"}', undefined, 'overloaded'],
    ['401 invalid api key', undefined, 'auth'],
    ['Request timed out.', undefined, 'timeout'],
    ['fetch failed: ECONNRESET', undefined, 'network'],
    ['prompt is too long: 210000 tokens > 200000 maximum', undefined, 'context_length'],
    ['400 fake bad request (FAIL400)', 'invalid_request_error', 'other'],
    ['', undefined, 'other'],
  ];
  for (const [msg, code, want] of cases) assert.equal(categorizeError(msg, code), want, msg);
});

test('session kinds follow the original exporter, for every agent', () => {
  assert.equal(compatSessionKind('agent:main:cron:nightly', {}), 'cron');
  assert.equal(compatSessionKind('agent:work:cron:nightly:run:abc', {}), 'cron');
  assert.equal(compatSessionKind('telegram:slash:12345', {}), 'telegram-slash');
  assert.equal(compatSessionKind('agent:work:main', {}), 'main');
  assert.equal(compatSessionKind('agent:main:telegram:direct:+15551234567', {}), 'main');
  assert.equal(compatSessionKind('hook:abc', { origin: { surface: 'webhook' } }), 'webhook');
  assert.equal(compatSessionKind('hook:abc', {}), 'hook');
  assert.equal(compatIndexKind('hook:abc'), 'hook');
});

test('richer kind, channel and chat type never leak peer ids', () => {
  const key = 'agent:main:telegram:direct:+15551234567';
  assert.equal(sessionKindOf(key, {}), 'direct');
  assert.equal(channelOf(key, {}), 'telegram');
  assert.equal(chatTypeOf(key, {}), 'direct');
  assert.equal(sessionKindOf('agent:main:discord:group:998877', {}), 'group');
  assert.equal(sessionKindOf('agent:main:subagent:5d1c', {}), 'subagent');
  assert.equal(sessionKindOf('agent:main:cron:job:run:abc', {}), 'cron');
  assert.equal(sessionKindOf('agent:main:main', {}), 'main');
  assert.equal(channelOf('agent:main:main', { channel: 'Telegram' }), 'telegram');
  assert.equal(channelOf('agent:main:main', { origin: { provider: 'user@example.com' } }), 'other');
});
