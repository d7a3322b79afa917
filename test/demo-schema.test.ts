/**
 * The demo's shipped SQLite DDL (src/demo/sqlite/v23-ddl.generated.ts) equals what the
 * real OpenClaw 2026.9.6 schema dump under test/fixtures/ yields, and stores created from
 * it alone (no fixture read at run time) have every table clawmeter reads.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { V23_DDL } from '../src/demo/sqlite/v23-ddl.generated.js';
import { OpenClawStore, V23_TABLES, extractV23Ddl, v23Ddl } from '../src/demo/sqlite-store.js';
import { FIXTURES, tmpDir } from './helpers.js';

const DUMP = path.join(FIXTURES, 'openclaw-real/v2026.9.6-sqlite/openclaw-agent.schema.sql');

test('shipped v23 DDL equals the extraction from the real schema dump (run npm run build:demo-schema when it drifts)', () => {
  const fromDump = extractV23Ddl(fs.readFileSync(DUMP, 'utf8'));
  assert.equal(V23_DDL, fromDump);
  assert.equal(v23Ddl(), V23_DDL);
  assert.equal(v23Ddl(DUMP), V23_DDL);
  for (const t of V23_TABLES) assert.match(V23_DDL, new RegExp(`CREATE TABLE IF NOT EXISTS "?${t}"?\\s*\\(`), t);
});

test('a v23 store is created from the shipped DDL with every wanted table', () => {
  const file = path.join(tmpDir('clawmeter-demo-schema-'), 'agents/main/agent/openclaw-agent.sqlite');
  const store = OpenClawStore.create(file, { agentId: 'main' });
  store.upsertSession({ sessionKey: 'agent:main:main', sessionId: 'sid-1' });
  store.appendEvents('sid-1', ['{"type":"session","id":"sid-1"}'], 1_000);
  store.close();
  const db = new Database(file, { readonly: true });
  try {
    const names = new Set((db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).pluck().all() as string[]));
    for (const t of V23_TABLES) assert.ok(names.has(t), `missing table ${t}`);
    assert.equal(db.prepare('SELECT schema_version FROM schema_meta').pluck().get(), 23);
    assert.equal(db.prepare('SELECT count(*) FROM transcript_events').pluck().get(), 1);
  } finally {
    db.close();
  }
});
