/**
 * The cold-ingest mechanics of issue 9: lineBlocks' two reused read buffers give
 * exactly the lines of the file (lines across block boundaries, lines longer than a
 * buffer, over-long lines dropped, a final line without newline), and a stepped
 * commit is one transaction: the read model changes only after it, a failure in
 * any slice leaves neither calls nor cursors, and scrapes run between its slices.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { lineBlocks } from '../src/sources/tail.js';
import { Ledger } from '../src/ledger/ledger.js';
import type { CommitBatch, CommitCall } from '../src/ledger/types.js';
import { tmpDir, ledgerCall } from './helpers.js';

async function readLines(file: string, maxLine: number, final: boolean): Promise<{ lines: string[]; tooLong: number; skipped: number; partial: number }> {
  const fd = fs.openSync(file, 'r');
  const lines: string[] = [];
  let tooLong = 0;
  let skipped = 0;
  let partial = 0;
  try {
    for await (const b of lineBlocks(fd, 0, { maxLine, final, onTooLong: () => tooLong++ })) {
      // copy out at once: the block's bytes are reused by the read after the next
      const text = b.view.toString('utf8');
      for (const l of text.split('\n')) if (l.length > 0) lines.push(l);
      skipped += b.skippedLines;
      partial = b.partial;
    }
  } finally {
    fs.closeSync(fd);
  }
  return { lines, tooLong, skipped, partial };
}

test('lineBlocks with reused buffers returns every line exactly, long and short, across block boundaries', async () => {
  const dir = tmpDir();
  // Deterministic mix: many short lines, lines of about one and several read buffers (1 MiB), unicode.
  let seed = 42;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const expected: string[] = [];
  for (let i = 0; i < 4000; i++) {
    const r = rnd();
    const len = r < 0.002 ? 2_500_000 + Math.floor(rnd() * 500_000) : r < 0.01 ? 900_000 + Math.floor(rnd() * 300_000) : 1 + Math.floor(rnd() * 3000);
    expected.push(`${i}:` + 'ä€x'.repeat(Math.ceil(len / 3)).slice(0, len));
  }
  const file = path.join(dir, 'a.jsonl');
  fs.writeFileSync(file, expected.join('\n') + '\nno-newline-tail');
  const live = await readLines(file, 32 * 1024 * 1024, false);
  assert.equal(live.lines.length, expected.length);
  for (let i = 0; i < expected.length; i++) if (live.lines[i] !== expected[i]) assert.fail(`line ${i} differs`);
  assert.equal(live.partial, Buffer.byteLength('no-newline-tail'), 'a live file holds its partial last line back');
  const archive = await readLines(file, 32 * 1024 * 1024, true);
  assert.deepEqual(archive.lines.slice(-1), ['no-newline-tail'], 'an archive returns its last line');

  // Lines over maxLine are dropped whole and counted; the others stay exact.
  const small = await readLines(file, 2_000_000, false);
  const kept = expected.filter((l) => Buffer.byteLength(l) <= 2_000_000);
  assert.ok(small.tooLong > 0 && small.tooLong === expected.length - kept.length, `too long: ${small.tooLong}`);
  assert.equal(small.skipped, small.tooLong);
  assert.deepEqual(small.lines, kept);
});

function call(i: number): CommitCall {
  return ledgerCall(i);
}

test('a stepped commit is one transaction: published after COMMIT, rolled back whole on a failure', async () => {
  const dir = tmpDir();
  const ledger = Ledger.open(dir);
  try {
    const calls = Array.from({ length: 2_500 }, (_, i) => call(i));
    const seen: number[] = [];
    const res = await ledger.commitInSteps({ calls, cursors: [['file:x', { offset: 1 }]] }, async () => {
      // a scrape between slices sees the model as before the commit
      seen.push(ledger.callCount());
      await new Promise((r) => setImmediate(r));
    }, 1_000);
    assert.deepEqual(seen, [0, 0, 0], 'two pauses between three slices and one after COMMIT, nothing published yet');
    assert.deepEqual(res, { inserted: 2_500, duplicates: 0 });
    assert.equal(ledger.callCount(), 2_500);
    assert.deepEqual(ledger.get('file:x'), { offset: 1 });
    assert.deepEqual(ledger.commit({ calls: [call(0)] }), { inserted: 0, duplicates: 1 }, 'deduplicated against the stepped commit');
  } finally {
    ledger.close();
  }

  // A failure in the second slice: nothing of the batch, neither calls nor cursor, is kept.
  const ledger2 = Ledger.open(dir);
  try {
    const before = ledger2.callCount();
    const calls = Array.from({ length: 3_000 }, (_, i) => call(10_000 + i));
    let pauses = 0;
    await assert.rejects(
      ledger2.commitInSteps({ calls, cursors: [['file:y', { offset: 9 }]] }, async () => {
        if (++pauses === 2) throw new Error('interrupted');
      }, 1_000),
      /interrupted/,
    );
    assert.equal(ledger2.callCount(), before);
    assert.equal(ledger2.get('file:y'), undefined);
  } finally {
    ledger2.close();
  }
  const reopened = Ledger.open(dir);
  try {
    assert.equal(reopened.callCount(), 2_500, 'on disk too: the failed batch left nothing');
    assert.equal(reopened.get('file:y'), undefined);
    // and the ledger still commits afterwards
    assert.equal(reopened.commit({ calls: [call(99_999)] }).inserted, 1);
  } finally {
    reopened.close();
  }
});

test('no other commit may start while a stepped commit is open', async () => {
  const ledger = Ledger.open(tmpDir());
  try {
    let inner: unknown = null;
    await ledger.commitInSteps({ calls: Array.from({ length: 20 }, (_, i) => call(i)) }, async () => {
      try {
        ledger.commit({ calls: [call(500)] });
      } catch (err) {
        inner = err;
      }
    }, 10);
    assert.match(String(inner), /stepped commit is open/);
    assert.equal(ledger.callCount(), 20);
  } finally {
    ledger.close();
  }
});

test('a stepped commit also pauses between slices of run durations and tool results, and stores what one commit() stores', async () => {
  // 1,200 calls in 60 sessions (15 sessions end every run; 45 leave one waiting for tool results) and 900 tool results
  const sessionOf = (i: number) => `s${String(i % 60).padStart(15, '0')}`;
  const calls = Array.from({ length: 1_200 }, (_, i) => ledgerCall(i, { stopReason: i % 4 === 3 ? 'stop' : 'toolUse', latencyMs: 800 }));
  const spans = calls.map((c, i) => ({ dedupeKey: c.dedupeKey, sessionHash: sessionOf(i), requestIdHash: null, api: 'openai-responses' }));
  const toolResults = Array.from({ length: 900 }, (_, i) => ({ key: `t${i}`, sessionHash: sessionOf(i), tsMs: calls[i].tsMs + 500, toolName: 'exec', isError: i % 7 === 0 }));
  const batch = () => ({ calls, spans, toolResults, cursors: [['file:z', { offset: 3 }]] as Array<[string, { offset: number }]> });
  const contents = (l: Ledger) => {
    const db = l['db'] as import('better-sqlite3').Database;
    return {
      calls: db.prepare(`SELECT dedupe_key, session_hash, api FROM calls ORDER BY id`).all(),
      tools: db.prepare(`SELECT * FROM tool_results ORDER BY session_hash, key`).all(),
      runs: db.prepare(`SELECT * FROM run_totals ORDER BY dims`).all(),
      open: db.prepare(`SELECT * FROM open_runs ORDER BY session_hash`).all(),
      published: l.runDurations(),
    };
  };
  const once = Ledger.open(tmpDir());
  const stepped = Ledger.open(tmpDir());
  const plain = Ledger.open(tmpDir());
  const steppedCommit = async (l: Ledger, b: CommitBatch) => {
    let pauses = 0;
    await l.commitInSteps(b, async () => {
      pauses++;
      await new Promise((r) => setImmediate(r));
    }, 500);
    return pauses;
  };
  try {
    once.commit(batch());
    const withFacts = await steppedCommit(stepped, batch());
    const callsOnly = await steppedCommit(plain, { calls, cursors: batch().cursors });
    // runs: 1,200 calls' sessions in slices of 500 (2 pauses); tools: 900 in slices of 500 (2 pauses)
    assert.equal(withFacts - callsOnly, 4, `${withFacts} pauses with span facts and tool results, ${callsOnly} without`);
    const a = contents(once);
    assert.ok(a.tools.length === 900 && a.runs.length > 0 && a.open.length === 45, `${a.tools.length} tools, ${a.runs.length} run rows, ${a.open.length} open runs`);
    assert.deepEqual(contents(stepped), a);
  } finally {
    once.close();
    stepped.close();
    plain.close();
  }
});
