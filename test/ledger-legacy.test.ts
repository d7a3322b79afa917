/** Ledgers written before the "compat" naming (JSON rows with `seedKind`) keep their labels. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Ledger } from '../src/ledger/ledger.js';
import { SCHEMA_VERSION } from '../src/ledger/schema.js';
import { tmpDir } from './helpers.js';

test('totals, session rows and session ids stored with seedKind load as compatKind', () => {
  const dir = path.join(tmpDir(), 'data');
  const l = Ledger.open(dir);
  l.commit({
    calls: [{
      dedupeKey: 'k1', tsMs: Date.UTC(2026, 10, 1), provider: 'p', model: 'm', input: 1, output: 2, cacheRead: 0, cacheWrite: 0, costUsd: null,
      stopReason: 'stop', errorCategory: null, latencyMs: null, agent: 'main', compatKind: 'cron', kind: 'cron', channel: 'unknown', chatType: 'unknown', source: 'jsonl',
    }],
    sessions: { stateDir: '/s', agent: 'main', source: 'sessions.json', rows: [{ sessionKey: 'agent:main:cron:x', sessionId: 'sid', compatKind: 'cron', kind: 'cron', channel: 'unknown', chatType: 'unknown', updatedAtMs: null, active: true }] },
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

test('schema 2 source names (calls `rollout`/`cold`, snapshot `origin`) are rewritten once to the one vocabulary', () => {
  const dir = path.join(tmpDir(), 'data');
  const call = (k: string, source: string, errorCategory: string | null) => ({
    dedupeKey: k, tsMs: Date.UTC(2026, 10, 1), provider: 'p', model: 'm', input: 1, output: 2, cacheRead: 0, cacheWrite: 0, costUsd: null,
    stopReason: errorCategory ? 'error' : 'stop', errorCategory, latencyMs: null, agent: 'main', compatKind: 'main', kind: 'direct', channel: 'unknown', chatType: 'unknown', source,
  });
  const l = Ledger.open(dir);
  l.commit({
    calls: [call('r1', 'codex-rollouts', 'rate_limit'), call('c1', 'cold-files', null), call('j1', 'jsonl', null)],
    sessions: { stateDir: '/s', agent: 'main', source: 'trajectory-keys', rows: [{ sessionKey: 'agent:main:main', sessionId: 'sid', compatKind: 'main', kind: 'direct', channel: 'unknown', chatType: 'unknown', updatedAtMs: null, active: true }] },
    auth: { stateDir: '/s', agent: 'main', source: 'shared-auth', rows: [{ profileId: 'openai-codex:default', provider: 'openai-codex', type: 'oauth', expiresMs: null, email: null, plan: null, cooldownUntilMs: null, cooldownReason: null, disabledUntilMs: null, disabledReason: null, failureCounts: {} }] },
  });
  l.close();
  // Write it back as schema 2 spelled it.
  const file = path.join(dir, 'ledger.sqlite');
  const db = new Database(file);
  db.prepare(`UPDATE calls SET source = 'rollout' WHERE source = 'codex-rollouts'`).run();
  db.prepare(`UPDATE calls SET source = 'cold' WHERE source = 'cold-files'`).run();
  db.prepare(`UPDATE call_buckets SET source = 'rollout' WHERE source = 'codex-rollouts'`).run();
  db.prepare(`UPDATE call_buckets SET source = 'cold' WHERE source = 'cold-files'`).run();
  db.prepare(`UPDATE snapshots SET origin_key = replace(replace(origin_key, 'trajectory-keys', 'trajectory'), 'shared-auth', 'shared'),
    rows_json = replace(replace(replace(rows_json, '"source":', '"origin":'), '"trajectory-keys"', '"trajectory"'), '"shared-auth"', '"shared"')`).run();
  db.prepare(`UPDATE meta SET value = '2' WHERE key = 'schema_version'`).run();
  db.close();

  const again = Ledger.open(dir);
  try {
    assert.deepEqual(again.sessions().map((s) => s.source), ['trajectory-keys']);
    assert.deepEqual(again.authProfiles().map((p) => p.source), ['shared-auth']);
    assert.deepEqual(again.reads.recentErrors(10).map((e) => e.source), ['codex-rollouts']);
    // The same sources polled again replace their lists (same keys), never add a second copy.
    again.commit({ sessions: { stateDir: '/s', agent: 'main', source: 'trajectory-keys', rows: [] } });
    assert.deepEqual(again.sessions(), []);
  } finally {
    again.close();
  }
  const after = new Database(file, { readonly: true });
  try {
    assert.equal((after.prepare(`SELECT value FROM meta WHERE key = 'schema_version'`).get() as { value: string }).value, String(SCHEMA_VERSION));
    assert.deepEqual(after.prepare(`SELECT source, count(*) AS n FROM calls GROUP BY source ORDER BY source`).all(), [
      { source: 'codex-rollouts', n: 1 }, { source: 'cold-files', n: 1 }, { source: 'jsonl', n: 1 },
    ]);
    assert.deepEqual(after.prepare(`SELECT DISTINCT source FROM call_buckets ORDER BY source`).all().map((r) => (r as { source: string }).source), ['codex-rollouts', 'cold-files', 'jsonl']);
    const snaps = after.prepare(`SELECT origin_key, rows_json FROM snapshots ORDER BY origin_key`).all() as Array<{ origin_key: string; rows_json: string }>;
    assert.deepEqual(snaps.map((s) => s.origin_key.split('\u0000').pop()), ['shared-auth', 'trajectory-keys']);
    for (const s of snaps) assert.doesNotMatch(s.rows_json, /"origin"/, 'rows carry source, not origin');
  } finally {
    after.close();
  }
});
