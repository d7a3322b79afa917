/**
 * Every metric clawmeter exports, named once, for every output: the neutral
 * metric model's table. One row per metric: its Prometheus name, instrument kind,
 * unit, label names, help, group, the ledger view (or other in-memory state) that
 * feeds it, and its OpenTelemetry name where OpenClaw's diagnostics-otel
 * conventions have one (or an OTel-style equivalent; null where the metric only
 * makes sense on a Prometheus scrape or duplicates another row). docs/metrics.md
 * documents each row; tests check that both agree.
 */
export type MetricType = 'counter' | 'gauge' | 'histogram';

/** Units as OTel/UCUM-style tokens; `1` is dimensionless (counts, ratios, 0/1 states). */
export type MetricUnit = '1' | 'tokens' | 'USD' | 'seconds' | 'ms' | 'bytes';

/**
 * What feeds a metric: a read view of the ledger (totals, windows, sessions, auth
 * and quota snapshots, failed-run totals, the committed quota estimates, the last
 * call time, the call count), the ingest stats, the process, or the scrape itself.
 */
export type MetricView =
  | 'totals'
  | 'windows'
  | 'sessions'
  | 'auth'
  | 'quota'
  | 'estimates'
  | 'failedRuns'
  | 'runDurations'
  | 'lastCall'
  | 'callCount'
  | 'ledgerHealth'
  | 'ingestStats'
  | 'process'
  | 'scrape';

export interface MetricDef {
  /** the Prometheus name (counters with their `_total`) */
  name: string;
  /** instrument kind */
  type: MetricType;
  unit: MetricUnit;
  help: string;
  labels: readonly string[];
  /** compat: the original exporter's families (names, types and labels kept). */
  group: 'compat' | 'usage' | 'quota' | 'auth' | 'sessions' | 'self';
  view: MetricView;
  /** OpenTelemetry instrument name (the OTLP exporter's), or null when not exported there */
  otel: string | null;
  /**
   * Exported over OTLP only, never on a Prometheus scrape or backfill: a finer view
   * of a Prometheus row that a scrape would only repeat (the name stays, for docs).
   */
  otlpOnly?: true;
}

function def(
  group: MetricDef['group'],
  unit: MetricUnit,
  otel: string | null,
  view: MetricView,
  name: string,
  type: MetricType,
  labels: readonly string[],
  help: string,
): MetricDef {
  return { group, name, type, unit, labels, help, view, otel };
}

/** A row exported over OTLP only (see MetricDef.otlpOnly). */
function otlpOnly(d: MetricDef): MetricDef {
  return { ...d, otlpOnly: true };
}

export const METRICS = {
  // ---- the original exporter's families (contract) --------------------------
  codexMessages: def('compat', '1', null, 'totals', 'openclaw_codex_messages_total', 'counter', ['model', 'provider', 'session_kind'],
    'Model calls that completed (any stop reason but error), from the clawmeter ledger'),
  codexInputTokens: def('compat', 'tokens', null, 'totals', 'openclaw_codex_input_tokens_total', 'counter', ['model', 'provider'],
    'Non-cached input tokens of completed model calls'),
  codexOutputTokens: def('compat', 'tokens', null, 'totals', 'openclaw_codex_output_tokens_total', 'counter', ['model', 'provider'],
    'Output tokens of completed model calls'),
  codexCacheReadTokens: def('compat', 'tokens', null, 'totals', 'openclaw_codex_cache_read_tokens_total', 'counter', ['model', 'provider'],
    'Prompt-cache read tokens of completed model calls'),
  codexCacheWriteTokens: def('compat', 'tokens', null, 'totals', 'openclaw_codex_cache_write_tokens_total', 'counter', ['model', 'provider'],
    'Prompt-cache write tokens of completed model calls'),
  codexErrors: def('compat', '1', null, 'totals', 'openclaw_codex_message_errors_total', 'counter', ['model', 'provider', 'reason'],
    'Model calls that ended with stopReason error, by bounded error category'),
  codexActiveSessions: def('compat', '1', null, 'sessions', 'openclaw_codex_active_sessions', 'gauge', ['kind'],
    'Sessions currently listed in the session index, by session kind'),
  codexLastRun: def('compat', 'seconds', 'openclaw.last_call.timestamp', 'lastCall', 'openclaw_codex_last_run_timestamp', 'gauge', [],
    'Unix time in seconds of the newest model call in the ledger'),
  codexOauthExpiry: def('compat', 'seconds', null, 'auth', 'openclaw_codex_oauth_expiry_seconds', 'gauge', ['account', 'plan', 'provider'],
    'Seconds until the auth profile credential expires (0 when expired)'),
  codexScrapeDuration: def('compat', 'ms', null, 'scrape', 'openclaw_codex_exporter_scrape_duration_ms', 'gauge', [],
    'Milliseconds spent rendering this scrape (kept under its original name for compatibility)'),

  // ---- usage: counters from the ledger, by agent and channel -----------------
  usageMessages: def('usage', '1', 'openclaw.model_call.count', 'totals', 'openclaw_usage_messages_total', 'counter', ['agent', 'channel', 'kind', 'model', 'provider'],
    'Model calls that completed (any stop reason but error), from the clawmeter ledger'),
  usageTokens: def('usage', 'tokens', 'openclaw.tokens', 'totals', 'openclaw_usage_tokens_total', 'counter', ['agent', 'channel', 'model', 'provider', 'type'],
    'Tokens of model calls by type: input (non-cached), output, cache_read, cache_write'),
  usageCost: def('usage', 'USD', 'openclaw.cost.usd', 'totals', 'openclaw_usage_cost_usd_total', 'counter', ['agent', 'channel', 'model', 'provider'],
    'API-equivalent cost in USD: the transcript cost, or a clawmeter price-table estimate where it is missing or zero (not a bill)'),
  usageCostEstimated: def('usage', 'USD', 'openclaw.cost.estimated.usd', 'totals', 'openclaw_usage_cost_estimated_usd_total', 'counter', ['agent', 'channel', 'model', 'provider'],
    'The part of openclaw_usage_cost_usd_total that clawmeter estimated from its price table'),
  usageErrors: def('usage', '1', 'openclaw.model_call.errors', 'totals', 'openclaw_usage_errors_total', 'counter', ['agent', 'category', 'model', 'provider'],
    'Model calls that ended with stopReason error, by bounded error category'),
  usageCallDuration: def('usage', 'seconds', null, 'totals', 'openclaw_usage_call_duration_seconds', 'histogram', ['model', 'provider'],
    'Model call latency where the transcript allows computing it (entry time minus message start time)'),
  // issue 12: the same latencies kept apart by error category (empty for calls that did not fail), for OTLP
  usageCallDurationByCategory: otlpOnly(def('usage', 'seconds', 'openclaw.model_call.duration_ms', 'totals', 'openclaw_usage_call_duration_by_category_seconds', 'histogram',
    ['category', 'model', 'provider'], 'Model call latency by error category (empty when the call did not fail); OTLP only')),
  // issue 12: the user turn (run) from its first request to its last response, as the openclaw.run spans time it
  usageRunDuration: def('usage', 'seconds', 'openclaw.run.duration_ms', 'runDurations', 'openclaw_usage_run_duration_seconds', 'histogram', ['agent', 'channel', 'model', 'provider'],
    'Duration of user turns (runs): first request to last response of the calls up to the first that did not stop for tool use'),
  usageWindowMessages: def('usage', '1', 'openclaw.window.model_calls', 'windows', 'openclaw_usage_window_messages', 'gauge', ['model', 'provider', 'window'],
    'Completed model calls in the rolling window ending now, computed from the ledger'),
  usageWindowTokens: def('usage', 'tokens', 'openclaw.window.tokens', 'windows', 'openclaw_usage_window_tokens', 'gauge', ['model', 'provider', 'window'],
    'Tokens (input + output + cache_read + cache_write) of completed model calls in the rolling window ending now'),

  // issue 8: turns that ended before any model request (not calls: never in the families above)
  usageRunsFailed: def('usage', '1', 'openclaw.run.failed', 'failedRuns', 'openclaw_usage_runs_failed_total', 'counter', ['agent', 'category', 'channel'],
    'Turns that ended before any model request (run-failed-before-reply), by bounded category (auth_cooldown, billing_cooldown, error categories)'),

  // ---- quota: provider-reported windows (rollouts, opt-in polling) -----------
  quotaUsedRatio: def('quota', '1', 'openclaw.quota.used_ratio', 'quota', 'openclaw_quota_used_ratio', 'gauge', ['account', 'limit', 'provider', 'window'],
    'Share of the provider quota window used (0..1), as last reported by the provider'),
  quotaResetsAt: def('quota', 'seconds', 'openclaw.quota.resets_at', 'quota', 'openclaw_quota_resets_at_timestamp_seconds', 'gauge', ['account', 'limit', 'provider', 'window'],
    'Unix time at which the provider says the quota window resets'),
  quotaObservedAt: def('quota', 'seconds', 'openclaw.quota.observed_at', 'quota', 'openclaw_quota_observed_at_timestamp_seconds', 'gauge', ['account', 'limit', 'provider', 'window'],
    'Unix time of the provider report the quota gauges come from'),
  quotaRefreshSuccess: def('quota', '1', 'openclaw.quota.refresh.success', 'quota', 'openclaw_quota_refresh_success', 'gauge', ['provider'],
    '1 if the last live quota poll (--poll-quota) of every profile of the provider succeeded, else 0'),
  quotaMessagesLeft: def('quota', '1', 'openclaw.quota.messages_left', 'estimates', 'openclaw_quota_messages_left_estimate', 'gauge', ['account', 'limit', 'provider', 'window'],
    'Estimate of model calls left in the quota window (from the used ratio and the ledger, else the rate card); an estimate'),

  // ---- auth health: non-secret auth-profile state ----------------------------
  authExpiry: def('auth', 'seconds', 'openclaw.auth.expiry', 'auth', 'openclaw_auth_expiry_timestamp_seconds', 'gauge', ['profile', 'provider', 'type'],
    'Unix time at which the auth profile credential expires'),
  authCooldownUntil: def('auth', 'seconds', 'openclaw.auth.cooldown_until', 'auth', 'openclaw_auth_cooldown_until_timestamp_seconds', 'gauge', ['profile', 'provider', 'reason'],
    'Unix time until which OpenClaw keeps the profile in cooldown (reason disabled_* for disabled profiles); only while in the future'),
  authFailures: def('auth', '1', 'openclaw.auth.failures', 'auth', 'openclaw_auth_failures', 'gauge', ['profile', 'provider', 'reason'],
    'Failure counts OpenClaw keeps per auth profile and reason (OpenClaw may reset them)'),
  // issue 8: every effective profile of every agent, API keys (no expiry) included
  authProfileInfo: def('auth', '1', 'openclaw.auth.profile', 'auth', 'openclaw_auth_profile_info', 'gauge', ['agent', 'profile', 'provider', 'store', 'type'],
    '1 for every auth profile an agent can use: its own (store agent) or inherited from the shared auth store (store shared)'),

  // ---- sessions -----------------------------------------------------------------
  sessions: def('sessions', '1', 'openclaw.sessions', 'sessions', 'openclaw_sessions', 'gauge', ['agent', 'channel', 'chat_type', 'kind'],
    'Active sessions listed in the session index or store'),

  // ---- clawmeter's own health -------------------------------------------------
  buildInfo: def('self', '1', 'clawmeter.build.info', 'process', 'clawmeter_build_info', 'gauge', ['version', 'node_version', 'mode'],
    'clawmeter build and mode (live or demo); always 1'),
  lastIngestSuccess: def('self', 'seconds', 'clawmeter.ingest.last_success', 'ingestStats', 'clawmeter_last_ingest_success_timestamp_seconds', 'gauge', [],
    'Unix time of the last ingest cycle that completed without a source failure'),
  ingestCycles: def('self', '1', 'clawmeter.ingest.cycles', 'ingestStats', 'clawmeter_ingest_cycles_total', 'counter', ['result'],
    'Ingest cycles run, by result: ok, degraded (some source failed) or failed (no source could be read, or a ledger commit failed)'),
  sourceUp: def('self', '1', 'clawmeter.source.up', 'ingestStats', 'clawmeter_source_up', 'gauge', ['source', 'agent', 'state_dir'],
    '1 if the last poll of the source (one adapter of one agent) succeeded, else 0'),
  sourceLastSuccess: def('self', 'seconds', 'clawmeter.source.last_success', 'ingestStats', 'clawmeter_source_last_success_timestamp_seconds', 'gauge', ['source', 'agent', 'state_dir'],
    'Unix time of the last poll of the source that completed without a failure'),
  ingestDuration: def('self', 'seconds', 'clawmeter.ingest.duration', 'ingestStats', 'clawmeter_ingest_duration_seconds', 'histogram', [],
    'Duration of ingest cycles'),
  filesRead: def('self', '1', 'clawmeter.files.read', 'ingestStats', 'clawmeter_files_read_total', 'counter', [], 'Transcript files (or archives) read to their end'),
  linesRead: def('self', '1', 'clawmeter.lines.read', 'ingestStats', 'clawmeter_lines_read_total', 'counter', [], 'Transcript lines read from files and stores'),
  bytesRead: def('self', 'bytes', 'clawmeter.bytes.read', 'ingestStats', 'clawmeter_bytes_read_total', 'counter', [], 'Transcript bytes read (decompressed)'),
  linesSkipped: def('self', '1', 'clawmeter.lines.skipped', 'ingestStats', 'clawmeter_lines_skipped_total', 'counter', ['reason'],
    'Transcript lines skipped or flagged, by reason'),
  sourceErrors: def('self', '1', 'clawmeter.source.errors', 'ingestStats', 'clawmeter_source_errors_total', 'counter', ['reason'],
    'Files and stores that could not be read this time, by reason (retried next cycle)'),
  callsIngested: def('self', '1', 'clawmeter.calls.ingested', 'ingestStats', 'clawmeter_calls_ingested_total', 'counter', [],
    'Model calls added to the ledger by this process'),
  callsDuplicate: def('self', '1', 'clawmeter.calls.duplicate', 'ingestStats', 'clawmeter_calls_duplicate_total', 'counter', [],
    'Model calls seen again (copies, renames, re-reads) and not counted twice'),
  ledgerCalls: def('self', '1', 'clawmeter.ledger.calls', 'callCount', 'clawmeter_ledger_calls', 'gauge', [], 'Model calls stored in the ledger'),
  ledgerWritable: def('self', '1', 'clawmeter.ledger.writable', 'ledgerHealth', 'clawmeter_ledger_writable', 'gauge', [],
    '1 while the ledger can be written (the last commit succeeded, or none was tried yet), 0 from a failed commit until the next one succeeds'),
  ledgerWriteErrors: def('self', '1', 'clawmeter.ledger.write_errors', 'ledgerHealth', 'clawmeter_ledger_write_errors_total', 'counter', ['reason'],
    'Ledger commits that failed, by reason: disk_full, read_only, io_error, busy, corrupt, other (nothing of a failed commit is stored; it is retried)'),
  seriesDropped: def('self', '1', null, 'scrape', 'clawmeter_series_dropped_total', 'counter', [],
    'Samples left out of scrapes because the --max-series cap was reached'),
  samplesInvalid: def('self', '1', 'clawmeter.points.invalid', 'scrape', 'clawmeter_samples_invalid_total', 'counter', [],
    'Samples left out of scrapes because their value was not a finite number (never printed as NaN or Inf)'),

  // ---- standard process and Node.js metrics (prom-client's default names) -----
  // Collected by src/metrics/process.ts.
  processCpuUser: def('self', 'seconds', null, 'process', 'process_cpu_user_seconds_total', 'counter', [], 'Total user CPU time spent in seconds'),
  processCpuSystem: def('self', 'seconds', null, 'process', 'process_cpu_system_seconds_total', 'counter', [], 'Total system CPU time spent in seconds'),
  processCpu: def('self', 'seconds', 'process.cpu.time', 'process', 'process_cpu_seconds_total', 'counter', [], 'Total user and system CPU time spent in seconds'),
  processStartTime: def('self', 'seconds', null, 'process', 'process_start_time_seconds', 'gauge', [], 'Start time of the process since unix epoch in seconds'),
  processResidentMemory: def('self', 'bytes', 'process.memory.usage', 'process', 'process_resident_memory_bytes', 'gauge', [], 'Resident memory size in bytes'),
  processVirtualMemory: def('self', 'bytes', 'process.memory.virtual', 'process', 'process_virtual_memory_bytes', 'gauge', [], 'Virtual memory size in bytes (Linux)'),
  processHeap: def('self', 'bytes', null, 'process', 'process_heap_bytes', 'gauge', [], 'Process heap (data segment) size in bytes (Linux)'),
  processOpenFds: def('self', '1', 'process.open_file_descriptor.count', 'process', 'process_open_fds', 'gauge', [], 'Number of open file descriptors (Linux)'),
  processMaxFds: def('self', '1', null, 'process', 'process_max_fds', 'gauge', [], 'Maximum number of open file descriptors (Linux)'),
  nodejsHeapTotal: def('self', 'bytes', 'v8js.memory.heap.limit', 'process', 'nodejs_heap_size_total_bytes', 'gauge', [], 'V8 heap size in bytes'),
  nodejsHeapUsed: def('self', 'bytes', 'v8js.memory.heap.used', 'process', 'nodejs_heap_size_used_bytes', 'gauge', [], 'V8 heap size used in bytes'),
  nodejsExternalMemory: def('self', 'bytes', null, 'process', 'nodejs_external_memory_bytes', 'gauge', [], 'Memory of C++ objects bound to JavaScript objects, in bytes'),
  nodejsEventloopLag: def('self', 'seconds', null, 'process', 'nodejs_eventloop_lag_seconds', 'gauge', [], 'Lag of the event loop in seconds (last measurement)'),
  nodejsEventloopLagP50: def('self', 'seconds', null, 'process', 'nodejs_eventloop_lag_p50_seconds', 'gauge', [], 'The 50th percentile of the event loop delay in seconds (last interval)'),
  nodejsEventloopLagP90: def('self', 'seconds', null, 'process', 'nodejs_eventloop_lag_p90_seconds', 'gauge', [], 'The 90th percentile of the event loop delay in seconds (last interval)'),
  nodejsEventloopLagP99: def('self', 'seconds', null, 'process', 'nodejs_eventloop_lag_p99_seconds', 'gauge', [], 'The 99th percentile of the event loop delay in seconds (last interval)'),
  nodejsVersionInfo: def('self', '1', null, 'process', 'nodejs_version_info', 'gauge', ['version', 'major', 'minor', 'patch'], 'Node.js version info; always 1'),
} as const satisfies Record<string, MetricDef>;

export type MetricKey = keyof typeof METRICS;

export const LINE_SKIP_REASONS = new Set(['malformed_json', 'invalid_utf8', 'line_too_long', 'not_an_object', 'implausible_usage']);
