/**
 * Synthetic OpenClaw state directory (file era, JSONL transcripts) with an exact
 * ground truth, for tests, demos and benchmarks.
 *
 * The generator writes what a real user's `~/.openclaw` looks like after a few days:
 * per agent a `sessions/sessions.json` index, live transcripts of many session kinds,
 * reset/deleted archives, Telegram topic and fork files, and the traps a reader must
 * handle (duplicate copies, synthetic rows, junk lines and sidecar files). While it
 * writes, it records the model calls a correct reader must count, each exactly once.
 *
 * Everything derives from a seeded PRNG: the same options give byte-identical files
 * (paths inside files never contain `opts.dir`). All secrets are fake and contain the
 * marker `SECRET`.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface GenerateOptions {
  /** State dir to create (must not exist or be empty); files go to <dir>/agents/<agent>/... */
  dir: string;
  /** Deterministic PRNG seed (default 1); same seed+options => byte-identical output. */
  seed?: number;
  /** "Now"; calls are spread over the `days` before it (default Date.now()). */
  nowMs?: number;
  /** History length in days (default 7). */
  days?: number;
  /**
   * Approximate bytes of counted transcripts to write (default 2 MiB; within ~1% from
   * about 1 MB up). Every session kind gets at least one turn, so very small targets
   * (below ~300 KB) overshoot. Duplicate and junk files come on top (a few percent).
   */
  targetBytes?: number;
  /** Agent ids (default ['main', 'work']). */
  agents?: string[];
  /** Include `.reset.<ts>` and `.deleted.<ts>` archives (default true). */
  archives?: boolean;
  /** Include provider "openclaw" delivery-mirror / gateway-injected rows (default true). */
  syntheticRows?: boolean;
  /** Include duplicate copies (bak, checkpoint, fork copies, sessions_history branch) and topic/fork files (default true). */
  duplicates?: boolean;
  /** Include junk lines and files that must be skipped (default true). */
  junk?: boolean;
}

export interface GroundTruth {
  /** Model calls that must be counted (non-error + error), each exactly once. */
  calls: number;
  /** Non-error calls (stopReason != "error"; "aborted" counts as a message). */
  messages: number;
  /** Calls with stopReason "error". */
  errors: number;
  /** Token sums over non-error calls. */
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  /** Sum of usage.cost.total over non-error calls. */
  costUsd: number;
  /** Key `${provider}/${model}`. */
  byProviderModel: Record<
    string,
    { messages: number; errors: number; input: number; output: number; cacheRead: number; cacheWrite: number }
  >;
  byAgent: Record<string, { messages: number; errors: number }>;
  /** Bytes of counted transcript files (live, topic, fork, .reset., .deleted.). */
  bytes: number;
  /** Number of counted transcript files. */
  files: number;
  /** Newest call timestamp (entry ISO timestamp), epoch ms. */
  lastCallMs: number;
  /** Entries written to sessions.json (all agents). */
  sessions: number;
}

// ---------------------------------------------------------------------------
// PRNG (sfc32 seeded through splitmix32)

const HEX2 = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    let s = seed >>> 0;
    const next = (): number => {
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    for (let i = 0; i < 16; i++) this.u32();
  }

  u32(): number {
    const a = this.a;
    const b = this.b;
    const c = this.c;
    const t = (((a + b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = b ^ (b >>> 9);
    this.b = (c + (c << 3)) | 0;
    const r = (c << 21) | (c >>> 11);
    this.c = (r + t) | 0;
    return t >>> 0;
  }

  float(): number {
    return this.u32() / 4294967296;
  }

  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.float() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(arr: readonly T[]): T {
    return arr[Math.floor(this.float() * arr.length)];
  }

  /** Integer, log-uniformly distributed in [lo, hi]. */
  logInt(lo: number, hi: number): number {
    return Math.round(lo * Math.pow(hi / lo, this.float()));
  }

  hex8(): string {
    const x = this.u32();
    return HEX2[x >>> 24] + HEX2[(x >>> 16) & 255] + HEX2[(x >>> 8) & 255] + HEX2[x & 255];
  }

  hex(n: number): string {
    let s = '';
    while (s.length < n) s += this.hex8();
    return s.slice(0, n);
  }

  chars(n: number, alphabet: string): string {
    let s = '';
    for (let i = 0; i < n; i++) s += alphabet[this.u32() % alphabet.length];
    return s;
  }

  digits(n: number): string {
    return this.chars(n, '0123456789');
  }

  uuid(): string {
    const h = this.hex(32);
    const variant = '89ab'[this.u32() & 3];
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }

  weighted<T>(items: readonly T[], weights: readonly number[]): T {
    let total = 0;
    for (const w of weights) total += w;
    let x = this.float() * total;
    for (let i = 0; i < items.length; i++) {
      x -= weights[i];
      if (x < 0) return items[i];
    }
    return items[items.length - 1];
  }
}

/** Paths written inside files are fixed fake paths, so output does not depend on opts.dir. */
const STATE_ROOT = '/home/user/.openclaw';
const WORKSPACE = '/home/user/.openclaw/workspace';

const B62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const B64 = B62 + '+/';
const ALNUM_LOWER = '0123456789abcdefghijklmnopqrstuvwxyz';

// ---------------------------------------------------------------------------
// Text pools. Built once from a fixed seed; stored already JSON-escaped so slices can
// be pasted into JSON strings. Only two-char escapes (\n, \t, \") are used and only
// BMP characters, so a slice is valid after fixing its two ends (see slicePool).

interface Pools {
  prose: Buffer;
  code: Buffer;
  log: Buffer;
  b64: Buffer;
}

let POOLS: Pools | null = null;

const WORDS = (
  'the a an of to and in for on with that this is was be it as at by from or are not but have has ' +
  'agent session gateway channel model token cache prompt reply tool result file config update backup ' +
  'server deploy branch commit review issue meeting calendar invoice email draft summary report weekly ' +
  'nightly cron job queue worker retry timeout latency budget usage limit window quota plan account ' +
  'project roadmap milestone feature bug fix test build release version migration schema index table ' +
  'user team customer support ticket priority status pending done blocked waiting follow-up reminder ' +
  'garden recipe travel flight hotel train weather forecast grocery list errands doctor appointment ' +
  'photo album music playlist podcast episode article newsletter digest headline source link note ' +
  'memory workspace directory path script output error warning info debug trace metric dashboard alert ' +
  'café naïve résumé über façade — … ✓ → «quoted» déjà-vu piñata smørrebrød straße'
).split(' ');

const CODE_LINES = [
  'import fs from \\"node:fs\\";',
  'export async function handle(req, res) {',
  '  const body = await readJson(req);',
  '  if (!body || typeof body.id !== \\"string\\") return res.status(400).end();',
  '  for (const item of items) {',
  '    total += item.price * item.qty;',
  '  }',
  '  return { ok: true, count: rows.length };',
  '}',
  'def parse_line(line: str) -> dict:',
  '    parts = line.strip().split(\\",\\")',
  '    return {\\"name\\": parts[0], \\"value\\": float(parts[1])}',
  'SELECT id, name, updated_at FROM tasks WHERE status = \'open\' ORDER BY updated_at DESC;',
  '// TODO: handle retries with exponential backoff',
  '\\tlog.info(\\"sync finished\\", { files, bytes });',
  'const timer = setInterval(() => flush(queue), 5000);',
  'if err != nil {\\n\\treturn fmt.Errorf(\\"open: %w\\", err)\\n}',
  '#!/usr/bin/env bash',
  'set -euo pipefail',
  'rsync -a --delete ./build/ deploy@host:/srv/app/',
  '  \\"scripts\\": { \\"build\\": \\"tsc -p .\\", \\"test\\": \\"node --test\\" },',
];

const LOG_LEVELS = ['INFO', 'INFO', 'INFO', 'DEBUG', 'WARN', 'ERROR'];
const LOG_MODULES = ['sync', 'backup', 'http', 'db', 'scheduler', 'mailer', 'auth', 'cache', 'worker'];

function buildPools(): Pools {
  const rng = new Rng(0x5eed5);
  const sentence = (): string => {
    const n = rng.int(5, 18);
    let s = '';
    for (let i = 0; i < n; i++) s += (i ? ' ' : '') + rng.pick(WORDS);
    return s.charAt(0).toUpperCase() + s.slice(1) + rng.pick(['.', '.', '.', '?', '!', ':']);
  };
  const parts: string[] = [];
  let len = 0;
  while (len < 600_000) {
    let p: string;
    const r = rng.float();
    if (r < 0.08) p = `## ${sentence()}\\n\\n`;
    else if (r < 0.3) p = `- ${sentence()}\\n`;
    else if (r < 0.36) p = `| ${rng.pick(WORDS)} | ${rng.int(1, 9999)} | ${rng.pick(WORDS)} |\\n`;
    else p = `${sentence()} ${sentence()} ${sentence()}\\n\\n`;
    parts.push(p);
    len += p.length;
  }
  const prose = parts.join('');

  parts.length = 0;
  len = 0;
  while (len < 400_000) {
    const p = rng.pick(CODE_LINES) + '\\n';
    parts.push(p);
    len += p.length;
  }
  const code = parts.join('');

  parts.length = 0;
  len = 0;
  let t = Date.UTC(2026, 5, 1, 0, 0, 0);
  while (len < 400_000) {
    t += rng.int(1, 4000);
    const p =
      `${new Date(t).toISOString()} ${rng.pick(LOG_LEVELS)} [${rng.pick(LOG_MODULES)}] ` +
      `${sentence()} (${rng.int(1, 900)}ms, id=${rng.hex(12)})\\n`;
    parts.push(p);
    len += p.length;
  }
  const log = parts.join('');

  const b64 = rng.chars(200_000, B64);
  return { prose: Buffer.from(prose), code: Buffer.from(code), log: Buffer.from(log), b64: Buffer.from(b64) };
}

function pools(): Pools {
  if (!POOLS) POOLS = buildPools();
  return POOLS;
}

/**
 * A random byte range of `len` (about) bytes of a pool that is valid JSON string content:
 * it neither splits a UTF-8 sequence nor an escape.
 */
function poolRange(rng: Rng, pool: Buffer, len: number): [number, number] {
  if (len > pool.length - 16) len = pool.length - 16;
  let start = Math.floor(rng.float() * (pool.length - len - 8));
  while ((pool[start] & 0xc0) === 0x80) start++;
  if (start > 0 && pool[start - 1] === 92) start++;
  let end = start + len;
  while (end > start && (pool[end] & 0xc0) === 0x80) end--;
  if (pool[end - 1] === 92) end--;
  return [start, end];
}

// ---------------------------------------------------------------------------
// Models and prices (USD per 1M tokens)

interface ModelInfo {
  provider: string;
  model: string;
  api: string;
  price: { input: number; output: number; cacheRead: number; cacheWrite: number };
  contextTokens: number;
}

const MODELS: ModelInfo[] = [
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
const MODEL_WEIGHTS = [30, 15, 25, 12, 18];

const ZERO_USAGE =
  '{"input":0,"output":0,"cacheRead":0,"cacheWrite":0,"totalTokens":0,"cost":{"input":0,"output":0,"cacheRead":0,"cacheWrite":0,"total":0}}';

interface ErrorKind {
  message: string;
  code?: string;
  type?: string;
  providers?: string[];
}

const ERRORS: ErrorKind[] = [
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

interface ToolKind {
  name: string;
  weight: number;
  /** result size range (chars of escaped text) */
  min: number;
  max: number;
  /** size skew: len = min + (max - min) * u^skew (0 = log-uniform) */
  skew: number;
  pool: keyof Pools;
}

const TOOLS: ToolKind[] = [
  { name: 'read', weight: 30, min: 500, max: 20000, skew: 1.6, pool: 'code' },
  { name: 'exec', weight: 27, min: 500, max: 20000, skew: 1.6, pool: 'log' },
  { name: 'web_fetch', weight: 10, min: 1500, max: 20000, skew: 1.3, pool: 'prose' },
  { name: 'web_search', weight: 7, min: 800, max: 8000, skew: 1, pool: 'prose' },
  { name: 'browser', weight: 5, min: 1500, max: 20000, skew: 1.3, pool: 'prose' },
  { name: 'memory_search', weight: 7, min: 300, max: 3000, skew: 0, pool: 'prose' },
  { name: 'write', weight: 7, min: 40, max: 120, skew: 0, pool: 'prose' },
  { name: 'edit', weight: 7, min: 40, max: 120, skew: 0, pool: 'prose' },
];
const TOOL_WEIGHTS = TOOLS.map((t) => t.weight);

const FILE_PATHS = [
  'MEMORY.md', 'USER.md', 'AGENTS.md', 'TOOLS.md', 'memory/2026-07-14.md', 'notes/groceries.md',
  'projects/site/src/index.ts', 'projects/site/package.json', 'scripts/backup.sh', 'projects/api/server.py',
  'projects/api/db/schema.sql', 'docs/roadmap.md', 'inbox/summary.md', 'projects/bot/main.go',
];
const COMMANDS = [
  'git status --short', 'npm test', 'ls -la projects', 'tail -n 200 /var/log/backup.log', 'df -h',
  'docker ps --format json', 'journalctl -u backup --since today', 'python3 scripts/report.py --week',
  'rg -n TODO projects', 'curl -s https://status.example.com/api/v2/status.json',
];
const URLS = [
  'https://example.com/blog/release-notes', 'https://docs.example.org/guide/setup', 'https://news.example.net/tech/ai',
  'https://weather.example.com/forecast/berlin', 'https://example.com/recipes/pasta',
];
const QUERIES = [
  'best time to visit lisbon', 'node 20 fs.writeSync performance', 'train tickets berlin munich',
  'how to rotate backups restic', 'sourdough hydration ratio', 'quarterly report template',
];
const USER_PROMPTS = [
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
const SENDERS = ['Alice', 'Bob', 'Chen', 'Dana', 'Emeka', 'Fatima', 'Giulia', 'Hiro', 'Ines', 'Jonas'];

// ---------------------------------------------------------------------------
// Output

const NL = 10;
const BAD_UTF8 = Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xa0, 0xa1]);

function writeAll(fd: number, buf: Buffer, start: number, end: number): void {
  let off = start;
  while (off < end) off += fs.writeSync(fd, buf, off, end - off);
}

/**
 * One output file (mode 0600) assembled in a large byte buffer: small JSON pieces are
 * encoded in place, bulk text is copied from the pools, and complete lines are written
 * with writeSync in multi-megabyte chunks.
 */
class Out {
  private fd: number;
  private buf: Buffer;
  private pos = 0;
  private lineStart = 0;
  private flushed = 0;

  constructor(file: string, cap = 8 << 20) {
    this.fd = fs.openSync(file, 'wx', 0o600);
    this.buf = Buffer.allocUnsafe(cap);
  }

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    // write the complete lines, keep the partial one at the front
    if (this.lineStart > 0) {
      writeAll(this.fd, this.buf, 0, this.lineStart);
      this.flushed += this.lineStart;
      this.buf.copy(this.buf, 0, this.lineStart, this.pos);
      this.pos -= this.lineStart;
      this.lineStart = 0;
    }
    if (this.pos + n > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
      this.buf.copy(bigger, 0, 0, this.pos);
      this.buf = bigger;
    }
  }

  /** Appends a string (UTF-8). */
  s(str: string): void {
    this.room(str.length * 3);
    this.pos += this.buf.write(str, this.pos, 'utf8');
  }

  /** Appends raw bytes. */
  b(src: Buffer, start: number, end: number): void {
    this.room(end - start);
    src.copy(this.buf, this.pos, start, end);
    this.pos += end - start;
  }

  /** Terminates the current line; returns a copy of it (without the newline) when asked. */
  end(copy: boolean): Buffer | null {
    const line = copy ? Buffer.from(this.buf.subarray(this.lineStart, this.pos)) : null;
    this.room(1);
    this.buf[this.pos++] = NL;
    this.lineStart = this.pos;
    return line;
  }

  /** Bytes written so far, including the buffered ones. */
  size(): number {
    return this.flushed + this.pos;
  }

  close(): void {
    writeAll(this.fd, this.buf, 0, this.pos);
    this.flushed += this.pos;
    this.pos = 0;
    this.lineStart = 0;
    fs.closeSync(this.fd);
  }
}

function writeFile600(file: string, data: string | Buffer): number {
  const fd = fs.openSync(file, 'wx', 0o600);
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  writeAll(fd, buf, 0, buf.length);
  fs.closeSync(fd);
  return buf.length;
}

/** Lines (without newlines) joined into one newline-terminated buffer. */
function joinLines(lines: Buffer[]): Buffer {
  const parts: Buffer[] = [];
  const nl = Buffer.from('\n');
  for (const l of lines) parts.push(l, nl);
  return Buffer.concat(parts);
}

let isoMin = NaN;
let isoHead = '';
const PAD2 = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
const PAD3 = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));

/** new Date(ms).toISOString() for integer ms, with the per-minute part cached. */
function iso(ms: number): string {
  const min = Math.floor(ms / 60_000);
  if (min !== isoMin) {
    isoMin = min;
    isoHead = new Date(min * 60_000).toISOString().slice(0, 17);
  }
  const r = ms - min * 60_000;
  const sec = Math.floor(r / 1000);
  return `${isoHead}${PAD2[sec]}.${PAD3[r - sec * 1000]}Z`;
}

/** Archive suffix timestamp: ISO with ':' replaced by '-' (2026-11-21T17-21-18.764Z). */
function archiveTs(ms: number): string {
  return iso(ms).replace(/:/g, '-');
}

/** Fork/successor file prefix: ISO with ':' and '.' replaced by '-' (2026-08-05T01-47-31-793Z). */
function forkTs(ms: number): string {
  return iso(ms).replace(/[:.]/g, '-');
}

// ---------------------------------------------------------------------------
// Ground truth accumulator

class Truth {
  t: GroundTruth = {
    calls: 0,
    messages: 0,
    errors: 0,
    input: 0,
    output: 0,
    cacheRead: 0,
    cacheWrite: 0,
    costUsd: 0,
    byProviderModel: {},
    byAgent: {},
    bytes: 0,
    files: 0,
    lastCallMs: 0,
    sessions: 0,
  };

  call(agent: string, m: ModelInfo, entryMs: number, u: Usage | null): void {
    const t = this.t;
    const key = `${m.provider}/${m.model}`;
    const pm = (t.byProviderModel[key] ??= { messages: 0, errors: 0, input: 0, output: 0, cacheRead: 0, cacheWrite: 0 });
    const ag = (t.byAgent[agent] ??= { messages: 0, errors: 0 });
    t.calls++;
    if (entryMs > t.lastCallMs) t.lastCallMs = entryMs;
    if (!u) {
      t.errors++;
      pm.errors++;
      ag.errors++;
      return;
    }
    t.messages++;
    pm.messages++;
    ag.messages++;
    t.input += u.input;
    t.output += u.output;
    t.cacheRead += u.cacheRead;
    t.cacheWrite += u.cacheWrite;
    pm.input += u.input;
    pm.output += u.output;
    pm.cacheRead += u.cacheRead;
    pm.cacheWrite += u.cacheWrite;
    t.costUsd += u.costTotal;
  }
}

interface Usage {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  costTotal: number;
  json: string;
}

function makeUsage(m: ModelInfo, input: number, output: number, cacheRead: number, cacheWrite: number, reasoning: number | null): Usage {
  const p = m.price;
  const ci = (input * p.input) / 1e6;
  const co = (output * p.output) / 1e6;
  const cr = (cacheRead * p.cacheRead) / 1e6;
  const cw = (cacheWrite * p.cacheWrite) / 1e6;
  const total = ci + co + cr + cw;
  const totalTokens = input + output + cacheRead + cacheWrite;
  const rs = reasoning === null ? '' : `"reasoningTokens":${reasoning},`;
  const json =
    `{"input":${input},"output":${output},"cacheRead":${cacheRead},"cacheWrite":${cacheWrite},${rs}` +
    `"totalTokens":${totalTokens},"cost":{"input":${ci},"output":${co},"cacheRead":${cr},"cacheWrite":${cw},"total":${total}}}`;
  return { input, output, cacheRead, cacheWrite, costTotal: total, json };
}

// ---------------------------------------------------------------------------
// Sessions

type ChatType = 'direct' | 'group' | 'channel';

interface SessionSpec {
  agent: string;
  kind: string;
  /** sessions.json keys pointing at this session (empty for archives). */
  keys: string[];
  sessionId: string;
  fileName: string;
  channel: string | null;
  chatType: ChatType | null;
  peer: string | null;
  label: string | null;
  winStart: number;
  winEnd: number;
  weight: number;
  budget: number;
  model: ModelInfo;
  parentSession?: string;
  /** Lines copied verbatim from the parent after the header (fork/successor). */
  copiedFrom?: SessionSpec;
  capturePrefix?: boolean;
  captureTail?: boolean;
  captureSamples?: boolean;
  junkLines?: boolean;
  dupBranch?: boolean;
  /** delivery-mirror rows after replies (channel-delivered sessions). */
  mirror?: boolean;
  /** also write a *.trajectory.jsonl sidecar from this session's samples. */
  trajectory?: boolean;
  lock?: boolean;
  /** .bak.<ts> prefix copy of this session */
  bak?: boolean;
  /** <sid>.checkpoint.<uuid>.jsonl prefix copy of this session */
  checkpoint?: boolean;
  archive?: 'reset' | 'deleted';
  archiveAtMs?: number;
  extra?: Record<string, unknown>;
  result?: SessionResult;
}

interface SessionResult {
  prefix: Buffer[];
  tail: Buffer[];
  samples: Buffer[];
  firstMs: number;
  lastMs: number;
  lastRunInput: number;
  lastRunOutput: number;
  lastRunCacheRead: number;
  lastRunCacheWrite: number;
  lastPrompt: number;
  costSum: number;
  model: ModelInfo;
  compactions: number;
  aborted: boolean;
  bytes: number;
}

interface Ctx {
  rng: Rng;
  truth: Truth;
  syntheticRows: boolean;
  duplicates: boolean;
  junk: boolean;
  nowMs: number;
  /** fingerprints of generated calls without responseId (to keep them unique) */
  fingerprints: Set<string>;
  sessionsDir: string;
}

interface CallPlan {
  kind: 'tool' | 'final' | 'error' | 'aborted';
  tools: { tool: ToolKind; len: number }[];
  textLen: number;
  thinkLen: number;
}

const PREFIX_CAP = 600_000;

/** Plans one turn; `cap` bounds single text sizes so tiny budgets still get small turns. */
function planTurn(rng: Rng, cap: number): { calls: CallPlan[]; bytes: number } {
  const n = rng.weighted([1, 2, 3, 4], [30, 30, 22, 18]);
  const calls: CallPlan[] = [];
  let bytes = 600;
  for (let i = 0; i < n; i++) {
    if (rng.chance(0.03)) {
      calls.push({ kind: 'error', tools: [], textLen: 0, thinkLen: 0 });
      bytes += 700;
      if (rng.chance(0.35)) break; // gave up after the error
    }
    const last = i === n - 1;
    if (!last) {
      const nt = rng.chance(0.2) ? 2 : 1;
      const tools: { tool: ToolKind; len: number }[] = [];
      for (let k = 0; k < nt; k++) {
        const tool = rng.weighted(TOOLS, TOOL_WEIGHTS);
        const raw = tool.skew > 0 ? Math.round(tool.min + (tool.max - tool.min) * Math.pow(rng.float(), tool.skew)) : rng.logInt(tool.min, tool.max);
        const len = Math.min(raw, Math.max(tool.min, cap));
        tools.push({ tool, len });
        bytes += len + 330;
      }
      const thinkLen = rng.chance(0.5) ? Math.min(rng.logInt(60, 700), cap) : 0;
      const textLen = rng.chance(0.25) ? rng.logInt(30, 250) : 0;
      calls.push({ kind: 'tool', tools, textLen, thinkLen });
      bytes += 1100 + thinkLen + textLen;
    } else {
      const aborted = rng.chance(0.015);
      const thinkLen = rng.chance(0.4) ? Math.min(rng.logInt(60, 900), cap) : 0;
      const textLen = Math.min(rng.logInt(40, aborted ? 300 : 2000), cap);
      calls.push({ kind: aborted ? 'aborted' : 'final', tools: [], textLen, thinkLen });
      bytes += 1000 + thinkLen + textLen;
    }
  }
  return { calls, bytes };
}

class SessionWriter {
  private ids = new Set<string>();
  private lastId: string | null = null;
  private prefix: Buffer[] = [];
  private prefixBytes = 0;
  private prevTurn: Buffer[] = [];
  private curTurn: Buffer[] = [];
  private samples: Buffer[] = [];
  private model: ModelInfo;
  private context: number;
  private pendingTok = 0;
  private pendingCallIds: string[] = [];
  private lastRun = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };
  private lastPrompt = 0;
  private costSum = 0;
  private compactions = 0;
  private aborted = false;
  private firstMs = 0;
  private lastMs = 0;
  private out: Out;
  private lastCallLine: { line: Buffer; parentId: string | null; entryMs: number } | null = null;
  private dupDone = false;
  private junkDone = { malformed: false, utf8: false, blank: false };

  constructor(
    private readonly spec: SessionSpec,
    private readonly ctx: Ctx,
  ) {
    this.model = spec.model;
    this.context = ctx.rng.int(9000, 16000);
    this.out = new Out(path.join(ctx.sessionsDir, spec.fileName));
  }

  private newId(): string {
    const rng = this.ctx.rng;
    for (;;) {
      const id = rng.hex8();
      if (!this.ids.has(id)) {
        this.ids.add(id);
        return id;
      }
    }
  }

  private parentJson(): string {
    return this.lastId === null ? 'null' : `"${this.lastId}"`;
  }

  /** Ends the current line; returns a copy of it when `keep` (or a capture) asks for it. */
  private endLine(ms: number, keep = false): Buffer | null {
    const spec = this.spec;
    const wantPrefix = spec.capturePrefix === true && this.prefixBytes < PREFIX_CAP;
    const line = this.out.end(keep || wantPrefix || spec.captureTail === true);
    if (line) {
      if (wantPrefix) {
        this.prefix.push(line);
        this.prefixBytes += line.length + 1;
      }
      if (spec.captureTail) this.curTurn.push(line);
    }
    if (ms > this.lastMs) this.lastMs = ms;
    if (!this.firstMs) this.firstMs = ms;
    return line;
  }

  /** Writes the common entry head and makes the entry the new leaf. */
  private begin(type: string, ms: number, id: string = this.newId()): void {
    this.out.s(`{"type":"${type}","id":"${id}","parentId":${this.parentJson()},"timestamp":"${iso(ms)}",`);
    this.lastId = id;
  }

  private simple(type: string, ms: number, body: string): void {
    this.begin(type, ms);
    this.out.s(body + '}');
    this.endLine(ms);
  }

  /** Copies `len` bytes of a text pool (valid JSON string content) into the current line. */
  private text(pool: Buffer, len: number): number {
    const [s, e] = poolRange(this.ctx.rng, pool, len);
    this.out.b(pool, s, e);
    return e - s;
  }

  private custom(customType: string, ms: number, data: string): void {
    const id = this.newId();
    this.out.s(`{"type":"custom","customType":"${customType}","data":${data},"id":"${id}","parentId":${this.parentJson()},"timestamp":"${iso(ms)}"}`);
    this.lastId = id;
    this.endLine(ms);
  }

  private header(ms: number): void {
    const parent = this.spec.parentSession ? `,"parentSession":${JSON.stringify(this.spec.parentSession)}` : '';
    this.out.s(`{"type":"session","version":3,"id":"${this.spec.sessionId}","timestamp":"${iso(ms)}","cwd":"${WORKSPACE}"${parent}}`);
    this.endLine(ms);
  }

  private modelSetup(ms: number, thinking: boolean): number {
    const rng = this.ctx.rng;
    const m = this.model;
    this.simple('model_change', ms, `"provider":"${m.provider}","modelId":"${m.model}"`);
    ms += 1;
    if (thinking) {
      this.simple('thinking_level_change', ms, `"thinkingLevel":"${rng.pick(['off', 'low', 'low', 'medium', 'high'])}"`);
    }
    ms += rng.int(50, 250);
    this.custom('model-snapshot', ms, `{"timestamp":${ms},"provider":"${m.provider}","modelApi":"${m.api}","modelId":"${m.model}"}`);
    return ms;
  }

  /** Writes the whole session and returns what the index and copies need. */
  run(): SessionResult {
    const { spec, ctx } = this;
    const rng = ctx.rng;
    const winLen = Math.max(60_000, spec.winEnd - spec.winStart);
    let t = spec.winStart;

    this.header(t);
    if (spec.copiedFrom?.result) {
      // Fork / compaction successor: parent tail copied verbatim (same ids, timestamps, responseIds).
      let last: string | null = null;
      for (const l of spec.copiedFrom.result.tail) {
        this.out.b(l, 0, l.length);
        this.out.end(false);
        const mm = /^\{"type":"[a-z_]+","(?:customType":"[^"]*","data":\{[^}]*\},")?id":"([0-9a-f]{8})"/.exec(l.toString('latin1', 0, 400));
        if (mm) {
          last = mm[1];
          this.ids.add(mm[1]);
        }
      }
      this.lastId = last;
      t += rng.int(200, 2000);
    }
    t = this.modelSetup(t + rng.int(5, 20), true);

    const budget = spec.budget;
    let turn = 0;
    for (;;) {
      const plan = planTurn(rng, Math.max(500, Math.floor(budget / 4)));
      const written = this.out.size();
      if (turn > 0) {
        const remaining = budget - written;
        if (remaining <= 0 || remaining < plan.bytes / 2) break;
      }
      // Time slot of this turn, proportional to its share of the byte budget, never past the window.
      const slotStart = spec.winStart + (Math.min(written, budget) / budget) * winLen;
      const gap = Math.min((plan.bytes / budget) * winLen, Math.max(0, spec.winStart + winLen - slotStart));
      const turnStart = Math.floor(Math.max(t + 1 + Math.min(gap * 0.05, rng.int(500, 5000)), slotStart + rng.float() * gap * 0.1));
      t = this.turn(plan, turnStart, gap * 0.8, turn);
      turn++;
    }
    this.out.close();

    return {
      prefix: this.prefix,
      // what a fork copies: the last one or two turns (never the header)
      tail: this.prevTurn.concat(this.curTurn).filter((l) => l.length > 0 && !l.toString('latin1', 0, 20).startsWith('{"type":"session"')),
      samples: this.samples,
      firstMs: this.firstMs,
      lastMs: this.lastMs,
      lastRunInput: this.lastRun.input,
      lastRunOutput: this.lastRun.output,
      lastRunCacheRead: this.lastRun.cacheRead,
      lastRunCacheWrite: this.lastRun.cacheWrite,
      lastPrompt: this.lastPrompt,
      costSum: this.costSum,
      model: this.model,
      compactions: this.compactions,
      aborted: this.aborted,
      bytes: this.out.size(),
    };
  }

  private userMessage(ms: number): void {
    const rng = this.ctx.rng;
    const spec = this.spec;
    let head = '';
    if (spec.chatType === 'group' || spec.chatType === 'channel') {
      const who = rng.pick(SENDERS);
      head = `[${spec.channel} ${who} (@${who.toLowerCase()}${rng.int(1, 99)})] @claw `;
    } else if (spec.kind === 'cron') {
      head = `[cron:${spec.label ?? 'job'}] Run the scheduled task: `;
    } else if (spec.kind === 'hook') {
      head = `Hook payload received (gmail): subject \\"${rng.pick(WORDS)} ${rng.pick(WORDS)}\\" — `;
    } else if (spec.kind === 'subagent') {
      head = '[Subagent task] ';
    }
    const prompt = head + rng.pick(USER_PROMPTS);
    const asArray = rng.chance(0.5);
    this.begin('message', ms);
    this.out.s(`"message":{"role":"user","content":${asArray ? '[{"type":"text","text":"' : '"'}${prompt}`);
    let len = prompt.length;
    if (rng.chance(0.3)) {
      this.out.s(' ');
      len += this.text(pools().prose, rng.logInt(40, 600));
    }
    this.out.s(`${asArray ? '"}]' : '"'},"timestamp":${ms - rng.int(20, 900)}}}`);
    this.endLine(ms);
    this.pendingTok += Math.ceil(len / 4) + rng.int(5, 40);
  }

  /** Deliberate junk lines (once per session that asks for them). */
  private maybeJunk(ms: number, turn: number): void {
    if (!this.spec.junkLines || !this.ctx.junk) return;
    const j = this.junkDone;
    const out = this.out;
    if (!j.blank && turn >= 1) {
      this.endLine(ms); // empty line
      j.blank = true;
    } else if (!j.malformed && turn >= 2) {
      // A row cut off mid-write (crash), followed by further valid rows.
      const m = this.model;
      out.s(
        `{"type":"message","id":"${this.ctx.rng.hex8()}","parentId":${this.parentJson()},"timestamp":"${iso(ms)}","message":{"role":"assistant",` +
          `"content":[{"type":"text","text":"Sure, here is the plan"}],"api":"${m.api}","provider":"${m.provider}","model":"${m.model}","usage":{"input":12,"out`,
      );
      this.endLine(ms);
      j.malformed = true;
    } else if (!j.utf8 && turn >= 3) {
      // A user row with invalid UTF-8 bytes inside its text.
      this.begin('message', ms);
      out.s('"message":{"role":"user","content":"forwarded text: ');
      out.b(BAD_UTF8, 0, BAD_UTF8.length);
      out.s(` (garbled attachment name)","timestamp":${ms - 120}}}`);
      this.endLine(ms);
      j.utf8 = true;
    }
  }

  private turn(plan: { calls: CallPlan[]; bytes: number }, start: number, maxDur: number, turnNo: number): number {
    const { ctx, spec } = this;
    const rng = ctx.rng;
    if (spec.captureTail) {
      this.prevTurn = this.curTurn;
      this.curTurn = [];
    }

    // sessions_history duplicate: an earlier assistant row re-written on a sibling branch
    // with a fresh entry id but the same responseId and message.timestamp.
    if (spec.dupBranch && ctx.duplicates && !this.dupDone && turnNo >= 2 && this.lastCallLine) {
      const src = this.lastCallLine;
      const dupMs = Math.max(src.entryMs + 1, Math.floor((this.lastMs + start) / 2));
      const id = this.newId();
      const line = src.line
        .toString('utf8')
        .replace(
          /^\{"type":"message","id":"[0-9a-f]{8}","parentId":(null|"[0-9a-f]{8}"),"timestamp":"[^"]+"/,
          () => `{"type":"message","id":"${id}","parentId":${src.parentId === null ? 'null' : `"${src.parentId}"`},"timestamp":"${iso(dupMs)}"`,
        );
      this.out.s(line);
      this.endLine(dupMs);
      this.dupDone = true;
      this.lastCallLine = null;
    }

    // Natural durations, scaled down to fit the time slot.
    const lat: number[] = [];
    const toolDur: number[] = [];
    let natural = 300;
    for (const c of plan.calls) {
      const l = c.kind === 'error' ? rng.int(200, 30000) : rng.int(1200, 9000) + c.textLen * 8 + c.thinkLen * 4;
      lat.push(l);
      natural += l + 100;
      const td = c.kind === 'tool' ? rng.int(50, 6000) : 0;
      toolDur.push(td);
      natural += td + 20;
    }
    const scale = Math.min(1, maxDur / natural);
    const sc = (x: number): number => Math.max(1, Math.floor(x * scale));

    let t = start;
    this.maybeJunk(t, turnNo);
    if (turnNo > 0 && rng.chance(0.012)) {
      // occasional model switch mid-session (same provider family mostly)
      const same = MODELS.filter((m) => m.provider === this.model.provider && m.model !== this.model.model);
      this.model = same.length && rng.chance(0.7) ? rng.pick(same) : rng.weighted(MODELS, MODEL_WEIGHTS);
      t = this.modelSetup(t, false) + 5;
    } else if (turnNo > 0 && rng.chance(0.01)) {
      this.simple('thinking_level_change', t, `"thinkingLevel":"${rng.pick(['off', 'low', 'medium', 'high'])}"`);
      t += 3;
    }
    this.userMessage(t);
    t += sc(rng.int(20, 300));

    this.lastRun = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };
    for (let i = 0; i < plan.calls.length; i++) {
      const c = plan.calls[i];
      const msgTs = t;
      t += sc(lat[i]);
      this.assistant(c, msgTs, t);
      if (c.kind === 'tool') {
        t += sc(toolDur[i]) + 1;
        for (const tc of c.tools) this.toolResult(tc, t++);
        t += 1;
      }
    }
    this.aborted = plan.calls[plan.calls.length - 1].kind === 'aborted';

    if (ctx.syntheticRows && spec.mirror && rng.chance(0.5)) {
      t += rng.int(40, 900);
      this.synthetic('delivery-mirror', t, null, 'stop', '');
    }
    if (ctx.syntheticRows && rng.chance(0.01)) {
      t += rng.int(40, 900);
      const aborted = rng.chance(0.5);
      const extra = aborted ? `,"openclawAbort":{"aborted":true,"origin":"rpc","runId":"${rng.uuid()}"}` : '';
      this.synthetic(
        'gateway-injected',
        t,
        aborted ? 'Run aborted by operator.' : 'Note injected via chat.inject: ' + rng.pick(USER_PROMPTS),
        aborted ? 'aborted' : 'stop',
        extra,
      );
    }
    if (rng.chance(0.5)) {
      t += rng.int(5, 60);
      this.custom('openclaw:bootstrap-context:full', t, `{"timestamp":${t},"runId":"${rng.uuid()}","sessionId":"${spec.sessionId}"}`);
    }
    if (this.context > 130_000) this.compaction(t + rng.int(100, 3000));
    return t;
  }

  private compaction(ms: number): void {
    const rng = this.ctx.rng;
    const kept = this.lastId ?? '00000000';
    this.begin('compaction', ms);
    this.out.s('"summary":"');
    this.text(pools().prose, rng.logInt(800, 4000));
    this.out.s(`","firstKeptEntryId":"${kept}","tokensBefore":${this.context}}`);
    this.endLine(ms);
    this.context = rng.int(12000, 30000);
    this.compactions++;
  }

  /** provider "openclaw" bookkeeping row (not a model call); text null = a pool slice */
  private synthetic(model: string, ms: number, text: string | null, stop: string, extra: string): void {
    const rng = this.ctx.rng;
    this.begin('message', ms);
    this.out.s('"message":{"role":"assistant","content":[{"type":"text","text":"');
    if (text === null) this.text(pools().prose, rng.logInt(40, 600));
    else this.out.s(text);
    this.out.s(
      `"}],"api":"openai-responses","provider":"openclaw","model":"${model}","usage":${ZERO_USAGE},"stopReason":"${stop}","timestamp":${ms - 1}${extra}}}`,
    );
    this.endLine(ms);
  }

  private toolResult(tc: { tool: ToolKind; len: number }, ms: number): void {
    const rng = this.ctx.rng;
    const tool = tc.tool;
    this.begin('message', ms);
    this.out.s(
      `"message":{"role":"toolResult","toolCallId":"${this.pendingCallIds.shift() ?? 'call_unknown'}","toolName":"${tool.name}","content":[{"type":"text","text":"`,
    );
    let details = '';
    let len: number;
    if (tool.name === 'write' || tool.name === 'edit') {
      const text =
        tool.name === 'write'
          ? `Successfully wrote ${rng.int(100, 20000)} bytes to ${rng.pick(FILE_PATHS)}`
          : `Successfully replaced 1 block(s) in ${rng.pick(FILE_PATHS)}.`;
      this.out.s(text);
      len = text.length;
    } else {
      len = this.text(pools()[tool.pool], tc.len);
      if (tool.name === 'exec') {
        details = `,"details":{"status":"completed","exitCode":${rng.chance(0.9) ? 0 : 1},"durationMs":${rng.int(20, 9000)},"cwd":"${WORKSPACE}"}`;
      }
    }
    this.out.s(`"}]${details},"isError":${rng.chance(0.02)},"timestamp":${ms - 1}}}`);
    this.endLine(ms);
    this.pendingTok += Math.ceil(len / 4);
  }

  private writeToolCall(tool: ToolKind, m: ModelInfo): void {
    const rng = this.ctx.rng;
    const out = this.out;
    let id: string;
    if (m.provider === 'anthropic') id = `toolu_01${rng.chars(22, B62)}`;
    else if (m.provider === 'openai-codex') id = `call_${rng.chars(24, B62)}|fc_${rng.hex(48)}`;
    else id = `call_${rng.hex(24)}`;
    this.pendingCallIds.push(id);
    const completions = m.api === 'openai-completions';
    const p = pools();
    // Arguments with bulk text are written straight from the pools, except where the
    // completions API also stores them re-encoded as partialArgs.
    const bulk = (pool: Buffer, len: number): string | null => {
      if (!completions) {
        this.text(pool, len);
        return null;
      }
      const [s, e] = poolRange(rng, pool, len);
      return pool.toString('utf8', s, e);
    };
    out.s(`{"type":"toolCall","id":"${id}","name":"${tool.name}","arguments":`);
    let args: string;
    switch (tool.name) {
      case 'read':
        args = `{"path":"${rng.pick(FILE_PATHS)}"}`;
        break;
      case 'exec':
        args = `{"command":"${rng.pick(COMMANDS)}","timeout":${rng.pick([60, 120, 300])}}`;
        break;
      case 'browser':
        args = `{"action":"snapshot","url":"${rng.pick(URLS)}"}`;
        break;
      case 'web_fetch':
        args = `{"url":"${rng.pick(URLS)}","extractMode":"markdown"}`;
        break;
      case 'web_search':
      case 'memory_search':
        args = `{"query":"${rng.pick(QUERIES)}"}`;
        break;
      case 'write': {
        const head = `{"path":"${rng.pick(FILE_PATHS)}","content":"`;
        if (!completions) out.s(head);
        const body = bulk(p.prose, rng.logInt(100, 1500));
        if (body === null) {
          out.s('"}}');
          return;
        }
        args = `${head}${body}"}`;
        break;
      }
      default: {
        const head = `{"path":"${rng.pick(FILE_PATHS)}","edits":[{"oldText":"`;
        if (!completions) out.s(head);
        const oldText = bulk(p.code, rng.logInt(30, 400));
        if (!completions) out.s('","newText":"');
        const newText = bulk(p.code, rng.logInt(30, 600));
        if (oldText === null || newText === null) {
          out.s('"}]}}');
          return;
        }
        args = `${head}${oldText}","newText":"${newText}"}]}`;
      }
    }
    const partial = completions ? `,"partialArgs":${JSON.stringify(args)}` : '';
    out.s(`${args}${partial}}`);
  }

  private responseId(m: ModelInfo): string {
    const rng = this.ctx.rng;
    if (m.provider === 'anthropic') return `msg_01${rng.chars(22, B62)}`;
    if (m.provider === 'openai-codex') return `resp_${rng.hex(48)}`;
    return `gen-${1790000000 + rng.int(0, 9999999)}-${rng.chars(20, B62)}`;
  }

  private usageFor(c: CallPlan): Usage {
    const rng = this.ctx.rng;
    const m = this.model;
    const newTok = Math.min(5000, Math.max(1, this.pendingTok + rng.int(1, 200)));
    this.pendingTok = 0;
    let output =
      c.kind === 'tool' ? rng.logInt(20, 500) : c.kind === 'aborted' ? rng.logInt(10, 200) : rng.logInt(10, 2000);
    output = Math.max(output, Math.ceil((c.textLen + c.thinkLen) / 5));
    let input: number;
    let cacheRead: number;
    let cacheWrite = 0;
    let reasoning: number | null = null;
    const cached = Math.min(100_000, this.context);
    if (m.provider === 'anthropic') {
      if (rng.chance(0.05)) {
        // cache miss / expired TTL
        input = Math.min(5000, newTok + rng.int(500, 4000));
        cacheRead = 0;
        cacheWrite = Math.min(100_000, cached);
      } else {
        input = rng.int(1, 40);
        cacheRead = cached;
        cacheWrite = newTok;
      }
    } else {
      input = newTok;
      cacheRead = rng.chance(0.04) ? 0 : m.provider === 'openrouter' ? cached - (cached % 64) : cached - (cached % 256);
      if (m.provider === 'openai-codex') reasoning = c.thinkLen > 0 ? Math.min(output, Math.ceil(c.thinkLen / 3)) : 0;
    }
    if (c.kind === 'aborted' && rng.chance(0.4)) {
      input = 0;
      output = 0;
      cacheRead = 0;
      cacheWrite = 0;
    }
    this.context += newTok + output;
    const u = makeUsage(m, input, output, cacheRead, cacheWrite, reasoning);
    this.lastRun.input += input;
    this.lastRun.output += output;
    this.lastRun.cacheRead += cacheRead;
    this.lastRun.cacheWrite += cacheWrite;
    this.lastPrompt = input + cacheRead + cacheWrite;
    this.costSum += u.costTotal;
    return u;
  }

  private assistant(c: CallPlan, msgTs: number, entryMs: number): void {
    const { ctx, spec } = this;
    const rng = ctx.rng;
    const m = this.model;
    const out = this.out;
    const parentId = this.lastId;

    if (c.kind === 'error') {
      const choices = ERRORS.filter((e) => !e.providers || e.providers.includes(m.provider));
      const e = rng.pick(choices);
      let extra = `,"errorMessage":"${e.message}"`;
      if (rng.chance(0.6)) {
        if (e.code) extra += `,"errorCode":"${e.code}"`;
        if (e.type) extra += `,"errorType":"${e.type}"`;
        if (e.code || e.type) {
          extra += `,"errorBody":${JSON.stringify(JSON.stringify({ message: e.message, type: e.type ?? 'error', code: e.code ?? null }))}`;
        }
      }
      this.begin('message', entryMs, this.uniqueFingerprintId(msgTs, m, '0|0|0|0'));
      out.s(
        `"message":{"role":"assistant","content":[],"api":"${m.api}","provider":"${m.provider}","model":"${m.model}","usage":${ZERO_USAGE},"stopReason":"error","timestamp":${msgTs}${extra}}}`,
      );
      this.endLine(entryMs);
      ctx.truth.call(spec.agent, m, entryMs, null);
      return;
    }

    const u = this.usageFor(c);
    const stop = c.kind === 'tool' ? 'toolUse' : c.kind === 'aborted' ? 'aborted' : rng.chance(0.01) ? 'length' : 'stop';
    // ~8% of calls (and most aborted ones) carry no responseId: identity falls back to a fingerprint.
    const withRid = c.kind === 'aborted' ? rng.chance(0.3) : !rng.chance(0.08);
    const id = withRid ? this.newId() : this.uniqueFingerprintId(msgTs, m, `${u.input}|${u.output}|${u.cacheRead}|${u.cacheWrite}`);
    const ridJson = withRid ? `,"responseId":"${this.responseId(m)}"` : '';

    this.begin('message', entryMs, id);
    out.s('"message":{"role":"assistant","content":[');
    const p = pools();
    let first = true;
    if (c.thinkLen > 0) {
      out.s('{"type":"thinking","thinking":"');
      this.text(p.prose, c.thinkLen);
      if (m.provider === 'anthropic') {
        out.s('","thinkingSignature":"');
        this.text(p.b64, rng.logInt(150, 600));
        out.s('"}');
      } else if (m.provider === 'openai-codex') {
        out.s(`","thinkingSignature":"{\\"type\\":\\"reasoning\\",\\"id\\":\\"rs_${rng.hex(48)}\\",\\"encrypted_content\\":\\"gAAAAA`);
        this.text(p.b64, rng.logInt(200, 900));
        out.s('\\",\\"summary\\":[]}"}');
      } else out.s('"}');
      first = false;
    }
    if (c.textLen > 0) {
      out.s(first ? '{"type":"text","text":"' : ',{"type":"text","text":"');
      this.text(p.prose, c.textLen);
      out.s(m.provider === 'openai-codex' ? `","textSignature":"{\\"v\\":1,\\"id\\":\\"msg_${rng.hex(48)}\\"}"}` : '"}');
      first = false;
    }
    for (const tc of c.tools) {
      if (!first) out.s(',');
      this.writeToolCall(tc.tool, m);
      first = false;
    }
    out.s(
      `],"api":"${m.api}","provider":"${m.provider}","model":"${m.model}","usage":${u.json},"stopReason":"${stop}","timestamp":${msgTs}${ridJson}}}`,
    );
    const keepForDup = withRid && spec.dupBranch === true && !this.dupDone;
    const keepSample = spec.captureSamples === true && this.samples.length < 12;
    const line = this.endLine(entryMs, keepForDup || keepSample);
    ctx.truth.call(spec.agent, m, entryMs, u);
    if (line && keepForDup) this.lastCallLine = { line, parentId, entryMs };
    if (line && keepSample) this.samples.push(line);
  }

  /** Entry id whose fallback fingerprint (id, message.timestamp, provider, model, usage) is globally unique. */
  private uniqueFingerprintId(msgTs: number, m: ModelInfo, usage: string): string {
    for (;;) {
      const id = this.newId();
      const fp = `${id}|${msgTs}|${m.provider}|${m.model}|${usage}`;
      if (!this.ctx.fingerprints.has(fp)) {
        this.ctx.fingerprints.add(fp);
        return id;
      }
    }
  }
}

// ---------------------------------------------------------------------------
// Layout of one agent

function peerId(rng: Rng, channel: string): string {
  switch (channel) {
    case 'whatsapp':
    case 'signal':
      return `+1555${rng.digits(7)}`;
    case 'telegram':
      return rng.chance(0.5) ? rng.digits(rng.int(8, 10)) : `${rng.pick(SENDERS).toLowerCase()}_${rng.chars(4, ALNUM_LOWER)}`;
    default:
      return rng.digits(17);
  }
}

interface Layout {
  specs: SessionSpec[];
}

function layoutAgent(agent: string, agentIndex: number, ctx: Ctx, opts: Required<Omit<GenerateOptions, 'dir'>>): Layout {
  const rng = ctx.rng;
  const now = opts.nowMs;
  const D = opts.days * 86_400_000;
  const S = now - D;
  const E = now - 3 * 60_000;
  const scale = Math.max(1, opts.targetBytes / (8 * 1024 * 1024));
  const lg = Math.log2(scale);
  const specs: SessionSpec[] = [];
  const pickModel = (): ModelInfo => rng.weighted(MODELS, MODEL_WEIGHTS);
  const a = agent.toLowerCase();
  const primaryChannel = agentIndex === 0 ? 'telegram' : 'webchat';

  const add = (s: Omit<SessionSpec, 'budget' | 'agent' | 'model'> & { model?: ModelInfo }): SessionSpec => {
    const spec: SessionSpec = { agent, budget: 0, model: s.model ?? pickModel(), ...s } as SessionSpec;
    specs.push(spec);
    return spec;
  };
  const window = (minLen: number, maxLen: number): [number, number] => {
    const len = Math.min(D * 0.9, minLen + rng.float() * (maxLen - minLen));
    const start = S + rng.float() * (E - S - len);
    return [Math.floor(start), Math.floor(start + len)];
  };
  const mainSplit = Math.floor(S + D * (0.3 + rng.float() * 0.1));

  // main: previous generation (reset archive) and the live one
  if (opts.archives) {
    const sid = rng.uuid();
    add({
      kind: 'main', keys: [], sessionId: sid, fileName: '', channel: primaryChannel, chatType: 'direct', peer: null, label: null,
      winStart: S + rng.int(0, 3_600_000), winEnd: mainSplit - 20 * 60_000, weight: 10, archive: 'reset', archiveAtMs: mainSplit,
      mirror: primaryChannel !== 'webchat',
    });
  }
  const mainSid = rng.uuid();
  add({
    kind: 'main', keys: [`agent:${a}:main`], sessionId: mainSid, fileName: '', channel: primaryChannel, chatType: 'direct', peer: null,
    label: null, winStart: opts.archives ? mainSplit + 60_000 : S + rng.int(0, 3_600_000), winEnd: E - rng.int(0, 20 * 60_000),
    weight: 28, junkLines: true, dupBranch: true, captureSamples: true, trajectory: true, lock: true, mirror: primaryChannel !== 'webchat',
  });

  // direct messages on several channels
  const nDirect = Math.min(14, 2 + Math.floor(lg * 1.5));
  for (let i = 0; i < nDirect; i++) {
    const channel = i === 0 ? 'telegram' : rng.pick(['telegram', 'telegram', 'whatsapp', 'signal']);
    const peer = peerId(rng, channel);
    const [ws, we] = window(D * 0.2, D * 0.9);
    add({
      kind: 'direct', keys: [`agent:${a}:${channel}:direct:${peer}`.toLowerCase()], sessionId: rng.uuid(), fileName: '', channel,
      chatType: 'direct', peer, label: null, winStart: ws, winEnd: we, weight: 18 / nDirect, mirror: true,
      capturePrefix: i === 0, checkpoint: i === 0,
    });
  }

  // discord group (fork parent), slack channel (bak source)
  const guild = rng.digits(18);
  const [dgs, dge] = window(D * 0.3, D * 0.6);
  const discord = add({
    kind: 'group', keys: [`agent:${a}:discord:group:${guild}`], sessionId: rng.uuid(), fileName: '', channel: 'discord',
    chatType: 'group', peer: guild, label: null, winStart: dgs, winEnd: Math.min(dge, E - D * 0.15), weight: 8, mirror: true,
    captureTail: true, dupBranch: true,
  });
  const slackId = `c0${rng.chars(9, ALNUM_LOWER)}`;
  const [scs, sce] = window(D * 0.2, D * 0.8);
  add({
    kind: 'channel', keys: [`agent:${a}:slack:channel:${slackId}`], sessionId: rng.uuid(), fileName: '', channel: 'slack',
    chatType: 'channel', peer: slackId, label: null, winStart: scs, winEnd: sce, weight: 6, mirror: true, capturePrefix: true, bak: true,
  });

  if (opts.duplicates) {
    // Telegram forum topic
    const tg = `-100${rng.digits(10)}`;
    const topic = rng.int(2, 400);
    const sid = rng.uuid();
    const [ts, te] = window(D * 0.1, D * 0.5);
    add({
      kind: 'topic', keys: [`agent:${a}:telegram:group:${tg}:topic:${topic}`], sessionId: sid, fileName: `${sid}-topic-${topic}.jsonl`,
      channel: 'telegram', chatType: 'group', peer: tg, label: null, winStart: ts, winEnd: te, weight: 4, mirror: true,
    });
    // thread fork of the discord group: copies the parent's tail, then continues
    const forkSid = rng.uuid();
    const thread = rng.digits(18);
    add({
      kind: 'fork', keys: [`agent:${a}:discord:group:${guild}:thread:${thread}`], sessionId: forkSid, fileName: '', channel: 'discord',
      chatType: 'group', peer: guild, label: null, winStart: 0, winEnd: 0, weight: 3, mirror: true, copiedFrom: discord,
      model: discord.model, extra: { parentSessionKey: `agent:${a}:discord:group:${guild}`, forkedFromParent: true },
    });
  }

  // cron jobs: daily isolated runs; older runs are reaped into .deleted archives
  const jobs = agentIndex === 0 ? ['nightly-digest', 'inbox-triage'] : ['weekly-report'];
  for (const job of jobs) {
    const hour = rng.int(1, 23);
    const runs: number[] = [];
    // the reaper also deletes .deleted archives after a while: keep about a week of runs
    for (let d = Math.min(opts.days, 7); d >= 0; d--) {
      const ts = Math.floor(now - d * 86_400_000 - (now % 86_400_000) + hour * 3_600_000 + rng.int(0, 120_000));
      if (ts > S && ts < E - 20 * 60_000) runs.push(ts);
    }
    if (runs.length === 0) runs.push(E - 30 * 60_000);
    const model = pickModel();
    runs.forEach((ts, idx) => {
      const latest = idx === runs.length - 1;
      const sid = rng.uuid();
      const len = rng.int(2 * 60_000, 12 * 60_000);
      // isolated runs are reaped (renamed to .deleted) after cron.sessionRetention (24h)
      const reapAt = ts + 24 * 3_600_000 + rng.int(60_000, 3_600_000);
      const reaped = !latest && reapAt < now - 60_000;
      if (reaped && !opts.archives) return;
      const keys = reaped ? [] : [`agent:${a}:cron:${job}:run:${sid}`];
      if (latest) keys.unshift(`agent:${a}:cron:${job}`);
      add({
        kind: 'cron', keys, sessionId: sid, fileName: '', channel: null, chatType: null, peer: null, label: job,
        winStart: ts, winEnd: Math.min(ts + len, E), weight: 12 / (runs.length * jobs.length), model,
        archive: reaped ? 'deleted' : undefined, archiveAtMs: reaped ? reapAt : undefined,
      });
    });
  }

  // subagents (one deleted), hooks
  const nSub = Math.min(12, 1 + Math.floor(lg));
  for (let i = 0; i < nSub + (opts.archives ? 1 : 0); i++) {
    const deleted = i === nSub;
    const [ws] = window(D * 0.01, D * 0.05);
    const len = rng.int(5 * 60_000, 90 * 60_000);
    const archiveAtMs = ws + len + rng.int(60_000, 600_000);
    add({
      kind: 'subagent', keys: deleted ? [] : [`agent:${a}:subagent:${rng.uuid()}`], sessionId: rng.uuid(), fileName: '', channel: null,
      chatType: null, peer: null, label: null, winStart: ws, winEnd: Math.min(ws + len, E), weight: 7 / (nSub + 1),
      archive: deleted ? 'deleted' : undefined, archiveAtMs: Math.min(archiveAtMs, now - 60_000),
      extra: { spawnedBy: `agent:${a}:main`, spawnDepth: 1, subagentRole: 'worker' },
    });
  }
  for (let i = 0; i < 2; i++) {
    const [ws] = window(D * 0.01, D * 0.02);
    add({
      kind: 'hook', keys: [i === 0 ? `agent:${a}:hook:${rng.uuid()}` : `agent:${a}:hook:gmail:${rng.hex(16)}`], sessionId: rng.uuid(),
      fileName: '', channel: null, chatType: null, peer: null, label: null, winStart: ws, winEnd: Math.min(ws + rng.int(60_000, 900_000), E),
      weight: 1,
    });
  }
  if (opts.archives) {
    // a Control UI thread the user deleted
    const [ws, we] = window(D * 0.05, D * 0.2);
    add({
      kind: 'dashboard', keys: [], sessionId: rng.uuid(), fileName: '', channel: 'webchat', chatType: 'direct', peer: null, label: null,
      winStart: ws, winEnd: we, weight: 2, archive: 'deleted', archiveAtMs: we + rng.int(60_000, 7_200_000),
    });
  }

  for (const s of specs) {
    if (!s.fileName) s.fileName = `${s.sessionId}.jsonl`;
    if (s.archive) {
      s.archiveAtMs = Math.min(s.archiveAtMs ?? s.winEnd + 60_000, now - 1000);
      s.fileName += `.${s.archive}.${archiveTs(s.archiveAtMs)}`;
    }
  }
  return { specs };
}

// ---------------------------------------------------------------------------
// sessions.json

function indexEntry(spec: SessionSpec, key: string, rng: Rng): Record<string, unknown> {
  const r = spec.result!;
  const e: Record<string, unknown> = {
    sessionId: spec.sessionId,
    updatedAt: r.lastMs + rng.int(10, 300),
    sessionStartedAt: r.firstMs,
    lastInteractionAt: r.lastMs,
    sessionFile: spec.fileName,
  };
  if (spec.chatType) e.chatType = spec.chatType;
  if (spec.channel) {
    e.channel = spec.channel;
    const origin: Record<string, unknown> = { provider: spec.channel, surface: spec.channel, chatType: spec.chatType ?? 'direct' };
    if (spec.channel !== 'webchat') {
      origin.accountId = 'default';
      if (spec.peer) {
        origin.from = `${spec.channel}:${spec.peer}`;
        origin.to = spec.chatType === 'direct' ? `${spec.channel}:bot` : `${spec.channel}:${spec.peer}`;
      }
    }
    e.origin = origin;
    if (spec.peer) {
      e.lastChannel = spec.channel;
      e.lastTo = `${spec.channel}:${spec.peer}`;
    }
  }
  if (spec.kind === 'cron') {
    e.label = `Cron: ${spec.label}`;
    if (key.includes(':run:')) {
      e.status = 'done';
      e.startedAt = r.firstMs;
      e.endedAt = r.lastMs;
      e.runtimeMs = r.lastMs - r.firstMs;
    }
  }
  if (spec.kind === 'subagent') {
    e.status = 'done';
    e.startedAt = r.firstMs;
    e.endedAt = r.lastMs;
  }
  if (spec.extra) Object.assign(e, spec.extra);
  Object.assign(e, {
    model: r.model.model,
    modelProvider: r.model.provider,
    lastActivityAt: r.lastMs,
    contextTokens: r.model.contextTokens,
    agentHarnessId: 'openclaw',
    abortedLastRun: r.aborted,
    inputTokens: r.lastRunInput,
    outputTokens: r.lastRunOutput,
    totalTokens: r.lastPrompt,
    totalTokensFresh: true,
    cacheRead: r.lastRunCacheRead,
    cacheWrite: r.lastRunCacheWrite,
    estimatedCostUsd: Math.round(r.costSum * 1e6) / 1e6,
  });
  if (r.compactions > 0) e.compactionCount = r.compactions;
  return e;
}

// ---------------------------------------------------------------------------
// Auth stores (fake secrets, all containing "SECRET")

function b64url(s: string): string {
  return Buffer.from(s, 'utf8').toString('base64url');
}

function authProfiles(rng: Rng, now: number): string {
  const accountId = rng.uuid();
  const header = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: 'demo-key' }));
  const payload = b64url(
    JSON.stringify({
      aud: ['https://api.openai.com/v1'],
      exp: Math.floor((now + 3 * 86_400_000) / 1000),
      iat: Math.floor((now - 7 * 86_400_000) / 1000),
      iss: 'https://auth.openai.com',
      'https://api.openai.com/auth': {
        chatgpt_account_id: accountId,
        chatgpt_plan_type: 'plus',
        chatgpt_user_id: `user-${rng.chars(24, B62)}`,
      },
      sub: `auth0|${rng.hex(24)}`,
    }),
  );
  const jwt = `${header}.${payload}.SECRETsig${rng.chars(40, B62)}`;
  const store = {
    version: 1,
    profiles: {
      'openai-codex:default': {
        type: 'oauth',
        provider: 'openai-codex',
        access: jwt,
        refresh: `rt-SECRET-${rng.chars(40, B62)}`,
        expires: now + 3 * 86_400_000,
        accountId,
      },
      'anthropic:user@example.com': {
        type: 'oauth',
        provider: 'anthropic',
        access: `sk-ant-oat01-SECRET-${rng.chars(48, B62)}`,
        refresh: `sk-ant-ort01-SECRET-${rng.chars(48, B62)}`,
        expires: now + 6 * 3_600_000,
        email: 'user@example.com',
      },
      'openrouter:default': {
        type: 'api_key',
        provider: 'openrouter',
        key: `sk-or-v1-SECRET-${rng.hex(48)}`,
      },
    },
  };
  return JSON.stringify(store, null, 2) + '\n';
}

function authState(now: number): string {
  return (
    JSON.stringify(
      {
        version: 1,
        usageStats: {
          'anthropic:user@example.com': {
            cooldownUntil: now + 600_000,
            cooldownReason: 'rate_limit',
            errorCount: 3,
            failureCounts: { rate_limit: 3 },
            lastFailureAt: now - 60_000,
          },
        },
      },
      null,
      2,
    ) + '\n'
  );
}

// ---------------------------------------------------------------------------

function checkDir(dir: string): void {
  if (fs.existsSync(dir)) {
    const st = fs.statSync(dir);
    if (!st.isDirectory()) throw new Error(`generateStateDir: ${dir} exists and is not a directory`);
    if (fs.readdirSync(dir).length > 0) throw new Error(`generateStateDir: ${dir} is not empty`);
  } else {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  }
}

/**
 * Writes a synthetic OpenClaw state directory and returns the ground truth a correct
 * reader must report. See the file comment for what is written.
 */
export function generateStateDir(opts: GenerateOptions): GroundTruth {
  const o: Required<Omit<GenerateOptions, 'dir'>> = {
    seed: opts.seed ?? 1,
    nowMs: Math.floor(opts.nowMs ?? Date.now()),
    days: Math.max(1, opts.days ?? 7),
    targetBytes: Math.max(64 * 1024, Math.floor(opts.targetBytes ?? 2 * 1024 * 1024)),
    agents: opts.agents && opts.agents.length > 0 ? opts.agents : ['main', 'work'],
    archives: opts.archives ?? true,
    syntheticRows: opts.syntheticRows ?? true,
    duplicates: opts.duplicates ?? true,
    junk: opts.junk ?? true,
  };
  checkDir(opts.dir);
  const truth = new Truth();
  const rng = new Rng(o.seed);
  pools();

  // Agent budgets: the first agent is the busiest.
  const agentWeights = o.agents.map((_, i) => (i === 0 ? 1.5 : 1));
  const totalAgentWeight = agentWeights.reduce((x, y) => x + y, 0);
  let plannedCum = 0;
  let writtenCum = 0;
  const fingerprints = new Set<string>();

  o.agents.forEach((agent, ai) => {
    const agentRoot = path.join(opts.dir, 'agents', agent);
    const sessionsDir = path.join(agentRoot, 'sessions');
    fs.mkdirSync(sessionsDir, { recursive: true, mode: 0o700 });
    fs.mkdirSync(path.join(agentRoot, 'agent'), { recursive: true, mode: 0o700 });
    const ctx: Ctx = {
      rng,
      truth,
      syntheticRows: o.syntheticRows,
      duplicates: o.duplicates,
      junk: o.junk,
      nowMs: o.nowMs,
      fingerprints,
      sessionsDir,
    };
    const { specs } = layoutAgent(agent, ai, ctx, o);
    const agentBudget = (o.targetBytes * agentWeights[ai]) / totalAgentWeight;
    const sumW = specs.reduce((x, s) => x + s.weight, 0);
    for (const s of specs) s.budget = (agentBudget * s.weight) / sumW;

    const index: Record<string, Record<string, unknown>> = {};
    for (const spec of specs) {
      if (spec.copiedFrom) {
        // Fork: starts after the parent's last entry.
        const parent = spec.copiedFrom.result!;
        const created = parent.lastMs + rng.int(5_000, 3_600_000);
        spec.winStart = created;
        spec.winEnd = Math.max(created + 60_000, o.nowMs - rng.int(4 * 60_000, 3_600_000));
        spec.fileName = `${forkTs(created)}_${spec.sessionId}.jsonl`;
        spec.parentSession = `${STATE_ROOT}/agents/${agent}/sessions/${spec.copiedFrom.fileName}`;
      }
      plannedCum += spec.budget;
      spec.budget = Math.max(4096, spec.budget + (plannedCum - spec.budget - writtenCum) * 0.5);
      fitWindow(spec, o);
      const w = new SessionWriter(spec, ctx);
      spec.result = w.run();
      writtenCum += spec.result.bytes;
      truth.t.bytes += spec.result.bytes;
      truth.t.files++;
      for (const key of spec.keys) index[key] = indexEntry(spec, key, rng);
      writeSidecars(spec, ctx, agent, o);
    }

    // sessions.json (and a stale rotation backup)
    const keys = Object.keys(index);
    truth.t.sessions += keys.length;
    writeFile600(path.join(sessionsDir, 'sessions.json'), JSON.stringify(index, null, 2));
    if (o.junk) {
      const old: Record<string, unknown> = {};
      const resetMain = specs.find((s) => s.kind === 'main' && s.archive === 'reset');
      for (const k of keys.slice(0, 4)) old[k] = index[k];
      if (resetMain?.result) old[`agent:${agent.toLowerCase()}:main`] = indexEntry(resetMain, `agent:${agent}:main`, rng);
      writeFile600(path.join(sessionsDir, `sessions.json.bak.${o.nowMs - 2 * 86_400_000}`), JSON.stringify(old, null, 2));
    }

    writeFile600(path.join(agentRoot, 'agent', 'auth-profiles.json'), authProfiles(rng, o.nowMs));
    writeFile600(path.join(agentRoot, 'agent', 'auth-state.json'), authState(o.nowMs));
  });

  return truth.t;
}

/**
 * Widens a session's time window so its turns get at least ~15 s each (by byte budget),
 * keeping it inside [now - days, now - 10 min] and before its archive time.
 */
function fitWindow(spec: SessionSpec, o: Required<Omit<GenerateOptions, 'dir'>>): void {
  const lo = o.nowMs - o.days * 86_400_000;
  const hi = Math.min(o.nowMs - 10 * 60_000, spec.archiveAtMs !== undefined ? spec.archiveAtMs - 60_000 : Infinity);
  const need = Math.min(hi - lo, (spec.budget / 14_000) * 15_000);
  if (spec.winEnd > hi) spec.winEnd = hi;
  if (spec.winStart < lo) spec.winStart = lo;
  if (spec.winEnd - spec.winStart >= need) return;
  spec.winEnd = Math.min(hi, spec.winStart + need);
  if (spec.winEnd - spec.winStart < need) spec.winStart = Math.max(lo, spec.winEnd - need);
  spec.winStart = Math.floor(spec.winStart);
  spec.winEnd = Math.floor(spec.winEnd);
}

function writeSidecars(spec: SessionSpec, ctx: Ctx, agent: string, o: Required<Omit<GenerateOptions, 'dir'>>): void {
  const r = spec.result!;
  const rng = ctx.rng;
  const dir = ctx.sessionsDir;
  if (ctx.duplicates && spec.bak && r.prefix.length > 1) {
    // sessions.compact backup: a full copy of the transcript as it was before (a prefix of today's file)
    const n = Math.max(1, Math.floor(r.prefix.length * (0.6 + rng.float() * 0.4)));
    const at = Math.min(r.lastMs + rng.int(60_000, 600_000), o.nowMs - 1000);
    writeFile600(path.join(dir, `${spec.fileName}.bak.${archiveTs(at)}`), joinLines(r.prefix.slice(0, n)));
  }
  if (ctx.duplicates && spec.checkpoint && r.prefix.length > 1) {
    const n = Math.max(1, Math.floor(r.prefix.length * (0.5 + rng.float() * 0.4)));
    writeFile600(path.join(dir, `${spec.sessionId}.checkpoint.${rng.uuid()}.jsonl`), joinLines(r.prefix.slice(0, n)));
  }
  if (ctx.junk && spec.trajectory && r.samples.length > 0) {
    const lines: string[] = [];
    let seq = 1;
    const runId = rng.uuid();
    for (const sample of r.samples) {
      const s = sample.toString('utf8');
      const entry = JSON.parse(s) as { timestamp: string; message: { provider: string; model: string; api: string; usage: unknown } };
      const m = entry.message;
      lines.push(
        JSON.stringify({
          traceSchema: 'openclaw-trajectory',
          schemaVersion: 1,
          traceId: spec.sessionId,
          source: 'runtime',
          type: 'model.completed',
          ts: entry.timestamp,
          seq: seq++,
          sessionId: spec.sessionId,
          sessionKey: spec.keys[0] ?? null,
          runId,
          provider: m.provider,
          modelId: m.model,
          modelApi: m.api,
          data: { usage: m.usage, messagesSnapshot: [m] },
        }),
      );
      lines.push(s); // assistant-looking transcript row, verbatim
    }
    writeFile600(path.join(dir, `${spec.sessionId}.trajectory.jsonl`), lines.join('\n') + '\n');
    writeFile600(
      path.join(dir, `${spec.sessionId}.trajectory-path.json`),
      JSON.stringify(
        {
          traceSchema: 'openclaw-trajectory-pointer',
          schemaVersion: 1,
          sessionId: spec.sessionId,
          runtimeFile: `${STATE_ROOT}/agents/${agent}/sessions/${spec.sessionId}.trajectory.jsonl`,
        },
        null,
        2,
      ),
    );
  }
  if (ctx.junk && spec.lock) {
    writeFile600(path.join(dir, `${spec.fileName}.lock`), JSON.stringify({ pid: 40000 + rng.int(0, 20000), createdAt: iso(o.nowMs - 5000) }));
  }
}
