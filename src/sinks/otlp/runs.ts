/**
 * Calls become runs: in one session, a run (a user turn) is the sequence of calls
 * up to and including the first whose stop reason is not `toolUse` (the model
 * asked for tools and was called again with their results), or the last before a
 * quiet gap of STALE_MS. Span and trace ids are
 * derived from the run's first call identity, so a run always gets the same ids
 * and sampling (`sampleRate` on the root, like TraceIdRatioBased) decides the same
 * way every time. A run whose end is not in the ledger yet is held back until it
 * ends or goes quiet for STALE_MS.
 */
import crypto from 'node:crypto';
import { RUN_QUIET_MS, runEnds } from '../../ledger/run-durations.js';
import type { SpanCallRow } from '../../ledger/spans.js';
import type { ToolResultRow } from '../../ledger/tool-results.js';

/** The run rule is the ledger's (run-durations.ts), so spans and `openclaw.run.duration_ms` agree. */
export const STALE_MS = RUN_QUIET_MS;

export interface Run {
  key: string;
  traceId: string;
  calls: SpanCallRow[];
  /** tool executions: a call that asked for tools and each result that answered it */
  tools?: Array<{ call: SpanCallRow; result: ToolResultRow }>;
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
    if (runEnds(r.stopReason)) close();
    else if (next && next.sessionHash === r.sessionHash && next.tsMs - r.tsMs >= STALE_MS) close(); // quiet too long: the next call starts a new run
    else if (!next || next.sessionHash !== r.sessionHash) {
      // the run has not ended in the ledger: wait for its end unless it went quiet
      if (nowMs - r.tsMs >= STALE_MS) close();
      else cur = [];
    }
  }
  return runs;
}

/**
 * Tool results (one session's, in time order) matched to the runs they belong to:
 * a result answers the run's latest call before it, when that call asked for tools
 * (stop reason toolUse); results after a run's last call belong to it only when
 * that call still waited for tools (a run closed by quiet), up to STALE_MS later.
 */
export function attachTools(runs: readonly Run[], results: readonly ToolResultRow[]): void {
  let i = 0;
  for (const run of runs) {
    const calls = run.calls;
    const first = calls[0].tsMs;
    const last = calls[calls.length - 1];
    const until = runEnds(last.stopReason) ? last.tsMs : last.tsMs + STALE_MS;
    while (i < results.length && results[i].tsMs <= first) i++;
    let c = 0;
    for (; i < results.length && results[i].tsMs <= until; i++) {
      const r = results[i];
      while (c + 1 < calls.length && calls[c + 1].tsMs < r.tsMs) c++;
      if (calls[c].tsMs < r.tsMs && !runEnds(calls[c].stopReason)) (run.tools ??= []).push({ call: calls[c], result: r });
    }
  }
}
