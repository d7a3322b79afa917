/**
 * Tool results (src/parse/tool-result.ts) for `openclaw.tool.execution` spans: one
 * row per tool call identity (INSERT OR IGNORE, so copies in archives count once),
 * inserted in the commit transaction next to the calls of the same batch, and the
 * read the trace export needs: one session's results in a time range. A result
 * belongs to the session's latest call before it (the call that asked for the
 * tool), which the export matches in memory. The table is one tree clustered by
 * session (span-columns.ts, which also converts a schema-4 table): a backfill
 * writes each session's results next to each other, not at random places.
 */
import type Database from 'better-sqlite3';
import type { ToolResultFact } from '../model.js';
import { TOOL_RESULTS_TABLE } from './span-columns.js';

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
    db.exec(TOOL_RESULTS_TABLE);
    this.insert = db.prepare(`INSERT OR IGNORE INTO tool_results (session_hash, key, ts_ms, tool_name, is_error) VALUES (?, ?, ?, ?, ?)`);
    this.inSession = db.prepare(`SELECT key, ts_ms AS tsMs, tool_name AS toolName, is_error AS isError FROM tool_results
      WHERE session_hash = ? AND ts_ms > ? AND ts_ms <= ? ORDER BY ts_ms, key`);
  }

  /** Inside the commit transaction: rows[from, to). */
  add(rows: readonly ToolResultFact[], from = 0, to = rows.length): void {
    for (let i = from; i < to && i < rows.length; i++) {
      const r = rows[i];
      this.insert.run(r.sessionHash, r.key, Math.round(r.tsMs), r.toolName, r.isError ? 1 : 0);
    }
  }

  /** One session's results with a time in (afterMs, untilMs], in time order. */
  between(sessionHash: string, afterMs: number, untilMs: number): ToolResultRow[] {
    return (this.inSession.all(sessionHash, afterMs, untilMs) as Array<Omit<ToolResultRow, 'isError'> & { isError: number }>).map((r) => ({ ...r, isError: r.isError === 1 }));
  }
}
