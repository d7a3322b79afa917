/**
 * Session-key and session-entry rules: the seed's session kind, a richer bounded
 * kind, the channel and the chat type. Peer ids, phone numbers and session ids that
 * appear inside keys never come out of these functions.
 */

const LABEL_SAFE = /^[a-z0-9][a-z0-9_.-]{0,31}$/;

function str(v: unknown): string | null {
  return typeof v === 'string' && v.length > 0 ? v : null;
}

function obj(v: unknown): Record<string, unknown> | null {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

/** A label-safe token or "other" (keeps open sets such as channel ids bounded and PII-free). */
export function safeToken(v: string | null | undefined, fallback = 'unknown'): string {
  if (!v) return fallback;
  const t = v.toLowerCase();
  return LABEL_SAFE.test(t) ? t : 'other';
}

/** Strips "agent:<id>:" and returns [agentId, rest] or [null, key]. */
function splitAgentKey(key: string): [string | null, string] {
  const m = /^agent:([^:]+):(.*)$/.exec(key);
  return m ? [m[1], m[2]] : [null, key];
}

/**
 * The original exporter's session kind: cron, telegram-slash, main, the origin
 * surface, or the key's first segment; here for every agent, not only "main".
 */
export function compatSessionKind(key: string, entry: unknown): string {
  const lower = key.toLowerCase();
  const [agent, rest] = splitAgentKey(lower);
  if (agent !== null && rest.startsWith('cron:')) return 'cron';
  if (lower.startsWith('telegram:slash:') || (agent !== null && rest.startsWith('telegram:slash:'))) {
    return 'telegram-slash';
  }
  if (agent !== null) return 'main';
  const surface = str(obj(obj(entry)?.origin)?.surface);
  if (surface) return safeToken(surface);
  return safeToken(lower.split(':', 1)[0]);
}

/** The seed's kind for active_sessions, which used the key only (no origin surface). */
export function compatIndexKind(key: string): string {
  const lower = key.toLowerCase();
  const [agent, rest] = splitAgentKey(lower);
  if (agent !== null && rest.startsWith('cron:')) return 'cron';
  if (lower.startsWith('telegram:slash:') || (agent !== null && rest.startsWith('telegram:slash:'))) {
    return 'telegram-slash';
  }
  if (agent !== null) return 'main';
  return safeToken(lower.split(':', 1)[0]);
}

export const SESSION_KINDS = [
  'main', 'direct', 'group', 'channel', 'thread', 'cron', 'hook', 'subagent', 'acp', 'heartbeat',
  'dashboard', 'explicit', 'slash', 'global', 'other', 'unknown',
] as const;

/** Chat type from the entry or the key: direct, group, channel or unknown. */
export function chatTypeOf(key: string, entry: unknown): string {
  const e = obj(entry);
  const explicit = str(e?.chatType) ?? str(obj(e?.origin)?.chatType);
  if (explicit === 'direct' || explicit === 'group' || explicit === 'channel') return explicit;
  const parts = key.toLowerCase().split(':');
  if (parts.includes('group')) return 'group';
  if (parts.includes('channel')) return 'channel';
  if (parts.includes('direct') || parts.includes('dm')) return 'direct';
  return 'unknown';
}

/** Channel id (telegram, slack, webchat, ...) from the entry or the key. Bounded and PII-free. */
export function channelOf(key: string, entry: unknown): string {
  const e = obj(entry);
  const fromEntry =
    str(e?.channel) ??
    str(obj(e?.origin)?.provider) ??
    str(obj(e?.deliveryContext)?.channel) ??
    str(e?.lastChannel);
  if (fromEntry) return safeToken(fromEntry);
  const [, rest] = splitAgentKey(key.toLowerCase());
  const parts = rest.split(':');
  // agent:<a>:<channel>:(direct|group|channel|slash|dm):<id> or agent:<a>:<channel>:<account>:direct:<id>
  for (let i = 1; i < parts.length && i <= 2; i++) {
    if (['direct', 'group', 'channel', 'slash', 'dm'].includes(parts[i])) return safeToken(parts[0]);
  }
  if (parts[0] === 'dashboard') return 'webchat';
  return 'unknown';
}

/** A richer, bounded session kind for openclaw_usage_* and openclaw_sessions. */
export function sessionKindOf(key: string, entry: unknown): string {
  const lower = key.toLowerCase();
  if (lower === 'global') return 'global';
  const [agent, rest] = splitAgentKey(lower);
  const parts = rest.split(':');
  if (parts.includes('cron')) return 'cron';
  if (parts.includes('subagent')) return 'subagent';
  if (parts[0] === 'hook' || parts.includes('hook')) return 'hook';
  if (parts[0] === 'acp') return 'acp';
  if (parts[parts.length - 1] === 'heartbeat') return 'heartbeat';
  if (parts[0] === 'dashboard') return 'dashboard';
  if (parts[0] === 'explicit') return 'explicit';
  if (parts.includes('slash')) return 'slash';
  if (parts.includes('thread')) return 'thread';
  const chat = chatTypeOf(key, entry);
  if (chat !== 'unknown') return chat;
  if (agent !== null && parts.length === 1) return 'main';
  return agent === null ? 'other' : 'main';
}
