/**
 * The ledger's disk turning read-only while `serve` runs (root only): the data dir
 * lives on a real ext4 file system in a loop-mounted image, mounted with
 * errors=remount-ro (the usual setting for a system disk), and a file system error
 * is triggered through /sys/fs/ext4/<dev>/trigger_fs_error, which is what the
 * kernel does on a real disk error: the journal aborts and every further write
 * fails with EROFS. (A tmpfs or a bind mount cannot be remounted read-only while
 * SQLite holds files open for writing: EBUSY.) While it is read-only, scrapes keep
 * answering with the last committed state and never go down, /readyz is 503 with
 * "ledger not writable: read_only", clawmeter_ledger_writable is 0 and the error is
 * counted as read_only; the source is not blamed. An aborted ext4 cannot be made
 * writable in place (remount,rw is refused), so recovery is what an operator does:
 * stop clawmeter, repair and mount the disk again, start clawmeter: every call
 * appended meanwhile is counted, exactly once. Skips, saying why, without root,
 * loop devices, mkfs.ext4/e2fsck or the sysfs trigger.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { assistantLine, headerLine, makeState, tmpDir } from './helpers.js';
import { startServeChild, sum, until, watchMonotonic } from './serve-child.js';

const root = tmpDir('clawmeter-ro-');
const img = path.join(root, 'ledger.img');
const mnt = path.join(root, 'mnt');
let mounted = false;

const run = (cmd: string, args: string[]) => spawnSync(cmd, args, { encoding: 'utf8', timeout: 60_000 });

function mount(): string | null {
  const m = run('mount', ['-o', 'loop,errors=remount-ro', img, mnt]);
  if (m.status !== 0) return `cannot mount a loop device (${(m.stderr || String(m.error)).trim().split('\n')[0]})`;
  mounted = true;
  return null;
}

function umount(): void {
  if (mounted) run('umount', [mnt]);
  mounted = false;
}

/** Sets up the image; returns why the test cannot run here, or null. */
function prepare(): string | null {
  if (process.getuid?.() !== 0) return 'needs root (loop devices, mount)';
  for (const tool of ['mkfs.ext4', 'e2fsck', 'findmnt']) if (run(tool, ['-V']).error) return `${tool} not installed`;
  fs.mkdirSync(mnt, { recursive: true });
  fs.closeSync(fs.openSync(img, 'w'));
  fs.truncateSync(img, 64 * 1024 * 1024);
  const mk = run('mkfs.ext4', ['-q', '-F', img]);
  if (mk.status !== 0) return `mkfs.ext4 failed (${mk.stderr.trim()})`;
  const why = mount();
  if (why) return why;
  if (!fs.existsSync(trigger())) {
    umount();
    return `no ${trigger()} (kernel without ext4 sysfs error triggering)`;
  }
  return null;
}

function trigger(): string {
  const dev = run('findmnt', ['-n', '-o', 'SOURCE', mnt]).stdout.trim();
  return `/sys/fs/ext4/${path.basename(dev)}/trigger_fs_error`;
}

const skip = prepare();
if (skip) console.log(`faults-readonly: skipped: ${skip}`);
after(() => {
  if (mounted) run('umount', ['-l', mnt]);
});

function calls(n: number): string {
  return Array.from({ length: n }, () => assistantLine({ input: 10 })).join('\n') + '\n';
}

test('ledger disk turns read-only while serving: last state served, reported, nothing lost after repair and restart', { skip: skip ?? false, timeout: 120_000 }, async () => {
  const { stateDir, sessions } = makeState(root);
  const file = path.join(sessions, 'a.jsonl');
  fs.writeFileSync(file, headerLine('a') + '\n' + calls(50));
  let expected = 50;
  const dataDir = path.join(mnt, 'data');
  let s = await startServeChild(['--state-dir', stateDir, '--data-dir', dataDir]);
  let stopWatch = watchMonotonic(s).stop;
  try {
    await until(async () => sum(await s.metrics(), 'openclaw_usage_messages_total') === 50 || undefined, 20_000, 'first ingest');
    // What was committed reaches the disk (as it would minutes into a real run), then the disk fails.
    assert.equal(run('sync', ['-f', dataDir]).status, 0);
    fs.writeFileSync(trigger(), 'clawmeter test');
    assert.throws(() => fs.writeFileSync(path.join(mnt, 'probe'), 'x'), /EROFS/, 'the file system is read-only now');

    fs.appendFileSync(file, calls(30));
    expected += 30;
    await until(async () => /^clawmeter_ledger_writable 0$/m.test(await s.metrics()) || undefined, 20_000, 'the ledger reported not writable');
    const m = await s.metrics();
    assert.equal(sum(m, 'openclaw_usage_messages_total'), 50, 'the last committed state is served');
    assert.ok(sum(m, 'clawmeter_ledger_write_errors_total', /reason="read_only"/) > 0, `counted as read_only:\n${m.split('\n').filter((l) => l.startsWith('clawmeter_ledger')).join('\n')}`);
    assert.doesNotMatch(m, /^clawmeter_source_up\{[^}]*\} 0$/m, 'the source is not blamed');
    const ready = await fetch(`${s.url}/readyz`);
    const reasons = await ready.text();
    assert.equal(ready.status, 503);
    assert.match(reasons, /^ledger not writable: read_only: /m);
    if (process.env.FAULTS_VERBOSE) console.log('readyz while read-only:', reasons.trim());
    const health = (await (await fetch(`${s.url}/api/v1/sources/health`)).json()) as { ledger: { writable: boolean; lastError: { reason: string; message: string } } };
    assert.equal(health.ledger.writable, false);
    assert.equal(health.ledger.lastError.reason, 'read_only');
    // More calls, more cycles: still serving the same state, still answering.
    fs.appendFileSync(file, calls(20));
    expected += 20;
    await new Promise((r) => setTimeout(r, 3000));
    assert.equal(sum(await s.metrics(), 'openclaw_usage_messages_total'), 50);
    assert.equal((await fetch(`${s.url}/api/v1/summary`)).status, 200, 'the API answers too');
    assert.equal((await fetch(`${s.url}/healthz`)).status, 200, 'alive');
    const w = await stopWatch();
    assert.deepEqual(w.problems, []);
    assert.ok(w.scrapes > 20, `${w.scrapes} scrapes`);
    // An aborted ext4 stays read-only: the kernel refuses remount,rw.
    const rw = run('mount', ['-o', 'remount,rw', mnt]);
    if (process.env.FAULTS_VERBOSE) console.log('remount,rw:', rw.status, rw.stderr.trim());

    // Recovery: stop, repair, mount, start. Everything appended meanwhile is counted once.
    const code = await s.stop();
    assert.equal(code, 0, `a clean stop even on a read-only ledger; log:\n${s.log().slice(-1500)}`);
    umount();
    const fsck = run('e2fsck', ['-f', '-y', img]);
    assert.ok(fsck.status === 0 || fsck.status === 1, `e2fsck: ${fsck.status} ${fsck.stdout}`);
    assert.equal(mount(), null);
    s = await startServeChild(['--state-dir', stateDir, '--data-dir', dataDir]);
    stopWatch = watchMonotonic(s).stop;
    await until(async () => sum(await s.metrics(), 'openclaw_usage_messages_total') === expected || undefined, 20_000, 'recovery after read-only');
    const after = await s.metrics();
    assert.match(after, /^clawmeter_ledger_writable 1$/m);
    assert.equal((await fetch(`${s.url}/readyz`)).status, 200);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(sum(await s.metrics(), 'openclaw_usage_messages_total'), expected, 'exactly once');
    assert.deepEqual((await stopWatch()).problems, []);
  } finally {
    await stopWatch().catch(() => undefined);
    await s.stop();
    umount();
  }
});
