/**
 * Opt-in content for span export (otel.captureContent sub-keys): text that is
 * already bounded and redacted at ingest (src/ingest/content-capture.ts), one row
 * per key and kind. Rows exist only for what was ingested while the matching
 * sub-key was true; with every sub-key off nothing is ever written here.
 */
import type Database from 'better-sqlite3';
import type { ContentFact } from '../model.js';

export class ContentStore {
  private readonly insert: Database.Statement;
  private readonly get: Database.Statement;
  private readonly count: Database.Statement;

  constructor(db: Database.Database) {
    db.exec(`CREATE TABLE IF NOT EXISTS otel_content (key TEXT NOT NULL, kind TEXT NOT NULL, text TEXT NOT NULL, PRIMARY KEY (key, kind)) WITHOUT ROWID`);
    this.insert = db.prepare(`INSERT OR IGNORE INTO otel_content (key, kind, text) VALUES (?, ?, ?)`);
    this.get = db.prepare(`SELECT text FROM otel_content WHERE key = ? AND kind = ?`).pluck();
    this.count = db.prepare(`SELECT count(*) FROM otel_content`).pluck();
  }

  /** Inside the commit transaction. */
  add(rows: readonly ContentFact[]): void {
    for (const r of rows) this.insert.run(r.key, r.kind, r.text);
  }

  text(key: string, kind: ContentFact['kind']): string | null {
    return (this.get.get(key, kind) as string | undefined) ?? null;
  }

  rows(): number {
    return this.count.get() as number;
  }
}
