/**
 * What a trace needs of one model call beyond the counting rules: which session
 * (a hash of the session id, or of the input when the id is unknown) and API it
 * belongs to, and a bounded SHA-256 hash of the provider's response/request id
 * (never the id itself). Read from the same record text the counting parser saw
 * (the content array already cut out), only for lines that parsed as a call.
 */
import crypto from 'node:crypto';
import { boundName } from '../bounds.js';
import type { ParsedCall, SpanFact, ToolResultFact, TranscriptContext } from '../model.js';
import type { ToolResultLine } from './tool-result.js';

type HashFn = (algorithm: string, data: string, encoding: 'hex') => string;
const oneShot: HashFn | undefined = (crypto as unknown as { hash?: HashFn }).hash;

export function hash16(s: string): string {
  return (oneShot ? oneShot('sha256', s, 'hex') : crypto.createHash('sha256').update(s).digest('hex')).slice(0, 16);
}

/**
 * A top-level-looking `"key":"value"` string member. Inside a JSON string every quote
 * is escaped, so `"key":"` only matches a real member; the value is decoded as JSON.
 * Cheaper than decoding the line a second time (the counting parser already did).
 */
function stringMember(text: string, key: string): string | null {
  const i = text.indexOf(`"${key}":"`);
  if (i === -1) return null;
  const m = /^"((?:[^"\\]|\\.)*)"/.exec(text.slice(i + key.length + 3, i + key.length + 3 + 1024));
  if (!m) return null;
  try {
    return JSON.parse(m[0]) as string;
  } catch {
    return null;
  }
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

export function spanFactOf(text: string, call: ParsedCall, ctx: TranscriptContext): SpanFact {
  const responseId = stringMember(text, 'responseId');
  const api = stringMember(text, 'api');
  return {
    dedupeKey: call.dedupeKey,
    sessionHash: sessionHashOf(ctx),
    requestIdHash: responseId ? hash16(responseId) : null,
    api: api ? boundName(api) : null,
  };
}

/** A tool execution's identity in its session: the tool call id (the line's own fields when it has none). */
export function toolKeyOf(sessionHash: string, toolCallId: string): string {
  return hash16(`tool\u0000${sessionHash}\u0000${toolCallId}`);
}

export function toolResultFactOf(r: ToolResultLine, ctx: TranscriptContext): ToolResultFact {
  const sessionHash = sessionHashOf(ctx);
  return {
    key: toolKeyOf(sessionHash, r.toolCallId ?? `\u0000${r.tsMs}\u0000${r.toolName}`),
    sessionHash,
    tsMs: r.tsMs,
    toolName: r.toolName,
    isError: r.isError,
  };
}
