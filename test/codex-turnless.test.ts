/**
 * Old Codex rollouts without turn ids (hand-written fixture, test/fixtures/rollouts/turnless:
 * no 0.160-era or older real rollout is available): the last call of each
 * task_started/task_complete segment and OpenClaw's mirror row of that turn are one
 * call, paired by the usage alias (src/ledger/call-aliases.ts). Both orders, a
 * restart in between, identities unchanged for ledgers written before the alias
 * table, and two equal-usage mirror rows never folded into one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Ledger } from '../src/ledger/ledger.js';
import { Ingestor } from '../src/ingest/cycle.js';
import { IngestStats } from '../src/ingest/stats.js';
import { sourcesFor } from '../src/sources/index.js';
import { Logger } from '../src/util/log.js';
import { DEFAULT_WINDOWS } from '../src/ledger/windows.js';
import { callIdentity } from '../src/parse/transcript-line.js';
import { FIXTURES, copyDir, tmpDir } from './helpers.js';

const TL = path.join(FIXTURES, 'rollouts', 'turnless');
const THREAD = '019b2a50-2f00-7a00-8c00-0000000b0001';
const SESSION_REL = 'agents/main/sessions/6e1d0f2b-3c4d-4e5f-9a01-b2c3d4e5f6a7.jsonl';
const ROLLOUT_DIR_REL = 'agents/main/agent/codex-home';
const NOW = Date.parse('2026-11-20T12:00:00Z');
/** The rollout's three responses: segment 1 has two, segment 2 one. */
const EXPECTED = { messages: 3, input: 800 + 500 + 500, cacheRead: 200 + 1000 + 1000, output: 50 + 70 + 80 };

async function ingest(stateDir: string, ledger: Ledger) {
  const ing = new Ingestor(ledger, () => sourcesFor([stateDir]), { log: new Logger('silent'), stats: new IngestStats(), now: () => NOW, windows: DEFAULT_WINDOWS });
  return ing.trigger();
}

function totals(ledger: Ledger) {
  const t = { messages: 0, input: 0, cacheRead: 0, output: 0 };
  for (const r of ledger.totals()) {
    if (r.provider !== 'openai-codex') continue;
    t.messages += r.messages;
    t.input += r.input;
    t.cacheRead += r.cacheRead;
    t.output += r.output;
  }
  return t;
}

/** A state dir with only one side of the fixture: the rollout, or the transcript with the mirror rows. */
function stateWith(root: string, parts: Array<'rollout' | 'mirror'>): string {
  const state = path.join(root, 'state');
  if (parts.includes('rollout')) copyDir(path.join(TL, ROLLOUT_DIR_REL), path.join(state, ROLLOUT_DIR_REL));
  if (parts.includes('mirror')) addMirror(state);
  fs.mkdirSync(path.join(state, 'agents/main/sessions'), { recursive: true });
  return state;
}

function addMirror(state: string): void {
  fs.mkdirSync(path.dirname(path.join(state, SESSION_REL)), { recursive: true });
  fs.copyFileSync(path.join(TL, SESSION_REL), path.join(state, SESSION_REL));
}

function addRollout(state: string): void {
  copyDir(path.join(TL, ROLLOUT_DIR_REL), path.join(state, ROLLOUT_DIR_REL));
}

test('rollout first, then the mirror: each turn counts once', async () => {
  const root = tmpDir();
  const state = stateWith(root, ['rollout']);
  const ledger = Ledger.open(path.join(root, 'data'));
  await ingest(state, ledger);
  assert.deepEqual(totals(ledger), EXPECTED, 'every rollout response counted, the held last calls at task_complete');
  addMirror(state);
  const r = await ingest(state, ledger);
  assert.equal(r.inserted, 0);
  assert.equal(r.duplicates, 2, 'both mirror rows are the segments\' last calls');
  assert.deepEqual(totals(ledger), EXPECTED);
  ledger.close();
});

test('mirror first, a restart, then the rollout: each turn counts once', async () => {
  const root = tmpDir();
  const state = stateWith(root, ['mirror']);
  let ledger = Ledger.open(path.join(root, 'data'));
  await ingest(state, ledger);
  assert.deepEqual(totals(ledger), { messages: 2, input: 1000, cacheRead: 2000, output: 150 }, 'the two mirror rows');
  ledger.close();
  ledger = Ledger.open(path.join(root, 'data')); // a restart: the aliases are on disk, not in memory
  addRollout(state);
  const r = await ingest(state, ledger);
  assert.equal(r.inserted, 1, 'only the first response of segment 1 exists nowhere else');
  assert.deepEqual(totals(ledger), EXPECTED);
  // Re-reading everything from scratch (cursors gone) counts nothing again.
  ledger.close();
  const db = new Database(path.join(root, 'data', 'ledger.sqlite'));
  db.prepare(`DELETE FROM cursors`).run();
  db.close();
  ledger = Ledger.open(path.join(root, 'data'));
  const again = await ingest(state, ledger);
  assert.equal(again.inserted, 0);
  assert.deepEqual(totals(ledger), EXPECTED);
  ledger.close();
});

test('identities are those of before the alias table: an older ledger counts nothing again', async () => {
  const root = tmpDir();
  const state = stateWith(root, ['rollout']);
  let ledger = Ledger.open(path.join(root, 'data'));
  await ingest(state, ledger);
  ledger.close();
  const db = new Database(path.join(root, 'data', 'ledger.sqlite'));
  const keys = (db.prepare(`SELECT dedupe_key AS k FROM calls ORDER BY ts_ms`).all() as Array<{ k: string }>).map((r) => r.k);
  // The last call of segment 2 under the identity older releases gave it (thread + cumulative totals).
  const last = callIdentity({
    responseId: null,
    entryId: `codex-rollout:${THREAD}`,
    messageTs: '4000/2200/200/0/4200',
    provider: 'openai-codex',
    model: 'gpt-5-codex',
    input: 500,
    output: 80,
    cacheRead: 1000,
    cacheWrite: 0,
  });
  assert.equal(keys.length, 3);
  assert.equal(keys[2], last);
  // A ledger of an older release: the calls, no aliases, no cursors.
  db.exec(`DELETE FROM call_aliases; DELETE FROM cursors;`);
  db.close();
  ledger = Ledger.open(path.join(root, 'data'));
  const r = await ingest(state, ledger);
  assert.equal(r.inserted, 0);
  assert.deepEqual(totals(ledger), EXPECTED);
  ledger.close();
});

test('a segment without task_complete is closed when the file goes quiet', async () => {
  const root = tmpDir();
  const state = stateWith(root, []);
  const src = path.join(TL, ROLLOUT_DIR_REL);
  copyDir(src, path.join(state, ROLLOUT_DIR_REL));
  const file = fs.readdirSync(path.join(state, ROLLOUT_DIR_REL, 'sessions/2026/11/20')).map((f) => path.join(state, ROLLOUT_DIR_REL, 'sessions/2026/11/20', f))[0];
  const lines = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
  fs.writeFileSync(file, lines.slice(0, -1).join('\n') + '\n'); // no final task_complete
  const ledger = Ledger.open(path.join(root, 'data'));
  fs.utimesSync(file, new Date(NOW - 60_000), new Date(NOW - 60_000));
  await ingest(state, ledger);
  assert.equal(totals(ledger).messages, 2, 'the open segment\'s call is held back');
  fs.utimesSync(file, new Date(NOW - 2 * 3600_000), new Date(NOW - 2 * 3600_000));
  await ingest(state, ledger);
  assert.deepEqual(totals(ledger), EXPECTED);
  addMirror(state);
  await ingest(state, ledger);
  assert.deepEqual(totals(ledger), EXPECTED, 'and it still pairs with its mirror row');
  ledger.close();
});

test('two mirror rows with equal usage are two calls (same-side aliases never fold)', async () => {
  const root = tmpDir();
  const state = stateWith(root, ['mirror']);
  const file = path.join(state, SESSION_REL);
  const text = fs.readFileSync(file, 'utf8').replace('"output":80,', '"output":70,').replace('"totalTokens":1580', '"totalTokens":1570');
  fs.writeFileSync(file, text);
  const ledger = Ledger.open(path.join(root, 'data'));
  await ingest(state, ledger);
  assert.equal(totals(ledger).messages, 2);
  ledger.close();
});
