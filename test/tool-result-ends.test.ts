/**
 * Tool results from the two ends of a line (readToolResultEnds, for the SQLite
 * store, which hands over only the first and last bytes of a long row): the same
 * answer as readToolResult on the whole line, or 'whole', on every toolResult line
 * of the real fixtures and a generated history, on long variants of them, with
 * several head and tail sizes, and on seeded mutations; and a store whose long
 * tool-result rows hold look-alikes, invalid JSON and members only in the middle
 * gives the same tool results as the same lines in a JSONL transcript, and so do the
 * same rows compressed (their navigation projection, as 2026.9.6 writes it).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { readToolResult, readToolResultEnds } from '../src/parse/tool-result.js';
import { generatedTranscripts, ingestOnce, tmpDir } from './helpers.js';
import { mutate, rng, transcriptCorpus } from './fuzz-lib.js';
import { newStore } from './sqlite-helpers.js';

function generatedToolLines(): string[] {
  return generatedTranscripts({ seed: 11, targetBytes: 512 * 1024, days: 2 }).flatMap((f) => f.toString('utf8').split('\n').filter((l) => l.includes('"toolResult"')));
}

/** The line with its first text block made long (so that the ends do not meet). */
function longer(line: string, chars: number): string | null {
  try {
    const e = JSON.parse(line);
    const block = e?.message?.content?.[0];
    if (!block || typeof block.text !== 'string') return null;
    block.text = (block.text + ' "isError":true,"toolName":"evil" é ').repeat(Math.ceil(chars / (block.text.length + 36)));
    return JSON.stringify(e);
  } catch {
    return null;
  }
}

const SPLITS: Array<[number, number]> = [[2048, 1024], [400, 300], [64, 2000], [3000, 40]];

/** Compares both readers on one line; returns how many splits were decided from the ends. */
function check(line: string): number {
  const b = Buffer.from(line);
  const whole = readToolResult(b, 0, b.length);
  let decided = 0;
  for (const [h, t] of SPLITS) {
    if (h + t >= b.length) {
      assert.equal(readToolResultEnds(b.subarray(0, h), b.subarray(Math.max(0, b.length - t)), b.length), 'whole');
      continue;
    }
    const ends = readToolResultEnds(b.subarray(0, h), b.subarray(b.length - t), b.length);
    if (ends === 'whole') continue;
    decided++;
    assert.deepEqual(ends, whole, `${h}/${t}: ${line.slice(0, 300)}`);
  }
  return decided;
}

test('readToolResultEnds: readToolResult\'s answer from the two ends, or "whole", on real, generated, long and mutated lines', () => {
  const base = [...transcriptCorpus().filter((l) => l.includes('"toolResult"')), ...generatedToolLines()];
  assert.ok(base.length >= 20, `${base.length} tool-result lines`);
  const long = base.map((l) => longer(l, 6000)).filter((l): l is string => l !== null);
  assert.ok(long.length >= base.length * 0.8, `${long.length} long variants`);
  let decided = 0;
  for (const l of [...base, ...long]) decided += check(l);
  // the long lines are decided from their ends for the usual splits (a proof that fails would prove nothing)
  assert.ok(decided >= long.length * 2, `${decided} decisions from the ends for ${long.length} long lines`);
  const r = rng(9);
  const corpus = [...long, ...base];
  for (let i = 0; i < 4000; i++) check(mutate(corpus, r));
});

test('a store with long tool-result rows gives the tool results the same lines give as a JSONL transcript', async () => {
  const T0 = Date.UTC(2026, 10, 21, 17, 0, 0);
  const iso = (ms: number) => new Date(ms).toISOString();
  const result = (i: number, o: { text: string; isError?: boolean; tail?: Record<string, unknown> }) =>
    JSON.stringify({
      type: 'message', id: `r${i}`, parentId: null, timestamp: iso(T0 + i * 1000),
      message: { role: 'toolResult', toolCallId: `call_${i}`, toolName: i % 2 ? 'exec' : 'read', content: [{ type: 'text', text: o.text }], ...(o.tail ?? { isError: o.isError ?? false, timestamp: T0 + i * 1000 - 5 }) },
    });
  const big = 'x"isError":true,"timestamp":1}} '.repeat(400);
  const lines = [
    result(1, { text: 'short' }),
    result(2, { text: big, isError: true }),
    result(3, { text: big }),
    result(4, { text: big, tail: { timestamp: T0 } }), // no isError in the tail: read whole
    result(5, { text: `${big}é`, tail: { isError: true, details: { note: big }, timestamp: T0 } }), // isError only in the middle
    result(6, { text: big }).slice(0, -3) + '}', // invalid JSON: no tool result
  ];
  const jsonlRoot = tmpDir();
  const sessions = path.join(jsonlRoot, 'state', 'agents', 'main', 'sessions');
  fs.mkdirSync(sessions, { recursive: true });
  fs.writeFileSync(path.join(sessions, '11111111-2222-3333-4444-555555555555.jsonl'), lines.join('\n') + '\n');
  // plain event_json rows, and the long rows compressed (read from their navigation projection)
  const storeRoots = [1e9, 2048].map((zstdThreshold) => {
    const root = tmpDir();
    const store = newStore(path.join(root, 'state'), 'main', { zstdThreshold });
    store.upsertSession({ sessionKey: 'agent:main:main', sessionId: '11111111-2222-3333-4444-555555555555', entry: {}, createdAt: T0 });
    store.appendEvents('11111111-2222-3333-4444-555555555555', lines, T0);
    const packed = (store.db.prepare(`SELECT count(*) FROM transcript_events WHERE event_json IS NULL`).pluck().get() as number);
    store.close();
    assert.equal(packed, zstdThreshold === 2048 ? 5 : 0, 'rows compressed');
    return root;
  });

  const rows = async (root: string) => {
    const { ledger } = await ingestOnce([path.join(root, 'state')], path.join(root, 'data'));
    try {
      return (ledger['db'] as Database.Database).prepare(`SELECT ts_ms, tool_name, is_error FROM tool_results ORDER BY ts_ms`).all();
    } finally {
      ledger.close();
    }
  };
  const fromJsonl = await rows(jsonlRoot);
  assert.equal(fromJsonl.length, 5, JSON.stringify(fromJsonl));
  for (const root of storeRoots) assert.deepEqual(await rows(root), fromJsonl, root);
});
