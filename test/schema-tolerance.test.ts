/**
 * Schema tolerance (issue 8): a copy of the real 2026.9.6 store (agent schema 23) is
 * upgraded to the documented schema 24 shape (2026.9.7: `sessionDiffBaseline`,
 * `skillsSnapshot`, `systemPromptReport` move from `session_nodes.entry_json` into
 * `session_entry_snapshots`, the node gains `snapshot_revision`) and schema 25 (its
 * validation triggers dropped), plus unknown future columns and tables. These are
 * documented-schema fixtures built from OpenClaw's migration
 * (`migrateSessionEntrySnapshotsInTransaction`), not files a 24/25 release wrote:
 * the reachable npm registry stops at 2026.9.6. Each must read exactly like the
 * original; a store that lacks `transcript_events` is one `store_unsupported` skip
 * that names the schema version.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { FIXTURES, tmpDir, totalsOf, sqlRead } from './helpers.js';
import { allSources, harness, loggedIssues } from './sqlite-helpers.js';

const REAL = path.join(FIXTURES, 'openclaw-real/v2026.9.6-sqlite/openclaw-agent.fixture.sqlite');
const MOVED = ['sessionDiffBaseline', 'skillsSnapshot', 'systemPromptReport'];

function stateWith(root: string, upgrade: (db: Database.Database) => void): string {
  const stateDir = path.join(root, 'state');
  const file = path.join(stateDir, 'agents/main/agent/openclaw-agent.sqlite');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.copyFileSync(REAL, file);
  const db = new Database(file);
  upgrade(db);
  db.close();
  return stateDir;
}

/** Schema 24 as OpenClaw's migration writes it. */
function toV24(db: Database.Database): void {
  db.exec(`
    ALTER TABLE session_nodes ADD COLUMN snapshot_revision INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE IF NOT EXISTS session_entry_snapshots (
      session_key TEXT NOT NULL, field TEXT NOT NULL, value_json TEXT NOT NULL,
      PRIMARY KEY (session_key, field)) STRICT;
    CREATE TRIGGER IF NOT EXISTS session_nodes_entry_valid_reset AFTER UPDATE OF entry_json ON session_nodes
      BEGIN UPDATE session_nodes SET snapshot_revision = snapshot_revision WHERE session_key = NEW.session_key; END;
  `);
  const rows = db.prepare(`SELECT session_key, entry_json FROM session_nodes`).all() as Array<{ session_key: string; entry_json: string }>;
  for (const r of rows) {
    const entry = JSON.parse(r.entry_json) as Record<string, unknown>;
    for (const f of MOVED) {
      if (!(f in entry)) continue;
      db.prepare(`INSERT INTO session_entry_snapshots VALUES (?, ?, ?)`).run(r.session_key, f, JSON.stringify(entry[f]));
      delete entry[f];
    }
    db.prepare(`UPDATE session_nodes SET entry_json = ?, snapshot_revision = 1 WHERE session_key = ?`).run(JSON.stringify(entry), r.session_key);
  }
  db.exec(`UPDATE schema_meta SET schema_version = 24, app_version = '2026.9.7'; PRAGMA user_version = 24;`);
}

/** Schema 25: validation triggers retired; plus columns and a table no release has yet. */
function toV25Plus(db: Database.Database): void {
  toV24(db);
  for (const t of db.prepare(`SELECT name FROM sqlite_master WHERE type = 'trigger'`).pluck().all() as string[]) db.exec(`DROP TRIGGER "${t}"`);
  db.exec(`
    ALTER TABLE transcript_events ADD COLUMN future_column TEXT;
    ALTER TABLE session_windows ADD COLUMN future_flag INTEGER DEFAULT 7;
    CREATE TABLE future_usage_rollups (k TEXT PRIMARY KEY, v BLOB);
    INSERT INTO future_usage_rollups VALUES ('x', x'00');
    UPDATE schema_meta SET schema_version = 25, app_version = '2026.10.5'; PRAGMA user_version = 25;
  `);
}

async function read(stateDir: string, dataDir: string) {
  const h = harness(dataDir, allSources([stateDir]));
  await h.cycle();
  const out = {
    totals: totalsOf(h.ledger),
    calls: sqlRead(h.ledger, `SELECT dedupe_key, agent, seed_kind, kind, channel, chat_type FROM calls ORDER BY dedupe_key`),
    sessions: h.ledger
      .sessions()
      .map((s) => `${s.source} ${s.sessionKey} ${s.sessionId} ${s.active} ${s.kind} ${s.channel}`)
      .sort(),
    issues: [...h.stats.issues.keys()],
  };
  h.ledger.close();
  return { out, h };
}

test('schema 24 and 25 (+ unknown future columns and tables) read exactly like the real 9.6 store', async () => {
  const root = tmpDir();
  const base = await read(stateWith(path.join(root, 'v23'), () => undefined), path.join(root, 'd23'));
  assert.equal(base.out.totals.calls, 9, 'the real store alone holds all 9 calls (its archive row included)');
  for (const [name, upgrade] of [['v24', toV24], ['v25', toV25Plus]] as const) {
    const dir = stateWith(path.join(root, name), upgrade);
    const db = new Database(path.join(dir, 'agents/main/agent/openclaw-agent.sqlite'), { readonly: true });
    const moved = db.prepare(`SELECT count(*) FROM session_entry_snapshots`).pluck().get() as number;
    const left = db.prepare(`SELECT count(*) FROM session_nodes WHERE entry_json LIKE '%skillsSnapshot%'`).pluck().get() as number;
    db.close();
    assert.ok(moved > 0 && left === 0, `${name}: the snapshot fields moved out of entry_json`);
    const got = await read(dir, path.join(root, `d-${name}`));
    assert.deepEqual(got.out, base.out, `${name} reads exactly like schema 23`);
  }
});

test('a store without transcript_events is one store_unsupported skip naming the schema version', async () => {
  const root = tmpDir();
  const dir = stateWith(root, (db) => {
    toV25Plus(db);
    db.exec(`DROP TABLE transcript_events`);
  });
  const { h, out } = await read(dir, path.join(root, 'data'));
  assert.deepEqual(out.issues, ['store_unsupported']);
  assert.equal(h.stats.issues.get('store_unsupported'), 1);
  const lines = loggedIssues(h, 'store_unsupported');
  assert.equal(lines.length, 1);
  assert.match(lines[0], /agent schema 25, OpenClaw 2026\.10\.5/);
  // The rest of the store is still read: sessions keep their labels.
  assert.ok(out.sessions.some((s) => s.includes('agent:main:tools')));
  assert.equal(out.totals.calls, 2, 'only the two calls of the store archive (session_transcript_archives) remain readable');
});
