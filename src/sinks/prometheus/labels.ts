/**
 * Label values and sample lists shared by every family: PII scrubbing, account
 * names, and accumulation into deterministic, sorted sample lists.
 */
import { shortHash } from '../../parse/transcript-line.js';
import { sorted, type Labels, type Sample } from './exposition.js';

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

export function cmpLabels(a: Labels, b: Labels): number {
  const ka = Object.values(a).join('\u0000');
  const kb = Object.values(b).join('\u0000');
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/**
 * Samples accumulated by label set. Entries are keyed by the label values in the
 * order the call site passes them (each call site uses one order per map), and keep
 * the labels sorted by name plus a sort key, computed once per entry.
 */
export type Acc = Map<string, { labels: Labels; value: number; sortKey: string }>;

export function keyOf(labels: Labels): string {
  let k = '';
  for (const n in labels) k += labels[n] + '\u0000';
  return k;
}

function entry(labels: Labels, value: number): { labels: Labels; value: number; sortKey: string } {
  const l = sorted(labels);
  return { labels: l, value, sortKey: keyOf(l) };
}

/** Adds v to the sample with these labels. */
export function add(m: Acc, labels: Labels, v: number): void {
  const k = keyOf(labels);
  const cur = m.get(k);
  if (cur) cur.value += v;
  else m.set(k, entry(labels, v));
}

/** Keeps the largest value per label set (the same profile seen by several agents). */
export function max(m: Acc, labels: Labels, v: number): void {
  const k = keyOf(labels);
  const cur = m.get(k);
  if (!cur) m.set(k, entry(labels, v));
  else if (v > cur.value) cur.value = v;
}

/** Keeps the smallest value per label set. */
export function min(m: Acc, labels: Labels, v: number): void {
  const k = keyOf(labels);
  const cur = m.get(k);
  if (!cur) m.set(k, entry(labels, v));
  else if (v < cur.value) cur.value = v;
}

/** The accumulated samples, sorted by label values. */
export function list(m: Acc): Sample[] {
  return [...m.values()]
    .sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0))
    .map((s) => ({ labels: s.labels, value: s.value }));
}
