/**
 * Families beyond the original exporter's (openclaw_usage_*, openclaw_quota_*,
 * openclaw_auth_*, openclaw_sessions). Built from the ledger's read model only.
 */
import type { Ledger, TotalsRow } from '../../ledger/ledger.js';
import type { Sample } from './exposition.js';
import type { MetricDef } from './metrics.js';

export interface FamilyInput {
  ledger: Ledger;
  totals: TotalsRow[];
  nowMs: number;
  showAccountEmails: boolean;
}

export function extraFamilies(_input: FamilyInput): Array<[MetricDef, Sample[]]> {
  return [];
}
