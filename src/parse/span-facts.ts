/**
 * What a trace needs of one model call beyond the counting rules: which session
 * (a hash of the session id, or of the input when the id is unknown) and API it
 * belongs to, and a bounded SHA-256 hash of the provider's response/request id
 * (never the id itself). Read from the same record text the counting parser saw
 * (the content array already cut out), only for lines that parsed as a call;
 * a record whose text does not decode simply has no span facts (the call still counts).
 */
import crypto from 'node:crypto';
import { boundName } from '../bounds.js';
import type { ParsedCall, SpanFact, TranscriptContext } from '../model.js';

export function hash16(s: string): string {
  return crypto.createHash('sha256').update(s).digest('hex').slice(0, 16);
}

export function spanFactOf(text: string, call: ParsedCall, ctx: TranscriptContext): SpanFact | null {
  let e: unknown;
  try {
    e = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch {
    return null;
  }
  const msg = (e as { message?: Record<string, unknown> } | null)?.message;
  if (!msg || typeof msg !== 'object') return null;
  const responseId = typeof msg.responseId === 'string' && msg.responseId ? msg.responseId : null;
  return {
    dedupeKey: call.dedupeKey,
    sessionHash: hash16(`${ctx.stateDir}\u0000${ctx.agent}\u0000${ctx.sessionId ?? ctx.where}`),
    requestIdHash: responseId ? hash16(responseId) : null,
    api: typeof msg.api === 'string' && msg.api ? boundName(msg.api) : null,
  };
}
