/**
 * The ingest health the dashboard and `/api/v1/sources/health` show: readiness
 * (as /readyz), whether the first ingest cycle is still running and what it has
 * read so far, and every source's state, with the privacy view (agents scrubbed,
 * no state-dir paths).
 */
import type { IngestStats } from '../ingest/stats.js';
import { scrub } from '../labeling/privacy.js';

export interface SourceHealthView {
  agent: string;
  source: string;
  up: boolean;
  lastSuccessMs: number | null;
  reason: string | null;
}

/** Whether the ledger can be written (see src/ledger/write-health.ts). */
export interface LedgerHealthView {
  writable: boolean;
  /** failed commits by reason since the process started */
  writeErrors: Record<string, number>;
  lastError: { reason: string; message: string; atMs: number } | null;
  lastWriteSuccessMs: number | null;
}

export interface HealthView {
  ready: boolean;
  reasons: string[];
  /** true until the first ingest cycle has run to its end */
  ingesting: boolean;
  cyclesCompleted: number;
  lastIngestMs: number | null;
  /** what the running process has read so far (progress of a first ingest) */
  filesRead: number;
  bytesRead: number;
  callsInserted: number;
  sources: SourceHealthView[];
  /** null while the process starts */
  ledger: LedgerHealthView | null;
}

/** The health view of a running ingest: agents scrubbed, no state-dir paths. */
export function healthOf(stats: IngestStats): HealthView {
  const r = stats.readiness();
  return {
    ready: r.ready,
    reasons: r.reasons.map((l) => scrub(l.replace(/[\r\n]+/g, ' '))),
    ingesting: stats.cyclesCompleted === 0,
    cyclesCompleted: stats.cyclesCompleted,
    lastIngestMs: stats.lastSuccessMs,
    filesRead: stats.filesRead,
    bytesRead: stats.bytesRead,
    callsInserted: stats.callsInserted,
    sources: [...stats.sources.values()]
      .map((s) => ({ agent: scrub(s.agent), source: s.source, up: s.up, lastSuccessMs: s.lastSuccessMs, reason: s.reason }))
      .sort((a, b) => (a.agent < b.agent ? -1 : a.agent > b.agent ? 1 : a.source < b.source ? -1 : a.source > b.source ? 1 : 0)),
    ledger: ledgerOf(stats),
  };
}

function ledgerOf(stats: IngestStats): LedgerHealthView | null {
  const l = stats.ledgerHealth?.();
  if (!l) return null;
  return {
    writable: l.writable,
    writeErrors: { ...l.errors },
    lastError: l.lastError ? { reason: l.lastError.reason, message: scrub(l.lastError.message.replace(/[\r\n]+/g, ' ')), atMs: l.lastError.atMs } : null,
    lastWriteSuccessMs: l.lastSuccessMs,
  };
}
