/**
 * What the trace export has sent: one row per call identity whose spans a
 * collector acknowledged (or that sampling dropped, decided once), committed only
 * after the acknowledgement, so a restart resends nothing and a refused batch is
 * sent again. Also the moment span export was first enabled: by default only calls
 * from then on become spans (`clawmeter otel backfill --since` reaches further back).
 */
import type Database from 'better-sqlite3';

export class SpanExports {
  private readonly mark: Database.Statement;
  private readonly getMeta: Database.Statement;
  private readonly setMeta: Database.Statement;
  private readonly countSent: Database.Statement;
  private readonly markAll: (keys: readonly string[], nowMs: number) => void;

  constructor(db: Database.Database) {
    db.exec(`CREATE TABLE IF NOT EXISTS otel_sent (key TEXT PRIMARY KEY, sent_ms INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS otel_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`);
    this.mark = db.prepare(`INSERT OR IGNORE INTO otel_sent (key, sent_ms) VALUES (?, ?)`);
    this.getMeta = db.prepare(`SELECT value FROM otel_meta WHERE key = ?`);
    this.setMeta = db.prepare(`INSERT OR IGNORE INTO otel_meta (key, value) VALUES (?, ?)`);
    this.countSent = db.prepare(`SELECT COUNT(*) AS n FROM otel_sent`);
    this.markAll = db.transaction((keys: readonly string[], nowMs: number) => {
      for (const k of keys) this.mark.run(k, nowMs);
    });
  }

  /** Records calls as exported (after the collector acknowledged their spans), in one transaction. */
  markSent(keys: readonly string[], nowMs: number): void {
    if (keys.length > 0) this.markAll(keys, nowMs);
  }

  sentCount(): number {
    return (this.countSent.get() as { n: number }).n;
  }

  /** The moment span export was first enabled for this ledger, recorded the first time this is asked. */
  tracesSinceMs(nowMs: number): number {
    this.setMeta.run('traces_since_ms', String(nowMs));
    return Number((this.getMeta.get('traces_since_ms') as { value: string }).value);
  }
}
