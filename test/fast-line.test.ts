/**
 * The fast path (src/parse/fast-line.ts, via parseCandidate) against the full parser,
 * line by line: on every line of every fixture (JSONL files, zstd archives decoded,
 * the SQLite stores' events, binary files split at newlines too), on a generated
 * history, and on seeded mutations of those lines. For each line the fast path
 * must give exactly what the full parser gives (counting result with the message
 * ids span facts are made of, failed run) or hand the line to the full parser; the test also checks that it really
 * decides most of the lines (a path that always fell back would prove nothing).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { candidateCounts, parseCandidate, type CandidateResult } from '../src/parse/candidate.js';
import { READ_MEMBERS, fastLine } from '../src/parse/fast-line.js';
import { parseFailedRunLine } from '../src/parse/failed-run.js';
import { parseTranscriptEntry, parseTranscriptLine } from '../src/parse/transcript-line.js';
import { zstdDecompress } from '../src/sources/zstd.js';
import { FIXTURES, assistantLine, generatedTranscripts } from './helpers.js';
import { mutate, rng } from './fuzz-lib.js';

function splitBuf(b: Buffer, out: Buffer[]): void {
  let s = 0;
  while (s < b.length) {
    let nl = b.indexOf(10, s);
    if (nl === -1) nl = b.length;
    if (nl > s) out.push(b.subarray(s, nl));
    s = nl + 1;
  }
}

/** Every line of every fixture file (archives decoded, store events read), as bytes. */
function fixtureLines(): Buffer[] {
  const out: Buffer[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) {
        walk(p);
        continue;
      }
      const raw = fs.readFileSync(p);
      splitBuf(raw, out);
      if (e.name.endsWith('.zst')) {
        try {
          splitBuf(zstdDecompress(raw), out);
        } catch {
          // not a complete frame: its raw lines are in already
        }
      }
      if (e.name.endsWith('.sqlite')) {
        const db = new Database(p, { readonly: true, fileMustExist: true });
        try {
          const has = db.prepare(`SELECT 1 FROM sqlite_master WHERE name = 'transcript_events'`).get();
          if (has) {
            const rows = db.prepare(`SELECT event_json FROM transcript_events WHERE event_json IS NOT NULL`).all() as Array<{ event_json: string | Buffer }>;
            for (const r of rows) out.push(Buffer.isBuffer(r.event_json) ? r.event_json : Buffer.from(r.event_json));
          }
        } catch {
          // not a store
        } finally {
          db.close();
        }
      }
    }
  };
  walk(FIXTURES);
  return out;
}

/** Lines of a small generated history (the bench's generator): the shapes the bench reads. */
function generatedLines(): Buffer[] {
  const out: Buffer[] = [];
  for (const file of generatedTranscripts({ seed: 3, targetBytes: 1024 * 1024, days: 2 })) splitBuf(file, out);
  return out;
}

/**
 * The full parser, as the JSONL source used it before the fast path: the whole
 * line decoded as UTF-8, JSON.parsed for the counting result (and the message ids),
 * and read for the failed run.
 */
function reference(b: Buffer): CandidateResult {
  const text = b.toString('utf8');
  return { result: parseTranscriptLine(text), failedRun: parseFailedRunLine(text) };
}

/** Compares one line; returns whether the fast path decided it. */
function check(b: Buffer, what: string): boolean {
  const before = candidateCounts.fast;
  const got = parseCandidate({ bytes: b, pos: 1 });
  assert.deepEqual(got, reference(b), `${what}: ${b.toString('utf8').slice(0, 400)}`);
  return candidateCounts.fast > before;
}

test('fast path equals the full parser on every line of every fixture and of a generated history', () => {
  const lines = [...fixtureLines(), ...generatedLines()];
  let fast = 0;
  let assistants = 0;
  let fastAssistants = 0;
  for (const l of lines) {
    const decided = check(l, 'fixture');
    if (decided) fast++;
    if (l.includes('"role":"assistant"')) {
      assistants++;
      if (decided) fastAssistants++;
    }
  }
  assert.ok(lines.length > 2000, `${lines.length} lines`);
  assert.ok(assistants > 300, `${assistants} assistant lines`);
  // The fast path must really be taken: nearly every well-formed assistant line.
  assert.ok(fastAssistants > assistants * 0.9, `fast path decided ${fastAssistants} of ${assistants} assistant lines (${fast} of ${lines.length} lines)`);
});

const JUNK = ['"', '\\', '\\u12', '\\u00e9', '\\x', '\u0001', '\t', '\r', ' ', ']', '[', '}', '{', ',', ':', '01', '-', '1e', '1e400', '-0', 'tru', 'null', 'é', '\ufeff', '"__proto__":1,', '"type":"x",', '"usage":{},', '"content":{},', '"message":{},'];

/** A byte-level mutation: truncate, insert a token or a raw byte, delete, replace, duplicate a range. */
function mutateBytes(b: Buffer, r: () => number): Buffer {
  const at = Math.floor(r() * (b.length + 1));
  const k = r();
  if (k < 0.12) return b.subarray(0, at);
  if (k < 0.4) return Buffer.concat([b.subarray(0, at), Buffer.from(JUNK[Math.floor(r() * JUNK.length)]), b.subarray(at)]);
  if (k < 0.55) return Buffer.concat([b.subarray(0, at), Buffer.from([Math.floor(r() * 256)]), b.subarray(at)]);
  if (k < 0.7) return Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + Math.floor(r() * 4))]);
  if (k < 0.85) {
    const c = Buffer.from(b);
    if (at < c.length) c[at] = r() < 0.5 ? 32 + Math.floor(r() * 95) : Math.floor(r() * 256);
    return c;
  }
  return Buffer.concat([b.subarray(0, at), b.subarray(at, at + Math.floor(r() * 120)), b.subarray(at)]);
}

test('fast path equals the full parser on seeded mutations (or hands them to the full parser)', () => {
  const r = rng(9);
  const base = [...fixtureLines(), ...generatedLines()].filter((l) => l.includes('"assistant"') || l.includes('custom_message'));
  base.push(Buffer.from(assistantLine()), Buffer.from(assistantLine({ stopReason: 'error', errorMessage: 'rate limit' })));
  const corpus = base.map((b) => b.toString('utf8'));
  let n = 0;
  let fast = 0;
  for (let i = 0; i < 30_000; i++) {
    const pick = base[Math.floor(r() * base.length)];
    let m: Buffer;
    if (r() < 0.3) m = Buffer.from(mutate(corpus, r)); // structural mutations (fuzz-lib): types, numbers, extremes
    else {
      m = pick;
      const rounds = 1 + Math.floor(r() * 3);
      for (let k = 0; k < rounds; k++) m = mutateBytes(m, r);
    }
    if (check(m, `mutation ${i}`)) fast++;
    n++;
  }
  // Many mutations leave the line valid: the fast path must decide a good share of them.
  assert.ok(fast > n / 10, `fast path decided ${fast} of ${n} mutated lines`);
});

test('crafted lines: duplicate keys, escaped keys, __proto__, look-alike members in the content, deep nesting', () => {
  const usage = '"usage":{"input":10,"output":2,"cacheRead":0,"cacheWrite":0,"cost":{"total":0.01}}';
  const head = '{"type":"message","id":"a1","timestamp":"2026-11-22T00:00:00.000Z","message":{"role":"assistant","content":[';
  const tail = `],"api":"real-api","provider":"p","model":"m",${usage},"stopReason":"stop","timestamp":1795305600000,"responseId":"resp_1"}}`;
  const lines = [
    `${head}{"type":"text","text":"hi"}${tail}`,
    `${head}{"type":"toolCall","arguments":{"responseId":"fake","api":"fake"}}${tail}`,
    `${head}{"type":"text","text":"\\"responseId\\":\\"fake\\""}${tail}`,
    `${head}{"type":"text","text":"x"}${tail.replace('"provider":"p"', '"provider":"p","provider":"q"')}`,
    `${head}{"type":"text","text":"x"}${tail.replace('"provider":"p"', '"provid\\u0065r":"q"')}`,
    `${head}{"type":"text","text":"x"}${tail.replace('"model":"m"', '"model":"m\\u00e9\\ud83d\\ude00"')}`,
    `${head}{"type":"text","text":"x"}${tail.replace('"model":"m"', '"model":"mé"')}`,
    `${head}{"type":"text","text":"x"}${tail.replace('"model":"m"', '"__proto__":{"x":1},"model":"m"')}`,
    `${head}{"type":"text","text":"x"}${tail.replace('"input":10', '"input":"10"')}`,
    `${head}{"type":"text","text":"x"}${tail.replace('"input":10', '"input":1e400')}`,
    `${head}{"type":"text","text":"x"}${tail.replace('"input":10', '"input":-0')}`,
    `${head}{"type":"text","text":"x"}${tail.replace('"input":10', '"input":10.0')}`,
    `${head}${'['.repeat(200)}${']'.repeat(200)}${tail}`,
    `${head}${'['.repeat(20)}${']'.repeat(20)}${tail}`,
    `{"type":"message","message":{"role":"assistant","content":{"a":1},"provider":"p","model":"m",${usage}}}`,
    `{"type":"message","message":{"role":"assistant","content":"text","provider":"p","model":"m",${usage}}}`,
    `{"type":"message","message":{"content":[],"role":"assistant","provider":"p","model":"m",${usage},"responseId":"r"}}`,
    `{"type":"message","x":{"role":"assistant","content":[1],"responseId":"fake"},"message":{"role":"assistant","content":[],"provider":"p","model":"m",${usage},"responseId":"r"}}`,
    `{"type":"message","message":{"role":"assistant","content":[],"provider":"p","model":"m",${usage},"responseId":"${'x'.repeat(2000)}"}}`,
    `{"type":"message","message":{"role":"assistant","content":[],"provider":"p","model":"m",${usage},"responseId":"é${'x'.repeat(1030)}"}}`,
    `{"type":"message","message":{"role":"assistant","content":[],"provider":"p","model":"m",${usage},"idempotencyKey":"codex-app-server:t1:u1:assistant"}}`,
    `{"type":"message","message":{"role":"assistant","content":[],"provider":"p","model":"m",${usage},"stopReason":"error","errorMessage":"429 rate limit"}}`,
    `\ufeff${head}{"type":"text","text":"x"}${tail}`,
    ` ${head}{"type":"text","text":"x"}${tail} `,
    `${head}{"type":"text","text":"x"}${tail}\r`,
    '{"type":"custom_message","customType":"run-failed-before-reply","id":"c1","timestamp":"2026-11-22T00:00:00.000Z","details":{"runId":"r1","error":"Provider x is in cooldown (billing)"}}',
    '"assistant"',
    '[{"role":"assistant"}]',
    '{"type":"message","message":{"role":"assistant"}}',
  ];
  let fast = 0;
  for (const l of lines) if (check(Buffer.from(l), 'crafted')) fast++;
  assert.ok(fast >= 10, `fast path decided ${fast} crafted lines`);
  // Unsure cases go to the full parser: a byte-order mark, a non-ASCII model name, a malformed line.
  for (const k of [22, 6]) assert.equal(fastLine(Buffer.from(lines[k]), 0, Buffer.byteLength(lines[k])), null, lines[k]);
  assert.equal(fastLine(Buffer.from(lines[0].slice(0, 50)), 0, 50), null);
});

/** A proxy over a parsed document that records every member read below the entry. */
function recording(v: unknown, at: string, seen: Set<string>): unknown {
  if (v === null || typeof v !== 'object') return v;
  return new Proxy(v as object, {
    get(t, k, r) {
      if (typeof k !== 'string') return Reflect.get(t, k, r);
      const p = at ? `${at}.${k}` : k;
      seen.add(p);
      return recording(Reflect.get(t, k, r), p, seen);
    },
  });
}

test('the counting rules read no member outside READ_MEMBERS (what the fast path checks for non-ASCII)', () => {
  const lines = [...fixtureLines(), ...generatedLines()].filter((l) => l.includes('"assistant"'));
  lines.push(Buffer.from(assistantLine({ stopReason: 'error', errorMessage: 'rate limit' })));
  lines.push(Buffer.from('{"type":"message","usage":{"input":1},"message":{"role":"assistant","idempotencyKey":"codex-app-server:t:u:assistant","provider":"p","model":"m"}}'));
  const seen = new Set<string>();
  for (const b of lines) {
    let doc: unknown;
    try {
      doc = JSON.parse(b.toString('utf8'));
    } catch {
      continue;
    }
    parseTranscriptEntry(recording(doc, '', seen));
  }
  const allowed = new Set([...READ_MEMBERS, 'message']);
  // Members read inside a read member (usage.input, usage.cost.total, ...) are covered by its check.
  const outside = [...seen].filter((p) => !allowed.has(p) && ![...allowed].some((a) => p.startsWith(`${a}.`) && a !== 'message'));
  assert.deepEqual(outside, []);
  assert.ok(seen.has('message.usage.cost') || seen.has('message.usage.cost.total'), [...seen].join(' '));
});
