/**
 * `node dist/bench/tool-result.js` (after `npm run build`; a few seconds): the
 * toolResult recognizer (src/parse/tool-result.ts) against the baseline it avoids,
 * decoding the whole line and JSON.parse, in the same run, on synthetic
 * toolResult lines of about 1 KB, 110 KB and 1.1 MB. Each is timed in alternating
 * rounds; the medians and their ratio are printed. Also the cost of the recognizer's
 * test (LineMarkers.toolResult) on a one-line block that is not a tool result (an upper
 * bound of what every other line pays: in a block, one search serves many lines).
 */
import { readToolResult } from '../src/parse/tool-result.js';
import { LineMarkers } from '../src/parse/line-markers.js';

const ROUNDS = 9;

function line(repeat: number): Buffer {
  return Buffer.from(JSON.stringify({
    type: 'message', id: 'abcdef12', parentId: 'abcdef11', timestamp: '2026-11-21T17:19:54.904Z',
    message: { role: 'toolResult', toolCallId: 'call_1', toolName: 'read', content: [{ type: 'text', text: 'lorem ipsum "quoted" \\ ü '.repeat(repeat) }],
      details: { kind: 'text' }, isError: false, timestamp: 1795281594902 },
  }));
}

/** µs per call of fn, median of ROUNDS rounds of `iters` calls. */
function time(fn: () => unknown, iters: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t = process.hrtime.bigint();
    for (let i = 0; i < iters; i++) fn();
    out.push(Number(process.hrtime.bigint() - t) / iters / 1000);
  }
  return out;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const user = Buffer.from(JSON.stringify({ type: 'message', id: 'u1', parentId: null, timestamp: '2026-11-21T17:19:54.904Z', message: { role: 'user', content: 'hello '.repeat(40), timestamp: 1 } }));
console.log(`LineMarkers.toolResult on a one-line block of another line: ${median(time(() => new LineMarkers(user).toolResult(0, user.length), 100_000)).toFixed(2)} µs`);
for (const repeat of [40, 4000, 40_000]) {
  const b = line(repeat);
  const iters = Math.max(20, Math.floor(2_000_000 / b.length));
  const ours: number[] = [];
  const base: number[] = [];
  for (let r = 0; r < 3; r++) {
    ours.push(...time(() => readToolResult(b, 0, b.length), iters));
    base.push(...time(() => JSON.parse(b.toString('utf8')), iters));
  }
  const o = median(ours);
  const w = median(base);
  console.log(`${b.length} B: recognizer ${o.toFixed(2)} µs, decode + JSON.parse ${w.toFixed(2)} µs, ratio ${(w / o).toFixed(1)}x`);
}
