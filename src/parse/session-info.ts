/**
 * The labeling rule that turns one session-index entry (a `sessions.json` value, a SQLite
 * `entry_json` row, or a bare `{sessionId}`) into a SessionInfo: session kind, channel and
 * chat type from the key and entry. Pure: sources and the ingest cycle both call it.
 */
import type { SessionInfo } from '../model.js';
import { channelOf, chatTypeOf, compatSessionKind, sessionKindOf } from './session-kind.js';

function asRecord(v: unknown): Record<string, unknown> | null {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

/** Session infos from a parsed sessions.json object (also used for SQLite entry_json rows). */
export function sessionInfoFromEntry(key: string, entry: unknown, active = true): SessionInfo | null {
  const e = asRecord(entry);
  if (!e || typeof e.sessionId !== 'string' || !e.sessionId) return null;
  return {
    sessionKey: key,
    sessionId: e.sessionId,
    compatKind: compatSessionKind(key, e),
    kind: sessionKindOf(key, e),
    channel: channelOf(key, e),
    chatType: chatTypeOf(key, e),
    updatedAtMs: typeof e.updatedAt === 'number' ? e.updatedAt : null,
    active,
  };
}
