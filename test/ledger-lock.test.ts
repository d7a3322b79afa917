/**
 * One writer per ledger, and a private data dir: a second opener fails at once
 * with LedgerLocked naming the holder; `clawmeter ingest` against a held ledger
 * exits 2 with that one line; the lock dies with its process (kill -9); the data
 * dir is 0700 and every ledger file 0600 even under umask 022.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import Database from 'better-sqlite3';
import { Ledger, LedgerLocked } from '../src/ledger/ledger.js';
import { assistantLine, headerLine, makeState, tmpDir } from './helpers.js';

const DIST = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const BIN = path.resolve(DIST, '../bin/clawmeter.js');

/** A child process that opens the ledger in dataDir and holds it until killed. */
/** A process that holds the ledger (kept referenced: a collected handle would close, and free the lock). */
async function holder(dataDir: string): Promise<ReturnType<typeof spawn>> {
  const code = `import('${path.join(DIST, 'src/ledger/ledger.js')}').then((m) => { globalThis.held = m.Ledger.open(process.argv[1]); console.log('ready'); setInterval(() => {}, 1000); })`;
  const child = spawn(process.execPath, ['-e', code, dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) resolve();
    });
    child.on('exit', (c) => reject(new Error(`holder exited ${c}`)));
  });
  return child;
}

test('a second opener fails at once with LedgerLocked; close releases the lock', () => {
  const data = path.join(tmpDir(), 'data');
  const a = Ledger.open(data);
  const started = Date.now();
  assert.throws(() => Ledger.open(data), (err: unknown) => {
    assert.ok(err instanceof LedgerLocked);
    assert.match(err.message, new RegExp(`in use by pid ${process.pid}`));
    assert.match(err.message, /stop it, or use another --data-dir/);
    assert.doesNotMatch(err.message, /\n/);
    return true;
  });
  assert.ok(Date.now() - started < 2000, 'no busy wait');
  // the lock guards writers only: a read-only reader of the WAL database is not blocked
  const reader = new Database(path.join(data, 'ledger.sqlite'), { readonly: true, timeout: 0 });
  assert.equal((reader.prepare(`SELECT count(*) AS n FROM calls`).get() as { n: number }).n, 0);
  reader.close();
  a.close();
  const b = Ledger.open(data);
  b.close();
});

test('ingest on a ledger another process holds exits 2 naming the holder; kill -9 frees it', async () => {
  const root = tmpDir();
  const { stateDir, sessions } = makeState(root);
  fs.writeFileSync(path.join(sessions, 's1.jsonl'), [headerLine('s1'), assistantLine()].join('\n') + '\n');
  const data = path.join(root, 'data');
  const child = await holder(data);
  try {
    const r = spawnSync(process.execPath, [BIN, 'ingest', '--state-dir', stateDir, '--data-dir', data], { encoding: 'utf8' });
    assert.equal(r.status, 2, r.stderr);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], new RegExp(`^clawmeter: ledger in .* is in use by pid ${child.pid} \\(\\S+\\) since \\d{4}-`));
    assert.match(lines[0], /stop it, or use another --data-dir$/);
  } finally {
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
  }
  const r = spawnSync(process.execPath, [BIN, 'ingest', '--state-dir', stateDir, '--data-dir', data, '--log-level', 'silent'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).inserted, 1);
});

test('the data dir is 0700 and the ledger files 0600, also under umask 022', () => {
  const old = process.umask(0o022);
  try {
    const parent = tmpDir();
    const data = path.join(parent, 'data');
    fs.mkdirSync(data, { mode: 0o755 }); // as args.ts creates it
    const l = Ledger.open(data);
    l.commit({ calls: [] , cursors: [['k', { a: 1 }]] });
    assert.equal(fs.statSync(data).mode & 0o777, 0o700);
    const files = fs.readdirSync(data);
    for (const f of ['ledger.sqlite', 'ledger.sqlite-wal', 'ledger.sqlite-shm', 'ledger.lock', 'ledger.owner.json']) {
      assert.ok(files.includes(f), `${f} exists (${files.join(', ')})`);
    }
    for (const f of files) assert.equal(fs.statSync(path.join(data, f)).mode & 0o777, 0o600, f);
    l.close();
  } finally {
    process.umask(old);
  }
});
