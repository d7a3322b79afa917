/**
 * Schema 4 -> 5 (issue 9: fewer random-key B-trees per committed call):
 *   - a call's span fact (session hash, request id hash, api) moves from its own
 *     `call_spans` table (a rowid table, its dedupe-key index and a session index:
 *     three trees, two of them written at random places) into three columns of the
 *     call's own row, with one index in session and time order (spans.ts);
 *   - `tool_results` becomes one tree clustered by session (WITHOUT ROWID, primary
 *     key session hash then tool key), instead of a rowid table plus its random-key
 *     index plus a session index. A tool key already contains its session's hash,
 *     so the key alone stays unique, and INSERT OR IGNORE dedupes as before.
 * Both run inside the migration transaction (schema.ts): a crash leaves schema 4 whole.
 */
import type Database from 'better-sqlite3';
import { hasTable, tableSql } from './tables.js';

/** The tool results table of schema 5 (tool-results.ts creates it in a new ledger). */
export const TOOL_RESULTS_TABLE = `CREATE TABLE IF NOT EXISTS tool_results (
    session_hash TEXT NOT NULL, key TEXT NOT NULL, ts_ms INTEGER NOT NULL, tool_name TEXT NOT NULL, is_error INTEGER NOT NULL,
    PRIMARY KEY (session_hash, key)) WITHOUT ROWID`;

export function migrateSpanColumns(db: Database.Database, fromVersion: number): void {
  if (fromVersion >= 5) return;
  const cols = new Set(db.prepare(`SELECT name FROM pragma_table_info('calls')`).pluck().all() as string[]);
  for (const c of ['session_hash', 'request_id_hash', 'api']) if (!cols.has(c)) db.exec(`ALTER TABLE calls ADD COLUMN ${c} TEXT`);
  if (hasTable(db, 'call_spans')) {
    db.exec(`UPDATE calls SET session_hash = s.session_hash, request_id_hash = s.request_id_hash, api = s.api
      FROM call_spans s WHERE s.dedupe_key = calls.dedupe_key;
      DROP TABLE call_spans`);
  }
  const tools = tableSql(db, 'tool_results');
  if (tools !== undefined && !/WITHOUT ROWID/i.test(tools)) {
    db.exec(`ALTER TABLE tool_results RENAME TO tool_results_v4;
      DROP INDEX IF EXISTS tool_results_session;
      ${TOOL_RESULTS_TABLE};
      INSERT OR IGNORE INTO tool_results (session_hash, key, ts_ms, tool_name, is_error)
        SELECT session_hash, key, ts_ms, tool_name, is_error FROM tool_results_v4 ORDER BY rowid;
      DROP TABLE tool_results_v4`);
  }
}
