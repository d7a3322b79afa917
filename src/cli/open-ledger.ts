/**
 * Opens the ledger for a command, turning the ledger's expected failures (locked
 * by another process, unreadable, corrupt) into one-line usage errors (exit 2).
 */
import { Ledger, LedgerLocked } from '../ledger/ledger.js';
import type { Logger } from '../util/log.js';
import { UsageError } from './args.js';

/**
 * Opens the ledger; its own notices (totals rebuilt, calls rejected) go to `log`.
 * `locked` words the error when another process holds the writer lock (default: the lock's own).
 */
export function openLedger(dataDir: string, log?: Logger, locked?: (e: LedgerLocked) => string): Ledger {
  try {
    return Ledger.open(dataDir, { log: log ? (level, msg, f) => log.log(level, msg, f) : undefined });
  } catch (err) {
    const e = err as Error;
    if (e instanceof LedgerLocked && locked) throw new UsageError(locked(e));
    if (e.name.startsWith('Ledger')) throw new UsageError(e.message);
    throw new UsageError(`--data-dir ${dataDir}: cannot open the ledger (${e.message.split('\n')[0]})`);
  }
}
