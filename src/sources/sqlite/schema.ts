/**
 * Schema probing for OpenClaw's per-agent store: which of the tables clawmeter reads
 * exist, as tables or views, and with which columns. Nothing is assumed from a
 * version number; `schema_meta` is read only for logs.
 */
import type Database from 'better-sqlite3';

export interface TableInfo {
  name: string;
  type: 'table' | 'view';
  columns: Set<string>;
  /** false for WITHOUT ROWID tables and views */
  hasRowid: boolean;
  /** its columns cannot be listed (e.g. a view over a dropped table); reading it would fail */
  broken: boolean;
}

export interface StoreSchema {
  tables: Map<string, TableInfo>;
  /** transcript_events when it has session_id, seq and event_json */
  events: TableInfo | null;
  /** event_zstd column present (large events stored compressed) */
  eventZstd: boolean;
  /** newer layout: session_nodes + session_windows; older: sessions + session_entries */
  layout: 'windows' | 'sessions' | 'none';
  /** agent schema version and app version from schema_meta, for logs */
  schemaVersion: number | null;
  appVersion: string | null;
  /** Tables that exist but lack the columns clawmeter needs (reported as schema_unknown). */
  unusable: string[];
}

/** The tables clawmeter may read; everything else in the store is ignored. */
const WANTED = [
  'schema_meta',
  'transcript_events',
  'transcript_rewrite_watermarks',
  'session_nodes',
  'session_windows',
  'sessions',
  'session_entries',
  'session_transcript_archives',
  'session_transcript_cold_archives',
  'auth_profile_store',
  'auth_profile_state',
];

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function probeSchema(db: Database.Database): StoreSchema {
  const rows = db
    .prepare(`SELECT name, type, sql FROM sqlite_master WHERE type IN ('table', 'view') AND name IN (${WANTED.map(() => '?').join(',')})`)
    .all(...WANTED) as Array<{ name: string; type: 'table' | 'view'; sql: string | null }>;
  const tables = new Map<string, TableInfo>();
  for (const r of rows) {
    let cols: Array<{ name: string }>;
    let broken = false;
    try {
      cols = db.prepare(`SELECT name FROM pragma_table_info(?)`).all(r.name) as Array<{ name: string }>;
    } catch {
      // A view whose underlying table is gone: listing its columns fails.
      cols = [];
      broken = true;
    }
    const withoutRowid = r.type === 'table' && /\)\s*(STRICT\s*,\s*)?WITHOUT\s+ROWID/i.test(r.sql ?? '');
    tables.set(r.name, {
      name: r.name,
      type: r.type,
      columns: new Set(cols.map((c) => c.name)),
      hasRowid: r.type === 'table' && !withoutRowid,
      broken,
    });
  }
  const unusable: string[] = [];
  let events = tables.get('transcript_events') ?? null;
  if (events && !['session_id', 'seq', 'event_json'].every((c) => events!.columns.has(c))) {
    unusable.push('transcript_events');
    events = null;
  }
  const has = (t: string, ...cols: string[]) => {
    const info = tables.get(t);
    return Boolean(info && cols.every((c) => info.columns.has(c)));
  };
  let layout: StoreSchema['layout'] = 'none';
  if (has('session_windows', 'session_id', 'session_key')) layout = 'windows';
  else if (tables.has('session_entries') || tables.has('sessions')) {
    const entriesOk = has('session_entries', 'entry_json') && (has('session_entries', 'session_key') || has('session_entries', 'key'));
    const sessionsOk = (has('sessions', 'session_id') || has('sessions', 'id')) && (has('sessions', 'session_key') || has('sessions', 'key'));
    if (entriesOk || sessionsOk) layout = 'sessions';
    else unusable.push(...['sessions', 'session_entries'].filter((t) => tables.has(t)));
  }
  if (tables.has('session_nodes') && !has('session_nodes', 'session_key', 'current_session_id')) unusable.push('session_nodes');

  let schemaVersion: number | null = null;
  let appVersion: string | null = null;
  if (has('schema_meta', 'schema_version')) {
    try {
      const m = db
        .prepare(`SELECT schema_version, ${tables.get('schema_meta')!.columns.has('app_version') ? 'app_version' : 'NULL'} AS app_version FROM schema_meta ORDER BY (meta_key = 'primary') DESC LIMIT 1`)
        .get() as { schema_version: number; app_version: string | null } | undefined;
      if (m) {
        schemaVersion = Number(m.schema_version);
        appVersion = m.app_version;
      }
    } catch {
      // schema_meta without meta_key: not important, it is only for logs
    }
  }
  return {
    tables,
    events,
    eventZstd: Boolean(events?.columns.has('event_zstd')),
    layout,
    schemaVersion,
    appVersion,
    unusable,
  };
}

/** `col` when the table has it, else `NULL` (aliased to the same name). */
export function colOrNull(t: TableInfo | undefined, col: string, alias = col): string {
  return t && t.columns.has(col) ? `${quoteIdent(col)} AS ${quoteIdent(alias)}` : `NULL AS ${quoteIdent(alias)}`;
}

/** The first of `cols` the table has, aliased; NULL when none. */
export function firstCol(t: TableInfo | undefined, cols: string[], alias: string): string {
  for (const c of cols) if (t && t.columns.has(c)) return `${quoteIdent(c)} AS ${quoteIdent(alias)}`;
  return `NULL AS ${quoteIdent(alias)}`;
}

export { quoteIdent };
