/**
 * DDL of the OpenClaw-shaped SQLite stores the demo writes: the newer layout (agent schema
 * 23, OpenClaw 2026.9.6) from the DDL shipped in `v23-ddl.generated.ts` (extracted from
 * the real schema dump by `npm run build:demo-schema`), and the older 2026.7.2-beta layout.
 * Shipped under src/ so the demo works from the published package alone.
 */
import fs from 'node:fs';
import { V23_DDL } from './v23-ddl.generated.js';

export type StoreLayout = 'v23' | 'beta';

/** Tables of the newer layout that the generator creates (the ones clawmeter reads, plus FK targets). */
export const V23_TABLES = [
  'schema_meta',
  'conversations',
  'session_nodes',
  'session_windows',
  'transcript_events',
  'transcript_rewrite_watermarks',
  'session_transcript_archives',
  'session_transcript_cold_archives',
  'auth_profile_store',
  'auth_profile_state',
];

export const BETA_DDL = `
CREATE TABLE IF NOT EXISTS schema_meta (
  meta_key TEXT NOT NULL PRIMARY KEY, role TEXT NOT NULL, schema_version INTEGER NOT NULL, agent_id TEXT,
  app_version TEXT, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL) STRICT;
CREATE TABLE IF NOT EXISTS sessions (
  session_id TEXT NOT NULL PRIMARY KEY, session_key TEXT NOT NULL, session_scope TEXT NOT NULL DEFAULT 'conversation',
  account_id TEXT, primary_conversation_id TEXT, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL) STRICT;
CREATE INDEX IF NOT EXISTS idx_sessions_key ON sessions(session_key, updated_at DESC);
CREATE TABLE IF NOT EXISTS session_routes (
  session_key TEXT NOT NULL PRIMARY KEY, session_id TEXT NOT NULL, updated_at INTEGER NOT NULL) STRICT;
CREATE TABLE IF NOT EXISTS session_entries (
  session_key TEXT NOT NULL PRIMARY KEY, entry_json TEXT NOT NULL, updated_at INTEGER NOT NULL) STRICT;
CREATE TABLE IF NOT EXISTS transcript_events (
  session_id TEXT NOT NULL, seq INTEGER NOT NULL, event_json TEXT NOT NULL, created_at INTEGER NOT NULL,
  PRIMARY KEY (session_id, seq)) STRICT;
CREATE TABLE IF NOT EXISTS auth_profile_store (store_key TEXT NOT NULL PRIMARY KEY, store_json TEXT NOT NULL, updated_at INTEGER NOT NULL) STRICT;
CREATE TABLE IF NOT EXISTS auth_profile_state (state_key TEXT NOT NULL PRIMARY KEY, state_json TEXT NOT NULL, updated_at INTEGER NOT NULL) STRICT;
`;

/** CREATE TABLE / CREATE INDEX statements of the wanted tables, from the text of a schema dump. */
export function extractV23Ddl(text: string): string {
  const out: string[] = [];
  for (const raw of text.split(/;\s*\n/)) {
    const stmt = raw.trim();
    const t = /^CREATE TABLE\s+"?([A-Za-z0-9_]+)"?\s*\(/.exec(stmt);
    if (t && V23_TABLES.includes(t[1])) out.push(stmt.replace(/^CREATE TABLE/, 'CREATE TABLE IF NOT EXISTS'));
    const i = /^CREATE (UNIQUE )?INDEX\s+([A-Za-z0-9_]+)\s+ON\s+([A-Za-z0-9_]+)\s*\(/.exec(stmt);
    if (i && V23_TABLES.includes(i[3])) out.push(stmt.replace(/^CREATE (UNIQUE )?INDEX/, (m) => `${m} IF NOT EXISTS`));
  }
  return out.join(';\n') + ';\n';
}

/** The newer layout's DDL: the shipped one, or extracted from another schema dump when given. */
export function v23Ddl(schemaFile?: string): string {
  return schemaFile === undefined ? V23_DDL : extractV23Ddl(fs.readFileSync(schemaFile, 'utf8'));
}
