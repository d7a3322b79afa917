/**
 * The incremental window gauges equal the full query (completed calls with
 * now - window < ts <= now, per provider and model) on random data, with the clock
 * moving forwards and backwards, across commits between refreshes and a reopen.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { Ledger, type WindowRow } from '../src/ledger/ledger.js';
import type { LedgerCall } from '../src/model.js';
import { tmpDir, sqlRead } from './helpers.js';

/** Deterministic PRNG (mulberry32) so a failure can be replayed. */
function rng(seed: number): () => number {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WINDOWS = [
  { name: '1m', ms: 60_000 },
  { name: '30m', ms: 1_800_000 },
  { name: '5h', ms: 5 * 3_600_000 },
  { name: '7d', ms: 7 * 86_400_000 },
];

function fullQuery(ledger: Ledger, nowMs: number): WindowRow[] {
  const out: WindowRow[] = [];
  for (const w of WINDOWS) {
    const rows = sqlRead<Omit<WindowRow, 'window'>>(ledger,
      `SELECT provider, model, count(*) AS messages, total(input) AS input, total(output) AS output,
         total(cache_read) AS cacheRead, total(cache_write) AS cacheWrite
       FROM calls WHERE ts_ms > ? AND ts_ms <= ? AND stop_reason != 'error' GROUP BY provider, model ORDER BY provider, model`,
      nowMs - w.ms,
      nowMs,
    );
    for (const r of rows) out.push({ ...r, window: w.name });
  }
  return out;
}

test('incremental windows equal the full query on random data and moving clocks', () => {
  const rand = rng(7);
  const data = path.join(tmpDir(), 'data');
  const base = Date.now();
  let now = base;
  const clock = { now: () => now }; // the ledger's clock moves with the test's
  let ledger = Ledger.open(data, clock);
  let seq = 0;
  const calls = (n: number, around: number): LedgerCall[] =>
    Array.from({ length: n }, () => {
      const edge = rand() < 0.3; // many calls exactly on minute and window edges
      const ts = edge ? Math.floor((around - rand() * 8 * 86_400_000) / 60_000) * 60_000 + (rand() < 0.5 ? 0 : 59_999) : Math.round(around - rand() * 8 * 86_400_000 + rand() * 3_600_000);
      return {
        dedupeKey: `k${seq++}`,
        tsMs: ts,
        provider: `p${Math.floor(rand() * 3)}`,
        model: `m${Math.floor(rand() * 4)}`,
        input: Math.floor(rand() * 1000),
        output: Math.floor(rand() * 100),
        cacheRead: Math.floor(rand() * 5000),
        cacheWrite: Math.floor(rand() * 10),
        costUsd: rand() < 0.5 ? null : rand(),
        stopReason: rand() < 0.1 ? 'error' : 'stop',
        errorCategory: null,
        latencyMs: null,
        agent: 'main',
        compatKind: 'unknown',
        kind: 'unknown',
        channel: 'unknown',
        chatType: 'unknown',
        source: 'jsonl',
      };
    });
  ledger.commit({ calls: calls(3000, base) });
  let checks = 0;
  for (let step = 0; step < 120; step++) {
    const r = rand();
    if (r < 0.5) now += Math.floor(rand() * 600_000); // forwards, a few minutes
    else if (r < 0.7) now += Math.floor(rand() * 86_400_000); // a day
    else if (r < 0.85) now -= Math.floor(rand() * 7_200_000); // backwards (clock step)
    else now = Math.floor(now / 60_000) * 60_000 + (rand() < 0.5 ? 0 : 59_999); // on a minute edge
    if (rand() < 0.5) ledger.commit({ calls: calls(50, now) });
    if (step === 60) {
      ledger.close();
      ledger = Ledger.open(data, clock);
    }
    ledger.refreshWindows(WINDOWS, now);
    assert.deepEqual(ledger.windows(), fullQuery(ledger, now), `step ${step} now ${now}`);
    checks++;
  }
  assert.equal(checks, 120);
  assert.ok(fullQuery(ledger, now).length > 0, 'the comparison saw data');
  ledger.close();
});
