/** Process-lifetime counters about ingestion, read by the self-metrics sink. */
import type { SkipReason } from '../model.js';
import type { LedgerWriteState } from '../ledger/write-health.js';

export const INGEST_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** Health of one source adapter of one agent (the key is stateDir, agent and source). */
export interface SourceHealth {
  stateDir: string;
  agent: string;
  /** the source adapter's name (SOURCE in model.ts): jsonl, sqlite, sessions.json, auth-profiles.json, codex-rollouts, ... */
  source: string;
  /** false while the last poll of this source failed or reported the input unreadable */
  up: boolean;
  /** Unix ms of the last poll that completed without a failure */
  lastSuccessMs: number | null;
  /** one line on why the source is down (no paths of other inputs, no secrets); null when up */
  reason: string | null;
}

export class IngestStats {
  filesRead = 0;
  linesRead = 0;
  bytesRead = 0;
  callsInserted = 0;
  callsDuplicate = 0;
  cyclesOk = 0;
  cyclesFailed = 0;
  /** cycles in which some source failed while others were read */
  cyclesDegraded = 0;
  /** cycles that ran to their end (any result); readiness needs one */
  cyclesCompleted = 0;
  /** per-source health, keyed by `${stateDir}\u0000${agent}\u0000${source}` */
  sources = new Map<string, SourceHealth>();
  lastSuccessMs: number | null = null;
  lastDurationSeconds = 0;
  durationCount = 0;
  durationSum = 0;
  durationBuckets = new Array<number>(INGEST_DURATION_BUCKETS.length).fill(0);
  /** lines, files and stores skipped or flagged, by reason */
  issues = new Map<SkipReason, number>();
  /** whether the ledger these stats feed can be written (set by the Ingestor) */
  ledgerHealth: (() => Readonly<LedgerWriteState>) | null = null;

  /** Ready once a cycle has run to its end, while the ledger can be written and no source is down; reasons say why not. */
  readiness(): { ready: boolean; reasons: string[] } {
    const reasons: string[] = [];
    if (this.cyclesCompleted === 0) reasons.push('first ingest cycle not finished yet');
    const l = this.ledgerHealth?.();
    if (l && !l.writable) reasons.push(`ledger not writable: ${l.lastError?.reason ?? 'other'}: ${l.lastError?.message ?? 'write failed'}`);
    for (const s of this.sources.values()) {
      if (!s.up) reasons.push(`source down: ${s.source} of agent ${s.agent}: ${s.reason ?? 'failed'}`);
    }
    return { ready: reasons.length === 0, reasons };
  }

  countIssue(reason: SkipReason): void {
    this.issues.set(reason, (this.issues.get(reason) ?? 0) + 1);
  }

  observeDuration(seconds: number): void {
    this.lastDurationSeconds = seconds;
    this.durationCount++;
    this.durationSum += seconds;
    const i = INGEST_DURATION_BUCKETS.findIndex((b) => seconds <= b);
    if (i >= 0) this.durationBuckets[i]++;
  }
}
