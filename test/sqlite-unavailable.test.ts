/** Stores that cannot be read: corrupt, quarantined, permissions, a read-only mount without -shm. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { classifyStoreError } from '../src/sources/sqlite/errors.js';
import { assistantLine, headerLine, tmpDir, totalsOf } from './helpers.js';
import { allSources, harness, newStore, REPO, storePath } from './sqlite-helpers.js';

const SOURCE = pathToFileURL(path.join(REPO, 'dist/src/sources/sqlite-store.js')).href;

function goodStore(stateDir: string, agent: string, calls: number): void {
  const store = newStore(stateDir, agent);
  store.upsertSession({ sessionKey: `agent:${agent}:main`, sessionId: `${agent}-s`, createdAt: 1 });
  store.appendEvents(`${agent}-s`, [headerLine(`${agent}-s`), ...Array.from({ length: calls }, () => assistantLine({ input: 1 }))], 2);
  store.close();
}

test('corrupt store: store_unavailable with a one-line fix, the other agent is still ingested, quarantine files ignored', async () => {
  const root = tmpDir();
  const stateDir = path.join(root, 'state');
  goodStore(stateDir, 'main', 3);
  // A quarantined broken copy next to the good store is not a store.
  fs.writeFileSync(`${storePath(stateDir, 'main')}.corrupt-2026-11-21T17-00-00.000Z`, Buffer.alloc(8192, 0x5a));
  // Agent "broken": garbage where the store should be.
  fs.mkdirSync(path.dirname(storePath(stateDir, 'broken')), { recursive: true });
  fs.writeFileSync(storePath(stateDir, 'broken'), Buffer.from('this is not a database '.repeat(400)));
  // Agent "truncated": the first page of a real store only.
  goodStore(stateDir, 'truncated', 50);
  const full = fs.readFileSync(storePath(stateDir, 'truncated'));
  fs.writeFileSync(storePath(stateDir, 'truncated'), full.subarray(0, 4096 * 3));
  for (const f of ['-wal', '-shm']) fs.rmSync(storePath(stateDir, 'truncated') + f, { force: true });

  const h = harness(path.join(root, 'data'), allSources([stateDir]));
  await h.cycle();
  assert.equal(totalsOf(h.ledger).messages, 3, 'the healthy agent is ingested');
  assert.equal(h.stats.cyclesFailed, 0);
  const broken = h.issues.filter((i) => i.where === storePath(stateDir, 'broken'));
  assert.deepEqual(broken.map((i) => i.reason), ['store_unavailable']);
  assert.match(broken[0].detail, /not a readable SQLite database/);
  assert.ok(!broken[0].detail.includes('\n'), 'one line');
  const truncated = h.issues.filter((i) => i.where.startsWith(storePath(stateDir, 'truncated')));
  assert.ok(truncated.length >= 1 && truncated.every((i) => i.reason === 'store_unavailable'), JSON.stringify(truncated));
  assert.ok(!h.issues.some((i) => i.where.includes('.corrupt-')), 'quarantine files are never opened');
  assert.equal(loggedOnce(h.logs, 'store_unavailable', storePath(stateDir, 'broken')), 1);
  // Retried every cycle, logged once; the fixed store is picked up.
  await h.cycle();
  assert.equal(loggedOnce(h.logs, 'store_unavailable', storePath(stateDir, 'broken')), 1);
  fs.rmSync(storePath(stateDir, 'broken'));
  goodStore(stateDir, 'broken', 2);
  await h.cycle();
  assert.equal(totalsOf(h.ledger).messages, 5);
  h.ledger.close();
});

function loggedOnce(logs: string[], reason: string, where: string): number {
  return logs.filter((l) => l.includes(`reason=${reason}`) && l.includes(where)).length;
}

/** Runs the source in a child process (optionally as another user / in a private mount namespace); returns its issues and batches. */
function pollInChild(stateDir: string, opts: { uid?: number; roMount?: string } = {}): { issues: Array<{ reason: string; detail: string }>; calls: number } {
  const script = `
const { SqliteStoreSource } = await import('${SOURCE}');
${opts.uid !== undefined ? `process.setgid(${opts.uid}); process.setuid(${opts.uid});` : ''}
const issues = []; let calls = 0;
const src = new SqliteStoreSource({ stateDir: ${JSON.stringify(stateDir)}, agent: 'main', root: ${JSON.stringify(path.join(stateDir, 'agents/main'))} });
for (const b of src.poll({ cursors: { get: () => undefined, keysWithPrefix: () => [] }, report: (i) => issues.push(i), nowMs: () => Date.now() })) {
  if (b.kind === 'transcript') calls += b.records.length;
}
console.log(JSON.stringify({ issues, calls }));
`;
  const node = [process.execPath, '--input-type=module', '-e', script];
  const r = opts.roMount
    ? spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', `mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && exec "$@"`, opts.roMount, ...node], {
        encoding: 'utf8',
      })
    : spawnSync(node[0], node.slice(1), { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`child failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

function canMount(): boolean {
  if (process.getuid?.() !== 0) return false;
  const r = spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', 'mount --bind /tmp /tmp && mount -o remount,bind,ro /tmp'], { encoding: 'utf8' });
  return r.status === 0;
}

test('read-only mount without -shm: store_unavailable that says what to do; with -shm present it reads', { skip: !canMount() && 'needs root and mount namespaces' }, () => {
  const root = tmpDir();
  const stateDir = path.join(root, 'state');
  goodStore(stateDir, 'main', 2);
  const dir = path.dirname(storePath(stateDir));
  for (const f of ['-wal', '-shm']) fs.rmSync(storePath(stateDir) + f, { force: true });
  // OpenClaw not running, clean WAL store on a read-only mount: the reader cannot create the -shm file.
  const off = pollInChild(stateDir, { roMount: dir });
  assert.deepEqual(off.issues.map((i) => i.reason), ['store_unavailable']);
  assert.match(off.issues[0].detail, /-shm/);
  assert.match(off.issues[0].detail, /writable|read-write/);
  // While OpenClaw runs (its connection keeps -wal/-shm), the read-only WAL reader works on the same mount.
  const writer = new Database(storePath(stateDir));
  writer.prepare(`INSERT INTO transcript_events (session_id, seq, event_json, created_at) VALUES ('main-s', 99, ?, 0)`).run(assistantLine({ input: 1 }));
  try {
    const on = pollInChild(stateDir, { roMount: dir });
    assert.deepEqual(on.issues, []);
    assert.equal(on.calls, 3, 'including the row still in the WAL');
  } finally {
    writer.close();
  }
});

test('a store the clawmeter user may not read: store_unavailable naming the fix', { skip: process.getuid?.() !== 0 && 'needs root to switch users' }, () => {
  const root = tmpDir();
  fs.chmodSync(root, 0o755);
  const stateDir = path.join(root, 'state');
  goodStore(stateDir, 'main', 1);
  for (const d of [stateDir, path.join(stateDir, 'agents'), path.join(stateDir, 'agents/main'), path.dirname(storePath(stateDir))]) fs.chmodSync(d, 0o755);
  fs.chmodSync(storePath(stateDir), 0o600);
  const r = pollInChild(stateDir, { uid: 65534 });
  assert.deepEqual(r.issues.map((i) => i.reason), ['store_unavailable']);
  assert.match(r.issues[0].detail, /clawmeter user can read|permission/);
});

test('error classification: busy codes retry, the rest say what to do in one line', () => {
  const f = '/s/agents/main/agent/openclaw-agent.sqlite';
  const c = (code: string, message = 'x') => classifyStoreError(Object.assign(new Error(message), { code }), f);
  for (const code of ['SQLITE_BUSY', 'SQLITE_BUSY_RECOVERY', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_LOCKED', 'SQLITE_PROTOCOL']) assert.equal(c(code).reason, 'store_busy', code);
  for (const code of ['SQLITE_NOTADB', 'SQLITE_CORRUPT', 'SQLITE_CANTOPEN', 'SQLITE_READONLY_CANTINIT', 'SQLITE_IOERR_SHORT_READ', 'EACCES', 'SQLITE_PERM']) {
    const p = c(code, 'line one\nline two');
    assert.equal(p.reason, 'store_unavailable', code);
    assert.ok(!p.detail.includes('\n'), code);
  }
  assert.match(c('SQLITE_READONLY_CANTINIT').detail, /make \/s\/agents\/main\/agent writable for the clawmeter user so SQLite can create the -shm file/);
});
