/**
 * Calls become runs: in one session, a run (a user turn) is the sequence of calls
 * up to and including the first whose stop reason is not `toolUse` (the model
 * asked for tools and was called again with their results). Span and trace ids are
 * derived from the run's first call identity, so a run always gets the same ids
 * and sampling (`sampleRate` on the root, like TraceIdRatioBased) decides the same
 * way every time. A run whose end is not in the ledger yet is held back until it
 * ends or goes quiet for STALE_MS.
 */
import crypto from 'node:crypto';
import type { SpanCallRow } from '../../ledger/spans.js';

export const STALE_MS = 10 * 60_000;

export interface Run {
  key: string;
  traceId: string;
  calls: SpanCallRow[];
}

function hex(s: string, chars: number): string {
  return crypto.createHash('sha256').update(s).digest('hex').slice(0, chars);
}

export const traceIdOf = (runKey: string) => hex(`trace\u0000${runKey}`, 32);
export const spanIdOf = (kind: string, key: string) => hex(`${kind}\u0000${key}`, 16);

/** The root sampling decision: the trace id's first 52 bits as a fraction, below the rate. */
export function sampled(traceId: string, rate: number): boolean {
  if (rate >= 1) return true;
  if (rate <= 0) return false;
  return parseInt(traceId.slice(0, 13), 16) / 2 ** 52 < rate;
}

/** Runs from rows ordered by session and time. */
export function groupRuns(rows: readonly SpanCallRow[], nowMs: number): Run[] {
  const runs: Run[] = [];
  let cur: SpanCallRow[] = [];
  const close = () => {
    if (cur.length) runs.push({ key: cur[0].dedupeKey, traceId: traceIdOf(cur[0].dedupeKey), calls: cur });
    cur = [];
  };
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    cur.push(r);
    const next = rows[i + 1];
    if (r.stopReason !== 'toolUse') close();
    else if (!next || next.sessionHash !== r.sessionHash) {
      // the run has not ended in the ledger: wait for its end unless it went quiet
      if (nowMs - r.tsMs >= STALE_MS) close();
      else cur = [];
    }
  }
  return runs;
}
