/** Ledgers written before the "compat" naming (JSON rows with `seedKind`) keep their labels. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Ledger } from '../src/ledger/ledger.js';
import { tmpDir } from './helpers.js';

test('totals, session rows and session ids stored with seedKind load as compatKind', () => {
  const dir = path.join(tmpDir(), 'data');
  const l = Ledger.open(dir);
  l.commit({
    calls: [{
      dedupeKey: 'k1', tsMs: Date.UTC(2026, 10, 1), provider: 'p', model: 'm', input: 1, output: 2, cacheRead: 0, cacheWrite: 0, costUsd: null,
      stopReason: 'stop', errorCategory: null, latencyMs: null, agent: 'main', compatKind: 'cron', kind: 'cron', channel: 'unknown', chatType: 'unknown', source: 'jsonl',
    }],
    sessions: { stateDir: '/s', agent: 'main', origin: 'sessions.json', rows: [{ sessionKey: 'agent:main:cron:x', sessionId: 'sid', compatKind: 'cron', kind: 'cron', channel: 'unknown', chatType: 'unknown', updatedAtMs: null, active: true }] },
  });
  l.close();
  // Rewrite the stored JSON as an older clawmeter wrote it.
  const db = new Database(path.join(dir, 'ledger.sqlite'));
  for (const [table, col] of [['totals', 'row_json'], ['snapshots', 'rows_json'], ['session_ids', 'info_json']]) {
    db.prepare(`UPDATE ${table} SET ${col} = replace(${col}, '"compatKind"', '"seedKind"')`).run();
    const n = db.prepare(`SELECT count(*) AS n FROM ${table} WHERE ${col} LIKE '%seedKind%'`).get() as { n: number };
    assert.ok(n.n > 0, `${table} holds the old field name`);
  }
  db.close();
  const again = Ledger.open(dir);
  try {
    assert.deepEqual([...again.totals()].map((t) => t.compatKind), ['cron']);
    assert.equal(again.sessions()[0].compatKind, 'cron');
    assert.equal(again.lookupSession('/s', 'main', 'sid')?.compatKind, 'cron');
  } finally {
    again.close();
  }
});
