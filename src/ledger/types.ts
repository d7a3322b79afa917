/** Row and batch types of the ledger's public API (re-exported by ledger.ts). */
import type { LedgerFailedRun } from './failed-runs.js';
import type { ContentFact, SpanFact, ToolResultFact } from '../model.js';
import type { AuthProfileInfo, Cursor, LedgerCall, QuotaObservation, SessionInfo } from '../model.js';

/** Aggregated totals for one combination of dimensions. */
export interface TotalsRow {
  agent: string;
  compatKind: string;
  kind: string;
  channel: string;
  chatType: string;
  provider: string;
  model: string;
  /** '' for successful calls, else the error category */
  errorCategory: string;
  messages: number;
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  /** cost as recorded in the transcript (or estimated, see costEstimatedUsd) */
  costUsd: number;
  /** the part of costUsd that clawmeter estimated from its pricing table */
  costEstimatedUsd: number;
  latencyCount: number;
  latencySumSeconds: number;
  /** counts per LATENCY_BUCKETS_SECONDS bound (non-cumulative storage, see addCall) */
  latencyBuckets: number[];
}

export interface SessionRow extends SessionInfo {
  stateDir: string;
  agent: string;
  /** the source adapter the row comes from (see SOURCE in model.ts) */
  source: string;
}

export interface AuthRow extends AuthProfileInfo {
  stateDir: string;
  agent: string;
  /** the source adapter the row comes from (see SOURCE in model.ts) */
  source: string;
}

export interface QuotaRow extends QuotaObservation {
  stateDir: string;
  agent: string;
  /** the source adapter the row comes from (see SOURCE in model.ts) */
  source: string;
}

export interface WindowRow {
  provider: string;
  model: string;
  window: string;
  messages: number;
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

export type CommitCall = LedgerCall & { costEstimated?: boolean };

export interface CommitBatch {
  calls?: CommitCall[];
  cursors?: Array<[string, Cursor | null]>;
  sessions?: { stateDir: string; agent: string; source: string; rows: SessionInfo[] };
  auth?: { stateDir: string; agent: string; source: string; rows: AuthProfileInfo[] };
  quota?: { stateDir: string; agent: string; source: string; rows: QuotaObservation[] };
  /** Turns that never reached a model (src/ledger/failed-runs.ts). */
  failedRuns?: LedgerFailedRun[];
  /** Span facts of the batch's calls (src/ledger/spans.ts). */
  spans?: SpanFact[];
  /** Tool results of the batch (src/ledger/tool-results.ts). */
  toolResults?: ToolResultFact[];
  /** Opt-in captured content (src/ledger/content.ts); empty unless a captureContent sub-key is on. */
  content?: ContentFact[];
}

export interface CommitResult {
  inserted: number;
  duplicates: number;
  /** calls refused because a number was out of bounds (see bounds.ts); never stored */
  rejected?: number;
}

export interface LedgerOptions {
  /** Receives the ledger's own notices (totals rebuilt, calls rejected); one line each. */
  log?: (level: 'info' | 'warn', msg: string, fields?: Record<string, unknown>) => void;
  /** Clock for timestamp plausibility and windows (tests). */
  now?: () => number;
}

/** One row of the calls table as SQLite returns it (snake_case columns). */
export interface StoredCallRow {
  id?: number;
  ts_ms: number;
  agent: string;
  seed_kind: string;
  kind: string;
  channel: string;
  chat_type: string;
  provider: string;
  model: string;
  input: number;
  output: number;
  cache_read: number;
  cache_write: number;
  cost_usd: number | null;
  cost_estimated: number;
  stop_reason: string;
  error_category: string | null;
  latency_ms: number | null;
  source?: string;
}
