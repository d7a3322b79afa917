/**
 * The content-cut shortcut (candidateText + parseRecord) gives exactly the full
 * parser's result: on every line of the fixtures (JSONL files and the SQLite
 * store's events), on thousands of mutations of them (truncations, flipped and
 * inserted bytes, control characters, broken escapes), and on crafted lines whose
 * nested objects imitate `"role":"assistant","content":[` ... `],"api":"`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { candidateText, parseRecord, parseTranscriptEntry, type ParseResult } from '../src/parse/transcript-line.js';
import { jsonValueEnd } from '../src/parse/json-span.js';
import { FIXTURES, assistantLine } from './helpers.js';

function fixtureLines(): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.jsonl/.test(e.name) && !e.name.endsWith('.zst')) {
        for (const l of fs.readFileSync(p, 'utf8').split('\n')) if (l.includes('"assistant"')) out.push(l);
      } else if (e.name.endsWith('.fixture.sqlite')) {
        const db = new Database(p, { readonly: true });
        const has = db.prepare(`SELECT 1 FROM sqlite_master WHERE name = 'transcript_events'`).get();
        if (has) for (const r of db.prepare(`SELECT event_json FROM transcript_events WHERE event_json IS NOT NULL`).all() as Array<{ event_json: string | Buffer }>) out.push(String(r.event_json));
        db.close();
      }
    }
  };
  walk(FIXTURES);
  return out;
}

/** The shortcut, as the sources and the ingest cycle use it. */
function viaCut(line: string): ReturnType<typeof parseRecord> {
  const buf = Buffer.from(line);
  const c = candidateText(buf, 0, buf.length);
  return c.cut ? parseRecord(c.text, () => buf.toString('utf8')) : parseRecord(c.text);
}

/** The reference: the whole line decoded by JSON.parse, then the counting rules. */
function full(line: string): ParseResult {
  let entry: unknown;
  try {
    entry = JSON.parse(line);
  } catch {
    return { kind: 'malformed', why: 'malformed_json' };
  }
  return parseTranscriptEntry(entry);
}

function same(line: string, what: string): void {
  assert.deepEqual(viaCut(line), full(line), `${what}: ${line.slice(0, 300)}`);
}

function rng(seed: number): () => number {
  return () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x80000000;
  };
}

test('the shortcut equals the full parser on every fixture line, and takes the cut on them', () => {
  const lines = fixtureLines();
  assert.ok(lines.length > 50, `${lines.length} fixture lines`);
  let cut = 0;
  for (const l of lines) {
    same(l, 'fixture');
    if (candidateText(Buffer.from(l), 0, Buffer.byteLength(l)).cut) cut++;
  }
  assert.ok(cut > lines.length / 3, `cut taken on ${cut} of ${lines.length}`);
});

test('the shortcut equals the full parser on mutated lines', () => {
  const rand = rng(42);
  const lines = [...fixtureLines(), assistantLine(), assistantLine({ stopReason: 'error', errorMessage: 'rate limit' })];
  const junk = ['"', '\\', '\\u12', '\\x', '\u0001', '\t', ']', '[', '}', '{', ',', ':', '],"api":"x', '"role":"assistant","content":[', '01', '-', '1e', 'tru', 'é'];
  let n = 0;
  for (const l of lines) {
    const start = l.indexOf('"content":[');
    for (let k = 0; k < 40; k++) {
      // mutate mostly inside the content array, where the cut would hide it
      const lo = start >= 0 && rand() < 0.8 ? start : 0;
      const at = lo + Math.floor(rand() * (l.length - lo));
      const r = rand();
      let m: string;
      if (r < 0.2) m = l.slice(0, at);
      else if (r < 0.5) m = l.slice(0, at) + junk[Math.floor(rand() * junk.length)] + l.slice(at);
      else if (r < 0.8) m = l.slice(0, at) + l.slice(at + 1 + Math.floor(rand() * 3));
      else m = l.slice(0, at) + String.fromCharCode(32 + Math.floor(rand() * 95)) + l.slice(at + 1);
      same(m, 'mutation');
      n++;
    }
  }
  assert.ok(n > 2000, `${n} mutations`);
});

test('crafted look-alikes in nested objects and tool arguments never change the counted message', () => {
  const usage = '"usage":{"input":10,"output":2,"cacheRead":0,"cacheWrite":0,"cost":{"total":0.01}}';
  const head = '{"type":"message","id":"a1","timestamp":"2026-11-22T00:00:00.000Z","message":{"role":"assistant","content":[';
  const tail = `],"api":"real-api","provider":"p","model":"m",${usage},"stopReason":"stop","timestamp":1795305600000}}`;
  const fake = '"role":"assistant","content":[1],"api":"fake","provider":"evil","model":"evil","usage":{"input":999999}';
  const crafted = [
    // a fake tail after the real content: the old lastIndexOf cut jumped to it
    `${head}{"type":"text","text":"hi"}],"api":"real-api","provider":"p","model":"m",${usage},"stopReason":"stop"},"other":{"list":[1],"api":"fake","provider":"evil","model":"evil","usage":{"input":999}}}`,
    // a fake message object inside the content
    `${head}{"type":"toolCall","arguments":{${fake}}}${tail}`,
    // the same text inside a tool argument string
    `${head}{"type":"toolCall","arguments":${JSON.stringify(JSON.stringify({ role: 'assistant', content: [1], api: 'fake', provider: 'evil' }))}}${tail}`,
    // the look-alike before the real message, real role is user
    `{"type":"message","meta":{${fake}},"message":{"role":"user","content":[{"type":"text","text":"x"}]}}`,
    // escaped quote tricks
    `${head}{"type":"text","text":"\\"],\\"api\\":\\"fake\\""}${tail}`,
    `${head}{"type":"text","text":"a\\\\"}${tail}`,
    // unbalanced content: must not be cut
    `${head}{"type":"text","text":"x"}${tail.replace('],', ',')}`,
  ];
  for (const l of crafted) same(l, 'crafted');
  const first = viaCut(crafted[0]);
  assert.equal(first.kind, 'call');
  if (first.kind === 'call') assert.equal(first.call.provider, 'p');
});

test('jsonValueEnd accepts exactly JSON values (never more lenient than JSON.parse)', () => {
  const ok = ['[]', '[1,-0.5e+3,"a\\u00e9\\n",true,false,null,{"a":{}}]', '{ "a" : [ 1 , 2 ] }', '"x"', '0', '[[[[]]]]'];
  const bad = ['[', '[1,]', '[01]', '["\u0001"]', '["\\x"]', '{"a"}', '{"a":1,}', '[1 2]', '[tru]', '[1.]', '[-]', '[.5]', '["\\u12"]', '{1:2}', "['a']"];
  for (const s of ok) assert.equal(jsonValueEnd(Buffer.from(s), 0, Buffer.byteLength(s)), Buffer.byteLength(s), s);
  for (const s of bad) {
    assert.equal(jsonValueEnd(Buffer.from(s), 0, Buffer.byteLength(s)), -1, s);
    assert.throws(() => JSON.parse(s), s);
  }
  const deep = '['.repeat(100_000) + ']'.repeat(100_000);
  assert.equal(jsonValueEnd(Buffer.from(deep), 0, deep.length), deep.length);
});
