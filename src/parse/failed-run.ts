/**
 * Counting rule for turns that never reached a model (2026.9+): the gateway appends
 * `{"type":"custom_message","customType":"run-failed-before-reply","details":{"runId","error"}}`
 * when a run ends before any request, e.g. while every auth profile of the provider
 * is in cooldown (observed on real 9.6 after an HTTP 402: "Provider fakecc is in
 * cooldown (billing)", "Auth profile \"…\" is temporarily unavailable for …").
 * It is not a model call: it never counts as a message or an error of the call
 * families, only in `openclaw_usage_runs_failed_total`. The category comes from
 * `details.error` by the error-category rules, with OpenClaw's cooldown wording
 * recognised first (`billing_cooldown`, `auth_cooldown`); the error text itself never
 * leaves this module. Identity: the run id (one notice per run), else the entry id.
 */
import { categorizeError } from './error-category.js';
import { toEpochMs } from './transcript-line.js';

/** Bytes every such entry contains; sources search for them before parsing. */
export const FAILED_RUN_MARKER = 'run-failed-before-reply';

export const FAILED_RUN_COOLDOWN_CATEGORIES = ['auth_cooldown', 'billing_cooldown'] as const;

export interface FailedRun {
  dedupeKey: string;
  tsMs: number;
  /** bounded: an error category, or auth_cooldown / billing_cooldown */
  category: string;
}

function obj(v: unknown): Record<string, unknown> | null {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

/** Category of a pre-reply failure from its (sanitised, ≤512 chars) error text. */
export function failedRunCategory(error: unknown): string {
  const text = typeof error === 'string' ? error.slice(0, 2000) : '';
  const cooldown = /in cooldown \(([a-z_]{1,40})\)/i.exec(text)?.[1]?.toLowerCase();
  if (cooldown === 'billing') return 'billing_cooldown';
  if (cooldown?.startsWith('auth')) return 'auth_cooldown';
  if (cooldown) return categorizeError(cooldown.replace(/_/g, ' '));
  if (/temporarily unavailable|cannot bypass unavailable profiles|no available auth profile/i.test(text)) return 'auth_cooldown';
  return categorizeError(text);
}

/** A decoded transcript entry → a failed run, or null when it is not one. */
export function parseFailedRunEntry(entry: unknown): FailedRun | null {
  const e = obj(entry);
  if (!e || e.type !== 'custom_message' || e.customType !== FAILED_RUN_MARKER) return null;
  const details = obj(e.details);
  const runId = typeof details?.runId === 'string' && details.runId ? details.runId : null;
  const id = typeof e.id === 'string' && e.id ? e.id : null;
  const tsMs = toEpochMs(e.timestamp) ?? 0;
  if (!runId && !id) return null;
  return { dedupeKey: runId ? `run:${runId}` : `entry:${id}:${tsMs}`, tsMs, category: failedRunCategory(details?.error ?? e.content) };
}

/** One raw line → a failed run; cheap substring test first, never throws. */
export function parseFailedRunLine(text: string): FailedRun | null {
  if (!text.includes(FAILED_RUN_MARKER)) return null;
  try {
    return parseFailedRunEntry(JSON.parse(text));
  } catch {
    return null;
  }
}
