/**
 * OpenClaw-shaped per-agent SQLite stores for tests, the demo and the benchmark (entry
 * point; the parts live in `src/demo/sqlite/`):
 *
 * - the newer layout (agent schema 23, as written by OpenClaw 2026.9.6), whose DDL is
 *   shipped in `src/demo/sqlite/v23-ddl.generated.ts` (extracted from the real schema dump
 *   `test/fixtures/openclaw-real/v2026.9.6-sqlite/openclaw-agent.schema.sql`);
 * - the older 2026.7.2-beta layout: a `sessions` root table, `session_entries(entry_json)`
 *   and `transcript_events` (shape inferred from OpenClaw's database-first design notes,
 *   not from a real file);
 * - `migrateStateDir`, which converts a JSONL-era state directory the way
 *   `openclaw doctor --fix` in 2026.9 does (see docs/sources.md).
 */
export { BETA_DDL, V23_TABLES, extractV23Ddl, v23Ddl, type StoreLayout } from './sqlite/ddl.js';
export { zstdCompressManyCli, zstdFrame, zstdRawFrame, type ZstdMode } from './sqlite/zstd-frames.js';
export { OpenClawStore, navigationJson, type SessionSpec, type StoreOptions } from './sqlite/store.js';
export { IMPORT_ARCHIVE, migrateStateDir, type MigrationOptions, type MigrationReport } from './sqlite/migrate.js';
