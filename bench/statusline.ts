/**
 * `npm run bench:statusline`: how long `clawmeter statusline` takes in a shell
 * prompt, warm, against `node -e 0` (Node's own start) measured in the same run,
 * interleaved round by round so both see the same load:
 *   - `serve`: beside a running `clawmeter serve` that holds the ledger (the line
 *     comes from its JSON API);
 *   - `--no-ingest`: no serve, the ledger read read-only;
 *   - `ingest`: no serve, the default (one ingest cycle with nothing new first).
 * The ledger holds BENCH_STATUSLINE_DAYS (default 30) days, BENCH_STATUSLINE_MB
 * (default 64) MB of a generated history, and one provider-reported window. After 3 warm-up rounds,
 * BENCH_STATUSLINE_RUNS rounds (default 40) are timed (spawn to exit); the median
 * and p90 are reported, and the section of docs/cli.md between the
 * statusline-bench marks is rewritten (BENCH_STATUSLINE_WRITE=0 to only print).
 * Every line printed must be the same in the three modes.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { generateStateDir } from '../src/demo/generate.js';
import { Ledger } from '../src/ledger/ledger.js';
import { readOwner } from '../src/ledger/owner.js';
import { callerNodeEnv } from './node-flags.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '../..');
const BIN = path.join(REPO, 'bin/clawmeter.js');
const RUNS = Math.max(5, Number(process.env.BENCH_STATUSLINE_RUNS ?? 40));
const DAYS = Math.max(1, Number(process.env.BENCH_STATUSLINE_DAYS ?? 30));
const MB = Math.max(1, Number(process.env.BENCH_STATUSLINE_MB ?? 64));
const WARMUP = 3;
export const STATUSLINE_MARK_START = '<!-- statusline-bench -->';
export const STATUSLINE_MARK_END = '<!-- /statusline-bench -->';
const TARGET_MS = 100;

interface Stat {
  median: number;
  p90: number;
}

function stat(xs: number[]): Stat {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)], p90: s[Math.min(s.length - 1, Math.floor(s.length * 0.9))] };
}

/** One process from spawn to exit, in ms, and what it printed. */
function timed(args: string[], env: NodeJS.ProcessEnv): { ms: number; out: string } {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', env });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
  return { ms, out: r.stdout };
}

async function waitFor(what: string, ok: () => boolean, ms = 60_000): Promise<void> {
  const until = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function main(): Promise<void> {
  const load0 = os.loadavg()[0];
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'clawmeter-bench-statusline-'));
  try {
    const stateDir = path.join(root, 'state');
    const dataDir = path.join(root, 'data');
    const now = Date.now();
    const truth = generateStateDir({ dir: stateDir, seed: 11, nowMs: now, days: DAYS, targetBytes: MB * 1024 * 1024, junk: false });
    // Node's own variables of the caller (they change the start-up of both), no config or state of theirs
    const node = callerNodeEnv();
    const env = { ...node, PATH: process.env.PATH ?? '', HOME: path.join(root, 'home'), TZ: process.env.TZ ?? 'Europe/Berlin' };
    timed([BIN, 'ingest', '--state-dir', stateDir, '--data-dir', dataDir, '--log-level', 'error'], env);
    // one provider-reported window, so the line is the usual one of a subscription
    const l = Ledger.open(dataDir);
    l.commit({
      calls: [],
      quota: { stateDir, agent: 'main', source: 'quota-poll', rows: [{ provider: 'anthropic', limit: 'session', window: '5h', windowMinutes: 300, usedRatio: 0.42, resetsAtMs: now + 3 * 3_600_000, observedAtMs: now, plan: 'max' }] },
    });
    l.close();
    const sl = [BIN, 'statusline', '--state-dir', stateDir, '--data-dir', dataDir];
    const modes: Record<string, string[]> = { 'node -e 0': ['-e', '0'], '--no-ingest': [...sl, '--no-ingest'], ingest: sl };
    const times: Record<string, number[]> = { 'node -e 0': [], serve: [], '--no-ingest': [], ingest: [] };
    const lines = new Set<string>();
    for (let i = 0; i < WARMUP + RUNS; i++) {
      for (const [name, args] of Object.entries(modes)) {
        const r = timed(args, env);
        if (name !== 'node -e 0') lines.add(r.out);
        if (i >= WARMUP) times[name].push(r.ms);
      }
    }
    // beside a serve that holds the ledger
    const serve = spawn(process.execPath, [BIN, 'serve', '--state-dir', stateDir, '--data-dir', dataDir, '--listen', '127.0.0.1:0', '--log-level', 'error'], { env, stdio: 'ignore' });
    try {
      await waitFor('serve to advertise its API', () => readOwner(dataDir)?.api !== undefined && readOwner(dataDir)?.pid === serve.pid);
      const api = readOwner(dataDir)!.api!;
      for (let i = 0; (await fetch(`${api.url}/readyz`).then((r) => r.status, () => 0)) !== 200; i++) {
        if (i > 600) throw new Error('serve did not get ready');
        await new Promise((r) => setTimeout(r, 100));
      }
      for (let i = 0; i < WARMUP + RUNS; i++) {
        const b = timed(['-e', '0'], env);
        const r = timed(sl, env);
        lines.add(r.out);
        if (i >= WARMUP) {
          times['node -e 0'].push(b.ms);
          times.serve.push(r.ms);
        }
      }
    } finally {
      serve.kill('SIGTERM');
      await new Promise((r) => serve.once('exit', r));
    }
    // the reset countdown may tick over a minute during the run: compare without it
    const shapes = new Set([...lines].map((x) => x.replace(/↻\S+/, '↻')));
    if (shapes.size !== 1) throw new Error(`the modes printed different lines: ${JSON.stringify([...lines])}`);
    const s = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, stat(v)])) as Record<string, Stat>;
    const base = s['node -e 0'];
    const row = (k: string) => `| ${k === 'serve' ? 'beside a running `serve`' : k === 'ingest' ? 'no serve, default (an ingest cycle first)' : k === '--no-ingest' ? 'no serve, `--no-ingest`' : '`node -e 0` (baseline)'} | ${s[k].median.toFixed(0)} | ${s[k].p90.toFixed(0)} | ${k === 'node -e 0' ? '–' : '+' + (s[k].median - base.median).toFixed(0)} |`;
    const verdict = (k: string) => `${s[k].median < TARGET_MS ? 'met' : '**not met**'}`;
    const section = [
      STATUSLINE_MARK_START,
      `Measured by \`npm run bench:statusline\` on ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} cores (load average ${load0.toFixed(1)} at the start, ${os.loadavg()[0].toFixed(1)} at the end), Node ${process.version}:`,
      `${RUNS} warm runs per mode (after ${WARMUP} warm-ups), spawn to exit, interleaved with \`node -e 0\` in the same run (same environment: TZ=${env.TZ}, NODE_* variables: ${Object.keys(node).join(', ') || 'none'});`,
      `a ledger of ${DAYS} days, ${MB} MB of transcripts (${truth.calls} calls) with one provider-reported window. The line was \`${[...lines][0].trim()}\` in every mode.`,
      '',
      '| statusline | median ms | p90 ms | over `node -e 0` (median) |',
      '|---|---|---|---|',
      row('node -e 0'),
      row('serve'),
      row('--no-ingest'),
      row('ingest'),
      '',
      `Target under ${TARGET_MS} ms warm: beside a running serve ${verdict('serve')}, with \`--no-ingest\` ${verdict('--no-ingest')}, with an ingest cycle ${verdict('ingest')}.`,
      STATUSLINE_MARK_END,
    ].join('\n');
    process.stdout.write(section + '\n');
    if (process.env.BENCH_STATUSLINE_WRITE !== '0') {
      const doc = path.join(REPO, 'docs/cli.md');
      const text = fs.readFileSync(doc, 'utf8');
      const a = text.indexOf(STATUSLINE_MARK_START);
      const b = text.indexOf(STATUSLINE_MARK_END);
      if (a < 0 || b < a) throw new Error(`docs/cli.md has no ${STATUSLINE_MARK_START} … ${STATUSLINE_MARK_END} section`);
      fs.writeFileSync(doc, text.slice(0, a) + section + text.slice(b + STATUSLINE_MARK_END.length));
    }
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

await main();
