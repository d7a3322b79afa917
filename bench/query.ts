/**
 * `npm run bench:query`: the query API (src/query/) over 30 days of the bench
 * history (BENCH_MB, default 1024; generated with `days: 30` and shared with
 * `npm run bench`'s cache in .bench/). One cold ingest in a child builds the
 * ledger; then, in this process, each query runs BENCH_QUERY_RUNS times (default
 * 50, after two warm-ups) and the median and p99 are reported: totals by each
 * dimension, series at 1 h and 1 d, calendar days in Europe/Berlin, the last 50
 * errors. Writes its section of docs/benchmarks.md (between the query-bench marks).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { Ledger } from '../src/ledger/ledger.js';
import { DIMENSIONS, LedgerQuery } from '../src/query/index.js';
import { ensureJsonlHistory, runChild } from './run.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '../..');
const RUNS = Math.max(5, Number(process.env.BENCH_QUERY_RUNS ?? 50));
export const QUERY_MARK_START = '<!-- query-bench -->';
export const QUERY_MARK_END = '<!-- /query-bench -->';
const DAY = 86_400_000;

function stats(xs: number[]): { median: number; p99: number } {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)], p99: s[Math.min(s.length - 1, Math.floor(s.length * 0.99))] };
}

function time(f: () => unknown): { median: number; p99: number; rows: number } {
  let rows = 0;
  for (let i = 0; i < 2; i++) f();
  const t: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const r = f();
    t.push(performance.now() - t0);
    rows = Array.isArray(r) ? r.length : 1;
  }
  return { ...stats(t), rows };
}

async function main(): Promise<void> {
  const mb = Number(process.env.BENCH_MB ?? 1024);
  const { stateDir, truth } = await ensureJsonlHistory(mb);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'clawmeter-bench-query-'));
  try {
    const cold = await runChild(['ingest', stateDir, dataDir]);
    if (cold.calls !== truth.calls) throw new Error(`ingested ${cold.calls} calls, ground truth ${truth.calls}`);
    const t0 = performance.now();
    const ledger = Ledger.open(dataDir);
    const openMs = performance.now() - t0;
    const raw = new Database(ledger.file, { readonly: true });
    const bucketRows = (raw.prepare(`SELECT count(*) AS n FROM call_buckets`).get() as { n: number }).n;
    raw.close();
    const q = new LedgerQuery(ledger);
    const to = (q.lastCallMs() ?? Date.now()) + 1;
    const from = to - 30 * DAY;
    const cases: Array<[string, () => unknown]> = [];
    for (const d of DIMENSIONS) cases.push([`totals by ${d}, 30 days`, () => q.totals({ by: [d], from, to })]);
    cases.push(['totals by provider, model, all time', () => q.totals({ by: ['provider', 'model'] })]);
    cases.push(['series 1 h, 30 days', () => q.series({ from, to, stepMs: 3_600_000 })]);
    cases.push(['series 1 h by model, 30 days', () => q.series({ from, to, stepMs: 3_600_000, by: ['model'] })]);
    cases.push(['series 1 d by model, 30 days', () => q.series({ from, to, stepMs: DAY, by: ['model'] })]);
    cases.push(['calendarSeries day, Europe/Berlin, 30 days', () => q.calendarSeries({ from, to, unit: 'day', tz: 'Europe/Berlin' })]);
    cases.push(['calendarSeries day by model, Asia/Kathmandu, 30 days', () => q.calendarSeries({ from, to, unit: 'day', tz: 'Asia/Kathmandu', by: ['model'] })]);
    cases.push(['series 5 min, last 24 h (calls table)', () => q.series({ from: to - DAY, to, stepMs: 300_000 })]);
    cases.push(['recentErrors(50)', () => q.recentErrors({ limit: 50 })]);
    const results = cases.map(([name, f]) => ({ name, ...time(f) }));
    ledger.close();
    const worst = Math.max(...results.map((r) => r.p99));
    const worstMedian = Math.max(...results.map((r) => r.median));
    const rows = results.map((r) => `| ${r.name} | ${r.rows} | **${r.median.toFixed(2)}** | ${r.p99.toFixed(2)} |`).join('\n');
    const section = `${QUERY_MARK_START}
## Query API

Produced by \`npm run bench:query\` (\`BENCH_MB=${mb}\`) on ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} cores,
Node ${process.version}: a ledger of ${truth.calls} calls over 30 days (${(cold.bytes / 1048576).toFixed(0)} MB of transcripts),
${bucketRows} quarter-hour bucket rows; ledger open (totals and bucket checks) ${openMs.toFixed(0)} ms. Each query ran ${RUNS} times after
two warm-ups, in one process, on this shared 2-core machine (other work running beside it). Target: under
100 ms; worst median here ${worstMedian.toFixed(1)} ms (${worstMedian < 100 ? 'met' : '**not met**'}), worst p99 ${worst.toFixed(1)} ms
(${worst < 100 ? 'met' : '**not met**'}).

| query | rows | median ms | p99 ms |
|---|---|---|---|
${rows}
${QUERY_MARK_END}`;
    console.log(section);
    if (!process.env.BENCH_NO_WRITE) writeSection(path.join(REPO, 'docs/benchmarks.md'), section);
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Replaces (or appends) the query section of docs/benchmarks.md. */
export function writeSection(file: string, section: string): void {
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const a = text.indexOf(QUERY_MARK_START);
  const b = text.indexOf(QUERY_MARK_END);
  const next = a >= 0 && b > a ? text.slice(0, a) + section + text.slice(b + QUERY_MARK_END.length) : `${text.trimEnd()}\n\n${section}\n`;
  fs.writeFileSync(file, next);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
