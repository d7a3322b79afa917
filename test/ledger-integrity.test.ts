/**
 * The ledger refuses what it cannot trust and repairs what it can: totals that
 * disagree with the calls table are rebuilt at open (logged once), an intact
 * ledger is not rewritten; an empty, truncated, non-SQLite, corrupt or too-new
 * ledger is refused with LedgerUnavailable and left as it is, and
 * `clawmeter ledger rebuild` moves it aside and re-reads the history.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import Database from 'better-sqlite3';
import { Ledger, LedgerUnavailable } from '../src/ledger/ledger.js';
import { PAGE_SIZE } from '../src/ledger/schema.js';
import { assistantLine, headerLine, ingestOnce, makeState, tmpDir, totalsOf } from './helpers.js';

const BIN = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../bin/clawmeter.js');

function sha(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** A state dir with 30 calls over 3 models, ingested into a closed ledger. */
async function ingested(): Promise<{ root: string; stateDir: string; data: string; file: string }> {
  const root = tmpDir();
  const { stateDir, sessions } = makeState(root);
  const lines = [headerLine('s1')];
  for (let i = 0; i < 30; i++) lines.push(assistantLine({ model: `m${i % 3}`, input: 10 + i, stopReason: i === 7 ? 'error' : 'stop' }));
  fs.writeFileSync(path.join(sessions, 's1.jsonl'), lines.join('\n') + '\n');
  const data = path.join(root, 'data');
  const r = await ingestOnce([stateDir], data);
  r.ledger.close();
  return { root, stateDir, data, file: path.join(data, 'ledger.sqlite') };
}

function reopen(data: string): { ledger: Ledger; notes: string[] } {
  const notes: string[] = [];
  const ledger = Ledger.open(data, { log: (_level, msg) => notes.push(msg) });
  return { ledger, notes };
}

test('an intact ledger passes the check and is not rewritten', async () => {
  const { data, file } = await ingested();
  const before = sha(file);
  const { ledger, notes } = reopen(data);
  assert.deepEqual(notes, []);
  assert.equal(totalsOf(ledger).calls, 30);
  ledger.close();
  assert.equal(sha(file), before);
});

test('tampered totals (a row deleted, a count changed, meta off) are rebuilt from the calls, logged once', async () => {
  const { data, file } = await ingested();
  const clean = reopen(data);
  const expected = totalsOf(clean.ledger);
  const expectedLast = clean.ledger.lastCallTimestampMs();
  clean.ledger.close();

  for (const tamper of [
    (db: Database.Database) => db.prepare(`DELETE FROM totals WHERE dims = (SELECT min(dims) FROM totals)`).run(),
    (db: Database.Database) => {
      const r = db.prepare(`SELECT dims, row_json FROM totals LIMIT 1`).get() as { dims: string; row_json: string };
      const t = JSON.parse(r.row_json);
      t.messages += 5;
      t.input = 1e308 * 10; // Infinity, stored as null
      db.prepare(`UPDATE totals SET row_json = ? WHERE dims = ?`).run(JSON.stringify(t), r.dims);
    },
    (db: Database.Database) => db.prepare(`UPDATE meta SET value = '7' WHERE key = 'call_rows'`).run(),
    (db: Database.Database) => db.prepare(`UPDATE meta SET value = '1e300' WHERE key = 'last_call_ms'`).run(),
  ]) {
    const db = new Database(file);
    tamper(db);
    db.close();
    const { ledger, notes } = reopen(data);
    assert.equal(notes.length, 1, 'one log line');
    assert.match(notes[0], /rebuilt/);
    assert.deepEqual(totalsOf(ledger), expected);
    assert.equal(ledger.callCount(), 30);
    assert.equal(ledger.lastCallTimestampMs(), expectedLast);
    ledger.close();
    const again = reopen(data); // the repair was persisted
    assert.deepEqual(again.notes, []);
    again.ledger.close();
  }
});

test('a new ledger has 16 KiB pages; one made with 4 KiB pages (before) keeps them and keeps counting', async () => {
  const { stateDir, data, file } = await ingested();
  const pageSize = (f: string) => {
    const db = new Database(f, { readonly: true });
    try {
      return db.pragma('page_size', { simple: true });
    } finally {
      db.close();
    }
  };
  assert.equal(pageSize(file), PAGE_SIZE);
  assert.equal(PAGE_SIZE, 16384);
  // the file as an earlier clawmeter made it: SQLite's default 4 KiB pages
  const db = new Database(file);
  db.pragma('journal_mode = DELETE');
  db.pragma('page_size = 4096');
  db.exec('VACUUM');
  db.close();
  assert.equal(pageSize(file), 4096);
  fs.appendFileSync(path.join(stateDir, 'agents/main/sessions/s1.jsonl'), assistantLine({ model: 'm9', input: 5 }) + '\n');
  const r = await ingestOnce([stateDir], data);
  assert.equal(r.ledger.callCount(), 31, 'the 30 calls kept, the new one counted once');
  r.ledger.close();
  assert.equal(pageSize(file), 4096, 'not rebuilt');
});

function refused(data: string, why: RegExp): void {
  assert.throws(() => Ledger.open(data), (err: unknown) => {
    assert.ok(err instanceof LedgerUnavailable, String(err));
    assert.match(err.message, why);
    assert.doesNotMatch(err.message, /\n/);
    return true;
  });
}

test('an empty, truncated, foreign, corrupt or too-new ledger is refused and left untouched', async () => {
  const cases: Array<[string, (file: string) => void, RegExp]> = [
    ['empty', (f) => fs.writeFileSync(f, ''), /empty \(0 bytes\).*clawmeter ledger rebuild/],
    ['tiny', (f) => fs.writeFileSync(f, 'SQLite'), /truncated/],
    ['not sqlite', (f) => fs.writeFileSync(f, 'x'.repeat(8192)), /not an SQLite database/],
    ['truncated', (f) => fs.truncateSync(f, Math.floor(fs.statSync(f).size / 2)), /truncated \(\d+ of \d+ bytes\)/],
    [
      'corrupt pages',
      (f) => {
        const fd = fs.openSync(f, 'r+');
        const junk = Buffer.alloc(fs.statSync(f).size - 4096, 0xa5);
        fs.writeSync(fd, junk, 0, junk.length, 4096);
        fs.closeSync(fd);
      },
      /corrupt|not a clawmeter ledger/,
    ],
    [
      'newer schema',
      (f) => {
        const db = new Database(f);
        db.prepare(`UPDATE meta SET value = '99' WHERE key = 'schema_version'`).run();
        db.close();
      },
      /schema 99 is newer .*upgrade clawmeter/,
    ],
  ];
  for (const [name, damage, why] of cases) {
    const { data, file } = await ingested();
    damage(file);
    const before = sha(file);
    refused(data, why);
    assert.equal(sha(file), before, `${name}: file untouched`);
    const r = spawnSync(process.execPath, [BIN, 'ingest', '--state-dir', path.join(data, '..', 'state'), '--data-dir', data], { encoding: 'utf8' });
    assert.equal(r.status, 2, `${name}: ${r.stderr}`);
    assert.equal(r.stderr.trim().split('\n').length, 1, `${name}: one line: ${r.stderr}`);
    assert.match(r.stderr, /^clawmeter: ledger .* is unusable: /);
    assert.equal(sha(file), before, `${name}: file untouched by ingest`);
  }
});

test('clawmeter ledger rebuild: old file kept aside, history re-read, JSON summary; --help', async () => {
  for (const damage of [(f: string) => fs.writeFileSync(f, ''), (f: string) => fs.writeFileSync(f, crypto.randomBytes(20000))]) {
    const { stateDir, data, file } = await ingested();
    damage(file);
    const before = sha(file);
    const r = spawnSync(process.execPath, [BIN, 'ledger', 'rebuild', '--state-dir', stateDir, '--data-dir', data, '--log-level', 'silent'], {
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.inserted, 30);
    assert.equal(out.ledgerCalls, 30);
    assert.equal(out.movedAside.length, 1);
    assert.match(path.basename(out.movedAside[0]), /^ledger\.sqlite\.broken-\d{8}T\d{6}Z$/);
    assert.equal(sha(out.movedAside[0]), before, 'the old file is kept as it was');
    const l = Ledger.open(data);
    assert.equal(totalsOf(l).calls, 30);
    l.close();
  }
  const h = spawnSync(process.execPath, [BIN, 'ledger', 'rebuild', '--help'], { encoding: 'utf8' });
  assert.equal(h.status, 0);
  assert.match(h.stdout, /Usage: clawmeter ledger rebuild/);
  const bad = spawnSync(process.execPath, [BIN, 'ledger', 'frobnicate'], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /^clawmeter: ledger frobnicate: unknown subcommand/);
});
