/**
 * The write half of one ledger commit, out of ledger.ts so the same steps serve both
 * ways of committing: all at once inside one synchronous transaction (commit()), or
 * in slices of calls with the event loop let in between, still inside one SQLite
 * transaction (commitInSteps(), used by the cold backfill so a large batch neither
 * blocks scrapes nor pays SQLite's per-commit page rewrites every 2,000 calls).
 *
 * Nothing here touches the in-memory read model until publish(), which the ledger
 * calls only after the transaction committed; discard() forgets a failed one.
 */
import type Database from 'better-sqlite3';
import { boundName, MIN_PLAUSIBLE_TS_MS, plausibleCost, plausibleTimestamp, usageProblem } from '../bounds.js';
import type { Cursor, SpanFact } from '../model.js';
import { BucketDeltas } from './quarter-buckets.js';
import type { CallAliasTable } from './call-aliases.js';
import { addCall, callDimsKey, cloneTotals, emptyTotals } from './totals.js';
import type { CommitBatch, CommitCall, TotalsRow } from './types.js';

export interface CommitStatements {
  /** the call with its span fact's columns (NULL without one) */
  insertCall: Database.Statement;
  /** a span fact for a call already stored without one */
  fillSpan: Database.Statement;
  upsertTotals: Database.Statement;
  upsertCursor: Database.Statement;
  deleteCursor: Database.Statement;
  setMeta: Database.Statement;
  upsertBucket: Database.Statement;
}

/** The ledger state a commit reads (never writes) while its transaction is open. */
export interface CommitBase {
  totals: Map<string, TotalsRow>;
  callRows: number;
  lastCallMs: number | null;
  firstCallMs: number | null;
  nowMs: number;
  notify: (level: 'warn', msg: string, fields: Record<string, unknown>) => void;
  /** usage aliases pairing a Codex mirror row with its turnless rollout call (call-aliases.ts) */
  aliases: CallAliasTable;
}

/** A call as stored: bounded names, finite times; null when its numbers are out of bounds. */
export function sanitizeCall(c: CommitCall, notify: CommitBase['notify']): CommitCall | null {
  // an estimate (our pricing table) out of bounds is dropped, not the call
  if (c.costEstimated && !plausibleCost(c.costUsd)) c = { ...c, costUsd: null, costEstimated: false };
  const problem = usageProblem(c);
  if (problem) {
    notify('warn', 'call refused: usage out of bounds', { problem, source: c.source });
    return null;
  }
  const provider = boundName(c.provider);
  const model = boundName(c.model);
  const tsMs = Number.isFinite(c.tsMs) ? Math.round(c.tsMs) : 0;
  const latencyMs = c.latencyMs !== null && Number.isFinite(c.latencyMs) && c.latencyMs >= 0 ? Math.round(c.latencyMs) : null;
  if (provider === c.provider && model === c.model && tsMs === c.tsMs && latencyMs === c.latencyMs) return c;
  return { ...c, provider, model, tsMs, latencyMs };
}

const NO_SPANS: ReadonlyMap<string, SpanFact> = new Map();

/** A batch's span facts by call identity; the first of copies wins, as the first copy of the call does. */
export function spanFacts(spans: readonly SpanFact[] | undefined): ReadonlyMap<string, SpanFact> {
  if (!spans || spans.length === 0) return NO_SPANS;
  const m = new Map<string, SpanFact>();
  for (const f of spans) if (!m.has(f.dedupeKey)) m.set(f.dedupeKey, f);
  return m;
}

/** The writes of one commit; every method but publish-side getters runs inside the transaction. */
export class CommitWork {
  readonly deltas = new Map<string, TotalsRow>();
  readonly added: CommitCall[] = [];
  inserted = 0;
  duplicates = 0;
  rejected = 0;
  lastCall: number | null;
  firstCall: number | null;
  private readonly buckets: BucketDeltas;

  constructor(
    private readonly stmts: CommitStatements,
    private readonly base: CommitBase,
  ) {
    this.lastCall = base.lastCallMs;
    this.firstCall = base.firstCallMs;
    this.buckets = new BucketDeltas(stmts.upsertBucket);
  }

  /**
   * Inserts calls[from, to) (deduplicated by identity), each with its span fact from
   * `spans` (spanFacts()), and accumulates their totals and buckets.
   */
  insertCalls(calls: CommitCall[], from = 0, to = calls.length, spans: ReadonlyMap<string, SpanFact> = NO_SPANS): void {
    const nowMs = this.base.nowMs;
    for (let i = from; i < to && i < calls.length; i++) {
      const c = sanitizeCall(calls[i], this.base.notify);
      if (!c) {
        this.rejected++;
        continue;
      }
      // A call already counted under the other side's identity (see call-aliases.ts).
      if (c.alias && this.base.aliases.isDuplicate(c.alias, c.dedupeKey)) {
        this.duplicates++;
        continue;
      }
      const span = spans.get(c.dedupeKey);
      const res = this.stmts.insertCall.run(
        c.dedupeKey,
        c.tsMs,
        c.agent,
        c.compatKind,
        c.kind,
        c.channel,
        c.chatType,
        c.provider,
        c.model,
        c.input,
        c.output,
        c.cacheRead,
        c.cacheWrite,
        c.costUsd,
        c.costEstimated ? 1 : 0,
        c.stopReason,
        c.errorCategory,
        c.latencyMs,
        c.source,
        span?.sessionHash ?? null,
        span?.requestIdHash ?? null,
        span?.api ?? null,
      );
      if (res.changes === 0) {
        this.duplicates++;
        // a copy with a span fact completes a call stored without one (e.g. first read from a rollout)
        if (span) this.stmts.fillSpan.run(span.sessionHash, span.requestIdHash, span.api, c.dedupeKey);
        continue;
      }
      this.inserted++;
      if (c.alias) this.base.aliases.record(c.alias, c.dedupeKey);
      this.added.push(c);
      if (plausibleTimestamp(c.tsMs, nowMs) && (this.lastCall === null || c.tsMs > this.lastCall)) this.lastCall = c.tsMs;
      if (c.tsMs >= MIN_PLAUSIBLE_TS_MS && (this.firstCall === null || c.tsMs < this.firstCall)) this.firstCall = c.tsMs;
      this.buckets.add(c);
      const key = callDimsKey(c);
      let t = this.deltas.get(key);
      if (!t) {
        const cur = this.base.totals.get(key);
        t = cur ? cloneTotals(cur) : emptyTotals(c);
        this.deltas.set(key, t);
      }
      addCall(t, c);
    }
  }

  /**
   * Totals, buckets, meta and cursors of everything inserted (after the last
   * insertCalls), yielding after every `slice` bucket upserts; commit() runs it
   * through at once, a stepped commit pauses at each yield.
   */
  *finishCalls(cursors: CommitBatch['cursors'], slice = Infinity): Generator<void> {
    for (const [key, t] of this.deltas) this.stmts.upsertTotals.run(key, JSON.stringify(t));
    yield* this.buckets.writeSteps(slice);
    if (this.inserted > 0) {
      this.stmts.setMeta.run('call_rows', String(this.base.callRows + this.inserted));
      if (this.lastCall !== null) this.stmts.setMeta.run('last_call_ms', String(this.lastCall));
    }
    for (const [key, cur] of (cursors ?? []) as Array<[string, Cursor | null]>) {
      if (cur === null) this.stmts.deleteCursor.run(key);
      else this.stmts.upsertCursor.run(key, JSON.stringify(cur));
    }
  }
}
