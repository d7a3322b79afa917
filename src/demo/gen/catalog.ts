/**
 * Fixed vocabulary of the demo generator: fake paths, models and prices, error kinds,
 * tools, prompts and senders.
 */
import type { Pools } from './text-pools.js';

/** Paths written inside files are fixed fake paths, so output does not depend on opts.dir. */
export const STATE_ROOT = '/home/user/.openclaw';
export const WORKSPACE = '/home/user/.openclaw/workspace';

// ---------------------------------------------------------------------------
// Models and prices (USD per 1M tokens)

export interface ModelInfo {
  provider: string;
  model: string;
  api: string;
  price: { input: number; output: number; cacheRead: number; cacheWrite: number };
  contextTokens: number;
}

export const MODELS: ModelInfo[] = [
  {
    provider: 'openai-codex',
    model: 'gpt-5.3-codex',
    api: 'openai-codex-responses',
    price: { input: 1.75, output: 14, cacheRead: 0.175, cacheWrite: 0 },
    contextTokens: 272000,
  },
  {
    provider: 'openai-codex',
    model: 'gpt-5.4',
    api: 'openai-codex-responses',
    price: { input: 2.5, output: 15, cacheRead: 0.25, cacheWrite: 0 },
    contextTokens: 272000,
  },
  {
    provider: 'anthropic',
    model: 'claude-sonnet-4-6',
    api: 'anthropic-messages',
    price: { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 },
    contextTokens: 200000,
  },
  {
    provider: 'anthropic',
    model: 'claude-opus-4-6',
    api: 'anthropic-messages',
    price: { input: 5, output: 25, cacheRead: 0.5, cacheWrite: 6.25 },
    contextTokens: 200000,
  },
  {
    provider: 'openrouter',
    model: 'deepseek/deepseek-chat',
    api: 'openai-completions',
    price: { input: 0.27, output: 1.1, cacheRead: 0.07, cacheWrite: 0 },
    contextTokens: 128000,
  },
];
export const MODEL_WEIGHTS = [30, 15, 25, 12, 18];

export const ZERO_USAGE =
  '{"input":0,"output":0,"cacheRead":0,"cacheWrite":0,"totalTokens":0,"cost":{"input":0,"output":0,"cacheRead":0,"cacheWrite":0,"total":0}}';

export interface ErrorKind {
  message: string;
  code?: string;
  type?: string;
  providers?: string[];
}

export const ERRORS: ErrorKind[] = [
  { message: '429 rate limit reached; Retry-After: 30', code: 'rate_limit_exceeded', type: 'rate_limit_error' },
  { message: '429 Too Many Requests: usage limit reached for this window', code: 'usage_limit_reached', providers: ['openai-codex'] },
  { message: '500 upstream exploded', code: 'server_error', type: 'server_error' },
  { message: '529 Overloaded', type: 'overloaded_error', providers: ['anthropic'] },
  { message: '401 invalid api key', code: 'invalid_api_key', type: 'authentication_error' },
  { message: 'request timed out' },
  { message: 'context_length_exceeded: prompt is too long', code: 'context_length_exceeded', type: 'invalid_request_error' },
  { message: '502 Bad Gateway', providers: ['openrouter'] },
];

// ---------------------------------------------------------------------------
// Tools

export interface ToolKind {
  name: string;
  weight: number;
  /** result size range (chars of escaped text) */
  min: number;
  max: number;
  /** size skew: len = min + (max - min) * u^skew (0 = log-uniform) */
  skew: number;
  pool: keyof Pools;
}

export const TOOLS: ToolKind[] = [
  { name: 'read', weight: 30, min: 500, max: 20000, skew: 1.6, pool: 'code' },
  { name: 'exec', weight: 27, min: 500, max: 20000, skew: 1.6, pool: 'log' },
  { name: 'web_fetch', weight: 10, min: 1500, max: 20000, skew: 1.3, pool: 'prose' },
  { name: 'web_search', weight: 7, min: 800, max: 8000, skew: 1, pool: 'prose' },
  { name: 'browser', weight: 5, min: 1500, max: 20000, skew: 1.3, pool: 'prose' },
  { name: 'memory_search', weight: 7, min: 300, max: 3000, skew: 0, pool: 'prose' },
  { name: 'write', weight: 7, min: 40, max: 120, skew: 0, pool: 'prose' },
  { name: 'edit', weight: 7, min: 40, max: 120, skew: 0, pool: 'prose' },
];
export const TOOL_WEIGHTS = TOOLS.map((t) => t.weight);

export const FILE_PATHS = [
  'MEMORY.md', 'USER.md', 'AGENTS.md', 'TOOLS.md', 'memory/2026-07-14.md', 'notes/groceries.md',
  'projects/site/src/index.ts', 'projects/site/package.json', 'scripts/backup.sh', 'projects/api/server.py',
  'projects/api/db/schema.sql', 'docs/roadmap.md', 'inbox/summary.md', 'projects/bot/main.go',
];
export const COMMANDS = [
  'git status --short', 'npm test', 'ls -la projects', 'tail -n 200 /var/log/backup.log', 'df -h',
  'docker ps --format json', 'journalctl -u backup --since today', 'python3 scripts/report.py --week',
  'rg -n TODO projects', 'curl -s https://status.example.com/api/v2/status.json',
];
export const URLS = [
  'https://example.com/blog/release-notes', 'https://docs.example.org/guide/setup', 'https://news.example.net/tech/ai',
  'https://weather.example.com/forecast/berlin', 'https://example.com/recipes/pasta',
];
export const QUERIES = [
  'best time to visit lisbon', 'node 20 fs.writeSync performance', 'train tickets berlin munich',
  'how to rotate backups restic', 'sourdough hydration ratio', 'quarterly report template',
];
export const USER_PROMPTS = [
  'can you check why the nightly backup failed?',
  'summarize the last three emails from finance',
  'what is on my calendar tomorrow',
  'please update MEMORY.md with the new flight times',
  'look at the failing test in projects/site and fix it',
  'find a good recipe for dinner, something with lentils',
  'draft a reply to the landlord about the heating',
  'run the weekly report and send me the numbers',
  'remind me what we decided about the migration',
  'compare these two hotels for next weekend',
  'why is the api slow since yesterday?',
  'clean up the downloads folder, keep anything from this month',
  'translate this paragraph into german for me',
  'ok thanks — can you also check the deploy logs?',
  'what did the weather look like last week vs this week',
  'schedule a reminder for the dentist on friday at 9',
];
export const SENDERS = ['Alice', 'Bob', 'Chen', 'Dana', 'Emeka', 'Fatima', 'Giulia', 'Hiro', 'Ines', 'Jonas'];
