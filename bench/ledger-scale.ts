/**
 * Quick measurement (not part of `npm run bench`, no assertions): with N calls in a
 * ledger (default 200,000 over 30 days), how long the open-time totals check takes,
 * and one window refresh, incremental vs the full GROUP BY the ledger used before.
 * Also the content cut's scan against a plain decode on a typical assistant line.
 * Run: npm run build && node dist/bench/ledger-scale.js [N]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Ledger } from '../src/ledger/ledger.js';
import type { LedgerCall } from '../src/model.js';
import { candidateText } from '../src/parse/transcript-line.js';

const N = Number(process.argv[2] ?? 200_000);
const dir = process.env.KEEP_DIR ?? fs.mkdtempSync(path.join(os.tmpdir(), "clawmeter-scale-"));
const now = Date.now();
const windows = [
  { name: '5h', ms: 5 * 3_600_000 },
  { name: '7d', ms: 7 * 86_400_000 },
];

function ms(f: () => void, runs = 5): number {
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const s = performance.now();
    f();
    t.push(performance.now() - s);
  }
  t.sort((a, b) => a - b);
  return Number(t[Math.floor(t.length / 2)].toFixed(2));
}

try {
  let ledger = Ledger.open(dir);
  for (let done = 0; done < N; ) {
    const calls: LedgerCall[] = [];
    for (let i = 0; i < 2000 && done < N; i++, done++) {
      calls.push({
        dedupeKey: `k${done}`,
        tsMs: now - Math.floor(Math.random() * 30 * 86_400_000),
        provider: `p${done % 4}`,
        model: `m${done % 12}`,
        input: 1000 + (done % 977),
        output: 100 + (done % 91),
        cacheRead: 5000,
        cacheWrite: 0,
        costUsd: 0.001,
        stopReason: done % 50 === 0 ? 'error' : 'stop',
        errorCategory: done % 50 === 0 ? 'rate_limit' : null,
        latencyMs: 1500,
        agent: `a${done % 3}`,
        compatKind: 'main',
        kind: 'direct',
        channel: 'telegram',
        chatType: 'direct',
        source: 'jsonl',
      });
    }
    ledger.commit({ calls });
  }
  ledger.close();
  const openMs = ms(() => Ledger.open(dir).close(), 3);
  ledger = Ledger.open(dir);
  const first = ms(() => ledger.refreshWindows(windows, now), 1);
  const incremental = ms(() => ledger.refreshWindows(windows, now + 1000));
  const raw = new Database(ledger.file, { readonly: true });
  const full = ms(() => {
    for (const w of windows) {
      raw.prepare(
        `SELECT provider, model, count(*) AS messages, sum(input), sum(output), sum(cache_read), sum(cache_write)
         FROM calls WHERE ts_ms > ? AND ts_ms <= ? AND stop_reason != 'error' GROUP BY provider, model`,
      ).all(now - w.ms, now);
    }
  });
  raw.close();
  ledger.close();

  const text = 'lorem ipsum dolor sit amet, "quoted" \\ text '.repeat(200);
  const line = Buffer.from(
    JSON.stringify({
      type: 'message',
      id: 'x',
      timestamp: new Date(now).toISOString(),
      message: {
        role: 'assistant',
        content: [{ type: 'thinking', thinking: text }, { type: 'text', text }, { type: 'toolCall', arguments: { command: text } }],
        api: 'openai-responses',
        provider: 'openai',
        model: 'gpt',
        usage: { input: 1, output: 2 },
        timestamp: now,
      },
    }),
  );
  const reps = 2000;
  const cutMs = ms(() => {
    for (let i = 0; i < reps; i++) candidateText(line, 0, line.length);
  });
  const decodeMs = ms(() => {
    for (let i = 0; i < reps; i++) JSON.parse(line.toString('utf8'));
  });
  const mb = (line.length * reps) / 1e6;
  console.log(
    JSON.stringify(
      {
        calls: N,
        openWithTotalsCheckMs: openMs,
        firstRefreshMs: first,
        refreshIncrementalMs: incremental,
        refreshFullQueryMs: full,
        contentCutMBps: Number((mb / (cutMs / 1000)).toFixed(0)),
        decodeAndParseMBps: Number((mb / (decodeMs / 1000)).toFixed(0)),
      },
      null,
      2,
    ),
  );
} finally {
  if (!process.env.KEEP_DIR) fs.rmSync(dir, { recursive: true, force: true });
}
