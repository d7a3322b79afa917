/**
 * Tool results from the SQLite store for `openclaw.tool.execution` spans, taken in
 * the same pass as the calls: three more cells of the main read statement
 * (queries.ts), so the output of a tool (often the largest rows) never reaches
 * JavaScript and no row is read twice.
 *   - plain rows (`event_json`) whose head names the toolResult role: a short row
 *     whole, a long one as its two ends (the first HEAD_BYTES and last TAIL_BYTES,
 *     byte slices of the value), which the recognizer for JSONL lines proves
 *     (readToolResultEnds, src/parse/tool-result.ts); a row whose proofs need a byte
 *     in between is fetched whole once. With content capture (toolOutputs) rows are
 *     read whole, for the output prefix;
 *   - compressed rows (`event_zstd`): OpenClaw's navigation projection, whose `model`
 *     entry carries the tool call id, tool name, isError and time without the output
 *     (checked on a real 2026.9.6 store), so they are never decompressed.
 * (Before, a second query per chunk re-read every row of the range and parsed the
 * tool-result rows with json_extract: about 0.9 CPU-s of a 1 GB store backfill.)
 */
import type Database from 'better-sqlite3';
import type { TranscriptRecord } from '../../model.js';
import { readToolResult, readToolResultEnds, toolResultRecordOf } from '../../parse/tool-result.js';

const HEAD_BYTES = 2048;
const TAIL_BYTES = 1024;

/**
 * The read statement's tool cells: a plain row whose head names the toolResult role
 * as its head (or all of it) and its tail (the source ignores them for a row that is
 * a call candidate: excluding those here would scan every row once more); a
 * compressed one as a JSON array of its navigation fields.
 */
export function toolCells(navigation: boolean, keepOutput: boolean): string {
  const role = `event_json IS NOT NULL AND instr(substr(event_json, 1, 320), '"role":"toolResult"') > 0`;
  const whole = keepOutput ? '1' : `octet_length(event_json) <= ${HEAD_BYTES + TAIL_BYTES}`;
  const head = `CASE WHEN ${role} THEN (CASE WHEN ${whole} THEN CAST(event_json AS BLOB) ELSE substr(CAST(event_json AS BLOB), 1, ${HEAD_BYTES}) END) END`;
  const tail = `CASE WHEN ${role} AND NOT (${whole}) THEN substr(CAST(event_json AS BLOB), -${TAIL_BYTES}) END`;
  if (!navigation) return `${head}, ${tail}, NULL`;
  const m = (p: string) => `json_extract(navigation_json, '$.model.message.${p}')`;
  // CASE (not AND) guards the JSON functions: json_extract() raises on invalid JSON.
  const nav =
    `CASE WHEN event_json IS NULL AND json_valid(navigation_json) THEN (CASE WHEN json_extract(navigation_json, '$.navigation.message.role') = 'toolResult' ` +
    `THEN json_array(json_extract(navigation_json, '$.navigation.timestamp'), ${m('timestamp')}, ${m('toolCallId')}, ${m('toolName')}, ${m('isError')}) END) END`;
  return `${head}, ${tail}, ${nav}`;
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
