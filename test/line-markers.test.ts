/**
 * LineMarkers (src/parse/line-markers.ts), the block-wide marker search the JSONL
 * and archive sources route lines with, gives the same answer for every line as
 * the per-line tests it replaces: "assistant" anywhere in the line or a
 * custom_message prefix (candidates), and the role member within the line's first
 * 320 bytes (tool results). On
 * blocks of real fixture lines, a generated history and seeded mutations, with
 * markers placed at and around the edges that matter (the 320-byte head, the line's
 * end, a marker cut by the newline, lines exactly as long as a marker).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineMarkers } from '../src/parse/line-markers.js';
import { TOOL_RESULT_HEAD_BYTES } from '../src/parse/tool-result.js';
import { generatedTranscripts } from './helpers.js';
import { mutate, rng, transcriptCorpus } from './fuzz-lib.js';

const ROLE = '"role":"toolResult"';

function referenceCandidate(line: string): boolean {
  return line.includes('"assistant"') || (line.length > 24 && line.startsWith('{"type":"custom_message"'));
}

/** The per-line test the sources used before: a bounded search of the line's head. */
function referenceToolResult(block: Buffer, start: number, end: number): boolean {
  return end - start > ROLE.length && block.subarray(start, Math.min(end, start + TOOL_RESULT_HEAD_BYTES)).indexOf(ROLE) !== -1;
}

/** Routes every line of one block both ways; returns [candidates, tool results] found. */
function compareBlock(lines: string[]): [number, number] {
  const block = Buffer.from(lines.join('\n'));
  const markers = new LineMarkers(block);
  let start = 0;
  let cands = 0;
  let tools = 0;
  for (const line of lines) {
    const end = start + Buffer.byteLength(line);
    const cand = markers.candidate(start, end);
    assert.equal(cand, referenceCandidate(line), `candidate: ${line.slice(0, 120)}`);
    if (cand) cands++;
    else {
      // the sources ask about tool results only for lines that are not candidates
      const tool = markers.toolResult(start, end);
      assert.equal(tool, referenceToolResult(block, start, end), `tool result: ${line.slice(0, 120)}`);
      if (tool) tools++;
    }
    start = end + 1;
  }
  return [cands, tools];
}

function edgeLines(r: () => number): string[] {
  const pad = (n: number) => 'x'.repeat(Math.max(0, n));
  const at = TOOL_RESULT_HEAD_BYTES - ROLE.length;
  const out = [
    ROLE,
    ROLE + 'y',
    `${pad(at)}${ROLE}`,
    `${pad(at + 1)}${ROLE}`,
    `${pad(at - 1)}${ROLE}tail`,
    `{"type":"custom_message"`,
    `{"type":"custom_message"}`,
    '"assistant"',
    'no marker at all',
    '',
  ];
  for (let i = 0; i < 40; i++) out.push(`${pad(Math.floor(r() * 400))}${r() < 0.5 ? ROLE : '"assistant"'}${pad(Math.floor(r() * 50))}`);
  return out;
}

test('LineMarkers routes every line as the per-line tests do', () => {
  const r = rng(9);
  const corpus = transcriptCorpus();
  const generated = generatedTranscripts({ seed: 5, targetBytes: 256 * 1024, days: 1 }).flatMap((b) => b.toString('utf8').split('\n'));
  let cands = 0;
  let tools = 0;
  const add = ([c, t]: [number, number]) => {
    cands += c;
    tools += t;
  };
  add(compareBlock(corpus));
  add(compareBlock(generated));
  for (let b = 0; b < 200; b++) {
    const lines: string[] = [];
    const n = 1 + Math.floor(r() * 30);
    for (let i = 0; i < n; i++) {
      const pick = r();
      if (pick < 0.3) lines.push(edgeLines(r)[Math.floor(r() * 50)]);
      else if (pick < 0.6) lines.push(mutate(corpus, r).replace(/\n/g, ' '));
      else lines.push(generated[Math.floor(r() * generated.length)]);
    }
    add(compareBlock(lines));
  }
  // a block without any marker, and one where the only marker is past the 320-byte head
  add(compareBlock(Array.from({ length: 100 }, (_, i) => `{"type":"message","n":${i}}`)));
  add(compareBlock([`{"a":"${'z'.repeat(TOOL_RESULT_HEAD_BYTES)}${ROLE}"}`, ROLE + 'x']));
  assert.ok(cands > 1000, `candidates seen: ${cands}`);
  assert.ok(tools > 200, `tool results seen: ${tools}`);
});
