/**
 * Every setting clawmeter has, declared once: flag (exporter-style names with the
 * older ones as aliases), environment variables, config-file key (derived from the
 * flag: `--web.listen-address` is `web: {listenAddress: ...}`), type, default,
 * validation and help. Commands parse their flags from here, `--help` and
 * docs/configuration.md are generated from here, and `config check` prints it.
 */
import { parseWindow } from '../ledger/windows.js';
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

const HISTORY = ['serve', 'ingest', 'rebuild'] as const;
const ALL = ['serve', 'ingest', 'rebuild', 'backfill', 'report'] as const;

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
  config: def({ flag: 'config', type: 'string', default: null, arg: 'FILE', flagOnly: true, commands: ALL,
    help: 'YAML (or JSON) config file; flags, then environment variables, win over it' }),
  stateDir: def({ flag: 'state-dir', type: 'strings', default: null, arg: 'DIR', commands: ALL,
    defaultText: 'discovered: OPENCLAW_STATE_DIR, OPENCLAW_HOME, ~/.openclaw, ~/.openclaw-<profile>, ~/.clawdbot',
    help: 'OpenClaw state directory (repeatable); a folder without agents/ is an error' }),
  dataDir: def({ flag: 'data-dir', type: 'string', default: null, arg: 'DIR', commands: ALL,
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
    help: 'watch the state directories for changes (--no-watch: poll only)' }),
  progress: def({ flag: 'no-progress', negates: true, type: 'boolean', default: true, commands: ['ingest', 'rebuild'],
    help: 'draw a progress bar on a terminal during long ingests (--no-progress: never)' }),
  showAccountEmails: def({ flag: 'show-account-emails', type: 'boolean', default: false, commands: ['serve', 'backfill', 'report'],
    help: 'put account emails in labels instead of a short hash' }),
  maxSeries: def({ flag: 'max-series', type: 'number', default: 2000, min: 1, integer: true, arg: 'N', commands: ['serve', 'backfill'],
    help: 'cap on exported domain samples per scrape' }),
  logLevel: def({ flag: 'log.level', aliases: ['log-level'], type: 'string', default: 'info', arg: 'LEVEL',
    choices: ['debug', 'info', 'warn', 'error', 'silent'], commands: ALL,
    help: 'log level; debug adds per-cycle and per-input lines and stack traces of internal errors' }),
  logFormat: def({ flag: 'log.format', aliases: ['log-format'], type: 'string', default: 'logfmt', arg: 'FORMAT',
    choices: ['logfmt', 'json'], commands: ALL, help: 'log line format' }),
  windows: def({ flag: 'windows', type: 'string', default: '5h,7d', arg: 'LIST', check: windowList, commands: HISTORY,
    help: 'rolling windows for openclaw_usage_window_*' }),
  maxModels: def({ flag: 'max-models', type: 'number', default: 25, min: 1, integer: true, arg: 'N', commands: HISTORY,
    help: 'distinct model label values before the rest are folded into "other"' }),
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
} as const;

export type SettingName = keyof typeof SETTINGS;
export type SettingValues = { [K in SettingName]: (typeof SETTINGS)[K] extends SettingDef<infer T> ? import('./types.js').ValueOf<T> | null : never };

export const ALL_SETTINGS: ReadonlyArray<[SettingName, SettingDef]> = Object.entries(SETTINGS) as Array<[SettingName, SettingDef]>;
