/**
 * Text pools of the demo generator: prose, code, log and base64 text built once from a fixed
 * seed, stored JSON-escaped so slices can be pasted into JSON strings.
 */
import { Rng } from './rng.js';

export const B62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
export const B64 = B62 + '+/';
export const ALNUM_LOWER = '0123456789abcdefghijklmnopqrstuvwxyz';

// ---------------------------------------------------------------------------
// Text pools. Built once from a fixed seed; stored already JSON-escaped so slices can
// be pasted into JSON strings. Only two-char escapes (\n, \t, \") are used and only
// BMP characters, so a slice is valid after fixing its two ends (see slicePool).

export interface Pools {
  prose: Buffer;
  code: Buffer;
  log: Buffer;
  b64: Buffer;
}

let POOLS: Pools | null = null;

export const WORDS = (
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

export const CODE_LINES = [
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

export const LOG_LEVELS = ['INFO', 'INFO', 'INFO', 'DEBUG', 'WARN', 'ERROR'];
export const LOG_MODULES = ['sync', 'backup', 'http', 'db', 'scheduler', 'mailer', 'auth', 'cache', 'worker'];

export function buildPools(): Pools {
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

export function pools(): Pools {
  if (!POOLS) POOLS = buildPools();
  return POOLS;
}

/**
 * A random byte range of `len` (about) bytes of a pool that is valid JSON string content:
 * it neither splits a UTF-8 sequence nor an escape.
 */
export function poolRange(rng: Rng, pool: Buffer, len: number): [number, number] {
  if (len > pool.length - 16) len = pool.length - 16;
  let start = Math.floor(rng.float() * (pool.length - len - 8));
  while ((pool[start] & 0xc0) === 0x80) start++;
  if (start > 0 && pool[start - 1] === 92) start++;
  let end = start + len;
  while (end > start && (pool[end] & 0xc0) === 0x80) end--;
  if (pool[end - 1] === 92) end--;
  return [start, end];
}
