/**
 * Statements and sweeps the SQLite store source reads transcript_events with: the full
 * per-session max(seq) sweep, the row-reading statement (assistant rows only decoded),
 * the deletion signals behind gap detection, and the session-key lookup.
 */
import type Database from 'better-sqlite3';
import { quoteIdent, type StoreSchema } from './schema.js';
import { toolCells } from './tool-results.js';

/**
 * Every session id in transcript_events with its max(seq): a skip-scan over the
 * (session_id, seq) primary key, two index seeks per session (O(sessions log rows)).
 */
export function* sweepSessions(db: Database.Database): Iterable<[string, number]> {
  if (!hasSessionIndex(db)) {
    // No index led by session_id (no real OpenClaw schema lacks it): one pass over the table.
    yield* db.prepare(`SELECT session_id, max(seq) FROM transcript_events GROUP BY session_id`).raw().iterate() as Iterable<[string, number]>;
    return;
  }
  const first = db.prepare(`SELECT min(session_id) FROM transcript_events`).pluck().get() as string | null;
  if (first === null) return;
  yield [first, db.prepare(`SELECT max(seq) FROM transcript_events WHERE session_id = ?`).pluck().get(first) as number];
  // Bounded batches of seeks per query keep every read short.
  const BATCH = 4096;
  const next = db
    .prepare(
      `WITH RECURSIVE s(id, n) AS (
         SELECT (SELECT session_id FROM transcript_events WHERE session_id > ? ORDER BY session_id LIMIT 1), 1
         UNION ALL
         SELECT (SELECT session_id FROM transcript_events WHERE session_id > s.id ORDER BY session_id LIMIT 1), n + 1
         FROM s WHERE s.id IS NOT NULL AND n < ?)
       SELECT id, (SELECT max(seq) FROM transcript_events WHERE session_id = s.id) FROM s WHERE id IS NOT NULL`,
    )
    .raw();
  let last = first;
  for (;;) {
    const rows = next.all(last, BATCH) as Array<[string, number]>;
    for (const r of rows) yield r;
    if (rows.length < BATCH) return;
    last = rows[rows.length - 1][0];
  }
}

export { toolResultOfRow, toolResultOfSmallRow } from './tool-results.js';

/** Plain rows up to this size are fetched whole and sorted in JS; larger ones as their call-candidate bytes or tool cells. */
export const WHOLE_ROW_BYTES = 64 * 1024;

/** The cells of one row of readStatement(). */
export type EventRow = [
  seq: number,
  /** event_json as bytes when it is at most WHOLE_ROW_BYTES */
  small: Buffer | null,
  /** event_zstd of a compressed row that may be an assistant message */
  zstd: Buffer | null,
  /** octet_length(event_json): null for a compressed row */
  octets: number | null,
  /** event_utf8_bytes (decoded size of a compressed row) */
  zbytes: number | null,
  /** a larger plain row whole when it may be a call (it holds "assistant", or starts as a custom_message) */
  bigCandidate: Buffer | null,
  /** the tool cells (tool-results.ts): a larger plain row's head and tail, a compressed row's navigation fields */
  head: Buffer | null,
  tail: Buffer | null,
  nav: string | null,
];

/**
 * Reads one session's rows after a seq (cells: EventRow). Small plain rows (all but
 * a few: OpenClaw compresses the events of 1 KiB to 4 MiB) come whole as bytes and
 * the source tells calls and tool results from the rest with a byte search: each test
 * written in SQL read the whole value once more (the candidate test and the tool-result
 * cells took about 1 of 4.6-5 CPU-s of this query over the 1 GB bench store). Larger
 * plain rows keep the tests in SQL, so a large tool output never reaches JavaScript:
 * their bytes only when they may be a call, else the tool cells. Sizes come from
 * SQLite (octet_length reads no content).
 */
export function readStatement(db: Database.Database, schema: StoreSchema, keepToolOutput = false): Database.Statement {
  const cols = schema.events!.columns;
  // Compressed rows whose navigation projection (OpenClaw's summary of the same event: entry
  // type and message role) shows they are not an assistant message: their blob is not even
  // fetched. Unclear projections (missing, invalid, no type, message without role) are read.
  // CASE (not AND) guards the JSON functions: SQLite does not promise AND short-circuits,
  // and json_type() raises on invalid JSON.
  const ruledOut =
    schema.eventZstd && cols.has('navigation_json')
      ? `(CASE WHEN event_json IS NULL AND json_valid(navigation_json) THEN coalesce(
            json_type(navigation_json, '$.navigation.type') IS 'text'
            AND (json_extract(navigation_json, '$.navigation.type') NOT IN ('message', 'custom_message')
                 OR (json_type(navigation_json, '$.navigation.message.role') IS 'text'
                     AND json_extract(navigation_json, '$.navigation.message.role') NOT IN ('', 'assistant'))), 0)
          ELSE 0 END)`
      : '0';
  const z = schema.eventZstd ? `CASE WHEN event_json IS NULL AND NOT ${ruledOut} THEN event_zstd END` : 'NULL';
  const zbytes = schema.eventZstd && cols.has('event_utf8_bytes') ? 'event_utf8_bytes' : 'NULL';
  const big = `(octet_length(event_json) > ${WHOLE_ROW_BYTES})`;
  // the SQL form of the source's byte tests on small rows (readSession, tool-results.ts)
  const candidate = `instr(event_json, '"assistant"') > 0 OR substr(event_json, 1, 24) = '{"type":"custom_message"'`;
  const tools = toolCells(big, Boolean(schema.eventZstd && cols.has('navigation_json')), keepToolOutput);
  const sql =
    `SELECT seq, CASE WHEN NOT ${big} THEN CAST(event_json AS BLOB) END, ${z}, octet_length(event_json), ${zbytes}, ` +
    `CASE WHEN ${big} THEN (CASE WHEN ${candidate} THEN CAST(event_json AS BLOB) END) END, ${tools} ` +
    `FROM transcript_events WHERE session_id = ? AND seq > ? ORDER BY seq LIMIT ?`;
  return db.prepare(sql).raw();
}

/** true when some index of transcript_events (its primary key, normally) starts with session_id. */
export function hasSessionIndex(db: Database.Database): boolean {
  const list = db.prepare(`SELECT name FROM pragma_index_list('transcript_events')`).pluck().all() as string[];
  for (const name of list) {
    const first = db.prepare(`SELECT name FROM pragma_index_info(?) ORDER BY seqno LIMIT 1`).pluck().get(name);
    if (first === 'session_id') return true;
  }
  return false;
}

/**
 * Cheap signals that rows may have been deleted since the last poll: sessions deleted
 * (metadata row counts and rowids), archives written, transcripts rewritten.
 */
export function deletionSignals(db: Database.Database, schema: StoreSchema): string {
  const parts: string[] = [];
  const specs: Array<[string, string]> = [
    ['session_windows', ''],
    ['sessions', ''],
    ['session_transcript_archives', ''],
    ['session_transcript_cold_archives', ''],
    ['transcript_rewrite_watermarks', 'generation'],
  ];
  for (const [name, hashCol] of specs) {
    const t = schema.tables.get(name);
    if (!t || t.type !== 'table') continue;
    const rid = t.hasRowid ? ', max(rowid), total(rowid)' : '';
    const upd = t.columns.has('updated_at') && name === 'transcript_rewrite_watermarks' ? ', total(updated_at)' : '';
    const h = hashCol && t.columns.has(hashCol) ? `, total(length(${quoteIdent(hashCol)}))` : '';
    const r = db.prepare(`SELECT count(*)${rid}${upd}${h} FROM ${quoteIdent(name)}`).raw().get() as unknown[];
    parts.push(`${name}:${r.join(',')}`);
  }
  return parts.join('|');
}

/** Session key of a session id from the metadata tables, when the layout has one. */
export function sessionKeyStatement(db: Database.Database, schema: StoreSchema): Database.Statement | null {
  if (schema.layout === 'windows') return db.prepare(`SELECT session_key FROM session_windows WHERE session_id = ?`).pluck();
  const s = schema.tables.get('sessions');
  if (schema.layout === 'sessions' && s) {
    const id = s.columns.has('session_id') ? 'session_id' : s.columns.has('id') ? 'id' : null;
    const key = s.columns.has('session_key') ? 'session_key' : s.columns.has('key') ? 'key' : null;
    if (id && key) return db.prepare(`SELECT ${quoteIdent(key)} FROM sessions WHERE ${quoteIdent(id)} = ?`).pluck();
  }
  return null;
}
