/** Process-lifetime counters about ingestion, read by the self-metrics sink. */
import type { SkipReason } from '../model.js';

export const INGEST_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export class IngestStats {
  filesRead = 0;
  linesRead = 0;
  bytesRead = 0;
  callsInserted = 0;
  callsDuplicate = 0;
  cyclesOk = 0;
  cyclesFailed = 0;
  lastSuccessMs: number | null = null;
  lastDurationSeconds = 0;
  durationCount = 0;
  durationSum = 0;
  durationBuckets = new Array<number>(INGEST_DURATION_BUCKETS.length).fill(0);
  /** lines, files and stores skipped or flagged, by reason */
  issues = new Map<SkipReason, number>();

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
