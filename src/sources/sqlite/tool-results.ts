/**
 * Tool results from the SQLite store for `openclaw.tool.execution` spans, taken in
 * the same pass as the calls (the main read statement, queries.ts), so no row is
 * read twice and a large tool output never reaches JavaScript:
 *   - small plain rows (`event_json`, all but a few) come whole; a row whose head
 *     names the toolResult role is read by the recognizer for JSONL lines
 *     (toolResultOfSmallRow, readToolResult in src/parse/tool-result.ts);
 *   - larger plain rows come as tool cells: the first HEAD_BYTES and last TAIL_BYTES
 *     (byte slices of the value) of a row whose head names the role, which
 *     readToolResultEnds proves; a row whose proofs need a byte in between is fetched
 *     whole once. With content capture (toolOutputs) they come whole, for the output
 *     prefix;
 *   - compressed rows (`event_zstd`): OpenClaw's navigation projection, whose `model`
 *     entry carries the tool call id, tool name, isError and time without the output
 *     (checked on a real 2026.9.6 store), so they are never decompressed.
 */
import type Database from 'better-sqlite3';
import type { TranscriptRecord } from '../../model.js';
import { TOOL_RESULT_HEAD_BYTES, TOOL_RESULT_ROLE, readToolResult, readToolResultEnds, toolResultRecordOf } from '../../parse/tool-result.js';

const HEAD_BYTES = 2048;
const TAIL_BYTES = 1024;

/**
 * The read statement's tool cells. For a larger plain row (`big`, an SQL condition)
 * whose head names the toolResult role: its two ends (the whole row with content
 * capture); the source ignores them for a row that is a call candidate (excluding
 * those here would scan the row once more). For a compressed row: a JSON array of its
 * navigation fields.
 */
export function toolCells(big: string, navigation: boolean, keepOutput: boolean): string {
  const role = `${big} AND instr(substr(event_json, 1, ${TOOL_RESULT_HEAD_BYTES}), '"role":"toolResult"') > 0`;
  // with content capture the row comes whole (for the output prefix), else its two ends
  const head = `CASE WHEN ${role} THEN ${keepOutput ? 'CAST(event_json AS BLOB)' : `substr(CAST(event_json AS BLOB), 1, ${HEAD_BYTES})`} END`;
  const tail = keepOutput ? 'NULL' : `CASE WHEN ${role} THEN substr(CAST(event_json AS BLOB), -${TAIL_BYTES}) END`;
  if (!navigation) return `${head}, ${tail}, NULL`;
  const m = (p: string) => `json_extract(navigation_json, '$.model.message.${p}')`;
  // CASE (not AND) guards the JSON functions: json_extract() raises on invalid JSON.
  const nav =
    `CASE WHEN event_json IS NULL AND json_valid(navigation_json) THEN (CASE WHEN json_extract(navigation_json, '$.navigation.message.role') = 'toolResult' ` +
    `THEN json_array(json_extract(navigation_json, '$.navigation.timestamp'), ${m('timestamp')}, ${m('toolCallId')}, ${m('toolName')}, ${m('isError')}) END) END`;
  return `${head}, ${tail}, ${nav}`;
}

/** A small plain row's tool result (the row whole), or null when it holds none; the head test of JSONL lines. */
export function toolResultOfSmallRow(row: Buffer, seq: number, keepOutput: boolean): TranscriptRecord | null {
  if (row.subarray(0, TOOL_RESULT_HEAD_BYTES).indexOf(TOOL_RESULT_ROLE) === -1) return null;
  const r = readToolResult(row, 0, row.length, keepOutput);
  return r ? { pos: seq, toolResult: r } : null;
}

/** One plain row whole (a long row whose ends did not settle it). */
const rowStatements = new WeakMap<Database.Database, Database.Statement>();

/** The tool-result record of one row's tool cells (toolCells), or null when it holds none. */
export function toolResultOfRow(
  read: Database.Statement,
  sid: string,
  seq: number,
  octets: number,
  cells: { head: Buffer | null; tail: Buffer | null; nav: string | null },
  keepOutput: boolean,
): TranscriptRecord | null {
  if (cells.head !== null) {
    let r = cells.tail === null ? 'whole' : readToolResultEnds(cells.head, cells.tail, octets);
    if (r === 'whole') {
      let line: Buffer | undefined = cells.head;
      if (cells.tail !== null) {
        const db = read.database;
        let st = rowStatements.get(db);
        if (!st) rowStatements.set(db, (st = db.prepare(`SELECT CAST(event_json AS BLOB) FROM transcript_events WHERE session_id = ? AND seq = ?`).pluck()));
        line = st.get(sid, seq) as Buffer | undefined;
      }
      r = line ? readToolResult(line, 0, line.length, keepOutput) : null;
    }
    return r ? { pos: seq, toolResult: r } : null;
  }
  if (cells.nav === null) return null;
  let f: unknown[];
  try {
    f = JSON.parse(cells.nav) as unknown[];
  } catch {
    return null;
  }
  return toolResultRecordOf({ entryTs: f[0], messageTs: f[1], toolCallId: f[2], toolName: f[3], isError: f[4] === 1 || f[4] === true }, seq);
}
