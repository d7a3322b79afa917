/**
 * What a trace needs of one model call beyond the counting rules: which session
 * (a hash of the session id, or of the input when the id is unknown) and API it
 * belongs to, and a bounded SHA-256 hash of the provider's response/request id
 * (never the id itself). Taken from the message members the counting parser read
 * (CallIds), so a look-alike inside the content (a tool argument named `api`) can
 * never be taken for the message's own, and nothing is searched or parsed again.
 */
import crypto from 'node:crypto';
import { boundName } from '../bounds.js';
import type { ParsedCall, SpanFact, ToolResultFact, ToolResultRead, TranscriptContext } from '../model.js';
import type { CallIds } from './transcript-line.js';

type HashFn = (algorithm: string, data: string, encoding: 'hex') => string;
const oneShot: HashFn | undefined = (crypto as unknown as { hash?: HashFn }).hash;

export function hash16(s: string): string {
  return (oneShot ? oneShot('sha256', s, 'hex') : crypto.createHash('sha256').update(s).digest('hex')).slice(0, 16);
}

/** A batch's records share one context object: its session hash is computed once. */
const sessionHashes = new WeakMap<TranscriptContext, string>();

export function sessionHashOf(ctx: TranscriptContext): string {
  let h = sessionHashes.get(ctx);
  if (h === undefined) {
    h = hash16(`${ctx.stateDir}\u0000${ctx.agent}\u0000${ctx.sessionId ?? ctx.where}`);
    sessionHashes.set(ctx, h);
  }
  return h;
}

/** The span fact of a call, from the message ids the counting rules read (parseTranscriptEntry). */
export function spanFactOf(ids: CallIds, call: ParsedCall, ctx: TranscriptContext): SpanFact {
  return {
    dedupeKey: call.dedupeKey,
    sessionHash: sessionHashOf(ctx),
    requestIdHash: ids.responseId ? hash16(ids.responseId) : null,
    api: ids.api ? boundName(ids.api) : null,
  };
}

/** A tool execution's identity in its session: the tool call id (the line's own fields when it has none). */
export function toolKeyOf(sessionHash: string, toolCallId: string): string {
  return hash16(`tool\u0000${sessionHash}\u0000${toolCallId}`);
}

export function toolResultFactOf(r: ToolResultRead, ctx: TranscriptContext): ToolResultFact {
  const sessionHash = sessionHashOf(ctx);
  return {
    key: toolKeyOf(sessionHash, r.toolCallId ?? `\u0000${r.tsMs}\u0000${r.toolName}`),
    sessionHash,
    tsMs: r.tsMs,
    toolName: r.toolName,
    isError: r.isError,
  };
}
