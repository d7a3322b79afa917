/**
 * The ledger's span facts (src/parse/span-facts.ts): one row per call identity,
 * inserted inside the commit transaction next to the call itself (INSERT OR
 * IGNORE, like the calls), and the reads the trace export needs: the sessions with
 * calls not yet exported, then each one's calls in time order, so runs can be formed
 * (session by session: a backfill of the whole history stays one scan plus indexed reads).
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
  private readonly insert: Database.Statement;
  private readonly sessionsQuery: Database.Statement;
  private readonly sessionQuery: Database.Statement;
  readonly exports: SpanExports;
  /** Tool results for tool execution spans (tool-results.ts). */
  readonly tools: ToolResults;
  /** Opt-in captured content (content.ts). */
  readonly content: ContentStore;

  constructor(db: Database.Database) {
    db.exec(`CREATE TABLE IF NOT EXISTS call_spans (
      dedupe_key TEXT PRIMARY KEY, session_hash TEXT NOT NULL, request_id_hash TEXT, api TEXT);
      CREATE INDEX IF NOT EXISTS call_spans_session ON call_spans (session_hash)`);
    this.exports = new SpanExports(db);
    this.tools = new ToolResults(db);
    this.content = new ContentStore(db);
    this.insert = db.prepare(`INSERT OR IGNORE INTO call_spans (dedupe_key, session_hash, request_id_hash, api) VALUES (?, ?, ?, ?)`);
    const pending = `NOT EXISTS (SELECT 1 FROM otel_sent o WHERE o.key = s.dedupe_key)`;
    this.sessionsQuery = db.prepare(`
      SELECT DISTINCT s.session_hash AS sessionHash FROM calls c JOIN call_spans s ON s.dedupe_key = c.dedupe_key
      WHERE c.ts_ms >= ? AND c.ts_ms < ? AND ${pending}`);
    this.sessionQuery = db.prepare(`
      SELECT s.dedupe_key AS dedupeKey, s.session_hash AS sessionHash, s.request_id_hash AS requestIdHash, s.api AS api,
             c.ts_ms AS tsMs, c.latency_ms AS latencyMs, c.agent AS agent, c.channel AS channel, c.provider AS provider,
             c.model AS model, c.input AS input, c.output AS output, c.cache_read AS cacheRead, c.cache_write AS cacheWrite,
             c.cost_usd AS costUsd, c.stop_reason AS stopReason, c.error_category AS errorCategory
      FROM call_spans s JOIN calls c ON c.dedupe_key = s.dedupe_key
      WHERE s.session_hash = ? AND c.ts_ms >= ? AND c.ts_ms < ? AND ${pending}
      ORDER BY c.ts_ms, s.dedupe_key`);
  }

  /** Inside the ledger's commit transaction. */
  add(facts: readonly SpanFact[]): void {
    for (const f of facts) this.insert.run(f.dedupeKey, f.sessionHash, f.requestIdHash, f.api);
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
