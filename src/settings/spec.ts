/**
 * Every setting clawmeter has, declared once: flag (exporter-style names with the
 * older ones as aliases), environment variables, config-file key (derived from the
 * flag: `--web.listen-address` is `web: {listenAddress: ...}`), type, default,
 * validation and help. Commands parse their flags from here, `--help` and
 * docs/configuration.md are generated from here, and `config check` prints it.
 */
import { parseWindow } from '../ledger/windows.js';
import { DEFAULT_MAX_AGENTS, DEFAULT_MAX_CHANNELS, DEFAULT_MAX_MODELS } from '../labeling/fold.js';
import type { SettingDef, SettingType } from './types.js';

function def<T extends SettingType>(d: Omit<SettingDef<T>, 'key'> & { key?: string }): SettingDef<T> {
  return { ...d, key: d.key ?? keyOf(d.flag, Boolean(d.negates)) };
}

/** `web.listen-address` -> `web.listenAddress`; a negating `no-watch` -> `watch`. */
export function keyOf(flag: string, negates = false): string {
  const f = negates ? flag.replace(/^no-/, '') : flag;
  return f
    .split('.')
    .map((seg) => seg.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase()))
    .join('.');
}

/** The read-only commands: they ingest first (unless --no-ingest), then read the ledger. */
const READERS = ['report', 'blocks', 'status', 'statusline'] as const;
const HISTORY = ['serve', 'ingest', 'rebuild', ...READERS] as const;
const LEDGER = ['serve', 'ingest', 'rebuild', 'backfill', 'otel', ...READERS] as const;
const LOGGING = ['serve', 'ingest', 'rebuild', 'backfill', 'otel', ...READERS] as const;
/** `serve` exports continuously; `clawmeter otel backfill` once. */
const OTEL = ['serve', 'otel'] as const;

const TIME = /^(now|\d+(\.\d+)?[smhdw]|\d+(\.\d+)?|\d{4}-\d{2}-\d{2}.*)$/;
function timeText(v: string): string | null {
  return TIME.test(v) && (!/^\d{4}-/.test(v) || !Number.isNaN(Date.parse(v))) ? null : "expected an ISO time, Unix seconds, 'now' or a duration such as 30d";
}
function zone(v: string): string | null {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: v });
    return null;
  } catch {
    return 'expected an IANA time zone such as Europe/Berlin or UTC';
  }
}
function reportTime(v: string): string | null {
  return /^\d{8}$/.test(v) ? null : timeText(v);
}
function targetLabel(v: string[]): string | null {
  return v.every((l) => /^[a-zA-Z_][a-zA-Z0-9_]*=/.test(l) && !l.startsWith('__')) ? null : 'expected NAME=VALUE';
}

function httpBase(v: string): string | null {
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    return 'expected an http(s) URL';
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return 'expected an http(s) URL';
  if (u.search || u.hash || u.username || u.password) return 'expected a base URL without query or credentials';
  return null;
}

/** An OTLP/HTTP endpoint: an http(s) URL, any path, no credentials (they go in otel.headers). */
export function otlpUrl(v: string): string | null {
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    return 'expected an http(s) URL such as http://127.0.0.1:4318';
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return 'expected an http(s) URL such as http://127.0.0.1:4318';
  if (u.username || u.password || u.hash) return 'expected a URL without credentials or fragment (put credentials in otel.headers)';
  return null;
}

/** OTLP headers: NAME=VALUE items, each may hold several comma-separated pairs (the OTEL_EXPORTER_OTLP_HEADERS form). */
function headerList(v: string[]): string | null {
  return v.every((item) => item.split(',').every((p) => /^[!#$%&'*+.^_`|~0-9A-Za-z-]+=.*$/.test(p.trim())))
    ? null
    : 'expected NAME=VALUE pairs (a header name, then =)';
}

function windowList(v: string): string | null {
  const parts = v.split(',').map((s) => s.trim()).filter(Boolean);
  return parts.length > 0 && parts.every((p) => parseWindow(p) !== null) ? null : 'expected durations such as 5h,7d (units m, h, d, w)';
}

function port(v: string): string | null {
  return /^\d{1,5}$/.test(v) && Number(v) <= 65535 ? null : 'expected a port number (0-65535)';
}

function listenAddress(v: string): string | null {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(v);
  return m && Number(m[3]) <= 65535 ? null : 'expected HOST:PORT';
}

export const SETTINGS = {
  config: def({ flag: 'config', type: 'string', default: null, arg: 'FILE', flagOnly: true, commands: ['serve', 'ingest', 'rebuild', 'backfill', 'otel', ...READERS],
    help: 'YAML (or JSON) config file; flags, then environment variables, win over it' }),
  stateDir: def({ flag: 'state-dir', type: 'strings', default: null, arg: 'DIR', commands: HISTORY,
    defaultText: 'discovered: OPENCLAW_STATE_DIR, OPENCLAW_HOME, ~/.openclaw, ~/.openclaw-<profile>, ~/.clawdbot',
    help: 'OpenClaw state directory (repeatable); a folder without agents/ is an error' }),
  dataDir: def({ flag: 'data-dir', type: 'string', default: null, arg: 'DIR', commands: LEDGER,
    defaultText: '$XDG_STATE_HOME/clawmeter or ~/.local/state/clawmeter',
    help: 'where the ledger lives' }),
  listenAddress: def({ flag: 'web.listen-address', aliases: ['listen'], type: 'string', default: '127.0.0.1:9099', arg: 'HOST:PORT',
    env: [{ name: 'METRICS_PORT', map: (p) => `127.0.0.1:${p}`, check: port, note: 'sets the port on 127.0.0.1' }],
    check: listenAddress, commands: ['serve'],
    help: 'address to serve /metrics, /healthz and /readyz on' }),
  webConfigFile: def({ flag: 'web.config.file', type: 'string', default: null, arg: 'FILE', commands: ['serve'],
    help: 'exporter-toolkit web config (YAML): TLS with optional client certificates, bcrypt basic auth, response headers; re-read when it or a file it names changes' }),
  interval: def({ flag: 'interval', type: 'number', default: 5, min: 1, max: 86_400, arg: 'SECONDS', env: [{ name: 'CACHE_SEC' }],
    commands: ['serve'], help: 'poll interval besides file watching' }),
  demo: def({ flag: 'demo', type: 'boolean', default: false, commands: ['serve'],
    help: 'serve generated demo data from a temporary folder (labelled DEMO everywhere)' }),
  watch: def({ flag: 'no-watch', negates: true, type: 'boolean', default: true, commands: ['serve'],
    help: 'poll only, do not watch the state directories for changes (config: watch: false)' }),
  progress: def({ flag: 'no-progress', negates: true, type: 'boolean', default: true, commands: ['ingest', 'rebuild', ...READERS],
    help: 'no progress bar on a terminal during long ingests (config: progress: false)' }),
  showAccountEmails: def({ flag: 'show-account-emails', type: 'boolean', default: false, commands: ['serve'],
    help: 'put account emails in labels instead of a short hash' }),
  maxSeries: def({ flag: 'max-series', type: 'number', default: 2000, min: 1, integer: true, arg: 'N', commands: ['serve'],
    help: 'cap on exported domain samples per scrape' }),
  logLevel: def({ flag: 'log.level', aliases: ['log-level'], type: 'string', default: 'info', arg: 'LEVEL',
    choices: ['debug', 'info', 'warn', 'error', 'silent'], commands: LOGGING,
    help: 'log level; debug adds per-cycle and per-input lines and stack traces of internal errors' }),
  logFormat: def({ flag: 'log.format', aliases: ['log-format'], type: 'string', default: 'logfmt', arg: 'FORMAT',
    choices: ['logfmt', 'json'], commands: LOGGING, help: 'log line format' }),
  windows: def({ flag: 'windows', type: 'string', default: '5h,7d', arg: 'LIST', check: windowList, commands: LEDGER,
    help: 'rolling windows for openclaw_usage_window_*' }),
  maxModels: def({ flag: 'max-models', type: 'number', default: DEFAULT_MAX_MODELS, min: 1, integer: true, arg: 'N', commands: HISTORY,
    help: 'distinct model label values before newcomers are folded into "other"' }),
  maxAgents: def({ flag: 'max-agents', type: 'number', default: DEFAULT_MAX_AGENTS, min: 1, integer: true, arg: 'N', commands: HISTORY,
    help: 'distinct agent label values before newcomers are folded into "other"' }),
  maxChannels: def({ flag: 'max-channels', type: 'number', default: DEFAULT_MAX_CHANNELS, min: 1, integer: true, arg: 'N', commands: HISTORY,
    help: 'distinct channel label values before newcomers are folded into "other"' }),
  pricing: def({ flag: 'pricing', type: 'string', default: null, arg: 'FILE', commands: HISTORY,
    help: 'JSON price table merged over the built-in one (cost estimates; see docs/quota.md)' }),
  rateCard: def({ flag: 'rate-card', type: 'string', default: null, arg: 'FILE', commands: HISTORY,
    help: 'JSON rate card merged over the built-in one (messages-left fallback)' }),
  pollQuota: def({ flag: 'poll-quota', type: 'boolean', default: false, commands: ['serve'],
    help: "poll the providers' usage endpoints with the OAuth access tokens of the auth store (openai-codex, anthropic), at most every 5 min" }),
  codexUsageUrl: def({ flag: 'codex-usage-url', type: 'string', default: 'https://chatgpt.com', arg: 'URL',
    env: [{ name: 'CLAWMETER_CODEX_USAGE_URL' }], check: httpBase, commands: ['serve'], help: 'base URL for --poll-quota (openai-codex)' }),
  anthropicUsageUrl: def({ flag: 'anthropic-usage-url', type: 'string', default: 'https://api.anthropic.com', arg: 'URL',
    env: [{ name: 'CLAWMETER_ANTHROPIC_USAGE_URL' }], check: httpBase, commands: ['serve'], help: 'base URL for --poll-quota (anthropic)' }),

  // ---- backfill: the ledger's history as timestamped OpenMetrics ----------------
  since: def({ flag: 'since', type: 'string', default: null, arg: 'TIME', check: reportTime, commands: ['backfill', 'otel', 'report', 'blocks'],
    defaultText: "the ledger's first call",
    help: 'backfill: first step; otel backfill: first call to export as spans; report, blocks: first day: ISO time or date (a date is its local midnight in --tz; also YYYYMMDD), Unix seconds, or a duration back from now (30d, 12h)' }),
  until: def({ flag: 'until', type: 'string', default: 'now', arg: 'TIME', check: reportTime, commands: ['backfill', 'report', 'blocks'],
    help: 'backfill: last step (same forms; before the first live scrape); report, blocks: end (a date includes that whole local day)' }),
  step: def({ flag: 'step', type: 'string', default: '1m', arg: 'DURATION', commands: ['backfill'],
    check: (v) => (/^\d+(\.\d+)?[smh]$/.test(v) ? null : 'expected a duration of at least 1s such as 1m'), help: 'time between samples (s, m, h)' }),
  job: def({ flag: 'job', type: 'string', default: 'clawmeter', arg: 'NAME', commands: ['backfill'], help: 'job label of the live scrape' }),
  instance: def({ flag: 'instance', type: 'string', default: null, arg: 'ADDR', commands: ['backfill'],
    help: 'instance label of the live scrape (the scraped HOST:PORT; required)' }),
  label: def({ flag: 'label', type: 'strings', default: null, arg: 'NAME=VALUE', check: targetLabel, commands: ['backfill'],
    help: 'another target label the live scrape adds (repeatable)' }),
  out: def({ flag: 'out', type: 'string', default: null, arg: 'PATH', commands: ['backfill', 'demo'],
    help: "where to write: backfill's OpenMetrics file (default stdout), or the demo's new state directory (required)" }),

  // ---- otel: OTLP/HTTP export of metrics, traces and logs (docs/otlp.md) ------------
  // The doc's keys under `otel:`. Signal endpoints take no env entry here: the doc puts a
  // signal's config key before its env variable, which src/settings/otel.ts applies.
  otelEnabled: def({ flag: 'otel.enabled', type: 'boolean', default: false, commands: OTEL,
    help: 'export metrics, traces and logs over OTLP/HTTP protobuf (docs/otlp.md)' }),
  otelEndpoint: def({ flag: 'otel.endpoint', type: 'string', default: 'http://localhost:4318', arg: 'URL', check: otlpUrl,
    env: [{ name: 'OTEL_EXPORTER_OTLP_ENDPOINT' }], commands: OTEL,
    help: 'shared OTLP/HTTP base URL; /v1/<signal> is appended unless it already holds /v1/' }),
  otelTracesEndpoint: def({ flag: 'otel.traces-endpoint', type: 'string', default: null, arg: 'URL', check: otlpUrl, commands: OTEL,
    help: 'traces URL, used as is (else OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, else the shared endpoint)' }),
  otelMetricsEndpoint: def({ flag: 'otel.metrics-endpoint', type: 'string', default: null, arg: 'URL', check: otlpUrl, commands: OTEL,
    help: 'metrics URL, used as is (else OTEL_EXPORTER_OTLP_METRICS_ENDPOINT, else the shared endpoint)' }),
  otelLogsEndpoint: def({ flag: 'otel.logs-endpoint', type: 'string', default: null, arg: 'URL', check: otlpUrl, commands: OTEL,
    help: 'logs URL, used as is (else OTEL_EXPORTER_OTLP_LOGS_ENDPOINT, else the shared endpoint)' }),
  otelProtocol: def({ flag: 'otel.protocol', type: 'string', default: 'http/protobuf', arg: 'PROTOCOL', env: [{ name: 'OTEL_EXPORTER_OTLP_PROTOCOL' }],
    check: (v) => (v === 'http/protobuf' ? null : 'only http/protobuf is supported (grpc and http/json are not offered)'), commands: OTEL,
    help: 'OTLP wire protocol (only http/protobuf)' }),
  otelServiceName: def({ flag: 'otel.service-name', type: 'string', default: 'clawmeter', arg: 'NAME', env: [{ name: 'OTEL_SERVICE_NAME' }], commands: OTEL,
    help: 'service.name resource attribute' }),
  otelHeaders: def({ flag: 'otel.headers', type: 'strings', default: null, arg: 'NAME=VALUE', env: [{ name: 'OTEL_EXPORTER_OTLP_HEADERS', note: '(NAME=VALUE,...)' }],
    check: headerList, secret: true, mapping: true, commands: OTEL,
    help: 'headers sent with every export (repeatable; in the config file a mapping); secret: redacted in config check, never logged' }),
  otelTraces: def({ flag: 'otel.traces', type: 'boolean', default: true, commands: OTEL, help: 'export spans (config: otel.traces: false to turn off)' }),
  otelMetrics: def({ flag: 'otel.metrics', type: 'boolean', default: true, commands: OTEL, help: 'export metrics' }),
  otelLogs: def({ flag: 'otel.logs', type: 'boolean', default: true, commands: OTEL, help: "export the gateway's log file records" }),
  otelSampleRate: def({ flag: 'otel.sample-rate', type: 'number', default: 1, min: 0, max: 1, arg: 'RATIO', commands: OTEL,
    help: 'share of root spans (runs) kept, 0.0 to 1.0; children follow their root' }),
  otelFlushIntervalMs: def({ flag: 'otel.flush-interval-ms', type: 'number', default: 60_000, min: 1000, integer: true, arg: 'MS', commands: OTEL,
    help: 'metric export interval in milliseconds (also how often new spans and log records are sent)' }),
  otelLogFile: def({ flag: 'otel.log-file', type: 'string', default: null, arg: 'FILE', commands: OTEL,
    defaultText: '/tmp/openclaw/openclaw-YYYY-MM-DD.log',
    help: "OpenClaw's JSON log file (its logging.file) to export as OTLP log records; YYYY-MM-DD stands for the local date (rolled daily)" }),
  otelCaptureContent: def({ flag: 'otel.capture-content.enabled', type: 'boolean', default: false, commands: OTEL,
    help: 'content capture: gateway log record bodies (bounded, redacted); span content is per sub-key below (docs/otlp.md)' }),
  otelCaptureInput: def({ flag: 'otel.capture-content.input-messages', type: 'boolean', default: false, commands: OTEL, help: 'user prompt content: accepted, nothing to send (clawmeter never reads user lines; docs/otlp.md)' }),
  otelCaptureOutput: def({ flag: 'otel.capture-content.output-messages', type: 'boolean', default: false, commands: OTEL, help: 'model response text on openclaw.model.call spans (openclaw.content.output_messages; bounded, redacted; calls ingested while on)' }),
  otelCaptureToolInputs: def({ flag: 'otel.capture-content.tool-inputs', type: 'boolean', default: false, commands: OTEL, help: 'tool call arguments on openclaw.tool.execution spans (openclaw.content.tool_inputs; bounded, redacted)' }),
  otelCaptureToolOutputs: def({ flag: 'otel.capture-content.tool-outputs', type: 'boolean', default: false, commands: OTEL, help: 'tool result text on openclaw.tool.execution spans (openclaw.content.tool_outputs; bounded, redacted; not from compressed store rows)' }),
  otelCaptureSystemPrompt: def({ flag: 'otel.capture-content.system-prompt', type: 'boolean', default: false, commands: OTEL, help: 'assembled system prompt: accepted, nothing to send (not in transcripts; docs/otlp.md)' }),
  // ---- report, blocks, status, statusline: reading the ledger -----------------------
  ingest: def({ flag: 'no-ingest', negates: true, type: 'boolean', default: true, commands: READERS,
    help: 'read the ledger as it is, without an ingest cycle first (config: ingest: false); beside a running serve no cycle runs anyway' }),
  tz: def({ flag: 'tz', type: 'string', default: null, arg: 'ZONE', check: zone, commands: READERS,
    defaultText: "the machine's zone (TZ)", help: 'IANA time zone that days, weeks and months are bucketed in (DST-correct)' }),
  agent: def({ flag: 'agent', type: 'strings', default: null, arg: 'NAME', commands: ['report', 'blocks'], help: 'only these agents (repeatable or comma-separated)' }),
  provider: def({ flag: 'provider', type: 'strings', default: null, arg: 'NAME', commands: ['report', 'blocks'], help: 'only these providers (repeatable or comma-separated)' }),
  model: def({ flag: 'model', type: 'strings', default: null, arg: 'NAME', commands: ['report', 'blocks'], help: 'only these models (repeatable or comma-separated)' }),
  channel: def({ flag: 'channel', type: 'strings', default: null, arg: 'NAME', commands: ['report', 'blocks'], help: 'only these channels (repeatable or comma-separated)' }),
  json: def({ flag: 'json', type: 'boolean', default: false, flagOnly: true, commands: ['report', 'blocks', 'status'],
    help: 'print one JSON object (report: rows and totals) instead of a table' }),
  csv: def({ flag: 'csv', type: 'boolean', default: false, flagOnly: true, commands: ['report'], help: 'print CSV (a header line, then one line per row) instead of a table' }),
  breakdown: def({ flag: 'breakdown', type: 'boolean', default: false, flagOnly: true, commands: ['report'], help: 'per model inside each period' }),
  order: def({ flag: 'order', type: 'string', default: 'asc', arg: 'ORDER', choices: ['asc', 'desc'], commands: ['report'],
    defaultText: 'asc for periods (oldest first), desc for groups (largest cost first)',
    help: 'row order: periods by time, groups (model, agent, channel, session, window) by cost' }),
  warn: def({ flag: 'warn', type: 'number', default: 80, min: 0, max: 100, arg: 'PERCENT', commands: ['status'],
    help: 'exit 3 when a window is used at least this much (provider-reported)' }),
  crit: def({ flag: 'crit', type: 'number', default: 95, min: 0, max: 100, arg: 'PERCENT', commands: ['status'],
    help: 'exit 4 when a window is used at least this much (provider-reported)' }),
  expiryWarn: def({ flag: 'expiry-warn', type: 'number', default: 24, min: 0, arg: 'HOURS', commands: ['status'],
    help: 'exit 5 when an OAuth credential expires within this many hours (or has expired)' }),

  // ---- demo: a generated state directory ------------------------------------------
  seed: def({ flag: 'seed', type: 'number', default: 42, min: 1, integer: true, arg: 'N', commands: ['demo'], help: 'random seed' }),
  mb: def({ flag: 'mb', type: 'number', default: 2, min: 0.01, max: 100_000, arg: 'N', commands: ['demo'], help: 'approximate transcript megabytes' }),
  days: def({ flag: 'days', type: 'number', default: 7, min: 1, max: 3650, arg: 'N', commands: ['demo'], help: 'days of history before now' }),
} as const;

export type SettingName = keyof typeof SETTINGS;
export type SettingValues = { [K in SettingName]: (typeof SETTINGS)[K] extends SettingDef<infer T> ? import('./types.js').ValueOf<T> | null : never };

export const ALL_SETTINGS: ReadonlyArray<[SettingName, SettingDef]> = Object.entries(SETTINGS) as Array<[SettingName, SettingDef]>;
