/**
 * The privacy and bound rules for label values, shared by every output: PII
 * scrubbing (email-shaped parts hashed), account names, and the length bound
 * every label value passes through.
 */
import { shortHash } from '../parse/short-hash.js';

const EMAIL = /[^\s:@/"]+@[^\s:@/"]+\.[^\s:@/"]+/g;
const scrubCache = new Map<string, string>();

/**
 * Free-text label values (model, provider, agent, profile names) come from
 * transcripts, folder names and auth stores; an email-shaped part becomes
 * `email-<8 chars of its SHA-256>`, and any other `@` an underscore.
 */
export function scrub(v: string): string {
  if (!v.includes('@')) return v;
  let out = scrubCache.get(v);
  if (out === undefined) {
    out = v.replace(EMAIL, (m) => `email-${shortHash(m.toLowerCase(), 8)}`).replace(/@/g, '_');
    if (scrubCache.size < 10_000) scrubCache.set(v, out);
  }
  return out;
}

/** Profile name (after `provider:`) with emails hashed, or the email itself when allowed. */
export function accountLabel(profileId: string, email: string | null, showEmails: boolean): string {
  const name = profileId.includes(':') ? profileId.slice(profileId.indexOf(':') + 1) : profileId;
  if (showEmails) return email ?? name;
  return scrub(name) || 'unknown';
}

/** The account of quota reports that name none (and of the agent's own `codex-home`). */
export const DEFAULT_ACCOUNT = 'default';

/**
 * The `account` label of the quota families: a short hash of an account identity
 * (an auth profile id, a Codex home's path under the agent), never the identity
 * itself, which may hold an email or an account id.
 */
export function quotaAccount(identity: string | null): string {
  return identity === null || identity === DEFAULT_ACCOUNT ? DEFAULT_ACCOUNT : `a-${shortHash(`account\u0000${identity}`, 8)}`;
}

/** Longest label value exported; longer ones are cut and end with a hash of the whole. */
export const MAX_LABEL_LENGTH = 128;
const HASH_LENGTH = 10;
const boundCache = new Map<string, string>();

/**
 * A label value of at most MAX_LABEL_LENGTH characters: a longer one keeps its
 * start and ends with `~` and 10 characters of the SHA-256 of the whole value, so
 * distinct values stay distinct (never split inside a UTF-16 surrogate pair).
 */
export function boundLabel(v: string): string {
  if (v.length <= MAX_LABEL_LENGTH) return v;
  let out = boundCache.get(v);
  if (out === undefined) {
    let cut = MAX_LABEL_LENGTH - HASH_LENGTH - 1;
    const c = v.charCodeAt(cut - 1);
    if (c >= 0xd800 && c <= 0xdbff) cut--;
    out = `${v.slice(0, cut)}~${shortHash(v, HASH_LENGTH)}`;
    if (boundCache.size >= 10_000) boundCache.clear();
    boundCache.set(v, out);
  }
  return out;
}
