/**
 * Tool results (src/parse/tool-result.ts) for `openclaw.tool.execution` spans: one
 * row per tool call identity (INSERT OR IGNORE, so copies in archives count once),
 * inserted in the commit transaction next to the calls of the same batch, and the
 * read the trace export needs: one session's results in a time range. A result
 * belongs to the session's latest call before it (the call that asked for the
 * tool), which the export matches in memory. The table is created with the
 * others at open (CREATE TABLE IF NOT EXISTS: there is nothing to migrate, older
 * ledgers never kept tool results).
 */
import type Database from 'better-sqlite3';
import type { ToolResultFact } from '../model.js';

export const TOOL_RESULTS_DDL = `
  CREATE TABLE IF NOT EXISTS tool_results (
    key TEXT PRIMARY KEY, session_hash TEXT NOT NULL, ts_ms INTEGER NOT NULL, tool_name TEXT NOT NULL, is_error INTEGER NOT NULL);
  CREATE INDEX IF NOT EXISTS tool_results_session ON tool_results (session_hash, ts_ms);`;

export interface ToolResultRow {
  key: string;
  tsMs: number;
  toolName: string;
  isError: boolean;
}

export class ToolResults {
  private readonly insert: Database.Statement;
  private readonly inSession: Database.Statement;

  constructor(db: Database.Database) {
    db.exec(TOOL_RESULTS_DDL);
    this.insert = db.prepare(`INSERT OR IGNORE INTO tool_results (key, session_hash, ts_ms, tool_name, is_error) VALUES (?, ?, ?, ?, ?)`);
    this.inSession = db.prepare(`SELECT key, ts_ms AS tsMs, tool_name AS toolName, is_error AS isError FROM tool_results
      WHERE session_hash = ? AND ts_ms > ? AND ts_ms <= ? ORDER BY ts_ms, key`);
  }

  /** Inside the commit transaction. */
  add(rows: readonly ToolResultFact[]): void {
    for (const r of rows) this.insert.run(r.key, r.sessionHash, Math.round(r.tsMs), r.toolName, r.isError ? 1 : 0);
  }

  /** One session's results with a time in (afterMs, untilMs], in time order. */
  between(sessionHash: string, afterMs: number, untilMs: number): ToolResultRow[] {
    return (this.inSession.all(sessionHash, afterMs, untilMs) as Array<Omit<ToolResultRow, 'isError'> & { isError: number }>).map((r) => ({ ...r, isError: r.isError === 1 }));
  }
}
