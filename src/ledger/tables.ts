/** What sqlite_master says about a table of a ledger file (the open-time checks, the migrations, the rebuild's carry-over). */
import type Database from 'better-sqlite3';

/** The table's CREATE statement, or undefined when the file has no such table. */
export function tableSql(db: Database.Database, name: string): string | undefined {
  return db.prepare(`SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?`).pluck().get(name) as string | undefined;
}

export function hasTable(db: Database.Database, name: string): boolean {
  return tableSql(db, name) !== undefined;
}
