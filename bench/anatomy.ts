/**
 * `npm run bench:anatomy` (issue 9): where a cold ingest of the bench's JSONL
 * history (BENCH_MB, default 1024) spends its time, and how long it holds the event
 * loop, in fresh processes:
 *   - stalls: one cold ingest in-process with a 2 ms interval timer: the gaps between
 *     ticks (p99, how many over 25 ms, the longest), CPU and peak RSS. Run with the
 *     shipped Node flags (bench/node-flags.ts); BENCH_NODE_FLAGS overrides them
 *     (BENCH_NODE_FLAGS= for none);
 *   - parts: pieces of the same work, each alone on the same bytes: reading every
 *     byte, the candidate marker search, latin1 JSON.parse of the candidate lines; and,
 *     in a process of its own (so the read bytes do not weigh on its collections),
 *     writing the calls that cold ingest stored (read back from its ledger, span facts
 *     included) into a fresh ledger the way a backfill commits: stepped commits of
 *     10,000 calls, checkpoint thread included;
 *   - unwritten: the same cold ingest as the cycle runs it (sources, parser, labels,
 *     span facts and tool results staged) with the ledger's commits doing nothing: what
 *     everything but the ledger write costs, in a process of its own;
 *   - the exporter scrape of the same history (baseline.ts), for scale.
 * Prints one JSON line per figure and a summary; writes nothing.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { Ledger } from '../src/ledger/ledger.js';
import type { CommitBatch, CommitCall, CommitResult } from '../src/ledger/types.js';
import type { SpanFact } from '../src/model.js';
import { createIngestor } from '../src/ingest/pipeline.js';
import { IngestStats } from '../src/ingest/stats.js';
import { MODEL_CALL_MARKER } from '../src/parse/transcript-line.js';
import { Logger } from '../src/util/log.js';
import { exporterScrape, transcriptFiles } from './baseline.js';
import { SERVE_NODE_FLAGS } from './node-flags.js';
import { ensureJsonlHistory } from './run.js';

const SELF = fileURLToPath(import.meta.url);
const cpuS = (c: NodeJS.CpuUsage) => (c.user + c.system) / 1e6;

function timed<T>(fn: () => T): { cpu: number; value: T } {
  const c0 = process.cpuUsage();
  const value = fn();
  return { cpu: cpuS(process.cpuUsage(c0)), value };
}

async function stalls(stateDir: string, dataDir: string): Promise<Record<string, number>> {
  const ledger = Ledger.open(dataDir);
  const ingestor = createIngestor(ledger, () => [stateDir], { log: new Logger('silent'), stats: new IngestStats() });
  const gaps: number[] = [];
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    gaps.push(now - last);
    last = now;
  }, 2);
  const c0 = process.cpuUsage();
  await ingestor.trigger();
  const cpu = cpuS(process.cpuUsage(c0));
  clearInterval(timer);
  const calls = ledger.callCount();
  ledger.close();
  gaps.sort((a, b) => a - b);
  return {
    calls,
    cpuSeconds: cpu,
    ticks: gaps.length,
    p99TickMs: gaps[Math.floor(gaps.length * 0.99)],
    over25ms: gaps.filter((g) => g > 25).length,
    maxTickMs: gaps[gaps.length - 1],
    maxRssMB: process.resourceUsage().maxRSS / 1024,
  };
}

async function unwritten(stateDir: string, dataDir: string): Promise<Record<string, number>> {
  const ledger = Ledger.open(dataDir);
  let staged = 0;
  const skip = (batch: CommitBatch): CommitResult => {
    staged += batch.calls?.length ?? 0;
    return { inserted: 0, duplicates: 0 };
  };
  // The instance's own properties shadow the two commit methods: nothing reaches SQLite.
  Object.assign(ledger, { commit: skip, commitInSteps: (batch: CommitBatch) => Promise.resolve(skip(batch)) });
  const ingestor = createIngestor(ledger, () => [stateDir], { log: new Logger('silent'), stats: new IngestStats() });
  const c0 = process.cpuUsage();
  await ingestor.trigger();
  const cpu = cpuS(process.cpuUsage(c0));
  ledger.close();
  return { stagedCalls: staged, unwrittenCpu: cpu };
}

function parts(stateDir: string): Record<string, number> {
  const files = transcriptFiles(stateDir);
  const read = timed(() => files.map((f) => fs.readFileSync(f)));
  const data = read.value;
  const lines: Array<[Buffer, number, number]> = [];
  const search = timed(() => {
    for (const b of data) {
      for (let i = b.indexOf(MODEL_CALL_MARKER); i !== -1; i = b.indexOf(MODEL_CALL_MARKER, i + 1)) {
        const s = b.lastIndexOf(0x0a, i) + 1;
        let e = b.indexOf(0x0a, i);
        if (e === -1) e = b.length;
        lines.push([b, s, e]);
        i = e;
      }
    }
  });
  const parse = timed(() => {
    let n = 0;
    for (const [b, s, e] of lines) {
      try {
        if (JSON.parse(b.toString('latin1', s, e)) !== null) n++;
      } catch {
        // a look-alike line
      }
    }
    return n;
  });
  return {
    bytes: data.reduce((n, b) => n + b.length, 0),
    readCpu: read.cpu,
    searchCpu: search.cpu,
    candidateLines: lines.length,
    parseCpu: parse.cpu,
    parsed: parse.value,
  };
}

/** The calls (with span facts) a cold ingest stored in `ingestedDir`, committed again into a fresh ledger as a backfill does. */
async function write(ingestedDir: string): Promise<Record<string, number>> {
  const src = new Database(path.join(ingestedDir, 'ledger.sqlite'), { readonly: true });
  const rows = src.prepare(`SELECT * FROM calls ORDER BY id`).all() as Array<Record<string, unknown>>;
  src.close();
  const calls: CommitCall[] = rows.map((r) => ({
    dedupeKey: r.dedupe_key as string, tsMs: r.ts_ms as number, agent: r.agent as string, compatKind: r.seed_kind as string, kind: r.kind as string,
    channel: r.channel as string, chatType: r.chat_type as string, provider: r.provider as string, model: r.model as string,
    input: r.input as number, output: r.output as number, cacheRead: r.cache_read as number, cacheWrite: r.cache_write as number,
    costUsd: r.cost_usd as number | null, costEstimated: r.cost_estimated === 1, stopReason: r.stop_reason as string,
    errorCategory: r.error_category as string | null, latencyMs: r.latency_ms as number | null, source: r.source as string,
  }));
  const spans = new Map<string, SpanFact>();
  for (const r of rows) {
    if (r.session_hash !== null) spans.set(r.dedupe_key as string, { dedupeKey: r.dedupe_key as string, sessionHash: r.session_hash as string, requestIdHash: r.request_id_hash as string | null, api: r.api as string | null });
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clawmeter-bench-anatomy-'));
  const fresh = Ledger.open(dir);
  const pause = () => Promise.resolve();
  const c0 = process.cpuUsage();
  for (let i = 0; i < calls.length; i += 10_000) {
    const part = calls.slice(i, i + 10_000);
    await fresh.commitInSteps({ calls: part, spans: part.flatMap((c) => spans.get(c.dedupeKey) ?? []) }, pause, 250);
  }
  const cpu = cpuS(process.cpuUsage(c0));
  fresh.close();
  fs.rmSync(dir, { recursive: true, force: true });
  return { calls: calls.length, ledgerWriteCpu: cpu };
}

function child(args: string[], flags: readonly string[]): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, [...flags, SELF, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    c.stdout.on('data', (d) => (out += d));
    c.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop() ?? '{}')) : reject(new Error(`anatomy ${args[0]} exited ${code}`))));
  });
}

async function main(): Promise<void> {
  const [mode, a, b] = process.argv.slice(2);
  if (mode === 'stalls') return void process.stdout.write(JSON.stringify(await stalls(a, b)) + '\n');
  if (mode === 'parts') return void process.stdout.write(JSON.stringify(parts(a)) + '\n');
  if (mode === 'unwritten') return void process.stdout.write(JSON.stringify(await unwritten(a, b)) + '\n');
  if (mode === 'write') return void process.stdout.write(JSON.stringify(await write(a)) + '\n');
  if (mode === 'baseline') return void process.stdout.write(JSON.stringify({ cpuSeconds: timed(() => exporterScrape(a)).cpu }) + '\n');
  const env = process.env.BENCH_NODE_FLAGS;
  const flags = env === undefined ? SERVE_NODE_FLAGS : env.split(/\s+/).filter(Boolean);
  const { stateDir } = await ensureJsonlHistory(Number(process.env.BENCH_MB ?? 1024));
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'clawmeter-bench-anatomy-'));
  const s = await child(['stalls', stateDir, dataDir], flags);
  console.log(JSON.stringify({ stalls: s, flags }));
  const p = { ...(await child(['parts', stateDir], flags)), ...(await child(['write', dataDir], flags)) };
  const emptyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'clawmeter-bench-anatomy-'));
  const u = await child(['unwritten', stateDir, emptyDir], flags);
  fs.rmSync(emptyDir, { recursive: true, force: true });
  console.log(JSON.stringify({ parts: p, unwritten: u }));
  const baseline = (await child(['baseline', stateDir], [])).cpuSeconds;
  const sum = p.readCpu + p.searchCpu + p.parseCpu + p.ledgerWriteCpu;
  console.log(
    `cold ingest ${s.cpuSeconds.toFixed(2)} CPU-s, peak RSS ${s.maxRssMB.toFixed(0)} MB (flags: ${flags.join(' ') || 'none'}); ` +
      `event loop: p99 tick ${s.p99TickMs.toFixed(1)} ms, ${s.over25ms} gaps over 25 ms, longest ${s.maxTickMs.toFixed(0)} ms.\n` +
      `parts alone: read ${p.readCpu.toFixed(2)}, marker search ${p.searchCpu.toFixed(2)}, latin1 JSON.parse of ${p.candidateLines} candidate lines ${p.parseCpu.toFixed(2)}, ` +
      `ledger write of ${p.calls} calls ${p.ledgerWriteCpu.toFixed(2)}: ${sum.toFixed(2)} CPU-s = ${(sum / baseline).toFixed(2)}x one exporter scrape (${baseline.toFixed(2)} CPU-s).\n` +
      `the cold ingest with the ledger's commits left out (${u.stagedCalls} calls staged, nothing written): ${u.unwrittenCpu.toFixed(2)} CPU-s = ${(u.unwrittenCpu / baseline).toFixed(2)}x one exporter scrape; ` +
      `the ledger's share of the cold ingest: ${(s.cpuSeconds - u.unwrittenCpu).toFixed(2)} CPU-s.`,
  );
  fs.rmSync(dataDir, { recursive: true, force: true });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
