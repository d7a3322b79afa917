/**
 * The one transcript-line parser. Every source (JSONL files, SQLite rows, archives)
 * hands its lines here, so the counting rules live in exactly one place:
 *
 * - only `type: "message"` entries whose `message.role` is "assistant";
 * - rows with provider "openclaw" or api "openclaw-transcript" are bookkeeping, not model calls;
 * - identity: responseId + provider + message.timestamp, else a fingerprint of entry id,
 *   message.timestamp, provider, model and the usage tuple;
 * - time: entry ISO timestamp first, message.timestamp (epoch ms) as fallback;
 * - stopReason "error" is an error (bounded category), "aborted" is a message.
 */
import { createHash } from 'node:crypto';
import type { ParsedCall } from '../model.js';
import { categorizeError } from './error-category.js';

export type ParseResult =
  | { kind: 'call'; call: ParsedCall }
  /** A line that is valid but not a model call (user row, header, synthetic assistant row...). */
  | { kind: 'ignored'; why: 'not_message' | 'not_assistant' | 'synthetic' }
  | { kind: 'malformed'; why: 'malformed_json' | 'not_an_object' };

/** Bytes every assistant message line contains; sources search for it before parsing. */
export const MODEL_CALL_MARKER = Buffer.from('"assistant"');
const ASSISTANT = MODEL_CALL_MARKER;

/**
 * Cheap pre-filter on raw bytes: a line that does not contain the JSON string
 * "assistant" cannot be an assistant message, so it need not be parsed.
 */
export function mightBeModelCall(buf: Buffer, start: number, end: number): boolean {
  const i = buf.indexOf(ASSISTANT, start);
  return i !== -1 && i + ASSISTANT.length <= end;
}

/** Same pre-filter for text that is already a string (SQLite rows). */
export function mightBeModelCallText(text: string): boolean {
  return text.includes('"assistant"');
}

const STOP_REASONS = new Set(['stop', 'length', 'toolUse', 'error', 'aborted']);

function firstNum(u: Record<string, unknown>, names: string[]): number {
  for (const n of names) {
    const v = u[n];
    if (typeof v === 'number' && Number.isFinite(v)) return Math.max(0, v);
  }
  return 0;
}

function asObj(v: unknown): Record<string, unknown> | null {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

/** Parses an ISO timestamp or epoch (s or ms) into epoch ms; null when unusable. */
export function toEpochMs(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v) && v > 0) {
    return v < 1e11 ? v * 1000 : v; // seconds vs milliseconds
  }
  if (typeof v === 'string' && v.length > 0) {
    const t = Date.parse(v);
    return Number.isFinite(t) ? t : null;
  }
  return null;
}

/** Short stable hash used for identities and for hashing PII before export. */
export function shortHash(s: string, len = 22): string {
  return createHash('sha256').update(s).digest('base64url').slice(0, len);
}

/** Builds the identity of a model call. Exported for sources that decode calls themselves. */
export function callIdentity(parts: {
  responseId: string | null;
  entryId: string | null;
  messageTs: unknown;
  provider: string;
  model: string;
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}): string {
  const ts = typeof parts.messageTs === 'number' || typeof parts.messageTs === 'string' ? String(parts.messageTs) : '';
  if (parts.responseId) {
    return 'r' + shortHash(`${parts.provider}\u0000${parts.responseId}\u0000${ts}`);
  }
  return (
    'f' +
    shortHash(
      [parts.entryId ?? '', ts, parts.provider, parts.model, parts.input, parts.output, parts.cacheRead, parts.cacheWrite].join(
        '\u0000',
      ),
    )
  );
}

/** Parses one transcript line (a JSONL line or a transcript_events.event_json value). */
export function parseTranscriptLine(text: string): ParseResult {
  let entry: unknown;
  try {
    entry = JSON.parse(text);
  } catch {
    return { kind: 'malformed', why: 'malformed_json' };
  }
  return parseTranscriptEntry(entry);
}

/** Applies the counting rules to an already-decoded entry. */
export function parseTranscriptEntry(entry: unknown): ParseResult {
  const e = asObj(entry);
  if (!e) return { kind: 'malformed', why: 'not_an_object' };
  if (e.type !== 'message') return { kind: 'ignored', why: 'not_message' };
  const msg = asObj(e.message);
  if (!msg || msg.role !== 'assistant') return { kind: 'ignored', why: 'not_assistant' };

  const provider = typeof msg.provider === 'string' && msg.provider ? msg.provider : 'unknown';
  const api = typeof msg.api === 'string' ? msg.api : '';
  if (provider === 'openclaw' || api === 'openclaw-transcript') return { kind: 'ignored', why: 'synthetic' };
  const model = typeof msg.model === 'string' && msg.model ? msg.model : 'unknown';

  const usage = asObj(msg.usage) ?? asObj(e.usage) ?? {};
  const input = firstNum(usage, ['input', 'input_tokens', 'prompt_tokens', 'inputTokens']);
  const output = firstNum(usage, ['output', 'output_tokens', 'completion_tokens', 'outputTokens']);
  const cacheRead = firstNum(usage, ['cacheRead', 'cache_read', 'cache_read_input_tokens', 'cached_tokens', 'cacheReadTokens']);
  const cacheWrite = firstNum(usage, ['cacheWrite', 'cache_write', 'cache_creation_input_tokens', 'cacheWriteTokens']);
  let costUsd: number | null = null;
  const cost = usage.cost;
  if (typeof cost === 'number' && Number.isFinite(cost)) costUsd = Math.max(0, cost);
  else {
    const c = asObj(cost);
    if (c && typeof c.total === 'number' && Number.isFinite(c.total)) costUsd = Math.max(0, c.total);
  }

  const rawStop = typeof msg.stopReason === 'string' ? msg.stopReason : '';
  const stopReason = STOP_REASONS.has(rawStop) ? rawStop : 'unknown';
  const errorCategory =
    stopReason === 'error' ? categorizeError(msg.errorMessage, msg.errorCode, msg.errorType) : null;

  const entryTs = toEpochMs(e.timestamp);
  const msgTs = toEpochMs(msg.timestamp);
  const tsMs = entryTs ?? msgTs ?? 0;
  let latencyMs: number | null = null;
  if (entryTs !== null && msgTs !== null && typeof msg.timestamp === 'number') {
    const d = entryTs - msgTs;
    if (d >= 0 && d <= 6 * 3600_000) latencyMs = d;
  }

  const responseId = typeof msg.responseId === 'string' && msg.responseId ? msg.responseId : null;
  const entryId = typeof e.id === 'string' ? e.id : null;
  const dedupeKey = callIdentity({
    responseId,
    entryId,
    messageTs: msg.timestamp,
    provider,
    model,
    input,
    output,
    cacheRead,
    cacheWrite,
  });

  return {
    kind: 'call',
    call: {
      dedupeKey,
      tsMs,
      provider,
      model,
      input,
      output,
      cacheRead,
      cacheWrite,
      costUsd,
      stopReason,
      errorCategory,
      latencyMs,
    },
  };
}

