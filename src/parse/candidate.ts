/**
 * What the ingest cycle learns from one candidate line: its counting result (a call
 * with the message ids its span fact is made of, span-facts.ts; an ignored line; a
 * malformed one) and the failed run it records (failed-run.ts).
 *
 * Two ways to get there, with the same answer:
 * - the fast path (fast-line.ts) for records that carry their raw bytes (JSONL
 *   lines): the line parsed as latin1; any line it is unsure of goes to the full path;
 * - the full path: the decoded text (for stores and archives the line with its
 *   content array cut out where that cut is proven exact, candidateText), JSON.parse,
 *   the counting rules; failed runs read from that same text.
 *
 * Line kinds: routeLine() sends the parsed document of a line to the recognizer of
 * its kind. Today an assistant message (or any other message) goes to the counting
 * rules and a custom_message to the failed-run rule; a further kind (e.g. tool
 * calls and tool results for traces) is one more case there and one more field of
 * CandidateResult.
 */
import type { TranscriptRecord } from '../model.js';
import { parseFailedRunLine, type FailedRun } from './failed-run.js';
import { fastLine } from './fast-line.js';
import { parseRecord, parseTranscriptEntry, type ParseResult } from './transcript-line.js';

export interface CandidateResult {
  result: ParseResult;
  failedRun: FailedRun | null;
}

/** The whole line of a record, decoded (for the rare readers that need all of it: opt-in content, tool results). */
export function wholeText(rec: TranscriptRecord): string {
  if (rec.full) return rec.full();
  if (rec.text !== undefined) return rec.text;
  return rec.bytes ? rec.bytes.toString('utf8') : '';
}

/** Lines decided by the fast path and lines sent to the full path (tests and the bench read them). */
export const candidateCounts = { fast: 0, full: 0 };

/** The one entry point: a record with bytes tries the fast path first; a record with text takes the full path. */
export function parseCandidate(rec: TranscriptRecord): CandidateResult {
  const b = rec.bytes;
  if (b === undefined) return fullPath(rec.text ?? '', rec.full);
  const f = fastLine(b, 0, b.length);
  if (f === null) return fullBytes(b);
  const e = f.entry;
  const type = e !== null && typeof e === 'object' && !Array.isArray(e) ? (e as Record<string, unknown>).type : undefined;
  const result = routeLine(type, e);
  if (result === 'full') return fullBytes(b);
  candidateCounts.fast++;
  return { result, failedRun: null };
}

/**
 * The recognizer of a line's kind, from its parsed document: the counting result,
 * or 'full' when the full path must decide (a custom_message may be a failed run,
 * which failed-run.ts reads from the decoded text).
 */
function routeLine(type: unknown, entry: unknown): ParseResult | 'full' {
  if (type === 'custom_message') return 'full';
  return parseTranscriptEntry(entry);
}

/** The full path for a line given as bytes: the whole line decoded as UTF-8. */
function fullBytes(b: Buffer): CandidateResult {
  return fullPath(b.toString('utf8'), undefined);
}

function fullPath(text: string, full: (() => string) | undefined): CandidateResult {
  candidateCounts.full++;
  return { result: parseRecord(text, full), failedRun: parseFailedRunLine(text) };
}
