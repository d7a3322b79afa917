/**
 * Every metric clawmeter exports, named in one table. docs/metrics.md documents
 * each row; a test checks that both agree.
 */
export type MetricType = 'counter' | 'gauge' | 'histogram';

export interface MetricDef {
  name: string;
  type: MetricType;
  help: string;
  labels: readonly string[];
  /** seed: the original exporter's families (names, types and labels kept). */
  group: 'seed' | 'usage' | 'quota' | 'auth' | 'sessions' | 'self';
}

function def(group: MetricDef['group'], name: string, type: MetricType, labels: readonly string[], help: string): MetricDef {
  return { group, name, type, labels, help };
}

export const METRICS = {
  // ---- the original exporter's families (contract) --------------------------
  codexMessages: def('seed', 'openclaw_codex_messages_total', 'counter', ['model', 'provider', 'session_kind'],
    'Model calls that completed (any stop reason but error), from the clawmeter ledger'),
  codexInputTokens: def('seed', 'openclaw_codex_input_tokens_total', 'counter', ['model', 'provider'],
    'Non-cached input tokens of completed model calls'),
  codexOutputTokens: def('seed', 'openclaw_codex_output_tokens_total', 'counter', ['model', 'provider'],
    'Output tokens of completed model calls'),
  codexCacheReadTokens: def('seed', 'openclaw_codex_cache_read_tokens_total', 'counter', ['model', 'provider'],
    'Prompt-cache read tokens of completed model calls'),
  codexCacheWriteTokens: def('seed', 'openclaw_codex_cache_write_tokens_total', 'counter', ['model', 'provider'],
    'Prompt-cache write tokens of completed model calls'),
  codexErrors: def('seed', 'openclaw_codex_message_errors_total', 'counter', ['model', 'provider', 'reason'],
    'Model calls that ended with stopReason error, by bounded error category'),
  codexActiveSessions: def('seed', 'openclaw_codex_active_sessions', 'gauge', ['kind'],
    'Sessions currently listed in the session index, by session kind'),
  codexLastRun: def('seed', 'openclaw_codex_last_run_timestamp', 'gauge', [],
    'Unix time in seconds of the newest model call in the ledger'),
  codexOauthExpiry: def('seed', 'openclaw_codex_oauth_expiry_seconds', 'gauge', ['account', 'plan', 'provider'],
    'Seconds until the auth profile credential expires (0 when expired)'),
  codexScrapeDuration: def('seed', 'openclaw_codex_exporter_scrape_duration_ms', 'gauge', [],
    'Milliseconds spent rendering this scrape (kept under its original name for compatibility)'),

  // ---- clawmeter's own health -------------------------------------------------
  buildInfo: def('self', 'clawmeter_build_info', 'gauge', ['version', 'node_version', 'mode'],
    'clawmeter build and mode (live or demo); always 1'),
  lastIngestSuccess: def('self', 'clawmeter_last_ingest_success_timestamp_seconds', 'gauge', [],
    'Unix time of the last ingest cycle that completed without a source failure'),
  ingestCycles: def('self', 'clawmeter_ingest_cycles_total', 'counter', ['result'],
    'Ingest cycles run, by result (ok or failed)'),
  ingestDuration: def('self', 'clawmeter_ingest_duration_seconds', 'histogram', [],
    'Duration of ingest cycles'),
  filesRead: def('self', 'clawmeter_files_read_total', 'counter', [], 'Transcript files (or archives) read to their end'),
  linesRead: def('self', 'clawmeter_lines_read_total', 'counter', [], 'Transcript lines read from files and stores'),
  bytesRead: def('self', 'clawmeter_bytes_read_total', 'counter', [], 'Transcript bytes read (decompressed)'),
  linesSkipped: def('self', 'clawmeter_lines_skipped_total', 'counter', ['reason'],
    'Transcript lines skipped or flagged, by reason'),
  sourceErrors: def('self', 'clawmeter_source_errors_total', 'counter', ['reason'],
    'Files and stores that could not be read this time, by reason (retried next cycle)'),
  callsIngested: def('self', 'clawmeter_calls_ingested_total', 'counter', [],
    'Model calls added to the ledger by this process'),
  callsDuplicate: def('self', 'clawmeter_calls_duplicate_total', 'counter', [],
    'Model calls seen again (copies, renames, re-reads) and not counted twice'),
  ledgerCalls: def('self', 'clawmeter_ledger_calls', 'gauge', [], 'Model calls stored in the ledger'),
  residentMemory: def('self', 'clawmeter_process_resident_memory_bytes', 'gauge', [], 'Resident memory of the clawmeter process'),
  cpuSeconds: def('self', 'clawmeter_process_cpu_seconds_total', 'counter', [], 'CPU time used by the clawmeter process'),
  seriesDropped: def('self', 'clawmeter_series_dropped_total', 'counter', [],
    'Samples left out of scrapes because the --max-series cap was reached'),
} as const satisfies Record<string, MetricDef>;

export type MetricKey = keyof typeof METRICS;

export const LINE_SKIP_REASONS = new Set(['malformed_json', 'invalid_utf8', 'line_too_long', 'not_an_object']);
