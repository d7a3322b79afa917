/**
 * Fault injection on the ledger's disk (root only: a real 4 MB tmpfs holds the
 * data dir): full, then read-only (remounted ro). While the ledger cannot be
 * written, `serve` keeps answering scrapes with the last committed state,
 * /readyz, clawmeter_ledger_writable, clawmeter_ledger_write_errors_total and
 * clawmeter_ingest_cycles_total say so (the source is not blamed), and once
 * space returns every call appended meanwhile is counted, exactly once. A
 * read-only ledger disk at start is a one-line error (exit 2); made writable
 * again, the next start counts everything appended meanwhile.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { assistantLine, headerLine, makeState, tmpDir } from './helpers.js';
import { BIN, startServeChild, sum, until } from './serve-child.js';

function mountTmpfs(dir: string, mb: number): boolean {
  if (process.getuid?.() !== 0) return false;
  fs.mkdirSync(dir, { recursive: true });
  return spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${mb}m`, 'tmpfs', dir]).status === 0;
}

/** Cycles that did not end ok: a cycle whose commit failed is "failed" (one source) or "degraded"; the ledger, not the source, is reported. */
const notOk = (t: string) => sum(t, 'clawmeter_ingest_cycles_total', /result="(failed|degraded)"/);

const root = tmpDir('clawmeter-disk-');
const mnt = path.join(root, 'mnt');
const mounted = mountTmpfs(mnt, 4);
// Before helpers.ts removes the temporary folder at exit.
after(() => {
  if (mounted) spawnSync('umount', ['-l', mnt]);
});

test('ledger disk full, then read-only: last state served, reported, recovered without loss', { skip: !mounted && 'needs root and tmpfs' }, async () => {
  const { stateDir, sessions } = makeState(root);
  const file = path.join(sessions, 'a.jsonl');
  fs.writeFileSync(file, [headerLine('a'), ...Array.from({ length: 50 }, () => assistantLine({ input: 10 }))].join('\n') + '\n');
  let expected = 50;
  let s = await startServeChild(['--state-dir', stateDir, '--data-dir', path.join(mnt, 'data')]);
  try {
    await until(async () => sum(await s.metrics(), 'openclaw_usage_messages_total') === expected || undefined, 20_000, 'first ingest');

    // Disk full: fill the tmpfs, then append more calls.
    const filler = path.join(mnt, 'filler');
    try {
      fs.writeFileSync(filler, Buffer.alloc(8 * 1024 * 1024));
    } catch (err) {
      assert.equal((err as NodeJS.ErrnoException).code, 'ENOSPC');
    }
    const append = (n: number) => {
      fs.appendFileSync(file, Array.from({ length: n }, () => assistantLine({ input: 10, cacheRead: 50_000 })).join('\n') + '\n');
      expected += n;
    };
    // Enough new rows that SQLite needs new pages.
    append(5000);
    const failedBefore = notOk(await s.metrics());
    await until(async () => notOk(await s.metrics()) > failedBefore || undefined, 20_000, 'a failed cycle');
    const full = await s.metrics();
    assert.equal(sum(full, 'openclaw_usage_messages_total'), 50, 'the last committed state is served');
    const ready = await fetch(`${s.url}/readyz`);
    const reasons = await ready.text();
    assert.equal(ready.status, 503, 'not ready while the ledger cannot be written');
    assert.match(reasons, /^ledger not writable: disk_full: database or disk is full$/m);
    assert.doesNotMatch(reasons, /source down/, 'the source is not blamed for the ledger');
    assert.match(full, /^clawmeter_ledger_writable 0$/m, 'and in a metric');
    assert.ok(sum(full, 'clawmeter_ledger_write_errors_total', /reason="disk_full"/) > 0, 'counted as disk_full');
    assert.doesNotMatch(full, /^clawmeter_source_up\{[^}]*\} 0$/m);
    const health = (await (await fetch(`${s.url}/api/v1/sources/health`)).json()) as { ready: boolean; ledger: { writable: boolean; lastError: { reason: string } } };
    assert.equal(health.ready, false);
    assert.equal(health.ledger.writable, false);
    assert.equal(health.ledger.lastError.reason, 'disk_full');
    if (process.env.FAULTS_VERBOSE) console.log('readyz while full:', reasons.trim());
    // Space returns: everything appended meanwhile is counted once.
    fs.rmSync(filler, { force: true });
    await until(async () => sum(await s.metrics(), 'openclaw_usage_messages_total') === expected || undefined, 20_000, 'recovery after ENOSPC');
    assert.equal((await fetch(`${s.url}/readyz`)).status, 200);
    assert.match(await s.metrics(), /^clawmeter_ledger_writable 1$/m, 'writable again after the next commit');
    // On the nearly full disk each commit is checkpointed at once (checkpointer.ts LOW_DISK_BYTES):
    // the WAL does not take the room the main file needs to grow into. (Polled: a cycle may be committing.)
    const wal = path.join(mnt, 'data', 'ledger.sqlite-wal');
    await until(async () => (fs.existsSync(wal) ? fs.statSync(wal).size : 0) === 0 || undefined, 5_000, 'an empty WAL after a commit on a nearly full disk');

    // Read-only: a tmpfs cannot be remounted ro while SQLite holds files open for writing
    // (EBUSY), so this is the ledger on a read-only disk at start: a one-line error, exit 2.
    assert.equal(await s.stop(), 0);
    assert.equal(fs.existsSync(wal), false, 'the stop checkpointed and removed the WAL');
    assert.equal(spawnSync('mount', ['-o', 'remount,ro', mnt]).status, 0);
    append(30);
    const ro = spawnSync(process.execPath, [BIN, 'serve', '--state-dir', stateDir, '--data-dir', path.join(mnt, 'data'), '--listen', '127.0.0.1:0'], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(ro.status, 2);
    assert.equal(ro.stderr.trim().split('\n').length, 1, ro.stderr);
    assert.match(ro.stderr, /read-only|not writable|EROFS/i);
    if (process.env.FAULTS_VERBOSE) console.log('start on a read-only ledger:', ro.stderr.trim());
    assert.equal(spawnSync('mount', ['-o', 'remount,rw', mnt]).status, 0);
    s = await startServeChild(['--state-dir', stateDir, '--data-dir', path.join(mnt, 'data')]);
    await until(async () => sum(await s.metrics(), 'openclaw_usage_messages_total') === expected || undefined, 20_000, 'recovery after read-only');
    assert.equal((await fetch(`${s.url}/readyz`)).status, 200);
  } finally {
    const code = await s.stop();
    assert.equal(code, 0, `clean stop (serve exits 0 on SIGTERM); log:\n${s.log().slice(-1500)}`);
  }
});
