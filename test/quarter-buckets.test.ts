/**
 * The quarter-hour buckets (src/ledger/quarter-buckets.ts) always equal an
 * aggregate of the calls table, computed here in JavaScript from the calls read
 * directly: after random commits with duplicates and refused calls, after kill -9
 * of a committing child at random moments, after the schema 1 -> 2 migration of an
 * existing ledger, and after damage (rebuilt at open, with a notice).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { spawn } from 'node:child_process';
import Database from 'better-sqlite3';
import { Ledger } from '../src/ledger/ledger.js';
import { SCHEMA_VERSION } from '../src/ledger/schema.js';
import { randomCalls } from './bucket-calls.js';
import { sqlRead, tmpDir } from './helpers.js';

const CHILD = path.join(path.dirname(new URL(import.meta.url).pathname), 'bucket-child.js');
const Q = 900_000;

interface CallRow {
  ts_ms: number;
  agent: string;
  kind: string;
  channel: string;
  chat_type: string;
  provider: string;
  model: string;
  error_category: string | null;
  source: string;
  input: number;
  output: number;
  cache_read: number;
  cache_write: number;
  cost_usd: number | null;
  cost_estimated: number;
}

/** Buckets as the calls imply them vs as stored: equal key sets, equal sums. */
function assertBucketsMatch(file: string, what: string): number {
  const ledger = { file };
  const want = new Map<string, number[]>();
  for (const c of sqlRead<CallRow>(ledger, `SELECT * FROM calls`)) {
    const k = [Math.floor(c.ts_ms / Q) * Q, c.agent, c.kind, c.channel, c.chat_type, c.provider, c.model, c.error_category ?? '', c.source].join('|');
    const v = want.get(k) ?? [0, 0, 0, 0, 0, 0, 0, 0];
    const cost = c.cost_usd ?? 0;
    [c.error_category ? 0 : 1, c.error_category ? 1 : 0, c.input, c.output, c.cache_read, c.cache_write, cost, c.cost_estimated ? cost : 0].forEach((x, i) => (v[i] += x));
    want.set(k, v);
  }
  const got = new Map<string, number[]>();
  for (const b of sqlRead<Record<string, number | string>>(ledger, `SELECT * FROM call_buckets`)) {
    const k = [b.start_ms, b.agent, b.kind, b.channel, b.chat_type, b.provider, b.model, b.error_category, b.source].join('|');
    got.set(k, [b.messages, b.errors, b.input, b.output, b.cache_read, b.cache_write, b.cost_usd, b.cost_estimated_usd] as number[]);
  }
  assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort(), `${what}: bucket keys`);
  for (const [k, v] of want) {
    const g = got.get(k)!;
    for (let i = 0; i < 6; i++) assert.equal(g[i], v[i], `${what}: ${k} field ${i}`);
    for (let i = 6; i < 8; i++) assert.ok(Math.abs(g[i] - v[i]) < 1e-9, `${what}: ${k} cost ${i}`);
  }
  return want.size;
}

test('buckets equal the calls after random commits with duplicates and refused calls', () => {
  const dir = tmpDir('clawmeter-qb-');
  const notices: string[] = [];
  const ledger = Ledger.open(dir, { log: (_l, m) => notices.push(m) });
  for (let i = 0; i < 25; i++) {
    const calls = randomCalls(i, 300, 'r');
    if (i % 5 === 0) calls.push({ ...calls[0], dedupeKey: `bad${i}`, input: -5 }); // refused, never stored
    ledger.commit({ calls });
  }
  const n = assertBucketsMatch(ledger.file, 'random commits');
  assert.ok(n > 100, `${n} buckets`);
  ledger.close();
  Ledger.open(dir, { log: (_l, m) => notices.push(m) }).close();
  assert.deepEqual(notices.filter((m) => m.includes('bucket')), [], 'an intact ledger is not rebuilt');
});

test('kill -9 of a committing child at random moments: buckets still equal the calls', async () => {
  const dir = tmpDir('clawmeter-qb-kill-');
  for (let round = 0; round < 4; round++) {
    const child = spawn(process.execPath, [CHILD, dir, String(round + 1)], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      child.stdout.once('data', () => resolve());
      child.once('exit', (code) => reject(new Error(`child exited ${code} before committing`)));
    });
    await new Promise((r) => setTimeout(r, 20 + Math.floor(Math.random() * 200)));
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    // checked on the file as the kill left it (the ledger's own open would repair it)
    assertBucketsMatch(path.join(dir, 'ledger.sqlite'), `after kill ${round + 1}`);
  }
  const notices: string[] = [];
  const l = Ledger.open(dir, { log: (_l, m) => notices.push(m) });
  assert.ok(l.callCount() > 200);
  assert.deepEqual(notices, [], 'nothing to repair after the kills');
  l.close();
});

test('an existing schema 1 ledger gets its buckets from the calls when first opened', () => {
  const dir = tmpDir('clawmeter-qb-mig-');
  const l = Ledger.open(dir);
  for (let i = 0; i < 5; i++) l.commit({ calls: randomCalls(100 + i, 400, 'm') });
  l.close();
  // back to what a schema 1 ledger looks like
  const db = new Database(path.join(dir, 'ledger.sqlite'));
  db.exec(`DROP TABLE call_buckets; DROP INDEX calls_errors; UPDATE meta SET value = '1' WHERE key = 'schema_version'`);
  db.close();
  const notices: string[] = [];
  const m = Ledger.open(dir, { log: (_l, msg) => notices.push(msg) });
  assert.deepEqual(notices, [], 'a migration, not a repair');
  assert.equal(sqlRead<{ value: string }>(m, `SELECT value FROM meta WHERE key = 'schema_version'`)[0].value, String(SCHEMA_VERSION), 'migrated to the current schema');
  assert.ok(assertBucketsMatch(m.file, 'migrated') > 50);
  assert.equal(sqlRead(m, `SELECT name FROM sqlite_master WHERE name = 'calls_errors'`).length, 1);
  m.close();
});

test('damaged buckets are rebuilt from the calls at open, with one notice', () => {
  const dir = tmpDir('clawmeter-qb-dmg-');
  const l = Ledger.open(dir);
  l.commit({ calls: randomCalls(7, 500, 'd') });
  l.close();
  const db = new Database(path.join(dir, 'ledger.sqlite'));
  db.exec(`UPDATE call_buckets SET input = input + 1 WHERE start_ms = (SELECT min(start_ms) FROM call_buckets)`);
  db.close();
  const notices: string[] = [];
  const m = Ledger.open(dir, { log: (_l, msg) => notices.push(msg) });
  assert.equal(notices.length, 1);
  assert.match(notices[0], /quarter-hour buckets disagreed/);
  assertBucketsMatch(m.file, 'rebuilt');
  m.close();
});
