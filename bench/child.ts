/**
 * Bench worker, run in a fresh process so its memory and timings are its own.
 *   child.js ingest <stateDir> <dataDir>   cold ingest into an empty ledger
 *   child.js scrape <stateDir> <dataDir>   warm scrapes on an existing ledger
 *   child.js baseline|baseline-every|read <stateDir>   the reference figures (baseline.ts)
 * Prints one JSON line.
 */
import { Ledger } from '../src/ledger/ledger.js';
import { createIngestor } from '../src/ingest/pipeline.js';
import { IngestStats } from '../src/ingest/stats.js';
import { MetricsRenderer } from '../src/sinks/prometheus/render.js';
import { startServer } from '../src/sinks/http/server.js';
import { Logger } from '../src/util/log.js';
import { exporterScrape, plainRead } from './baseline.js';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}
function p99(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * 0.99))];
}
const maxRssMB = () => process.resourceUsage().maxRSS / 1024;

async function main(): Promise<void> {
  const [mode, stateDir, dataDir] = process.argv.slice(2);
  if (mode === 'baseline' || mode === 'baseline-every' || mode === 'read') {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const r = mode === 'read' ? plainRead(stateDir) : exporterScrape(stateDir, { every: mode === 'baseline-every' });
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(c0);
    process.stdout.write(JSON.stringify({ ...r, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, maxRssMB: maxRssMB() }) + '\n');
    return;
  }
  const ledger = Ledger.open(dataDir);
  const stats = new IngestStats();
  const ingestor = createIngestor(ledger, () => [stateDir], { log: new Logger('silent'), stats });
  if (mode === 'ingest') {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    await ingestor.trigger();
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(c0);
    process.stdout.write(JSON.stringify({ seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, bytes: stats.bytesRead, calls: ledger.callCount(), maxRssMB: maxRssMB() }) + '\n');
  } else if (mode === 'scrape') {
    await ingestor.trigger(); // a warm cycle: nothing new to read
    const renderer = new MetricsRenderer(ledger, stats, { version: 'bench', demo: false, showAccountEmails: false, maxSeries: 2000 });
    const times: number[] = [];
    for (let i = 0; i < 500; i++) {
      const t0 = performance.now();
      renderer.render();
      times.push(performance.now() - t0);
    }
    const server = await startServer(
      {
        renderMetrics: () => renderer.render(),
        readiness: () => stats.readiness(),
        status: () => ({ demo: false, stateDirs: [stateDir], dataDir, version: 'bench', calls: ledger.callCount(), lastIngestMs: null }),
      },
      '127.0.0.1',
      0,
    );
    const http: number[] = [];
    for (let i = 0; i < 200; i++) {
      const t0 = performance.now();
      await (await fetch(`${server.url}/metrics`)).text();
      http.push(performance.now() - t0);
    }
    await server.close();
    process.stdout.write(
      JSON.stringify({ renderMedianMs: median(times), renderP99Ms: p99(times), httpMedianMs: median(http), maxRssMB: maxRssMB() }) + '\n',
    );
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
  ledger.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
