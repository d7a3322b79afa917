/**
 * The ledger's span facts (src/parse/span-facts.ts): three columns of the call's own
 * row (session_hash, request_id_hash, api; schema 5, span-columns.ts), written by
 * the same INSERT as the call (commit-work.ts), and the reads the trace export
 * needs: the sessions with calls not yet exported, then each one's calls in time
 * order, so runs can be formed (session by session: a backfill of the whole history
 * stays one scan plus indexed reads).
 * The exported-span bookkeeping lives in span-exports.ts, tool results in
 * tool-results.ts, opt-in content in content.ts.
 */
import type Database from 'better-sqlite3';
import type { LedgerCall, SpanFact } from '../model.js';
import { ContentStore } from './content.js';
import { SpanExports } from './span-exports.js';
import { ToolResults } from './tool-results.js';

/** One call with its span fact, as the trace export reads it. */
export type SpanCallRow = SpanFact &
  Pick<LedgerCall, 'tsMs' | 'latencyMs' | 'agent' | 'channel' | 'provider' | 'model' | 'input' | 'output' | 'cacheRead' | 'cacheWrite' | 'costUsd' | 'stopReason' | 'errorCategory'>;

export class SpanStore {
  private readonly sessionsQuery: Database.Statement;
  private readonly sessionQuery: Database.Statement;
  readonly exports: SpanExports;
  /** Tool results for tool execution spans (tool-results.ts). */
  readonly tools: ToolResults;
  /** Opt-in captured content (content.ts). */
  readonly content: ContentStore;

  constructor(db: Database.Database) {
    // the calls of one session in time order, for the trace export (calls without a span fact are not in it)
    db.exec(`CREATE INDEX IF NOT EXISTS calls_session ON calls (session_hash, ts_ms) WHERE session_hash IS NOT NULL`);
    this.exports = new SpanExports(db);
    this.tools = new ToolResults(db);
    this.content = new ContentStore(db);
    const pending = `NOT EXISTS (SELECT 1 FROM otel_sent o WHERE o.key = c.dedupe_key)`;
    this.sessionsQuery = db.prepare(`
      SELECT DISTINCT c.session_hash AS sessionHash FROM calls c
      WHERE c.ts_ms >= ? AND c.ts_ms < ? AND c.session_hash IS NOT NULL AND ${pending}`);
    this.sessionQuery = db.prepare(`
      SELECT c.dedupe_key AS dedupeKey, c.session_hash AS sessionHash, c.request_id_hash AS requestIdHash, c.api AS api,
             c.ts_ms AS tsMs, c.latency_ms AS latencyMs, c.agent AS agent, c.channel AS channel, c.provider AS provider,
             c.model AS model, c.input AS input, c.output AS output, c.cache_read AS cacheRead, c.cache_write AS cacheWrite,
             c.cost_usd AS costUsd, c.stop_reason AS stopReason, c.error_category AS errorCategory
      FROM calls c
      WHERE c.session_hash = ? AND c.ts_ms >= ? AND c.ts_ms < ? AND ${pending}
      ORDER BY c.ts_ms, c.dedupe_key`);
  }

  /** Sessions with calls in [fromMs, untilMs) whose spans were not exported yet (one indexed scan). */
  pendingSessions(fromMs: number, untilMs: number): string[] {
    return (this.sessionsQuery.all(fromMs, untilMs) as Array<{ sessionHash: string }>).map((r) => r.sessionHash);
  }

  /** One session's calls in [fromMs, untilMs) not exported yet, in time order. */
  pendingInSession(sessionHash: string, fromMs: number, untilMs: number): SpanCallRow[] {
    return this.sessionQuery.all(sessionHash, fromMs, untilMs) as SpanCallRow[];
  }
}
