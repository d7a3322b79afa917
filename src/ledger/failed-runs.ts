/**
 * The ledger's table of turns that never reached a model
 * (`run-failed-before-reply` notices, see src/parse/failed-run.ts): one row per run
 * identity (`INSERT OR IGNORE`, so copies in archives, cold files and the store count
 * once), and in-memory totals by agent, channel and category for the sinks. Rows are
 * inserted inside the ledger's commit transaction, next to the calls and cursors of
 * the same batch; the totals are published only after that transaction committed.
 * Kept apart from the calls table: these are not model calls and must never reach
 * the call families.
 */
import type Database from 'better-sqlite3';

export interface LedgerFailedRun {
  dedupeKey: string;
  tsMs: number;
  agent: string;
  channel: string;
  category: string;
}

export interface FailedRunTotal {
  agent: string;
  channel: string;
  category: string;
  runs: number;
}

const key = (r: { agent: string; channel: string; category: string }) => `${r.agent}\u0000${r.channel}\u0000${r.category}`;

export class FailedRunTable {
  private readonly insert: Database.Statement;
  private readonly totalsMap = new Map<string, FailedRunTotal>();
  private staged: LedgerFailedRun[] = [];

  constructor(db: Database.Database) {
    db.exec(`CREATE TABLE IF NOT EXISTS failed_runs (
      dedupe_key TEXT PRIMARY KEY, ts_ms INTEGER NOT NULL,
      agent TEXT NOT NULL, channel TEXT NOT NULL, category TEXT NOT NULL)`);
    this.insert = db.prepare(`INSERT OR IGNORE INTO failed_runs (dedupe_key, ts_ms, agent, channel, category) VALUES (?, ?, ?, ?, ?)`);
    const rows = db
      .prepare(`SELECT agent, channel, category, count(*) AS runs FROM failed_runs GROUP BY agent, channel, category`)
      .all() as FailedRunTotal[];
    for (const r of rows) this.totalsMap.set(key(r), r);
  }

  /** Inside the caller's transaction: inserts new runs; returns how many were new. */
  add(rows: LedgerFailedRun[]): number {
    let n = 0;
    for (const r of rows) {
      if (this.insert.run(r.dedupeKey, Math.round(r.tsMs), r.agent, r.channel, r.category).changes > 0) {
        this.staged.push(r);
        n++;
      }
    }
    return n;
  }

  /** After the transaction committed: the new runs join the totals. */
  publish(): void {
    for (const r of this.staged) {
      const k = key(r);
      const t = this.totalsMap.get(k);
      if (t) t.runs++;
      else this.totalsMap.set(k, { agent: r.agent, channel: r.channel, category: r.category, runs: 1 });
    }
    this.staged = [];
  }

  /** After a rolled-back transaction: forget what was staged. */
  discard(): void {
    this.staged = [];
  }

  totals(): FailedRunTotal[] {
    return [...this.totalsMap.values()];
  }
}
