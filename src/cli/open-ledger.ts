/**
 * Opens the ledger for a command, turning the ledger's expected failures (locked
 * by another process, unreadable, corrupt) into one-line usage errors (exit 2).
 */
import { Ledger } from '../ledger/ledger.js';
import { UsageError } from './args.js';

export function openLedger(dataDir: string): Ledger {
  try {
    return Ledger.open(dataDir);
  } catch (err) {
    const e = err as Error;
    if (e.name.startsWith('Ledger')) throw new UsageError(e.message);
    throw new UsageError(`--data-dir ${dataDir}: cannot open the ledger (${e.message.split('\n')[0]})`);
  }
}
