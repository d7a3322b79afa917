/**
 * Tool results for `openclaw.tool.execution` spans: a transcript's `toolResult`
 * message lines (the end of a tool execution the preceding assistant call asked
 * for) recognised cheaply on raw bytes, and reduced to what a span needs: the tool
 * call id (identity only, never exported), the tool name, the entry time and
 * whether it failed, plus a bounded head of the output text for opt-in content
 * capture. The output itself (`content`, and 9.6's `details`, often large) is
 * neither decoded nor parsed: each is skipped with the exact JSON span proof
 * (json-span.ts) and replaced by an empty value before the small rest is parsed,
 * so a look-alike `"isError":` inside the output cannot change the result.
 *
 * Sources call isToolResultLine() on lines their model-call filter did not pick,
 * and push toolResultRecord()'s compact record; the ingest cycle reads it back with
 * parseToolResultRecord().
 */
import type { TranscriptRecord } from '../model.js';
import { boundName } from '../bounds.js';
import { jsonValueEnd } from './json-span.js';

const ROLE = Buffer.from('"role":"toolResult"');
/** The role member sits in the first bytes of an OpenClaw message line (after type, ids and time). */
const HEAD_BYTES = 320;
/** Characters of output text kept in the compact record (content capture cuts further). */
export const OUTPUT_HEAD_CHARS = 1024;
const OUTPUT_HEAD_BYTES = OUTPUT_HEAD_CHARS * 4;
const COMPACT_TYPE = 'clawmeter.toolResult';

/** O(HEAD_BYTES) test on raw bytes: is this line a toolResult message? */
export function isToolResultLine(buf: Buffer, start: number, end: number): boolean {
  return end - start > ROLE.length && buf.subarray(start, Math.min(end, start + HEAD_BYTES)).indexOf(ROLE) !== -1;
}

export interface ToolResultLine {
  toolCallId: string | null;
  toolName: string;
  tsMs: number;
  isError: boolean;
  /** the first text block's first OUTPUT_HEAD_CHARS characters ('' when none) */
  outputHead: string;
}

/** `"name":` + its value cut to an empty one, when the value is proven to be one JSON value. */
function cutMember(line: Buffer, name: string, empty: string, from: number): { head: number; tail: number; empty: string; value: [number, number] } | null {
  const key = Buffer.from(`"${name}":`);
  const i = line.indexOf(key, from);
  if (i === -1) return null;
  const v = i + key.length;
  const e = jsonValueEnd(line, v, line.length);
  return e > v ? { head: v, tail: e, empty, value: [v, e] } : null;
}

/** The first text block's text, at most OUTPUT_HEAD_CHARS characters, decoded from a bounded prefix. */
function outputHead(line: Buffer, content: [number, number] | null): string {
  if (!content) return '';
  const open = Buffer.from('"text":"');
  const i = line.subarray(content[0], Math.min(content[1], content[0] + 256)).indexOf(open);
  if (i === -1) return '';
  const q = content[0] + i + open.length - 1; // the opening quote
  const whole = jsonValueEnd(line, q, Math.min(content[1], q + OUTPUT_HEAD_BYTES));
  let raw = whole > q ? line.toString('utf8', q + 1, whole - 1) : line.toString('utf8', q + 1, Math.min(content[1], q + 1 + OUTPUT_HEAD_BYTES));
  for (let tries = 0; tries < 8; tries++) {
    try {
      return (JSON.parse(`"${raw}"`) as string).slice(0, OUTPUT_HEAD_CHARS);
    } catch {
      const b = raw.lastIndexOf('\\');
      if (b === -1) return '';
      raw = raw.slice(0, b); // a cut escape at the end
    }
  }
  return '';
}

function entryTime(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v) && v > 0) return v < 1e11 ? v * 1000 : v;
  if (typeof v === 'string') {
    const t = Date.parse(v);
    return Number.isFinite(t) && t > 0 ? t : null;
  }
  return null;
}

/** The line's tool result, or null when it is not a well-formed toolResult message with a time. */
export function readToolResult(buf: Buffer, start: number, end: number): ToolResultLine | null {
  const line = buf.subarray(start, end);
  const role = line.indexOf(ROLE);
  if (role === -1) return null;
  const cuts = [cutMember(line, 'content', '[]', role), cutMember(line, 'details', 'null', role)]
    .filter((c): c is NonNullable<typeof c> => c !== null)
    .sort((a, b) => a.head - b.head);
  let text = '';
  let at = 0;
  for (const c of cuts) {
    if (c.head < at) continue; // overlapping (details inside content): the outer cut covers it
    text += line.toString('utf8', at, c.head) + c.empty;
    at = c.tail;
  }
  text += line.toString('utf8', at);
  let entry: { timestamp?: unknown; message?: Record<string, unknown> };
  try {
    entry = JSON.parse(text) as typeof entry;
  } catch {
    try {
      entry = JSON.parse(line.toString('utf8')) as typeof entry; // the cut was not exact: the whole line, once
    } catch {
      return null;
    }
  }
  const m = entry?.message;
  if (!m || typeof m !== 'object' || m.role !== 'toolResult') return null;
  const tsMs = entryTime(entry.timestamp) ?? entryTime(m.timestamp);
  if (tsMs === null) return null;
  return {
    toolCallId: typeof m.toolCallId === 'string' && m.toolCallId ? m.toolCallId.slice(0, 256) : null,
    toolName: typeof m.toolName === 'string' && m.toolName ? boundName(m.toolName) : 'unknown',
    tsMs,
    isError: m.isError === true,
    outputHead: outputHead(line, cuts.find((c) => c.empty === '[]')?.value ?? null),
  };
}

/** The compact record of a tool result whose fields a source read itself (the SQLite store); null without a usable time. */
export function toolResultRecordOf(
  f: { entryTs: unknown; messageTs: unknown; toolCallId: unknown; toolName: unknown; isError: boolean; outputHead: unknown },
  pos: number,
): TranscriptRecord | null {
  const tsMs = entryTime(f.entryTs) ?? entryTime(f.messageTs);
  if (tsMs === null) return null;
  const r: ToolResultLine = {
    toolCallId: typeof f.toolCallId === 'string' && f.toolCallId ? f.toolCallId.slice(0, 256) : null,
    toolName: typeof f.toolName === 'string' && f.toolName ? boundName(f.toolName) : 'unknown',
    tsMs,
    isError: f.isError,
    outputHead: typeof f.outputHead === 'string' ? f.outputHead.slice(0, OUTPUT_HEAD_CHARS) : '',
  };
  return { text: JSON.stringify({ type: COMPACT_TYPE, ...r }), pos };
}

/** The compact record a source pushes for a toolResult line (null when it is not one). */
export function toolResultRecord(buf: Buffer, start: number, end: number, pos: number): TranscriptRecord | null {
  const r = readToolResult(buf, start, end);
  return r ? { text: JSON.stringify({ type: COMPACT_TYPE, ...r }), pos } : null;
}

/** The tool result of a compact record (toolResultRecord), or null for any other record. */
export function parseToolResultRecord(text: string): ToolResultLine | null {
  if (!text.startsWith(`{"type":"${COMPACT_TYPE}"`)) return null;
  try {
    const r = JSON.parse(text) as ToolResultLine & { type: string };
    return { toolCallId: r.toolCallId, toolName: r.toolName, tsMs: r.tsMs, isError: r.isError, outputHead: r.outputHead };
  } catch {
    return null;
  }
}
