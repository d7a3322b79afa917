/**
 * Tool results for `openclaw.tool.execution` spans: a transcript's `toolResult`
 * message lines (the end of a tool execution the preceding assistant call asked
 * for) recognised cheaply on raw bytes, and reduced to what a span needs: the tool
 * call id (identity only, never exported), the tool name, the entry time and
 * whether it failed, plus a bounded prefix of the output text for opt-in content
 * capture. The output itself (`content`, and 9.6's `details`, often large) is
 * neither decoded nor parsed: only the line's head and tail are (readToolResult),
 * so a look-alike `"isError":` inside the output cannot change the result.
 *
 * Sources recognise the lines (the role member in the line's head:
 * LineMarkers.toolResult(), line-markers.ts) among those their model-call filter did
 * not pick, and push toolResultRecord()'s record, which carries the read fields
 * (TranscriptRecord.toolResult) and no text: nothing is serialised or parsed again.
 * The output prefix is copied only when content capture asks for it.
 */
import type { ToolResultRead, TranscriptRecord } from '../model.js';
import { boundName } from '../bounds.js';

/** The role member of a toolResult message line. */
export const TOOL_RESULT_ROLE = Buffer.from('"role":"toolResult"');
const CONTENT_KEY = Buffer.from('"content":');
const IS_ERROR_KEY = Buffer.from('"isError":');
const TEXT_BLOCK = Buffer.from('[{"type":"text","text":"');
/** The role member sits in the first bytes of an OpenClaw message line (after type, ids and time). */
export const TOOL_RESULT_HEAD_BYTES = 320;
/** Characters of output text content capture may keep. */
export const OUTPUT_HEAD_CHARS = 1024;
/** Bytes of the output's JSON string body kept undecoded in the compact record. */
const OUTPUT_RAW_BYTES = 1536;
/** Lines up to this size are parsed whole (measured: cheaper than the head and tail parses). */
const WHOLE_BELOW = 2048;

function entryTime(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v) && v > 0) return v < 1e11 ? v * 1000 : v;
  if (typeof v === 'string') {
    const t = Date.parse(v);
    return Number.isFinite(t) && t > 0 ? t : null;
  }
  return null;
}

type Msg = Record<string, unknown>;

function fields(entryTs: unknown, head: Msg, tail: Msg, outputRaw: string): ToolResultRead | null {
  const tsMs = entryTime(entryTs) ?? entryTime(tail.timestamp);
  if (tsMs === null || head.role !== 'toolResult') return null;
  return {
    toolCallId: typeof head.toolCallId === 'string' && head.toolCallId ? head.toolCallId.slice(0, 256) : null,
    toolName: typeof head.toolName === 'string' && head.toolName ? boundName(head.toolName) : 'unknown',
    tsMs,
    isError: tail.isError === true,
    outputRaw,
  };
}

const asMsg = (v: unknown): Msg | null => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Msg) : null);

/** The first text block's JSON string body from `"content":` at ci, undecoded, at most OUTPUT_RAW_BYTES ('' for another layout). */
function rawOutput(line: Buffer, ci: number, until: number): string {
  if (ci < 0) return '';
  const v = ci + CONTENT_KEY.length;
  if (line.compare(TEXT_BLOCK, 0, TEXT_BLOCK.length, v, v + TEXT_BLOCK.length) !== 0) return '';
  return line.toString('utf8', v + TEXT_BLOCK.length, Math.min(until, v + TEXT_BLOCK.length + OUTPUT_RAW_BYTES));
}

/** The whole line parsed (small lines, and the fallback when the head and tail proofs do not hold). */
function wholeLine(line: Buffer, ci: number, keep: boolean): ToolResultRead | null {
  let entry: Msg | null;
  try {
    entry = asMsg(JSON.parse(line.toString('utf8')));
  } catch {
    return null;
  }
  const m = asMsg(entry?.message);
  if (!entry || !m) return null;
  return fields(entry.timestamp, m, m, keep ? rawOutput(line, ci, line.length) : '');
}

/**
 * The line's tool result, or null when it is not a well-formed toolResult message
 * with a time. Only the head (type, ids, time, role, tool call id and name: up to
 * `"content":`) and the tail (from the last `"isError":`: isError, the message time)
 * are decoded and parsed. Each is proven to be a prefix or a suffix of the entry
 * and its message object by parsing it closed with `"content":[]}}` or opened with
 * `{`, so a look-alike member inside the output cannot be taken for the message's
 * own (inside a JSON string every quote is escaped, so the keys found are real
 * members, and the closing braces pin their depth). When a proof fails the whole
 * line is parsed once. The output prefix is read only when `keepOutput`.
 */
export function readToolResult(buf: Buffer, start: number, end: number, keepOutput = false): ToolResultRead | null {
  const line = trimEnd(buf.subarray(start, end));
  const ci = contentAt(line);
  if (line.length <= WHOLE_BELOW) return wholeLine(line, ci, keepOutput); // small: one parse is cheaper than two proofs
  const ti = line.lastIndexOf(IS_ERROR_KEY);
  if (ci === -1 || ti < ci || line[line.length - 1] !== 0x7d) return wholeLine(line, ci, keepOutput);
  const r = proven(line, ci, line, ti);
  return r === 'unsure' ? wholeLine(line, ci, keepOutput) : fields(r.entry.timestamp, r.head, r.tail, keepOutput ? rawOutput(line, ci, ti) : '');
}

/**
 * readToolResult() for a reader that holds only the two ends of a long line, the
 * bytes [0, head.length) and [total - tail.length, total) (the SQLite store fetches
 * just those): the same answer, or 'whole' when it would need any byte in between
 * (the line is short, `"content":` is not in the head, no `"isError":` in the tail,
 * or a proof fails), and the caller reads the whole line.
 */
export function readToolResultEnds(head: Buffer, tail: Buffer, total: number): ToolResultRead | null | 'whole' {
  if (head.length + tail.length >= total) return 'whole';
  const t = trimEnd(tail);
  if (t.length === 0 || total - (tail.length - t.length) <= WHOLE_BELOW) return 'whole';
  const ci = contentAt(head);
  const ti = t.lastIndexOf(IS_ERROR_KEY);
  if (ci === -1 || ti === -1 || t[t.length - 1] !== 0x7d) return 'whole';
  const r = proven(head, ci, t, ti);
  return r === 'unsure' ? 'whole' : fields(r.entry.timestamp, r.head, r.tail, '');
}

function trimEnd(line: Buffer): Buffer {
  let n = line.length;
  while (n > 0 && (line[n - 1] === 0x0d || line[n - 1] === 0x20)) n--;
  return n === line.length ? line : line.subarray(0, n);
}

/** Where `"content":` starts after the role member in the line's head (-1: not a toolResult head). */
function contentAt(head: Buffer): number {
  const role = head.subarray(0, TOOL_RESULT_HEAD_BYTES).indexOf(TOOL_RESULT_ROLE);
  return role === -1 ? -1 : head.indexOf(CONTENT_KEY, role);
}

/** The two proofs: `head[0, ci)` a prefix of the entry and its message, `tail[ti, end - 1)` a suffix of the message. */
function proven(head: Buffer, ci: number, tail: Buffer, ti: number): { entry: Msg; head: Msg; tail: Msg } | 'unsure' {
  try {
    const entry = asMsg(JSON.parse(head.toString('utf8', 0, ci) + '"content":[]}}'));
    const h = asMsg(entry?.message);
    const t = asMsg(JSON.parse('{' + tail.toString('utf8', ti, tail.length - 1)));
    return entry && h && t ? { entry, head: h, tail: t } : 'unsure';
  } catch {
    return 'unsure';
  }
}

/**
 * The output text for content capture: the kept prefix unescaped and cut to
 * OUTPUT_HEAD_CHARS (a prefix may end inside an escape or at the string's closing
 * quote; both are trimmed). Only called when captureContent.toolOutputs is on.
 */
export function toolOutputText(raw: string): string {
  let s = raw;
  for (let tries = 0; tries < 8 && s.length > 0; tries++) {
    const q = s.search(/(?<!\\)(?:\\\\)*"/); // an unescaped quote: the string ended there
    if (q !== -1) s = s.slice(0, s.indexOf('"', q));
    try {
      return (JSON.parse(`"${s}"`) as string).slice(0, OUTPUT_HEAD_CHARS);
    } catch {
      const b = s.lastIndexOf('\\');
      s = b === -1 ? '' : s.slice(0, b); // a cut escape at the end
    }
  }
  return '';
}

/** The record of a tool result whose fields a source read itself (a compressed store row's navigation projection: no output); null without a usable time. */
export function toolResultRecordOf(
  f: { entryTs: unknown; messageTs: unknown; toolCallId: unknown; toolName: unknown; isError: boolean },
  pos: number,
): TranscriptRecord | null {
  const r = fields(f.entryTs, { role: 'toolResult', toolCallId: f.toolCallId, toolName: f.toolName }, { isError: f.isError, timestamp: f.messageTs }, '');
  return r ? { pos, toolResult: r } : null;
}

/** The record a source pushes for a toolResult line (null when it is not one); the output prefix only when `keepOutput`. */
export function toolResultRecord(buf: Buffer, start: number, end: number, pos: number, keepOutput = false): TranscriptRecord | null {
  const r = readToolResult(buf, start, end, keepOutput);
  return r ? { pos, toolResult: r } : null;
}
