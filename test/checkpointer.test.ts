/**
 * WAL checkpoints on their own thread (src/ledger/checkpointer.ts, issue 9): once a
 * stepped commit runs, the writer no longer checkpoints inside COMMIT, the thread
 * does (the WAL stays bounded over many large commits), every call is in the main
 * file after close() (which stops the thread first, so the writer's close still
 * removes the WAL), and the thread neither holds the writer lock nor keeps a
 * process alive.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import Database from 'better-sqlite3';
import { Ledger, LEDGER_FILE } from '../src/ledger/ledger.js';
import { pendingFrames } from '../src/ledger/checkpointer.js';
import type { CommitCall } from '../src/ledger/types.js';
import { tmpDir, ledgerCall } from './helpers.js';

function call(i: number): CommitCall {
  return ledgerCall(i, { dedupeKey: `key-${i}-${(i * 2654435761) % 1000003}`, input: 10 + i });
}

const pause = () => new Promise<void>((r) => setImmediate(r));

test('after a stepped commit the checkpoints run on their own thread; the WAL stays bounded; close leaves every call in the file', async () => {
  const dir = tmpDir();
  const file = path.join(dir, LEDGER_FILE);
  const ledger = Ledger.open(dir);
  const walSizes: number[] = [];
  let n = 0;
  try {
    assert.equal(ledger.checkpoints.running, false, 'no thread before a backfill');
    for (let round = 0; round < 8; round++) {
      const calls = Array.from({ length: 20_000 }, () => call(n++));
      await ledger.commitInSteps({ calls, cursors: [['file:x', { offset: n }]] }, pause, 1_000);
      assert.equal(ledger.checkpoints.running, true);
      await ledger.checkpoints.whenIdle();
      walSizes.push(fs.statSync(`${file}-wal`).size);
    }
    assert.ok(ledger.checkpoints.checkpoints > 0, 'the thread checkpointed');
    // Without checkpoints (the writer's own are off) the WAL would only grow: here it
    // is reset behind each completed checkpoint, so it stays near one commit's size.
    const oneCommit = walSizes[0];
    assert.ok(walSizes[walSizes.length - 1] < oneCommit * 3, `WAL sizes ${walSizes.join(', ')}`);
    // The thread holds no writer lock: a second writer is still refused by the lock alone.
    assert.throws(() => Ledger.open(dir), /lock|running|another/i);
  } finally {
    ledger.close();
  }
  assert.equal(fs.existsSync(`${file}-wal`) && fs.statSync(`${file}-wal`).size > 0, false, 'close checkpoints and removes the WAL');
  const db = new Database(file, { readonly: true });
  try {
    assert.equal((db.prepare('SELECT count(*) AS n FROM calls').get() as { n: number }).n, n);
  } finally {
    db.close();
  }
  const again = Ledger.open(dir);
  try {
    assert.equal(again.callCount(), n);
  } finally {
    again.close();
  }
});

test('a checkpoint is asked for by the frames waiting in the WAL, not by its size: small commits after a backfill ask for none', async () => {
  const dir = tmpDir();
  const file = path.join(dir, LEDGER_FILE);
  const ledger = Ledger.open(dir);
  let n = 0;
  try {
    // 60,000 calls: over 1,000 WAL frames (4 MiB) in one commit
    await ledger.commitInSteps({ calls: Array.from({ length: 60_000 }, () => call(n++)) }, pause, 1_000);
    await ledger.checkpoints.whenIdle();
    const asked = ledger.checkpoints.requests;
    assert.ok(asked >= 1, 'the backfill asked for a checkpoint');
    assert.ok(fs.statSync(`${file}-wal`).size >= 4 * 1024 * 1024, 'the WAL file stays large (SQLite reuses it without shrinking it)');
    assert.equal(pendingFrames(file), 0, 'everything was copied');
    // 20 small commits: a few frames each, far below the threshold; the old size test asked 20 times
    for (let i = 0; i < 20; i++) ledger.commit({ calls: [call(n++)] });
    const waiting = pendingFrames(file)!;
    assert.ok(waiting > 0 && waiting < 1000, `${waiting} frames waiting`);
    assert.equal(ledger.checkpoints.requests, asked, 'no checkpoint asked for');
    // a large commit asks again
    await ledger.commitInSteps({ calls: Array.from({ length: 60_000 }, () => call(n++)) }, pause, 1_000);
    await ledger.checkpoints.whenIdle();
    assert.ok(ledger.checkpoints.requests > asked);
    assert.equal(pendingFrames(file), 0);
  } finally {
    ledger.close();
  }
  assert.equal(pendingFrames(path.join(dir, 'missing.sqlite')), null, 'no -shm file: unknown (the WAL size is used)');
});

test('a process whose ledger started the checkpoint thread exits on its own, with or without close()', () => {
  const dir = tmpDir();
  const ledgerUrl = new URL('../src/ledger/ledger.js', import.meta.url).href;
  for (const close of [true, false]) {
    const script = `
      const { Ledger } = await import(${JSON.stringify(ledgerUrl)});
      const l = Ledger.open(${JSON.stringify(path.join(dir, String(close)))});
      const calls = Array.from({ length: 30000 }, (_, i) => ({ dedupeKey: 'k' + i, tsMs: 1790000000000 + i, provider: 'p', model: 'm', input: 1, output: 1,
        cacheRead: 0, cacheWrite: 0, costUsd: null, stopReason: 'stop', errorCategory: null, latencyMs: null, agent: 'a', compatKind: 'main',
        kind: 'main', channel: 'c', chatType: 'direct', source: 'jsonl' }));
      await l.commitInSteps({ calls }, () => new Promise((r) => setImmediate(r)), 1000);
      if (!l.checkpoints.running) throw new Error('no thread');
      ${close ? 'l.close();' : ''}
      console.log('done');`;
    const file = path.join(dir, `child-${close}.mjs`);
    fs.writeFileSync(file, script);
    const r = spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /done/);
  }
});
