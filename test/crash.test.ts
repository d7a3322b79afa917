/**
 * Crash safety: `kill -9` of an ingesting process at random moments, then restarts,
 * end with the same ledger totals as one clean run (no double count, nothing lost),
 * because events and cursors commit in one transaction.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { Ledger } from '../src/ledger/ledger.js';
import { assistantLine, headerLine, makeState, tmpDir, totalsOf, userLine, sqlRead } from './helpers.js';

const BIN = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../bin/clawmeter.js');

function writeHistory(sessions: string, files: number, callsPerFile: number): number {
  const filler = 'x'.repeat(2000);
  let calls = 0;
  for (let f = 0; f < files; f++) {
    const parts = [headerLine(`c${f}`)];
    for (let i = 0; i < callsPerFile; i++) {
      parts.push(userLine(filler), assistantLine({ responseId: i % 3 === 0 ? null : undefined }));
      calls++;
    }
    fs.writeFileSync(path.join(sessions, `c${f}.jsonl`), parts.join('\n') + '\n');
  }
  return calls;
}

function runIngest(stateDir: string, dataDir: string): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'ingest', '--state-dir', stateDir, '--data-dir', dataDir, '--log-level', 'silent'], {
      stdio: 'ignore',
    });
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
}

test('kill -9 at random moments, then restart: totals equal a clean run', async () => {
  const root = tmpDir('clawmeter-crash-');
  const { stateDir, sessions } = makeState(root);
  const expected = writeHistory(sessions, 40, 600); // ~60 MB

  const killedData = path.join(root, 'killed');
  let kills = 0;
  for (let i = 0; i < 8; i++) {
    const child = spawn(process.execPath, [BIN, 'ingest', '--state-dir', stateDir, '--data-dir', killedData, '--log-level', 'silent'], {
      stdio: 'ignore',
    });
    const delay = 80 + Math.floor(Math.random() * 400);
    const exited = new Promise<void>((r) => child.on('exit', () => r()));
    await new Promise((r) => setTimeout(r, delay));
    if (child.exitCode === null) {
      child.kill('SIGKILL');
      kills++;
    }
    await exited;
  }
  const final = await runIngest(stateDir, killedData);
  assert.equal(final.code, 0);
  const l = Ledger.open(killedData);
  const t = totalsOf(l);
  const rows = sqlRead<{ n: number }>(l, 'SELECT count(*) AS n FROM calls')[0].n;
  l.close();
  assert.ok(kills >= 1, 'at least one run was killed mid-way');
  assert.equal(t.calls, expected, `after ${kills} kills`);
  assert.equal(rows, expected);
  // and the same as a clean run
  const cleanData = path.join(root, 'clean');
  assert.equal((await runIngest(stateDir, cleanData)).code, 0);
  const c = Ledger.open(cleanData);
  assert.deepEqual(totalsOf(c), t);
  c.close();
  fs.rmSync(root, { recursive: true, force: true });
});

test('the CLI refuses bad flags and unusable paths with exit 2 and one line', () => {
  const cases: string[][] = [
    ['serve', '--bogus'],
    ['serve', '--listen', 'nope'],
    ['serve', '--interval', '-1', '--state-dir', '/'],
    ['ingest', '--state-dir', '/nonexistent/openclaw'],
    ['ingest', '--state-dir', '/etc/hostname'],
    ['frobnicate'],
  ];
  for (const args of cases) {
    const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, HOME: tmpDir() } });
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `one line: ${r.stderr}`);
    assert.match(lines[0], /^clawmeter: /);
  }
  const ro = tmpDir();
  fs.mkdirSync(path.join(ro, 'agents'));
  fs.writeFileSync(path.join(ro, 'file'), '');
  const r = spawnSync(process.execPath, [BIN, 'ingest', '--state-dir', ro, '--data-dir', path.join(ro, 'file', 'sub')], { encoding: 'utf8' });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /--data-dir .*not usable/);
});

test('--help works for every command', () => {
  for (const args of [['--help'], ['serve', '--help'], ['ingest', '--help'], ['demo', '--help'], ['help', 'serve']]) {
    const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
    assert.equal(r.status, 0, args.join(' '));
    assert.match(r.stdout, /^Usage: clawmeter/);
  }
});
