/**
 * Soak: `clawmeter serve` in a child process for SOAK_MINUTES (default 30) while
 * this script appends model calls to transcripts (SOAK_APPEND_MS, default 50 ms
 * per call, new session files now and then) and scrapes /metrics every
 * SOAK_SCRAPE_MS (default 250 ms). It samples the child's RSS from /proc every
 * 10 s and reports the least-squares slope after a 2-minute warm-up, the scrape
 * latency and error counts, and whether the exported totals end exactly equal
 * to what was appended. Run it alone (it is not part of `npm test`):
 *   npm run build && node dist/bench/soak.js
 * Results are printed as JSON and written to SOAK_OUT (default .bench/soak.json).
 *
 * For multi-hour runs: SOAK_LOG (optional) gets one JSON line per RSS sample as it is
 * taken (time, minute, RSS, heap, calls appended, scrapes, errors), so a run that is
 * still going can be read; SOAK_PERIOD_MIN (default 30) splits the run into periods,
 * each with its own RSS slope (plus the slope over the last 60 minutes); every
 * SOAK_CHECK_MIN (default 15) minutes the appender pauses until the exported totals
 * equal what was appended (an exactness checkpoint, logged too). Summarise a log so
 * far with `node dist/bench/soak.js --summarize FILE`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { assistantLine, headerLine, makeState } from '../test/helpers.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '../..');
const BIN = path.join(REPO, 'bin/clawmeter.js');

const MINUTES = Number(process.env.SOAK_MINUTES ?? 30);
const APPEND_MS = Number(process.env.SOAK_APPEND_MS ?? 50);
const SCRAPE_MS = Number(process.env.SOAK_SCRAPE_MS ?? 250);
const OUT = process.env.SOAK_OUT ?? path.join(REPO, '.bench/soak.json');
const LOG = process.env.SOAK_LOG ?? '';
const PERIOD_MIN = Number(process.env.SOAK_PERIOD_MIN ?? 30);
const CHECK_MIN = Number(process.env.SOAK_CHECK_MIN ?? 15);

export interface SoakSample {
  at: string;
  minute: number;
  rssMB: number;
  heapUsedMB: number | null;
  appended: number;
  scrapes: number;
  scrapeErrors: number;
}

export interface PeriodSlope {
  fromMin: number;
  toMin: number;
  samples: number;
  rssStartMB: number;
  rssEndMB: number;
  rssSlopeMBPerHour: number;
}

/** RSS slope per period of `periodMin` minutes (after a 2-minute warm-up) and over the last hour. */
export function periodSlopes(samples: Array<[number, number]>, periodMin: number): { periods: PeriodSlope[]; lastHourSlopeMBPerHour: number | null } {
  const warm = samples.filter(([m]) => m >= 2);
  const periods: PeriodSlope[] = [];
  if (warm.length === 0) return { periods, lastHourSlopeMBPerHour: null };
  const last = warm[warm.length - 1][0];
  for (let from = 0; from < last; from += periodMin) {
    const pts = warm.filter(([m]) => m >= from && m < from + periodMin);
    if (pts.length < 2) continue;
    periods.push({
      fromMin: from,
      toMin: from + periodMin,
      samples: pts.length,
      rssStartMB: Number(pts[0][1].toFixed(1)),
      rssEndMB: Number(pts[pts.length - 1][1].toFixed(1)),
      rssSlopeMBPerHour: Number((slope(pts) * 60).toFixed(2)),
    });
  }
  const hour = warm.filter(([m]) => m >= last - 60);
  const lastHourSlopeMBPerHour = last >= 62 ? Number((slope(hour) * 60).toFixed(2)) : null;
  return { periods, lastHourSlopeMBPerHour };
}

/** Summary of a SOAK_LOG file, complete or still being written. */
export function summarizeLog(text: string, periodMin = PERIOD_MIN): Record<string, unknown> {
  const samples: SoakSample[] = [];
  const checks: Array<Record<string, unknown>> = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const o = JSON.parse(line) as Record<string, unknown>;
      if (o.kind === 'check') checks.push(o);
      else if (typeof o.rssMB === 'number') samples.push(o as unknown as SoakSample);
    } catch {
      // a line cut by a still-running writer
    }
  }
  const pts = samples.map((s) => [s.minute, s.rssMB] as [number, number]);
  const heap = samples.filter((s) => s.heapUsedMB !== null && s.minute >= 2).map((s) => [s.minute, s.heapUsedMB!] as [number, number]);
  const last = samples[samples.length - 1];
  return {
    samples: samples.length,
    minutes: last ? Number(last.minute.toFixed(1)) : 0,
    appended: last?.appended ?? 0,
    scrapes: last?.scrapes ?? 0,
    scrapeErrors: last?.scrapeErrors ?? 0,
    rssMinMB: samples.length ? Number(Math.min(...pts.map((p) => p[1])).toFixed(1)) : null,
    rssMaxMB: samples.length ? Number(Math.max(...pts.map((p) => p[1])).toFixed(1)) : null,
    rssLastMB: last ? Number(last.rssMB.toFixed(1)) : null,
    rssSlopeAfterWarmupMBPerHour: Number((slope(pts.filter(([m]) => m >= 2)) * 60).toFixed(2)),
    heapUsedSlopeMBPerHour: Number((slope(heap) * 60).toFixed(2)),
    ...periodSlopes(pts, periodMin),
    checks: checks.length,
    checksExact: checks.filter((c) => c.exact === true).length,
    checksList: checks,
  };
}

function rssMB(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** Least-squares slope of y over x. */
export function slope(points: Array<[number, number]>): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((a, p) => a + p[0], 0) / n;
  const my = points.reduce((a, p) => a + p[1], 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

/** Sum of every sample of one family in a text exposition. */
export function familySum(text: string, name: string): number {
  let s = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(name + '{') || line.startsWith(name + ' ')) s += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return s;
}

function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

async function main(): Promise<void> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'clawmeter-soak-'));
  const { stateDir, sessions } = makeState(root);
  const dataDir = path.join(root, 'data');
  const child = spawn(process.execPath, [BIN, 'serve', '--state-dir', stateDir, '--data-dir', dataDir, '--listen', '127.0.0.1:0', '--interval', '1', '--log-level', 'info'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr.on('data', (d) => (log = (log + d).slice(-20_000)));
  const url = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('serve did not start')), 30_000);
    const on = () => {
      const m = /url=(http:\/\/\S+?)\/metrics/.exec(log);
      if (m) {
        clearTimeout(t);
        child.stderr.off('data', on);
        resolve(m[1]);
      }
    };
    child.stderr.on('data', on);
  });

  const started = Date.now();
  const end = started + MINUTES * 60_000;
  let appended = 0;
  let file = 0;
  let fileCalls = 0;
  let current = '';
  const newFile = () => {
    current = path.join(sessions, `soak-${file++}.jsonl`);
    fs.writeFileSync(current, headerLine(`soak-${file}`) + '\n');
    fileCalls = 0;
  };
  newFile();
  let paused = false;
  const appender = setInterval(() => {
    if (paused) return;
    if (fileCalls >= 500) newFile();
    fs.appendFileSync(current, assistantLine({ input: 100, output: 10 }) + '\n');
    appended++;
    fileCalls++;
  }, APPEND_MS);

  const rss: Array<[number, number]> = [];
  const lat: number[] = [];
  const heap: Array<[number, number]> = [];
  let lastHeapAt = 0;
  let lastHeapMB: number | null = null;
  let scrapeErrors = 0;
  let scrapes = 0;
  const logLine = (o: unknown) => {
    if (LOG) fs.appendFileSync(LOG, JSON.stringify(o) + '\n');
  };
  if (LOG) fs.mkdirSync(path.dirname(LOG), { recursive: true });
  const sampler = setInterval(() => {
    const r = rssMB(child.pid!);
    const minute = (Date.now() - started) / 60_000;
    if (r !== null) {
      rss.push([minute, r]);
      logLine({ at: new Date().toISOString(), minute: Number(minute.toFixed(3)), rssMB: Number(r.toFixed(2)), heapUsedMB: lastHeapMB, appended, scrapes, scrapeErrors } satisfies SoakSample);
    }
  }, 10_000);

  const checks: Array<{ minute: number; appended: number; exported: number; exact: boolean; waitedMs: number }> = [];
  let nextCheck = started + CHECK_MIN * 60_000;
  while (Date.now() < end) {
    const t0 = performance.now();
    let text = '';
    try {
      const r = await fetch(`${url}/metrics`);
      text = await r.text();
      if (r.status !== 200) scrapeErrors++;
      if (Date.now() - lastHeapAt >= 10_000) {
        lastHeapAt = Date.now();
        lastHeapMB = Number((familySum(text, 'nodejs_heap_size_used_bytes') / 1024 / 1024).toFixed(2));
        heap.push([(Date.now() - started) / 60_000, lastHeapMB]);
      }
    } catch {
      scrapeErrors++;
    }
    lat.push(performance.now() - t0);
    scrapes++;
    if (CHECK_MIN > 0 && Date.now() >= nextCheck) {
      // Exactness checkpoint: stop appending until the exporter has caught up.
      nextCheck += CHECK_MIN * 60_000;
      paused = true;
      const w0 = Date.now();
      let exported = -1;
      while (Date.now() - w0 < 60_000) {
        try {
          const t = await (await fetch(`${url}/metrics`)).text();
          exported = familySum(t, 'openclaw_usage_messages_total');
          if (exported === appended && familySum(t, 'openclaw_codex_input_tokens_total') === appended * 100) break;
        } catch {
          scrapeErrors++;
        }
        await new Promise((r) => setTimeout(r, 500));
      }
      const c = { minute: Number(((Date.now() - started) / 60_000).toFixed(2)), appended, exported, exact: exported === appended, waitedMs: Date.now() - w0 };
      checks.push(c);
      logLine({ kind: 'check', at: new Date().toISOString(), ...c });
      paused = false;
    }
    await new Promise((r) => setTimeout(r, SCRAPE_MS));
  }
  clearInterval(appender);
  clearInterval(sampler);

  // Let the last cycle commit, then compare the totals exactly.
  let messages = -1;
  let input = -1;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const t = await (await fetch(`${url}/metrics`)).text();
    messages = familySum(t, 'openclaw_usage_messages_total');
    input = familySum(t, 'openclaw_codex_input_tokens_total');
    if (messages === appended && input === appended * 100) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  fs.rmSync(root, { recursive: true, force: true });

  const warm = rss.filter(([m]) => m >= 2);
  const warmHeap = heap.filter(([m]) => m >= 2);
  const result = {
    minutes: MINUTES,
    appended,
    files: file,
    exportedMessages: messages,
    exportedInputTokens: input,
    totalsExact: messages === appended && input === appended * 100 && checks.every((c) => c.exact),
    scrapes,
    scrapeErrors,
    scrapeP50Ms: Number(percentile(lat, 50).toFixed(2)),
    scrapeP99Ms: Number(percentile(lat, 99).toFixed(2)),
    scrapeMaxMs: Number(Math.max(...lat).toFixed(2)),
    rssFirstMB: Number((warm[0]?.[1] ?? NaN).toFixed(1)),
    rssLastMB: Number((warm[warm.length - 1]?.[1] ?? NaN).toFixed(1)),
    rssMaxMB: Number(Math.max(...rss.map((p) => p[1])).toFixed(1)),
    rssSlopeMBPerHour: Number((slope(warm) * 60).toFixed(2)),
    heapUsedFirstMB: Number((warmHeap[0]?.[1] ?? NaN).toFixed(1)),
    heapUsedLastMB: Number((warmHeap[warmHeap.length - 1]?.[1] ?? NaN).toFixed(1)),
    heapUsedSlopeMBPerHour: Number((slope(warmHeap) * 60).toFixed(2)),
    ...periodSlopes(rss, PERIOD_MIN),
    checks: checks.length,
    checksExact: checks.filter((c) => c.exact).length,
    rssGrowthBytesPerCall: Number(((((warm[warm.length - 1]?.[1] ?? 0) - (warm[0]?.[1] ?? 0)) * 1024 * 1024) / Math.max(1, appended)).toFixed(0)),
    node: process.version,
  };
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  fs.writeFileSync(OUT, JSON.stringify(result, null, 2) + '\n');
  process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  process.exitCode = result.totalsExact && scrapeErrors === 0 ? 0 : 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const i = process.argv.indexOf('--summarize');
  if (i > 0) {
    process.stdout.write(JSON.stringify(summarizeLog(fs.readFileSync(process.argv[i + 1], 'utf8')), null, 2) + '\n');
  } else main().catch((err) => {
    process.stderr.write(`soak: ${(err as Error).message}\n`);
    process.exitCode = 2;
  });
}
