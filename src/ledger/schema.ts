/**
 * The ledger file: its schema, how a new one is created (atomically, under a
 * temporary name, so a crash never leaves an empty ledger behind), and the checks
 * that refuse a file that is not a usable ledger (empty, truncated, not SQLite,
 * corrupt, schema too new) with LedgerUnavailable instead of recreating it.
 */
import fs from 'node:fs';
import Database from 'better-sqlite3';
import { LedgerUnavailable } from './errors.js';
import { privateFile } from './lock.js';
import { BUCKETS_DDL, migrateBuckets } from './quarter-buckets.js';
import { migrateRunDurations } from './run-durations.js';
import { migrateSourceNames } from './source-names.js';
import { migrateSpanColumns } from './span-columns.js';
import { hasTable } from './tables.js';

/**
 * 2: quarter-hour buckets (call_buckets) and the errors index, see quarter-buckets.ts.
 * 3: one vocabulary of source names in calls, buckets and snapshots, see source-names.ts.
 * 4: run durations (run_totals, open_runs), see run-durations.ts.
 * 5: span facts as columns of calls, tool_results clustered by session, see span-columns.ts.
 */
export const SCHEMA_VERSION = 5;

/**
 * The ledger's tables. `calls.seed_kind` holds a call's compatKind (the original
 * exporter's session kind); the column keeps the name existing ledgers have. The
 * last three columns are the call's span fact (src/ledger/spans.ts; NULL: none).
 */
const DDL = `
  CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS calls (
    id INTEGER PRIMARY KEY,
    dedupe_key TEXT NOT NULL UNIQUE,
    ts_ms INTEGER NOT NULL,
    agent TEXT NOT NULL,
    seed_kind TEXT NOT NULL,
    kind TEXT NOT NULL,
    channel TEXT NOT NULL,
    chat_type TEXT NOT NULL,
    provider TEXT NOT NULL,
    model TEXT NOT NULL,
    input INTEGER NOT NULL,
    output INTEGER NOT NULL,
    cache_read INTEGER NOT NULL,
    cache_write INTEGER NOT NULL,
    cost_usd REAL,
    cost_estimated INTEGER NOT NULL DEFAULT 0,
    stop_reason TEXT NOT NULL,
    error_category TEXT,
    latency_ms INTEGER,
    source TEXT NOT NULL,
    session_hash TEXT,
    request_id_hash TEXT,
    api TEXT
  );
  CREATE INDEX IF NOT EXISTS calls_ts ON calls (ts_ms);
  CREATE TABLE IF NOT EXISTS totals (dims TEXT PRIMARY KEY, row_json TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS cursors (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  -- origin_key: (state dir, agent, source); the column keeps the name existing ledgers have
  CREATE TABLE IF NOT EXISTS snapshots (kind TEXT NOT NULL, origin_key TEXT NOT NULL, rows_json TEXT NOT NULL,
    PRIMARY KEY (kind, origin_key));
  CREATE TABLE IF NOT EXISTS session_ids (map_key TEXT PRIMARY KEY, info_json TEXT NOT NULL);
${BUCKETS_DDL}`;

const HEADER = Buffer.from('SQLite format 3\u0000', 'latin1');

/** SQLite result codes that mean "this file is damaged or not a database". */
export function isCorruption(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && /^SQLITE_(CORRUPT|NOTADB|FORMAT|IOERR_SHORT_READ)/.test(code);
}

function hasWal(file: string): boolean {
  try {
    return fs.statSync(`${file}-wal`).size > 0;
  } catch {
    return false;
  }
}

/** Cheap checks on the raw file before SQLite sees it (SQLite would happily treat an empty file as new). */
function checkFile(file: string): void {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (err) {
    throw new LedgerUnavailable(file, `cannot stat (${(err as NodeJS.ErrnoException).code ?? 'error'})`, 'check the --data-dir');
  }
  if (!st.isFile()) throw new LedgerUnavailable(file, 'not a regular file', 'check the --data-dir');
  if (st.size === 0) throw new LedgerUnavailable(file, 'the file is empty (0 bytes)');
  if (st.size < 100) throw new LedgerUnavailable(file, `the file is truncated (${st.size} bytes)`);
  const head = Buffer.alloc(100);
  const fd = fs.openSync(file, 'r');
  try {
    fs.readSync(fd, head, 0, 100, 0);
  } finally {
    fs.closeSync(fd);
  }
  if (!head.subarray(0, 16).equals(HEADER)) throw new LedgerUnavailable(file, 'not an SQLite database');
  const raw = head.readUInt16BE(16);
  const pageSize = raw === 1 ? 65536 : raw;
  const pages = head.readUInt32BE(28);
  // The in-header page count is valid when the change counters agree (SQLite >= 3.7.0).
  // With a non-empty WAL beside it the main file may legitimately be short (a crash
  // mid-checkpoint): SQLite recovers from the WAL, so only a WAL-less file is truncated.
  if (pages > 0 && head.readUInt32BE(24) === head.readUInt32BE(92) && st.size < pages * pageSize && !hasWal(file)) {
    throw new LedgerUnavailable(file, `the file is truncated (${st.size} of ${pages * pageSize} bytes)`);
  }
}

function configure(db: Database.Database): void {
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
}

/**
 * Page size of a new ledger (an existing one keeps the size it was made with). A commit
 * writes each dirty page as one WAL frame, and a backfill batch's random dedupe keys
 * dirty most leaves of that index: with 16 KiB pages instead of SQLite's 4 KiB the
 * COMMIT of a 10,000-call batch took a median 8.2 instead of 14.5 ms and at most 16
 * instead of 27 ms on the 1 GB bench history (docs/benchmarks.md, sixth round).
 */
export const PAGE_SIZE = 16384;

/** Creates a new, empty ledger at `file` atomically (temporary name, then rename). */
function create(file: string, nowMs: number): void {
  const tmp = `${file}.creating`;
  for (const f of [tmp, `${tmp}-wal`, `${tmp}-shm`, `${tmp}-journal`]) fs.rmSync(f, { force: true });
  privateFile(tmp);
  const db = new Database(tmp);
  try {
    db.pragma(`page_size = ${PAGE_SIZE}`);
    db.exec(DDL);
    const ins = db.prepare(`INSERT INTO meta (key, value) VALUES (?, ?)`);
    ins.run('schema_version', String(SCHEMA_VERSION));
    ins.run('created_at_ms', String(nowMs));
  } finally {
    db.close();
  }
  fs.renameSync(tmp, file);
}

/**
 * Opens the ledger file, creating it when absent. Throws LedgerUnavailable when the
 * file exists but is not a usable ledger; never writes over such a file.
 */
export function openLedgerFile(file: string, nowMs: number): Database.Database {
  if (!fs.existsSync(file)) create(file, nowMs);
  checkFile(file);
  fs.chmodSync(file, 0o600);
  let db: Database.Database | null = null;
  try {
    db = new Database(file, { fileMustExist: true });
    configure(db);
    for (const side of [`${file}-wal`, `${file}-shm`]) if (fs.existsSync(side)) fs.chmodSync(side, 0o600);
    if (!hasTable(db, 'meta')) throw new LedgerUnavailable(file, 'not a clawmeter ledger (no meta table)');
    const row = db.prepare(`SELECT value FROM meta WHERE key = 'schema_version'`).get() as { value: string } | undefined;
    if (!row) throw new LedgerUnavailable(file, 'not a clawmeter ledger (no schema version)');
    if (!(Number(row.value) <= SCHEMA_VERSION)) {
      throw new LedgerUnavailable(
        file,
        `schema ${row.value} is newer than this clawmeter understands (${SCHEMA_VERSION})`,
        'upgrade clawmeter, or use another --data-dir',
      );
    }
    db.exec(DDL); // tables and indexes added since the file was made
    const from = Number(row.value);
    if (from < SCHEMA_VERSION) {
      // Every step in one transaction: a crash leaves the ledger at its old version, whole.
      db.transaction(() => {
        migrateBuckets(db!, from);
        migrateSourceNames(db!, from);
        migrateSpanColumns(db!, from); // before run durations: they are built from the span columns
        migrateRunDurations(db!, from);
        db!.prepare(`UPDATE meta SET value = ? WHERE key = 'schema_version'`).run(String(SCHEMA_VERSION));
      })();
    }
    return db;
  } catch (err) {
    db?.close();
    if (err instanceof LedgerUnavailable) throw err;
    if (isCorruption(err)) throw new LedgerUnavailable(file, `the database is corrupt (${(err as Error).message})`);
    throw err;
  }
}
