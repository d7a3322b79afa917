/**
 * `npm run bench:scale`: cold ingest at several history sizes (BENCH_SCALE, default
 * 256,512,1024,2048 MB), to show time linear and memory flat in history size (issue
 * 9). Per size, in fresh processes: one cold ingest into an empty ledger, one scrape
 * of the original exporter's re-implementation (baseline.ts), and the ledger's size.
 * Writes its table between the scale markers of docs/benchmarks.md.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureJsonlHistory, runChild } from './run.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '../..');

interface Row {
  mb: number;
  calls: number;
  cpuSeconds: number;
  seconds: number;
  rssMB: number;
  baselineCpuSeconds: number;
  ledgerMB: number;
}

async function main(): Promise<void> {
  const sizes = (process.env.BENCH_SCALE ?? '256,512,1024,2048').split(',').map(Number);
  // BENCH_SCALE_ROWS=<file>: re-render the section from rows a run printed (one JSON object a line), measuring nothing.
  const saved = process.env.BENCH_SCALE_ROWS;
  const rows: Row[] = saved ? fs.readFileSync(saved, 'utf8').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Row) : [];
  for (const mb of saved ? [] : sizes) {
    const { stateDir, truth } = await ensureJsonlHistory(mb);
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'clawmeter-bench-scale-'));
    try {
      const cold = await runChild(['ingest', stateDir, dataDir]);
      if (cold.calls !== truth.calls) throw new Error(`${mb} MB: ingested ${cold.calls} calls, ground truth ${truth.calls}`);
      const base = await runChild(['baseline', stateDir]);
      const ledgerMB = fs.statSync(path.join(dataDir, 'ledger.sqlite')).size / 1048576;
      const row = { mb: cold.bytes / 1048576, calls: truth.calls, cpuSeconds: cold.cpuSeconds, seconds: cold.seconds, rssMB: cold.maxRssMB, baselineCpuSeconds: base.cpuSeconds, ledgerMB };
      rows.push(row);
      console.log(JSON.stringify(row));
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }
  const f = (n: number, d = 2) => n.toFixed(d);
  const table = rows
    .map((r) => `| ${f(r.mb, 0)} | ${r.calls} | ${f(r.cpuSeconds)} | ${f((r.cpuSeconds / r.mb) * 1024)} | ${f(r.seconds)} | ${f(r.rssMB, 0)} | ${f(r.baselineCpuSeconds)} | ${f(r.cpuSeconds / r.baselineCpuSeconds)}x | ${f(r.ledgerMB, 1)} |`)
    .join('\n');
  const big = rows[rows.length - 1];
  const perGbCpu = (big.cpuSeconds / big.mb) * 1024;
  const perGbLedger = (big.ledgerMB / big.mb) * 1024;
  const perGbCalls = (big.calls / big.mb) * 1024;
  const extrapolation =
    `Extrapolated from the largest row to a 10 GB history (about ${Math.round(perGbCalls * 10).toLocaleString('en')} calls): cold ingest about ` +
    `${f(perGbCpu * 10, 0)} CPU-s, a ledger of about ${f(perGbLedger * 10, 0)} MB, peak RSS about the same as here ` +
    `(${f(Math.max(...rows.map((r) => r.rssMB)), 0)} MB: what is held is bounded by the commit size, 10,000 calls, and two read buffers, not by ` +
    `the history). What grows with history: the ledger file and its dedupe index (random inserts cost a little more once the index ` +
    `outgrows the page cache; not visible up to ${f(big.mb / 1024, 0)} GB), the open-time integrity scan of the calls (about 55 ms per ` +
    `200,000 calls), and the cursors (one per transcript file).`;
  const md = `<!-- scale-bench -->
## Scale (cold ingest by history size)

Produced by \`npm run bench:scale\` on ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} cores, Node ${process.version}; one
fresh process per figure, on this shared machine (wall time is disturbed by the neighbours; CPU time much less).

| history MB | calls | cold ingest CPU s | CPU s per GB | wall s | peak RSS MB | exporter scrape CPU s | ingest / scrape (CPU) | ledger MB |
|---|---|---|---|---|---|---|---|---|
${table}

${extrapolation}
<!-- /scale-bench -->`;
  console.log(md);
  if (!process.env.BENCH_NO_WRITE) {
    const file = path.join(REPO, 'docs/benchmarks.md');
    const old = fs.readFileSync(file, 'utf8');
    const a = old.indexOf('<!-- scale-bench -->');
    const b = old.indexOf('<!-- /scale-bench -->');
    fs.writeFileSync(file, a >= 0 && b > a ? old.slice(0, a) + md + old.slice(b + '<!-- /scale-bench -->'.length) : `${old.trimEnd()}\n\n${md}\n`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
