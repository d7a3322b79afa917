/**
 * Load: `wrk` against `clawmeter serve` on 127.0.0.1 with a large ledger while
 * history is appended, then 500 slow clients against one normal scrape.
 *   npm run build && node dist/bench/load.js
 * LOAD_MB (default 1500, about 262k calls) sizes the generated history,
 * LOAD_SECONDS (60) and LOAD_CONNECTIONS (100, comma-separated for several runs)
 * shape the wrk runs (plain, then gzip). The state, ledger and results live in
 * .bench/ (LOAD_DIR); the history is generated and ingested once and reused.
 * LOAD_SERVE_ARGS adds flags to `serve` (e.g. `--windows 1m` to take the rolling
 * window refresh, a synchronous query per ingest cycle, out of the picture).
 * LOAD_TARGETS (comma-separated paths, default /metrics, /api/v1/summary and the
 * dashboard's /api/v1/series?by=model&range=24h) are each run plain, then gzip.
 * Each run records the machine's load average before and after (other work on the
 * same cores shows there) and the body size of its target.
 * Results are printed as JSON and written to .bench/load.json.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { generateStateDir } from '../src/demo/generate.js';
import { assistantLine, headerLine } from '../test/helpers.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '../..');
const BIN = path.join(REPO, 'bin/clawmeter.js');
const DIR = process.env.LOAD_DIR ?? path.join(REPO, '.bench/load');
const MB = Number(process.env.LOAD_MB ?? 1500);
const SECONDS = Number(process.env.LOAD_SECONDS ?? 60);
const SERVE_ARGS = (process.env.LOAD_SERVE_ARGS ?? '').split(' ').filter(Boolean);
const CONNECTIONS = (process.env.LOAD_CONNECTIONS ?? '100').split(',').map(Number);
const TARGETS = (process.env.LOAD_TARGETS ?? '/metrics,/api/v1/summary,/api/v1/series?by=model&range=24h').split(',').filter(Boolean);

export interface WrkResult {
  requests: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  socketErrors: { connect: number; read: number; write: number; timeout: number };
  non2xx: number;
}

function ms(v: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(v.trim());
  if (!m) return NaN;
  return Number(m[1]) * { us: 0.001, ms: 1, s: 1000, m: 60_000 }[m[2] as 'us' | 'ms' | 's' | 'm'];
}

/** Reads wrk's --latency report. */
export function parseWrk(out: string): WrkResult {
  const num = (re: RegExp) => Number(re.exec(out)?.[1] ?? 0);
  const se = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return {
    requests: num(/(\d+) requests in/),
    rps: num(/Requests\/sec:\s+([\d.]+)/),
    p50Ms: ms(/\s50%\s+(\S+)/.exec(out)?.[1] ?? ''),
    p99Ms: ms(/\s99%\s+(\S+)/.exec(out)?.[1] ?? ''),
    maxMs: ms(/Latency\s+\S+\s+\S+\s+(\S+)/.exec(out)?.[1] ?? ''),
    socketErrors: se ? { connect: +se[1], read: +se[2], write: +se[3], timeout: +se[4] } : { connect: 0, read: 0, write: 0, timeout: 0 },
    non2xx: num(/Non-2xx or 3xx responses: (\d+)/),
  };
}

function prepare(): { stateDir: string; dataDir: string; calls: number } {
  const stateDir = path.join(DIR, 'state');
  const dataDir = path.join(DIR, 'data');
  const truthFile = path.join(DIR, 'truth.json');
  if (!fs.existsSync(truthFile)) {
    fs.rmSync(DIR, { recursive: true, force: true });
    fs.mkdirSync(DIR, { recursive: true });
    const t = generateStateDir({ dir: stateDir, seed: 14, targetBytes: MB * 1024 * 1024, junk: false });
    const r = spawnSync(process.execPath, [BIN, 'ingest', '--state-dir', stateDir, '--data-dir', dataDir, '--log-level', 'warn'], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`ingest exited ${r.status}`);
    fs.writeFileSync(truthFile, JSON.stringify({ calls: t.calls }));
  }
  return { stateDir, dataDir, calls: (JSON.parse(fs.readFileSync(truthFile, 'utf8')) as { calls: number }).calls };
}

async function startServe(stateDir: string, dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [BIN, 'serve', '--state-dir', stateDir, '--data-dir', dataDir, '--listen', '127.0.0.1:0', '--interval', '1', '--log-level', 'info', ...SERVE_ARGS], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  const url = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('serve did not start')), 60_000);
    child.stderr!.on('data', (d) => {
      log += d;
      const m = /url=(http:\/\/\S+?)\/metrics/.exec(log);
      if (m) {
        clearTimeout(t);
        resolve(m[1]);
      }
    });
  });
  return { child, url };
}

function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; bytes: number; ms: number }> {
  const t = performance.now();
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false, timeout: 30_000, headers }, (res) => {
        let bytes = 0;
        res.on('data', (c: Buffer) => (bytes += c.length));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes, ms: performance.now() - t }));
      })
      .on('error', reject);
  });
}

/** Runs wrk without blocking this process (the appender keeps appending meanwhile). */
function wrk(url: string, c: number, extra: string[]): Promise<WrkResult & { raw: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('wrk', ['-t2', `-c${c}`, `-d${SECONDS}s`, '--latency', '--timeout', '2s', ...extra, url], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => (code === 0 ? resolve({ ...parseWrk(out), raw: out }) : reject(new Error(`wrk failed: ${err}`))));
  });
}

async function slowClients(url: string, n: number): Promise<{ held: number; scrapes: number; failures: number; p50Ms: number; maxMs: number }> {
  const { hostname, port } = new URL(url);
  const socks: net.Socket[] = [];
  for (let i = 0; i < n; i++) {
    const s = net.connect(Number(port), hostname);
    s.on('error', () => {});
    // Headers that never end, one byte now and then.
    s.write('GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: ');
    socks.push(s);
  }
  await new Promise((r) => setTimeout(r, 1000));
  const drip = setInterval(() => socks.forEach((s) => !s.destroyed && s.write('a')), 500);
  const lat: number[] = [];
  let failures = 0;
  for (let i = 0; i < 20; i++) {
    try {
      const r = await get(`${url}/metrics`);
      if (r.status === 200) lat.push(r.ms);
      else failures++;
    } catch {
      failures++;
    }
  }
  clearInterval(drip);
  const held = socks.filter((s) => !s.destroyed).length;
  socks.forEach((s) => s.destroy());
  lat.sort((a, b) => a - b);
  return { held, scrapes: lat.length, failures, p50Ms: Number((lat[Math.floor(lat.length / 2)] ?? NaN).toFixed(2)), maxMs: Number((lat[lat.length - 1] ?? NaN).toFixed(2)) };
}

async function main(): Promise<void> {
  const { stateDir, dataDir, calls } = prepare();
  const { child, url } = await startServe(stateDir, dataDir);
  // Wait for the ledger to be served.
  let body = 0;
  for (let i = 0; i < 600; i++) {
    const r = await get(`${url}/metrics`).catch(() => null);
    if (r && r.status === 200) {
      body = r.bytes;
      break;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  // Steady state: the restart's first ingest cycle (a pass over every file's cursor) has ended.
  const t0 = Date.now();
  for (let i = 0; i < 6000; i++) {
    const t = await (await fetch(`${url}/metrics`).catch(() => null))?.text().catch(() => '') ?? '';
    if (Number(/^clawmeter_ingest_duration_seconds_count (\S+)$/m.exec(t)?.[1] ?? 0) >= 1) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const firstCycleS = (Date.now() - t0) / 1000;
  // History appended during the runs: one call every 20 ms into a fresh session file.
  const sessions = path.join(stateDir, 'agents/main/sessions');
  const file = path.join(sessions, `load-${Date.now()}.jsonl`);
  fs.writeFileSync(file, headerLine(path.basename(file, '.jsonl')) + '\n');
  let appended = 0;
  const appender = setInterval(() => {
    fs.appendFileSync(file, assistantLine() + '\n');
    appended++;
  }, 20);

  const runs: Array<Record<string, unknown>> = [];
  const load = () => os.loadavg().map((v) => Number(v.toFixed(2)));
  for (const target of TARGETS) {
    for (const c of CONNECTIONS) {
      for (const [name, extra] of [['plain', []], ['gzip', ['-H', 'Accept-Encoding: gzip']]] as Array<[string, string[]]>) {
        const sample = await get(`${url}${target}`, name === 'gzip' ? { 'Accept-Encoding': 'gzip' } : {});
        const loadBefore = load();
        const { raw, ...r } = await wrk(`${url}${target}`, c, extra);
        runs.push({ target, connections: c, encoding: name, seconds: SECONDS, bodyBytes: sample.bytes, loadBefore, loadAfter: load(), ...r });
        process.stderr.write(`wrk -c${c} ${target} ${name} (load ${loadBefore.join(' ')}):\n${raw}\n`);
      }
    }
  }
  const slow = await slowClients(url, 500);
  const m = await (await fetch(`${url}/metrics`).catch(() => null))?.text().catch(() => '') ?? '';
  const metric = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(m)?.[1] ?? NaN);
  const serveStats = {
    ledgerCalls: metric('clawmeter_ledger_calls'),
    ingestCycles: metric('clawmeter_ingest_duration_seconds_count'),
    ingestSecondsMean: Number((metric('clawmeter_ingest_duration_seconds_sum') / metric('clawmeter_ingest_duration_seconds_count')).toFixed(3)),
    eventLoopLagP99Ms: Number((metric('nodejs_eventloop_lag_p99_seconds') * 1000).toFixed(1)),
    renderMs: metric('openclaw_codex_exporter_scrape_duration_ms'),
  };
  clearInterval(appender);
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  fs.rmSync(file, { force: true });

  const result = { serveArgs: SERVE_ARGS, firstCycleS, serveStats, ledgerCalls: calls, bodyBytes: body, appendedDuringRuns: appended, runs, slowClients: slow, node: process.version, cores: os.cpus().length };
  fs.writeFileSync(process.env.LOAD_OUT ?? path.join(path.dirname(DIR), 'load.json'), JSON.stringify(result, null, 2) + '\n');
  process.stdout.write(JSON.stringify(result, null, 2) + '\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  main().catch((err) => {
    process.stderr.write(`load: ${(err as Error).message}\n`);
    process.exitCode = 2;
  });
}
