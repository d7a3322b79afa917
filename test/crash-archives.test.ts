/**
 * Crash safety over large write-once archives: the real CLI ingesting ≥ 25 MB of
 * `.jsonl.deleted.<ts>` archives (plus a `.jsonl.zst` archive and a live file) is
 * killed with SIGKILL at growing delays until one run completes, then run once more:
 * the ledger's totals equal those of one clean run, exactly. A cursor committed in the
 * middle of an archive must never make the resume take it for unchanged.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import Database from 'better-sqlite3';
import { assistantLine, headerLine, makeState, tmpDir, userLine } from './helpers.js';

const BIN = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../bin/clawmeter.js');
const zstdOk = spawnSync('zstd', ['--version']).status === 0;

/** Many generated transcripts concatenated into one text; returns it and its call count. */
function transcripts(n: number, callsEach: number, fillerBytes: number): { text: string; calls: number } {
  const filler = 'x'.repeat(fillerBytes);
  const parts: string[] = [];
  let calls = 0;
  for (let t = 0; t < n; t++) {
    parts.push(headerLine(`t${t}`));
    for (let i = 0; i < callsEach; i++) {
      parts.push(userLine(filler), assistantLine({ responseId: i % 4 === 0 ? null : undefined }));
      calls++;
    }
  }
  return { text: parts.join('\n') + '\n', calls };
}

function runIngest(stateDir: string, dataDir: string, killAfterMs?: number): Promise<{ code: number | null; killed: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'ingest', '--state-dir', stateDir, '--data-dir', dataDir, '--log-level', 'silent'], { stdio: 'ignore' });
    let killed = false;
    const timer = killAfterMs === undefined ? null : setTimeout(() => {
      if (child.exitCode === null && child.signalCode === null) {
        killed = child.kill('SIGKILL');
      }
    }, killAfterMs);
    child.on('exit', (code) => {
      if (timer) clearTimeout(timer);
      resolve({ code, killed });
    });
  });
}

interface LedgerTotals {
  calls: number;
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

function ledgerTotals(dataDir: string): LedgerTotals {
  const db = new Database(path.join(dataDir, 'ledger.sqlite'), { readonly: true, fileMustExist: true });
  try {
    const r = db
      .prepare('SELECT count(*) AS calls, sum(input) AS input, sum(output) AS output, sum(cache_read) AS cacheRead, sum(cache_write) AS cacheWrite FROM calls')
      .get() as LedgerTotals;
    return { calls: r.calls, input: r.input ?? 0, output: r.output ?? 0, cacheRead: r.cacheRead ?? 0, cacheWrite: r.cacheWrite ?? 0 };
  } finally {
    db.close();
  }
}

/** Calls committed so far; 0 when the kill came before the ledger had its schema. */
function committedCalls(dataDir: string): number {
  if (!fs.existsSync(path.join(dataDir, 'ledger.sqlite'))) return 0;
  try {
    return ledgerTotals(dataDir).calls;
  } catch (err) {
    if (/no such table/.test((err as Error).message)) return 0;
    throw err;
  }
}

test('SIGKILL at growing delays over ≥ 25 MB of write-once archives, then a clean run: totals equal one clean run', { skip: !zstdOk && 'zstd CLI not installed' }, async () => {
  const root = tmpDir('clawmeter-crash-archives-');
  const { stateDir, sessions } = makeState(root);
  let expected = 0;
  let bytes = 0;
  // Two plain delete archives (each many sessions concatenated), ~13 MB each.
  for (let a = 0; a < 2; a++) {
    const t = transcripts(40, 160, 2000);
    fs.writeFileSync(path.join(sessions, `0000000${a}-aaaa-4bbb-8ccc-dddddddddddd.jsonl.deleted.2026-05-01T10-00-0${a}.000Z`), t.text);
    expected += t.calls;
    bytes += t.text.length;
  }
  // A compressed archive (~6 MB decoded).
  const z = transcripts(20, 150, 2000);
  const plainZ = path.join(root, 'z.jsonl');
  fs.writeFileSync(plainZ, z.text);
  assert.equal(spawnSync('zstd', ['-q', '-3', plainZ, '-o', path.join(sessions, 'zzzzzzzz-aaaa-4bbb-8ccc-dddddddddddd.jsonl.zst')]).status, 0);
  expected += z.calls;
  bytes += z.text.length;
  // A live file (~3 MB).
  const live = transcripts(1, 1500, 2000);
  fs.writeFileSync(path.join(sessions, 'live0000-aaaa-4bbb-8ccc-dddddddddddd.jsonl'), live.text);
  expected += live.calls;
  bytes += live.text.length;
  assert.ok(bytes >= 25 * 1024 * 1024, `history is ${bytes} bytes`);

  // Reference: one clean run into a fresh data dir.
  const cleanData = path.join(root, 'clean');
  assert.equal((await runIngest(stateDir, cleanData)).code, 0);
  const clean = ledgerTotals(cleanData);
  assert.equal(clean.calls, expected);

  // Killed runs at growing delays until one completes on its own.
  const killedData = path.join(root, 'killed');
  let kills = 0;
  const partials: number[] = [];
  for (let delay = 150; ; delay = Math.round(delay * 1.5)) {
    const r = await runIngest(stateDir, killedData, delay);
    if (!r.killed) {
      assert.equal(r.code, 0);
      break;
    }
    kills++;
    partials.push(committedCalls(killedData));
    assert.ok(delay < 120_000, 'an uninterrupted run completes');
  }
  console.log(`crash-archives: ${(bytes / 1048576).toFixed(1)} MB, ${expected} calls, ${kills} kills, calls committed after each: ${partials.join(', ')}`);
  assert.ok(kills >= 2, `killed ${kills} times`);
  // At least one kill landed after some calls were committed and before the end.
  assert.ok(partials.some((n) => n > 0 && n < expected), `calls after each kill: ${partials.join(', ')}`);
  // Calls committed by a kill never go down.
  for (let i = 1; i < partials.length; i++) assert.ok(partials[i] >= partials[i - 1]);

  assert.equal((await runIngest(stateDir, killedData)).code, 0);
  assert.deepEqual(ledgerTotals(killedData), clean);
  fs.rmSync(root, { recursive: true, force: true });
});
