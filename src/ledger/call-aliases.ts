/**
 * The ledger's table of call aliases: a second name some calls carry besides
 * their identity, for the one pairing identities cannot express. Old Codex
 * rollouts have no turn ids, so the last call of each of their turns cannot get
 * the turn identity OpenClaw's mirror row of the same call gets; both sides
 * carry the alias `codex-usage:<thread>:<usage>` instead (src/parse/codex-alias.ts).
 *
 * Rule, inside the commit transaction: a call whose alias is already recorded
 * under another identity *from the other side* (mirror vs rollout) is that call
 * again, a duplicate. Same-side matches are never duplicates (two mirror rows
 * with equal usage are two calls: counting a call twice is better than losing
 * one), and the first identity of an alias is kept. Identities never change, so
 * ledgers written before this table count nothing again.
 */
import type Database from 'better-sqlite3';
import type { CallAlias } from '../model.js';

export class CallAliasTable {
  private readonly find: Database.Statement;
  private readonly insert: Database.Statement;

  constructor(db: Database.Database) {
    db.exec(`CREATE TABLE IF NOT EXISTS call_aliases (
      alias_key TEXT PRIMARY KEY, dedupe_key TEXT NOT NULL, side TEXT NOT NULL)`);
    this.find = db.prepare(`SELECT dedupe_key AS dedupeKey, side FROM call_aliases WHERE alias_key = ?`);
    this.insert = db.prepare(`INSERT OR IGNORE INTO call_aliases (alias_key, dedupe_key, side) VALUES (?, ?, ?)`);
  }

  /** Whether a call with this alias and identity was counted already under the other side's identity. */
  isDuplicate(alias: CallAlias, dedupeKey: string): boolean {
    const row = this.find.get(alias.key) as { dedupeKey: string; side: string } | undefined;
    return row !== undefined && row.dedupeKey !== dedupeKey && row.side !== alias.side;
  }

  /** Records the alias of a call just inserted (the first identity of an alias is kept). */
  record(alias: CallAlias, dedupeKey: string): void {
    this.insert.run(alias.key, dedupeKey, alias.side);
  }
}
