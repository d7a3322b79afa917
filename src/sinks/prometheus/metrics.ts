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

  // ---- usage: counters from the ledger, by agent and channel -----------------
  usageMessages: def('usage', 'openclaw_usage_messages_total', 'counter', ['agent', 'channel', 'kind', 'model', 'provider'],
    'Model calls that completed (any stop reason but error), from the clawmeter ledger'),
  usageTokens: def('usage', 'openclaw_usage_tokens_total', 'counter', ['agent', 'channel', 'model', 'provider', 'type'],
    'Tokens of model calls by type: input (non-cached), output, cache_read, cache_write'),
  usageCost: def('usage', 'openclaw_usage_cost_usd_total', 'counter', ['agent', 'channel', 'model', 'provider'],
    'API-equivalent cost in USD: the transcript cost, or a clawmeter price-table estimate where it is missing or zero (not a bill)'),
  usageCostEstimated: def('usage', 'openclaw_usage_cost_estimated_usd_total', 'counter', ['agent', 'channel', 'model', 'provider'],
    'The part of openclaw_usage_cost_usd_total that clawmeter estimated from its price table'),
  usageErrors: def('usage', 'openclaw_usage_errors_total', 'counter', ['agent', 'category', 'model', 'provider'],
    'Model calls that ended with stopReason error, by bounded error category'),
  usageCallDuration: def('usage', 'openclaw_usage_call_duration_seconds', 'histogram', ['model', 'provider'],
    'Model call latency where the transcript allows computing it (entry time minus message start time)'),
  usageWindowMessages: def('usage', 'openclaw_usage_window_messages', 'gauge', ['model', 'provider', 'window'],
    'Completed model calls in the rolling window ending now, computed from the ledger'),
  usageWindowTokens: def('usage', 'openclaw_usage_window_tokens', 'gauge', ['model', 'provider', 'window'],
    'Tokens (input + output + cache_read + cache_write) of completed model calls in the rolling window ending now'),

  // issue 8: turns that ended before any model request (not calls: never in the families above)
  usageRunsFailed: def('usage', 'openclaw_usage_runs_failed_total', 'counter', ['agent', 'category', 'channel'],
    'Turns that ended before any model request (run-failed-before-reply), by bounded category (auth_cooldown, billing_cooldown, error categories)'),

  // ---- quota: provider-reported windows (rollouts, opt-in polling) -----------
  quotaUsedRatio: def('quota', 'openclaw_quota_used_ratio', 'gauge', ['limit', 'provider', 'window'],
    'Share of the provider quota window used (0..1), as last reported by the provider'),
  quotaResetsAt: def('quota', 'openclaw_quota_resets_at_timestamp_seconds', 'gauge', ['limit', 'provider', 'window'],
    'Unix time at which the provider says the quota window resets'),
  quotaObservedAt: def('quota', 'openclaw_quota_observed_at_timestamp_seconds', 'gauge', ['limit', 'provider', 'window'],
    'Unix time of the provider report the quota gauges come from'),
  quotaRefreshSuccess: def('quota', 'openclaw_quota_refresh_success', 'gauge', ['provider'],
    '1 if the last live quota poll (--poll-quota) of every profile of the provider succeeded, else 0'),
  quotaMessagesLeft: def('quota', 'openclaw_quota_messages_left_estimate', 'gauge', ['limit', 'provider', 'window'],
    'Estimate of model calls left in the quota window (from the used ratio and the ledger, else the rate card); an estimate'),

  // ---- auth health: non-secret auth-profile state ----------------------------
  authExpiry: def('auth', 'openclaw_auth_expiry_timestamp_seconds', 'gauge', ['profile', 'provider', 'type'],
    'Unix time at which the auth profile credential expires'),
  authCooldownUntil: def('auth', 'openclaw_auth_cooldown_until_timestamp_seconds', 'gauge', ['profile', 'provider', 'reason'],
    'Unix time until which OpenClaw keeps the profile in cooldown (reason disabled_* for disabled profiles); only while in the future'),
  authFailures: def('auth', 'openclaw_auth_failures', 'gauge', ['profile', 'provider', 'reason'],
    'Failure counts OpenClaw keeps per auth profile and reason (OpenClaw may reset them)'),
  // issue 8: every effective profile of every agent, API keys (no expiry) included
  authProfileInfo: def('auth', 'openclaw_auth_profile_info', 'gauge', ['agent', 'profile', 'provider', 'store', 'type'],
    '1 for every auth profile an agent can use: its own (store agent) or inherited from the shared auth store (store shared)'),

  // ---- sessions -----------------------------------------------------------------
  sessions: def('sessions', 'openclaw_sessions', 'gauge', ['agent', 'channel', 'chat_type', 'kind'],
    'Active sessions listed in the session index or store'),

  // ---- clawmeter's own health -------------------------------------------------
  buildInfo: def('self', 'clawmeter_build_info', 'gauge', ['version', 'node_version', 'mode'],
    'clawmeter build and mode (live or demo); always 1'),
  lastIngestSuccess: def('self', 'clawmeter_last_ingest_success_timestamp_seconds', 'gauge', [],
    'Unix time of the last ingest cycle that completed without a source failure'),
  ingestCycles: def('self', 'clawmeter_ingest_cycles_total', 'counter', ['result'],
    'Ingest cycles run, by result: ok, degraded (some source failed) or failed (no source could be read)'),
  sourceUp: def('self', 'clawmeter_source_up', 'gauge', ['adapter', 'agent', 'state_dir'],
    '1 if the last poll of the source (one adapter of one agent) succeeded, else 0'),
  sourceLastSuccess: def('self', 'clawmeter_source_last_success_timestamp_seconds', 'gauge', ['adapter', 'agent', 'state_dir'],
    'Unix time of the last poll of the source that completed without a failure'),
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
  seriesDropped: def('self', 'clawmeter_series_dropped_total', 'counter', [],
    'Samples left out of scrapes because the --max-series cap was reached'),
  samplesInvalid: def('self', 'clawmeter_samples_invalid_total', 'counter', [],
    'Samples left out of scrapes because their value was not a finite number (never printed as NaN or Inf)'),

  // ---- standard process and Node.js metrics (prom-client's default names) -----
  // Rendered from src/sinks/prometheus/process-metrics.ts.
  processCpuUser: def('self', 'process_cpu_user_seconds_total', 'counter', [], 'Total user CPU time spent in seconds'),
  processCpuSystem: def('self', 'process_cpu_system_seconds_total', 'counter', [], 'Total system CPU time spent in seconds'),
  processCpu: def('self', 'process_cpu_seconds_total', 'counter', [], 'Total user and system CPU time spent in seconds'),
  processStartTime: def('self', 'process_start_time_seconds', 'gauge', [], 'Start time of the process since unix epoch in seconds'),
  processResidentMemory: def('self', 'process_resident_memory_bytes', 'gauge', [], 'Resident memory size in bytes'),
  processVirtualMemory: def('self', 'process_virtual_memory_bytes', 'gauge', [], 'Virtual memory size in bytes (Linux)'),
  processHeap: def('self', 'process_heap_bytes', 'gauge', [], 'Process heap (data segment) size in bytes (Linux)'),
  processOpenFds: def('self', 'process_open_fds', 'gauge', [], 'Number of open file descriptors (Linux)'),
  processMaxFds: def('self', 'process_max_fds', 'gauge', [], 'Maximum number of open file descriptors (Linux)'),
  nodejsHeapTotal: def('self', 'nodejs_heap_size_total_bytes', 'gauge', [], 'V8 heap size in bytes'),
  nodejsHeapUsed: def('self', 'nodejs_heap_size_used_bytes', 'gauge', [], 'V8 heap size used in bytes'),
  nodejsExternalMemory: def('self', 'nodejs_external_memory_bytes', 'gauge', [], 'Memory of C++ objects bound to JavaScript objects, in bytes'),
  nodejsEventloopLag: def('self', 'nodejs_eventloop_lag_seconds', 'gauge', [], 'Lag of the event loop in seconds (last measurement)'),
  nodejsEventloopLagP50: def('self', 'nodejs_eventloop_lag_p50_seconds', 'gauge', [], 'The 50th percentile of the event loop delay in seconds (last interval)'),
  nodejsEventloopLagP90: def('self', 'nodejs_eventloop_lag_p90_seconds', 'gauge', [], 'The 90th percentile of the event loop delay in seconds (last interval)'),
  nodejsEventloopLagP99: def('self', 'nodejs_eventloop_lag_p99_seconds', 'gauge', [], 'The 99th percentile of the event loop delay in seconds (last interval)'),
  nodejsVersionInfo: def('self', 'nodejs_version_info', 'gauge', ['version', 'major', 'minor', 'patch'], 'Node.js version info; always 1'),
} as const satisfies Record<string, MetricDef>;

export type MetricKey = keyof typeof METRICS;

export const LINE_SKIP_REASONS = new Set(['malformed_json', 'invalid_utf8', 'line_too_long', 'not_an_object', 'implausible_usage']);
