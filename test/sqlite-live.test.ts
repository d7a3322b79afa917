/**
 * clawmeter against a store that another process is writing: a live writer appending
 * and checkpointing (WAL), and writers holding locks. Real SQLite files, real processes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { assistantLine, headerLine, tmpDir, totalsOf } from './helpers.js';
import { BETTER_SQLITE3, harness, nextLine, newStore, REPO, spawnScript, storePath, storeSources } from './sqlite-helpers.js';

const DEMO = pathToFileURL(path.join(REPO, 'dist/src/demo/sqlite-store.js')).href;
const SQLITE = pathToFileURL(BETTER_SQLITE3).href;

/** The writer: N assistant calls over SESSIONS sessions in small transactions, checkpoints as it goes, busy_timeout 0. */
const WRITER = `
import fs from 'node:fs';
import Database from '${SQLITE}';
import { zstdRawFrame } from '${DEMO}';
const db = new Database(process.env.STORE, { timeout: 0 });
db.pragma('journal_mode = WAL');
const N = Number(process.env.N), sids = JSON.parse(process.env.SIDS);
const seq = Object.fromEntries(sids.map((s) => [s, db.prepare('SELECT max(seq) FROM transcript_events WHERE session_id = ?').pluck().get(s) + 1]));
const ins = db.prepare('INSERT INTO transcript_events (session_id, seq, event_json, created_at, event_zstd, event_utf8_bytes, navigation_json) VALUES (?, ?, ?, ?, ?, ?, ?)');
const touch = db.prepare('UPDATE session_windows SET updated_at = ?, transcript_updated_at = ? WHERE session_id = ?');
const nav = (n) => JSON.stringify({ version: 1, report: { kind: 'canonical' }, navigation: {}, reset: {}, model: {}, modelBytes: n, modelWithoutCheckpointBytes: n, withoutCustomDataBytes: n });
const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
let busy = 0, rows = 0, calls = 0; const ckpt = { PASSIVE: 0, RESTART: 0, TRUNCATE: 0, incomplete: 0 };
const line = (i, big) => JSON.stringify({ type: 'message', id: 'w' + i, parentId: null, timestamp: new Date(1795281552006 + i).toISOString(),
  message: { role: 'assistant', content: [{ type: 'text', text: big ? 'x'.repeat(3000) : 'ok ' + i }], api: 'openai-completions', provider: 'fakecc',
    model: 'fake-model', responseId: 'live-' + i, usage: { input: 1, output: 2, cacheRead: 0, cacheWrite: 0, cost: { total: 0.001 } }, stopReason: 'stop', timestamp: 1795281552006 + i } });
console.log('ready');
for (let i = 0; i < N; i++) {
  const sid = sids[i % sids.length];
  const now = Date.now();
  try {
    db.transaction(() => {
      const user = JSON.stringify({ type: 'message', id: 'u' + i, message: { role: 'user', content: 'hi', timestamp: now } });
      ins.run(sid, seq[sid]++, user, now, null, user.length, null);
      const big = i % 7 === 0, text = line(i, big);
      if (big) ins.run(sid, seq[sid]++, null, now, zstdRawFrame(Buffer.from(text)), text.length, nav(text.length));
      else ins.run(sid, seq[sid]++, text, now, null, text.length, null);
      touch.run(now, now, sid);
    })();
    rows += 2; calls++;
  } catch (e) {
    if (String(e.code).startsWith('SQLITE_BUSY') || String(e.code).startsWith('SQLITE_LOCKED')) busy++; else throw e;
  }
  if (i % 40 === 39) {
    const mode = ['PASSIVE', 'RESTART', 'TRUNCATE'][Math.floor(i / 40) % 3];
    const r = db.pragma('wal_checkpoint(' + mode + ')')[0];
    ckpt[mode]++;
    if (r.busy) ckpt.incomplete++;
  }
  if (i % 4 === 0) sleep(1);
  if (i === Math.floor(N / 2)) {
    // Half-way: wait (outside any transaction) until the reader has seen a part of the writes.
    console.log('half');
    fs.readSync(0, Buffer.alloc(16));
  }
}
db.close();
console.log(JSON.stringify({ rows, calls, busy, ckpt }));
`;

test('live writer: appends and checkpoints (PASSIVE/RESTART/TRUNCATE) while clawmeter ingests; exact totals, writer never blocked', { timeout: 30_000 }, async (tc) => {
  const root = tmpDir();
  const stateDir = path.join(root, 'state');
  const store = newStore(stateDir);
  const sids = ['s0', 's1', 's2', 's3', 's4'];
  for (const s of sids) {
    store.upsertSession({ sessionKey: `agent:main:${s}`, sessionId: s, createdAt: 1 });
    store.appendEvents(s, [headerLine(s)], 1);
  }
  store.close();
  const N = 2500;
  const h = harness(path.join(root, 'data'), storeSources(stateDir, ['main']));
  const w = spawnScript(WRITER, { STORE: storePath(stateDir), N: String(N), SIDS: JSON.stringify(sids) });
  tc.after(() => w.child.kill());
  assert.equal(await nextLine(w), 'ready');
  let running = true;
  void w.done.then(() => (running = false));
  let halfway = false;
  void nextLine(w).then(() => (halfway = true));
  let released = false;
  let partial = -1;
  let cycles = 0;
  while (running) {
    await h.cycle();
    cycles++;
    if (!released && halfway && h.ledger.callCount() > 0) {
      partial = h.ledger.callCount();
      w.child.stdin.write('go\n');
      released = true;
    }
    await new Promise((r) => setTimeout(r, 2));
  }
  const out = await w.done;
  assert.equal(out.code, 0, out.stderr);
  const report = JSON.parse(out.stdout.trim().split('\n').pop()!) as { rows: number; calls: number; busy: number; ckpt: Record<string, number> };
  await h.cycle();
  assert.equal(report.busy, 0, 'the writer never got SQLITE_BUSY');
  assert.equal(report.calls, N);
  assert.ok(report.ckpt.RESTART > 0 && report.ckpt.TRUNCATE > 0 && report.ckpt.PASSIVE > 0);
  const t = totalsOf(h.ledger);
  assert.equal(t.messages, N);
  assert.equal(t.input, N);
  assert.equal(t.output, 2 * N);
  assert.ok(cycles >= 3, `clawmeter ran ${cycles} cycles while the writer wrote`);
  assert.ok(partial > 0 && partial < N, `a cycle saw a part of the writes (${partial} of ${N}): reading and writing overlapped`);
  assert.deepEqual(h.issues.filter((i) => i.reason !== 'store_busy'), [], 'no problem other than an occasional busy retry');
  h.ledger.close();
});

/** A process that holds a lock on the store until told to let go. */
function holder(file: string, setup: string): ReturnType<typeof spawnScript> {
  return spawnScript(`
import Database from '${SQLITE}';
import readline from 'node:readline';
const db = new Database(process.env.STORE, { timeout: 0 });
${setup}
console.log('locked');
const rl = readline.createInterface({ input: process.stdin });
rl.on('line', (l) => {
  if (l === 'commit') { if (db.inTransaction) db.exec('COMMIT'); db.close(); console.log('released'); process.exit(0); }
});
`, { STORE: file });
}

const INSERT_CALL = (sid: string, seq: number, input: number) =>
  `db.prepare("INSERT INTO transcript_events (session_id, seq, event_json, created_at) VALUES (?, ?, ?, 0)").run('${sid}', ${seq}, ${JSON.stringify(
    assistantLine({ input }),
  )});`;

async function lockedScenario(journal: 'wal' | 'delete', setup: (file: string) => string, expectBusy: boolean): Promise<void> {
  let lock: ReturnType<typeof holder> | null = null;
  try {
    await lockedScenarioInner(journal, setup, expectBusy, (l) => (lock = l));
  } finally {
    (lock as ReturnType<typeof holder> | null)?.child.kill();
  }
}

async function lockedScenarioInner(
  journal: 'wal' | 'delete',
  setup: (file: string) => string,
  expectBusy: boolean,
  started: (l: ReturnType<typeof holder>) => void,
): Promise<void> {
  const root = tmpDir();
  const stateDir = path.join(root, 'state');
  const store = newStore(stateDir, 'main', { journal });
  store.upsertSession({ sessionKey: 'agent:main:main', sessionId: 'm', createdAt: 1 });
  store.appendEvents('m', [headerLine('m'), assistantLine({ input: 1 })], 1);
  store.close();
  const file = storePath(stateDir);
  const h = harness(path.join(root, 'data'), storeSources(stateDir, ['main']));
  const lock = holder(file, setup(file));
  started(lock);
  assert.equal(await nextLine(lock), 'locked');
  const t0 = performance.now();
  await h.cycle();
  const ms = performance.now() - t0;
  assert.equal(h.stats.cyclesFailed, 0, 'no crash, the cycle completes');
  if (expectBusy) {
    assert.deepEqual(h.issues.map((i) => i.reason), ['store_busy']);
    assert.match(h.issues[0].detail, /retries on the next cycle/);
    assert.ok(ms < 2000, `gave up quickly (${ms.toFixed(0)} ms)`);
    assert.equal(totalsOf(h.ledger).messages, 0, 'nothing read, cursors untouched');
    assert.deepEqual(h.ledger.keysWithPrefix('sqlite:'), []);
  } else {
    assert.deepEqual(h.issues, [], 'a WAL reader is not blocked by a write transaction');
    assert.equal(totalsOf(h.ledger).input, 1, 'only committed rows are visible');
  }
  lock.child.stdin.write('commit\n');
  assert.equal(await nextLine(lock), 'released');
  await lock.done;
  h.issues.length = 0;
  await h.cycle();
  assert.deepEqual(h.issues, []);
  assert.equal(totalsOf(h.ledger).input, 1 + 5, 'the next cycle reads everything, the held rows included');
  h.ledger.close();
}

test('locked store (rollback journal, a writer in an EXCLUSIVE transaction): store_busy, no crash, next cycle succeeds', { timeout: 30_000 }, async () => {
  await lockedScenario('delete', () => `db.exec('BEGIN EXCLUSIVE'); ${INSERT_CALL('m', 2, 5)}`, true);
});

test('locked store (WAL, a writer in locking_mode=EXCLUSIVE): store_busy, then success once released', { timeout: 30_000 }, async () => {
  await lockedScenario('wal', () => `db.pragma('locking_mode = EXCLUSIVE'); db.exec('BEGIN IMMEDIATE'); ${INSERT_CALL('m', 2, 5)} db.exec('COMMIT');`, true);
});

test('WAL store with an open IMMEDIATE/EXCLUSIVE write transaction: readers are not blocked, uncommitted rows wait', { timeout: 30_000 }, async () => {
  await lockedScenario('wal', () => `db.exec('BEGIN EXCLUSIVE'); ${INSERT_CALL('m', 2, 5)}`, false);
});
