/**
 * The two ways a ledger cannot be opened, as error classes the CLI maps to a
 * one-line message and exit code 2: another process holds it (LedgerLocked), or
 * the file is not a usable ledger (LedgerUnavailable). Nothing is ever recreated
 * over a file that fails to open.
 */

/** Another live process holds the ledger's writer lock. */
export class LedgerLocked extends Error {
  constructor(
    readonly dataDir: string,
    readonly holder: { pid?: number; command?: string; since?: string } | null,
  ) {
    const who = holder
      ? `pid ${holder.pid ?? '?'}${holder.command ? ` (${holder.command})` : ''}${holder.since ? ` since ${holder.since}` : ''}`
      : 'another process';
    super(`ledger in ${dataDir} is in use by ${who}: stop it, or use another --data-dir`);
    this.name = 'LedgerLocked';
  }
}

/** The ledger file exists but cannot be used (empty, truncated, corrupt, too new). */
export class LedgerUnavailable extends Error {
  constructor(
    readonly file: string,
    readonly why: string,
    hint = `move it aside and re-read the history with 'clawmeter ledger rebuild'`,
  ) {
    super(`ledger ${file} is unusable: ${why}; ${hint}`);
    this.name = 'LedgerUnavailable';
  }
}
