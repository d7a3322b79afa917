/**
 * Schema 5 (src/ledger/span-columns.ts): a call's span fact lives in its own row and
 * tool results in one tree clustered by session. A schema-4 ledger (separate
 * `call_spans`, rowid `tool_results`) written from the real 2026.7.35 fixture and a
 * generated history (archives, copies, junk lines) migrates to the same span facts, tool results, pending sessions and run
 * durations; a copy with a span fact completes a call stored without one, and
 * never replaces one already stored.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { generateStateDir } from '../src/demo/generate.js';
import { Ledger } from '../src/ledger/ledger.js';
import { SCHEMA_VERSION } from '../src/ledger/schema.js';
import { FIXTURES, copyDir, ingestOnce, ledgerCall, tmpDir } from './helpers.js';

const FIXTURE = path.join(FIXTURES, 'openclaw-real/v2026.7.35-jsonl');

function spanState(ledger: Ledger) {
  const db = ledger['db'] as Database.Database;
  const sessions = ledger.spans.pendingSessions(0, Number.MAX_SAFE_INTEGER).sort();
  return {
    facts: db.prepare(`SELECT dedupe_key, session_hash, request_id_hash, api FROM calls ORDER BY dedupe_key`).all(),
    tools: db.prepare(`SELECT key, session_hash, ts_ms, tool_name, is_error FROM tool_results ORDER BY key`).all(),
    sessions,
    pending: sessions.map((s) => ledger.spans.pendingInSession(s, 0, Number.MAX_SAFE_INTEGER)),
    toolsInSession: sessions.map((s) => ledger.spans.tools.between(s, 0, Number.MAX_SAFE_INTEGER)),
    runs: ledger.runDurations(),
  };
}

/** Rewrites a schema-5 ledger file into the schema-4 shape (what a 2026-12-01 clawmeter wrote). */
function downgradeTo4(file: string): void {
  const db = new Database(file);
  db.exec(`
    CREATE TABLE call_spans (dedupe_key TEXT PRIMARY KEY, session_hash TEXT NOT NULL, request_id_hash TEXT, api TEXT);
    CREATE INDEX call_spans_session ON call_spans (session_hash);
    INSERT INTO call_spans SELECT dedupe_key, session_hash, request_id_hash, api FROM calls WHERE session_hash IS NOT NULL;
    DROP INDEX calls_session;
    ALTER TABLE calls DROP COLUMN session_hash;
    ALTER TABLE calls DROP COLUMN request_id_hash;
    ALTER TABLE calls DROP COLUMN api;
    ALTER TABLE tool_results RENAME TO t5;
    CREATE TABLE tool_results (key TEXT PRIMARY KEY, session_hash TEXT NOT NULL, ts_ms INTEGER NOT NULL, tool_name TEXT NOT NULL, is_error INTEGER NOT NULL);
    CREATE INDEX tool_results_session ON tool_results (session_hash, ts_ms);
    INSERT INTO tool_results SELECT key, session_hash, ts_ms, tool_name, is_error FROM t5;
    DROP TABLE t5;
    UPDATE meta SET value = '4' WHERE key = 'schema_version'`);
  db.close();
}

test('schema 4 -> 5: span facts move into calls, tool results into one session-clustered tree, nothing else changes', async () => {
  const root = tmpDir();
  const stateDir = path.join(root, 'state');
  copyDir(FIXTURE, stateDir);
  const generated = path.join(root, 'generated');
  generateStateDir({ dir: generated, seed: 5, nowMs: Date.UTC(2026, 11, 1), days: 3, targetBytes: 256 * 1024 });
  const dataDir = path.join(root, 'data');
  const { ledger } = await ingestOnce([stateDir, generated], dataDir);
  const before = spanState(ledger);
  assert.ok(before.facts.length >= 50 && before.tools.length >= 20 && before.sessions.length >= 3, `fixture has calls (${before.facts.length}) and tools (${before.tools.length})`);
  assert.ok((before.facts as Array<{ session_hash: string | null }>).every((r) => r.session_hash !== null), 'every transcript call has its span fact');
  const totals = JSON.stringify(ledger.totals());
  ledger.close();

  downgradeTo4(path.join(dataDir, 'ledger.sqlite'));
  const notices: string[] = [];
  const m = Ledger.open(dataDir, { log: (_l, msg) => notices.push(msg) });
  try {
    assert.deepEqual(notices, [], 'the integrity check at open found nothing');
    const db = m['db'] as Database.Database;
    assert.equal((db.prepare(`SELECT value FROM meta WHERE key = 'schema_version'`).get() as { value: string }).value, String(SCHEMA_VERSION));
    assert.equal(db.prepare(`SELECT 1 FROM sqlite_master WHERE name IN ('call_spans', 'call_spans_session', 'tool_results_session', 't5', 'tool_results_v4')`).get(), undefined);
    assert.match(db.prepare(`SELECT sql FROM sqlite_master WHERE name = 'tool_results'`).pluck().get() as string, /WITHOUT ROWID/);
    assert.deepEqual(spanState(m), before);
    assert.equal(JSON.stringify(m.totals()), totals);
  } finally {
    m.close();
  }
  // the same ledger ingested again counts nothing twice and keeps every fact
  const again = await ingestOnce([stateDir, generated], dataDir);
  assert.equal(again.summary.inserted, 0);
  assert.deepEqual(spanState(again.ledger), before);
  again.ledger.close();
});

test('a copy with a span fact completes a call stored without one; a stored span fact is never replaced', () => {
  const dataDir = path.join(tmpDir(), 'data');
  const ledger = Ledger.open(dataDir);
  try {
    const call = ledgerCall(1, { dedupeKey: 'turn-1', source: 'codex-rollouts' });
    ledger.commit({ calls: [call] }); // a rollout call: no span fact
    const row = () => (ledger['db'] as Database.Database).prepare(`SELECT session_hash AS s, request_id_hash AS r, api AS a FROM calls WHERE dedupe_key = 'turn-1'`).get();
    assert.deepEqual(row(), { s: null, r: null, a: null });
    const span = { dedupeKey: 'turn-1', sessionHash: 'aaaaaaaaaaaaaaaa', requestIdHash: 'bbbbbbbbbbbbbbbb', api: 'openai-codex-responses' };
    assert.deepEqual(ledger.commit({ calls: [{ ...call, source: 'jsonl' }], spans: [span] }), { inserted: 0, duplicates: 1 });
    assert.deepEqual(row(), { s: 'aaaaaaaaaaaaaaaa', r: 'bbbbbbbbbbbbbbbb', a: 'openai-codex-responses' });
    ledger.commit({ calls: [{ ...call, source: 'jsonl' }], spans: [{ ...span, sessionHash: 'cccccccccccccccc', api: 'other' }] });
    assert.deepEqual(row(), { s: 'aaaaaaaaaaaaaaaa', r: 'bbbbbbbbbbbbbbbb', a: 'openai-codex-responses' }, 'the first span fact stays');
    // in one batch, the first copy's span fact wins, as the first copy of the call does
    const two = ledgerCall(2, { dedupeKey: 'twice' });
    ledger.commit({ calls: [two, two], spans: [{ ...span, dedupeKey: 'twice' }, { ...span, dedupeKey: 'twice', sessionHash: 'dddddddddddddddd' }] });
    assert.equal(ledger.spans.pendingInSession('aaaaaaaaaaaaaaaa', 0, Number.MAX_SAFE_INTEGER).map((r) => r.dedupeKey).sort().join(), 'turn-1,twice');
    assert.deepEqual(ledger.spans.pendingInSession('dddddddddddddddd', 0, Number.MAX_SAFE_INTEGER), []);
    // ... and its run goes by that same session: a call still waiting for tool results leaves the run open there
    const waiting = ledgerCall(3, { dedupeKey: 'waits', stopReason: 'toolUse', latencyMs: 500 });
    ledger.commit({ calls: [waiting, waiting], spans: [{ ...span, dedupeKey: 'waits', sessionHash: 'eeeeeeeeeeeeeeee' }, { ...span, dedupeKey: 'waits', sessionHash: 'ffffffffffffffff' }] });
    const open = (ledger['db'] as Database.Database).prepare(`SELECT session_hash FROM open_runs WHERE session_hash IN ('eeeeeeeeeeeeeeee', 'ffffffffffffffff')`).pluck().all();
    assert.deepEqual(open, ['eeeeeeeeeeeeeeee'], 'the open run is in the session stored with the call');
  } finally {
    ledger.close();
  }
  fs.rmSync(path.dirname(dataDir), { recursive: true, force: true });
});
