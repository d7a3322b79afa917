/**
 * Tool results from the SQLite store for `openclaw.tool.execution` spans, read by
 * SQLite itself so the tool output (often the largest rows) never reaches
 * JavaScript: plain rows (`event_json`) through json_extract, compressed rows
 * (`event_zstd`) from OpenClaw's navigation projection, whose `model` entry carries
 * the tool call id, tool name, isError and time without the output (checked on a
 * real 2026.9.6 store), so they are never decompressed. One indexed range read per
 * chunk of rows the main read statement (queries.ts) already went through.
 */
import type Database from 'better-sqlite3';
import type { TranscriptRecord } from '../../model.js';
import { OUTPUT_HEAD_CHARS, toolResultRecordOf } from '../../parse/tool-result.js';

/** One statement per open store, found from the main read statement's connection. */
const statements = new WeakMap<Database.Database, Database.Statement>();

function toolResultStatement(db: Database.Database): Database.Statement {
  const cols = new Set((db.prepare(`SELECT name FROM pragma_table_info('transcript_events')`).pluck().all() as string[]));
  const nav = cols.has('event_zstd') && cols.has('navigation_json');
  // CASE (not AND) guards the JSON functions: json_extract() raises on invalid JSON.
  const plain = `CASE WHEN instr(substr(event_json, 1, 320), '"role":"toolResult"') > 0 AND json_valid(event_json) THEN 1 ELSE 0 END`;
  const packed = nav
    ? `CASE WHEN json_valid(navigation_json) THEN coalesce(json_extract(navigation_json, '$.navigation.message.role') = 'toolResult', 0) ELSE 0 END`
    : '0';
  const pick = (p: string, n: string) => (nav ? `CASE WHEN event_json IS NOT NULL THEN json_extract(event_json, '${p}') ELSE json_extract(navigation_json, '${n}') END` : `json_extract(event_json, '${p}')`);
  const sql =
    `SELECT seq, ${pick('$.timestamp', '$.navigation.timestamp')}, ${pick('$.message.timestamp', '$.model.message.timestamp')}, ` +
    `${pick('$.message.toolCallId', '$.model.message.toolCallId')}, ${pick('$.message.toolName', '$.model.message.toolName')}, ` +
    `${pick('$.message.isError', '$.model.message.isError')}, ` +
    `CASE WHEN event_json IS NOT NULL THEN substr(json_extract(event_json, '$.message.content[0].text'), 1, ${OUTPUT_HEAD_CHARS}) END ` +
    `FROM transcript_events WHERE session_id = ? AND seq >= ? AND seq <= ? AND (CASE WHEN event_json IS NOT NULL THEN ${plain} ELSE ${packed} END) = 1 ORDER BY seq`;
  return db.prepare(sql).raw();
}

/** Compact tool-result records (src/parse/tool-result.ts) of one session's rows with fromSeq <= seq <= untilSeq. */
export function storeToolResults(read: Database.Statement, sid: string, fromSeq: number, untilSeq: number): TranscriptRecord[] {
  const db = read.database;
  let stmt = statements.get(db);
  if (!stmt) statements.set(db, (stmt = toolResultStatement(db)));
  const out: TranscriptRecord[] = [];
  for (const [seq, ts, msgTs, id, name, isError, head] of stmt.all(sid, fromSeq, untilSeq) as Array<[number, unknown, unknown, unknown, unknown, unknown, unknown]>) {
    const r = toolResultRecordOf({ entryTs: ts, messageTs: msgTs, toolCallId: id, toolName: name, isError: isError === 1 || isError === true, outputHead: head }, seq);
    if (r) out.push(r);
  }
  return out;
}
