/**
 * Fault injection on the read side, against a real `serve` child: the state dir
 * vanishing and returning, transcripts truncated (also in the middle of a read)
 * and renamed to their archive names, and the wall clock jumping forward and
 * back (libfaketime). Scrapes keep answering, exported counters never go down,
 * and the totals end exact.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { assistantLine, headerLine, makeState, tmpDir, userLine } from './helpers.js';
import { startServeChild, sum, until, watchMonotonic, type ServeChild } from './serve-child.js';

const FAKETIME = '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1';

function calls(n: number, o: Parameters<typeof assistantLine>[0] = {}): string {
  return Array.from({ length: n }, () => assistantLine({ input: 10, ...o })).join('\n') + '\n';
}

const messages = async (s: ServeChild) => sum(await s.metrics(), 'openclaw_usage_messages_total');

test('state dir vanishing and returning; files truncated and renamed: served throughout, totals exact', async () => {
  const root = tmpDir('clawmeter-faults-');
  const { stateDir, sessions } = makeState(root);
  const a = path.join(sessions, 'a.jsonl');
  const b = path.join(sessions, 'b.jsonl');
  fs.writeFileSync(a, headerLine('a') + '\n' + calls(100));
  fs.writeFileSync(b, headerLine('b') + '\n' + calls(40));
  let expected = 140;
  const s = await startServeChild(['--state-dir', stateDir, '--data-dir', path.join(root, 'data')]);
  const mono = watchMonotonic(s);
  try {
    await until(async () => (await messages(s)) === expected || undefined, 20_000, 'first ingest');

    // The whole state dir goes away (a volume unmounted, a directory moved).
    const away = stateDir + '.away';
    fs.renameSync(stateDir, away);
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal(await messages(s), expected, 'the last state stays served');
    assert.equal((await fetch(`${s.url}/healthz`)).status, 200);
    fs.renameSync(away, stateDir);
    fs.appendFileSync(a, calls(10));
    expected += 10;
    await until(async () => (await messages(s)) === expected || undefined, 20_000, 'after the state dir returned');

    // Truncated: a.jsonl rewritten to its first half, then new calls appended.
    const lines = fs.readFileSync(a, 'utf8').split('\n');
    fs.writeFileSync(a, lines.slice(0, 51).join('\n') + '\n');
    fs.appendFileSync(a, calls(20));
    expected += 20;
    // Renamed to an archive name (a reset), then a new live file for the session.
    fs.renameSync(b, `${b}.reset.2026-12-01T10-00-00.000Z`);
    fs.writeFileSync(b, headerLine('b2') + '\n' + userLine() + '\n' + calls(5));
    expected += 5;
    await until(async () => (await messages(s)) === expected || undefined, 20_000, 'after truncation and rename');
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal(await messages(s), expected, 'nothing counted twice');
  } finally {
    const m = await mono.stop();
    await s.stop();
    assert.deepEqual(m.problems, []);
    assert.ok(m.scrapes > 20);
  }
});

test('a big file truncated in the middle of its first read: no crash, counters monotonic, a consistent end state', async () => {
  const root = tmpDir('clawmeter-faults-');
  const { stateDir, sessions } = makeState(root);
  const big = path.join(sessions, 'big.jsonl');
  const filler = 'x'.repeat(4000);
  const parts = [headerLine('big')];
  for (let i = 0; i < 8000; i++) parts.push(userLine(filler), assistantLine({ input: 10 }));
  fs.writeFileSync(big, parts.join('\n') + '\n'); // ~33 MB
  const keep = 2000;
  const s = await startServeChild(['--state-dir', stateDir, '--data-dir', path.join(root, 'data')]);
  const mono = watchMonotonic(s);
  try {
    await new Promise((r) => setTimeout(r, 30));
    fs.truncateSync(big, Buffer.byteLength(parts.slice(0, 1 + keep * 2).join('\n') + '\n'));
    fs.appendFileSync(big, calls(7));
    // Whatever was read before the cut stays counted (the ledger is monotonic); the kept prefix and the 7 new calls are there once.
    await until(async () => ((await messages(s)) >= keep + 7 ? true : undefined), 30_000, 'the file after truncation');
    // The first ingest may still be committing what it read before the cut: wait until
    // the count holds still for 2.5 s, then it must stay there (a consistent end state).
    let settled = await messages(s);
    for (let i = 0; i < 20; i++) {
      await new Promise((r) => setTimeout(r, 2500));
      const v = await messages(s);
      if (v === settled) break;
      settled = v;
    }
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal(await messages(s), settled, 'settled');
    assert.ok(settled >= keep + 7 && settled <= 8000 + 7, `between the kept prefix and everything: ${settled}`);
  } finally {
    const m = await mono.stop();
    await s.stop();
    assert.deepEqual(m.problems, []);
  }
});

test('wall clock jumps forward a day and back two (libfaketime): still serving, counters monotonic, new calls counted', { skip: !fs.existsSync(FAKETIME) && 'libfaketime not installed' }, async () => {
  const root = tmpDir('clawmeter-faults-');
  const { stateDir, sessions } = makeState(root);
  const rc = path.join(root, 'faketime.rc');
  fs.writeFileSync(rc, '+0\n');
  const a = path.join(sessions, 'a.jsonl');
  fs.writeFileSync(a, headerLine('a') + '\n' + calls(30));
  let expected = 30;
  const s = await startServeChild(['--state-dir', stateDir, '--data-dir', path.join(root, 'data')], {
    env: { LD_PRELOAD: FAKETIME, FAKETIME_TIMESTAMP_FILE: rc, FAKETIME_NO_CACHE: '1', FAKETIME_DONT_FAKE_MONOTONIC: '1' },
  });
  const mono = watchMonotonic(s);
  try {
    await until(async () => (await messages(s)) === expected || undefined, 20_000, 'first ingest');
    for (const jump of ['+1d', '-2d', '+0']) {
      fs.writeFileSync(rc, `${jump}\n`);
      await new Promise((r) => setTimeout(r, 1500));
      fs.appendFileSync(a, calls(5));
      expected += 5;
      await until(async () => (await messages(s)) === expected || undefined, 20_000, `calls after a jump to ${jump}`);
      const text = await s.metrics();
      assert.doesNotMatch(text, / (NaN|[+-]Inf)$/m, 'no non-finite sample');
      assert.equal((await fetch(`${s.url}/healthz`)).status, 200);
    }
  } finally {
    const m = await mono.stop();
    await s.stop();
    assert.deepEqual(m.problems, []);
  }
});
