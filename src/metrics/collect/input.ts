/**
 * What a collector reads: the ledger's read model (in memory: no file, no query),
 * the totals snapshot of this ledger version, the clock, the privacy setting, and
 * the start time of the ledger-derived cumulative families (the first call).
 */
import type { Ledger, TotalsRow } from '../../ledger/ledger.js';

export interface CollectInput {
  ledger: Ledger;
  totals: TotalsRow[];
  nowMs: number;
  showAccountEmails: boolean;
  /** Unix ms of the ledger's first call; null while the ledger holds none */
  startMs: number | null;
}
