/**
 * The one transcript-line parser. Every source (JSONL files, SQLite rows, archives)
 * hands its lines here, so the counting rules live in exactly one place:
 *
 * - only `type: "message"` entries whose `message.role` is "assistant";
 * - rows with provider "openclaw" or api "openclaw-transcript" are bookkeeping, not model calls;
 * - identity: responseId + provider + message.timestamp, else a fingerprint of entry id,
 *   message.timestamp, provider, model and the usage tuple;
 * - time: entry ISO timestamp first, message.timestamp (epoch ms) as fallback;
 * - stopReason "error" is an error (bounded category), "aborted" is a message;
 * - usage numbers within the bounds of src/bounds.ts, else the line is skipped as
 *   `implausible_usage` (see usage.ts); provider and model names are length-bounded;
 * - a byte-order mark before the JSON is ignored.
 */
import { shortHash } from './short-hash.js';
import { boundName } from '../bounds.js';
import type { ParsedCall } from '../model.js';
import { categorizeError } from './error-category.js';
import { codexUsageAlias } from './codex-alias.js';
import { jsonValueEnd } from './json-span.js';
import { readUsage } from './usage.js';

/** The message's own ids a call's span fact is made of (span-facts.ts); read by the counting rules, never stored raw. */
export interface CallIds {
  /** `message.responseId` (a non-empty string), else null */
  responseId: string | null;
  /** `message.api` (a non-empty string), else null */
  api: string | null;
}

export type ParseResult =
  | { kind: 'call'; call: ParsedCall; ids: CallIds }
  /** A line that is valid but not a model call (user row, header, synthetic assistant row...). */
  | { kind: 'ignored'; why: 'not_message' | 'not_assistant' | 'synthetic' }
  | { kind: 'malformed'; why: 'malformed_json' | 'not_an_object' | 'implausible_usage' };

/** Bytes every assistant message line contains; sources search for it before parsing. */
export const MODEL_CALL_MARKER = Buffer.from('"assistant"');

const CUSTOM_MESSAGE = Buffer.from('{"type":"custom_message"');

/** A custom_message line may be a turn that never reached a model (src/parse/failed-run.ts): an O(1) prefix test. */
export function isCustomMessage(buf: Buffer, start: number, end: number): boolean {
  return end - start > CUSTOM_MESSAGE.length && buf.compare(CUSTOM_MESSAGE, 0, CUSTOM_MESSAGE.length, start, start + CUSTOM_MESSAGE.length) === 0;
}

const CONTENT_OPEN_BYTES = Buffer.from('"role":"assistant","content":[');

/**
 * Decodes a candidate line for the parser. For the usual OpenClaw layout the bulk
 * of an assistant line (the content array: text, thinking, tool arguments) is cut
 * out before decoding, so it is neither decoded nor parsed.
 *
 * The cut is exact: the bytes left out are proven (jsonValueEnd) to be exactly one
 * complete, valid JSON array starting right after `"content":`, so whenever the cut
 * text parses, it parses to the whole line's document with that one array emptied,
 * and the counting rules never read a `content` member. Whatever the array holds
 * (look-alike `"role":"assistant","content":[` ... `],"api":"` in a tool argument),
 * it cannot change the result. When the proof fails the whole line is decoded.
 */
export function candidateText(buf: Buffer, start: number, end: number): { text: string; cut: boolean } {
  const line = buf.subarray(start, end);
  const i = line.indexOf(CONTENT_OPEN_BYTES);
  if (i !== -1) {
    const open = i + CONTENT_OPEN_BYTES.length; // just after '['
    const after = jsonValueEnd(line, open - 1, line.length);
    if (after > open) {
      return { text: line.toString('utf8', 0, open) + line.toString('utf8', after - 1), cut: true };
    }
  }
  return { text: line.toString('utf8'), cut: false };
}

const STOP_REASONS = new Set(['stop', 'length', 'toolUse', 'error', 'aborted']);

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
    return Number.isFinite(t) && t > 0 ? t : null; // a time before 1970 is as unusable as none
  }
  return null;
}

export { shortHash };

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

/**
 * The cut text of candidateText() as an entry, when it is a well-formed assistant
 * message with provider, model and usage; null sends the caller to the whole line.
 */
function parseWithoutContent(text: string): Record<string, unknown> | null {
  let entry: unknown;
  try {
    entry = JSON.parse(text);
  } catch {
    return null;
  }
  const e = asObj(entry);
  const msg = asObj(e?.message);
  if (!e || !msg || e.type !== 'message' || msg.role !== 'assistant') return null;
  if (typeof msg.provider !== 'string' || typeof msg.model !== 'string' || typeof msg.api !== 'string' || !asObj(msg.usage)) return null;
  return e;
}

/** Drops a byte-order mark before the JSON (some editors and exports write one). */
function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * OpenClaw mirrors the final assistant message of each Codex app-server turn into
 * its own transcript (idempotencyKey `codex-app-server:<thread>:<turn>:assistant`),
 * and the Codex rollout holds the same call. Both sides get this identity, so the
 * call counts once whichever is read first (see sources/codex-rollouts.ts).
 */
export function codexTurnIdentity(thread: string, turn: string): string {
  return callIdentity({
    responseId: `codex-app-server:${thread}:${turn}`,
    entryId: null,
    messageTs: 'turn',
    provider: 'codex-turn',
    model: '',
    input: 0,
    output: 0,
    cacheRead: 0,
    cacheWrite: 0,
  });
}

const MIRROR_KEY = /^codex-app-server:([^:]+):(?:history:)?([^:]+):assistant$/;

/** `[thread, turn]` of an OpenClaw mirror idempotency key, or null. */
export function parseMirrorKey(key: unknown): [string, string] | null {
  if (typeof key !== 'string') return null;
  const m = MIRROR_KEY.exec(key);
  return m ? [m[1], m[2]] : null;
}

/** Parses one transcript line (a JSONL line or a transcript_events.event_json value). */
export function parseTranscriptLine(text: string): ParseResult {
  let entry: unknown;
  try {
    entry = JSON.parse(stripBom(text));
  } catch {
    return { kind: 'malformed', why: 'malformed_json' };
  }
  return parseTranscriptEntry(entry);
}

/**
 * Parses a record a source prepared with candidateText(): the cut text is used
 * only when it is a complete assistant message; otherwise the whole line is.
 */
export function parseRecord(text: string, full?: () => string): ParseResult {
  if (!full) return parseTranscriptLine(text);
  const fast = parseWithoutContent(stripBom(text));
  if (fast) return parseTranscriptEntry(fast);
  return parseTranscriptLine(full());
}

/** Applies the counting rules to an already-decoded entry. */
export function parseTranscriptEntry(entry: unknown): ParseResult {
  const e = asObj(entry);
  if (!e) return { kind: 'malformed', why: 'not_an_object' };
  if (e.type !== 'message') return { kind: 'ignored', why: 'not_message' };
  const msg = asObj(e.message);
  if (!msg || msg.role !== 'assistant') return { kind: 'ignored', why: 'not_assistant' };

  const provider = typeof msg.provider === 'string' && msg.provider ? boundName(msg.provider) : 'unknown';
  const api = typeof msg.api === 'string' ? msg.api : '';
  if (provider === 'openclaw' || api === 'openclaw-transcript') return { kind: 'ignored', why: 'synthetic' };
  const model = typeof msg.model === 'string' && msg.model ? boundName(msg.model) : 'unknown';

  const usage = readUsage(asObj(msg.usage) ?? asObj(e.usage) ?? {});
  if ('problem' in usage) return { kind: 'malformed', why: 'implausible_usage' };
  const { input, output, cacheRead, cacheWrite, costUsd } = usage;

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
  const mirror = parseMirrorKey(msg.idempotencyKey);
  const dedupeKey = mirror ? codexTurnIdentity(mirror[0], mirror[1]) : callIdentity({
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

  const call: ParsedCall = {
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
  };
  // A mirror row also pairs with the last call of a turnless (old) rollout, by usage.
  if (mirror) call.alias = codexUsageAlias(mirror[0], call, 'mirror');
  return { kind: 'call', call, ids: { responseId, api: api || null } };
}

