/**
 * Decoder for OpenClaw's cold-storage envelope (2026.9.5+, observed on real 9.6):
 * a decompressed cold archive is not plain JSONL but one
 * `{"kind":"header","version":1,"sessionId","generation"}` line, one
 * `{"kind":"event","row":{"seq","event_json","created_at"}}` line per transcript row
 * (the original line, byte-identical, as a string), then `identity`, `active`,
 * `index` and `fts` rows. Only the `event` rows are transcript lines; they go to
 * the one parser like any other line. A payload that does not start with an
 * envelope header is treated as plain JSONL (`splitLines`), so older or other
 * archive encodings keep working.
 */
import type { PollContext, TranscriptRecord } from '../model.js';
import { FAILED_RUN_MARKER } from '../parse/failed-run.js';
import { toolResultRecord } from '../parse/tool-result.js';
import { asRecord } from './json-file.js';
import { splitLines } from './transcript-files.js';

const HEADER_PREFIX = Buffer.from('{"kind":"header"');
const EVENT_PREFIX = Buffer.from('{"kind":"event"');
const NL = 0x0a;

export interface EnvelopeLines {
  records: TranscriptRecord[];
  lines: number;
  /** header.sessionId when the payload is an envelope */
  sessionId: string | null;
  envelope: boolean;
}

export function isColdEnvelope(data: Buffer): boolean {
  return data.subarray(0, HEADER_PREFIX.length).equals(HEADER_PREFIX);
}

/** Transcript records of a cold archive payload (envelope or plain JSONL). */
export function coldArchiveLines(data: Buffer, where: string, maxLine: number, ctx: PollContext): EnvelopeLines {
  if (!isColdEnvelope(data)) return { ...splitLines(data, where, maxLine, ctx), sessionId: null, envelope: false };
  const records: TranscriptRecord[] = [];
  let sessionId: string | null = null;
  let lines = 0;
  let start = 0;
  while (start < data.length) {
    let nl = data.indexOf(NL, start);
    if (nl === -1) nl = data.length;
    const isHeader = lines === 0;
    lines++;
    const len = nl - start;
    if (len > maxLine) {
      ctx.report({ reason: 'line_too_long', where: `${where}:${lines}`, detail: `cold archive line longer than ${maxLine} bytes skipped` });
    } else if (len > 0 && (isHeader || data.subarray(start, start + EVENT_PREFIX.length).equals(EVENT_PREFIX))) {
      let o: Record<string, unknown> | null = null;
      try {
        o = asRecord(JSON.parse(data.toString('utf8', start, nl)));
      } catch {
        ctx.report({ reason: 'malformed_json', where: `${where}:${lines}`, detail: 'cold archive line is not valid JSON; skipped' });
      }
      if (o && isHeader) sessionId = typeof o.sessionId === 'string' && o.sessionId ? o.sessionId : null;
      const row = asRecord(o?.row);
      if (row && typeof row.event_json === 'string') {
        // The same cheap pre-filter as for any line: a call names "assistant"; failed runs are kept too.
        const pos = typeof row.seq === 'number' ? row.seq : lines;
        if (row.event_json.includes('"assistant"') || row.event_json.includes(FAILED_RUN_MARKER)) records.push({ text: row.event_json, pos });
        else if (row.event_json.slice(0, 320).includes('"role":"toolResult"')) {
          const b = Buffer.from(row.event_json); // tool spans: the fields only (src/parse/tool-result.ts)
          const r = toolResultRecord(b, 0, b.length, pos, ctx.toolOutputs);
          if (r) records.push(r);
        }
      } else if (o && !isHeader) {
        ctx.report({ reason: 'not_an_object', where: `${where}:${lines}`, detail: 'cold archive event row without event_json; skipped' });
      }
    }
    start = nl + 1;
  }
  return { records, lines, sessionId, envelope: true };
}
