/**
 * Scrape latency during a cold backfill (issue 9): `clawmeter serve` is started on
 * a fresh ledger, and GET /metrics is sent back to back (10 ms apart) from the
 * moment it listens until a scrape shows every call of the history. Each scrape's
 * round trip is timed on the client, so a commit that holds the event loop shows up
 * as a slow scrape. Target: p99 under 50 ms.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import fs from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { SERVE_NODE_FLAGS } from './node-flags.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const BIN = path.join(HERE, '../../bin/clawmeter.js');

export interface BackfillScrapes {
  scrapes: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** spawn to the first scrape with every call */
  backfillSeconds: number;
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(s.length * q))] : NaN;
}

export async function scrapesDuringBackfill(stateArgs: string[], expectedCalls: number): Promise<BackfillScrapes> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'clawmeter-bench-backfill-'));
  const port = 21000 + Math.floor(Math.random() * 2000);
  const started = performance.now();
  const child = spawn(process.execPath, [...SERVE_NODE_FLAGS, BIN, 'serve', ...stateArgs, '--data-dir', dataDir, '--listen', `127.0.0.1:${port}`, '--log-level', 'silent', '--no-watch'], {
    stdio: 'ignore',
  });
  const times: number[] = [];
  try {
    for (;;) {
      if (performance.now() - started > 300_000) throw new Error('backfill did not finish within 300 s');
      const t0 = performance.now();
      let text: string | null = null;
      try {
        text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      } catch {
        // not listening yet
      }
      if (text !== null) {
        times.push(performance.now() - t0);
        const m = /^clawmeter_ledger_calls (\d+)$/m.exec(text);
        if (m && Number(m[1]) === expectedCalls) break;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    return {
      scrapes: times.length,
      p50Ms: quantile(times, 0.5),
      p99Ms: quantile(times, 0.99),
      maxMs: Math.max(...times),
      backfillSeconds: (performance.now() - started) / 1000,
    };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
