/**
 * The incremental window gauges equal the full query (completed calls with
 * now - window < ts <= now, per provider and model) on random data, with the clock
 * moving forwards and backwards, across commits between refreshes and a reopen;
 * among the calls, error calls without an error category and completed calls with
 * one (the rows the quarter-hour load corrects for), and calls at the plausibility
 * limit (FUTURE_SLACK_MS past the clock).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { Ledger, type WindowRow } from '../src/ledger/ledger.js';
import type { LedgerCall } from '../src/model.js';
import { tmpDir, sqlRead } from './helpers.js';
import { FUTURE_SLACK_MS } from '../src/bounds.js';

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
      const edge = rand() < 0.3;
      // many calls exactly on minute and quarter-hour edges
      const unit = rand() < 0.5 ? 60_000 : 900_000;
      const ts = edge ? Math.floor((around - rand() * 8 * 86_400_000) / unit) * unit + (rand() < 0.5 ? 0 : unit - 1) : Math.round(around - rand() * 8 * 86_400_000 + rand() * 3_600_000);
      const error = rand() < 0.1;
      // Parsers give an error call a category and no other call one; ledger rows may disagree (older writers): both kinds here.
      const odd = rand() < 0.15;
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
        stopReason: error ? 'error' : 'stop',
        errorCategory: error !== odd ? 'rate_limit' : null,
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
    else {
      const unit = rand() < 0.5 ? 60_000 : 900_000; // on a minute or quarter-hour edge
      now = Math.floor(now / unit) * unit + (rand() < 0.5 ? 0 : unit - 1);
    }
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

test('a ledger row whose stop reason and error category disagree counts by its stop reason, loaded or committed', () => {
  const data = path.join(tmpDir(), 'data');
  const now = Math.floor(Date.now() / 900_000) * 900_000 + 450_000; // mid-quarter
  const clock = { now: () => now };
  const call = (key: string, tsMs: number, provider: string, stopReason: string, errorCategory: string | null): LedgerCall => ({
    dedupeKey: key, tsMs, provider, model: 'm', input: 10, output: 1, cacheRead: 0, cacheWrite: 0, costUsd: null,
    stopReason, errorCategory, latencyMs: null, agent: 'main', compatKind: 'unknown', kind: 'unknown', channel: 'unknown', chatType: 'unknown', source: 'jsonl',
  });
  const odd = (suffix: string, at: number) => [
    call(`e${suffix}`, at, 'only-error', 'error', null), // an error without a category: not completed
    call(`c${suffix}`, at, 'completed', 'stop', 'rate_limit'), // completed, with a category: counted
  ];
  let ledger = Ledger.open(data, clock);
  ledger.commit({ calls: odd('1', now - 3 * 3_600_000) }); // in whole quarters of the 5h window once loaded
  ledger.close();
  ledger = Ledger.open(data, clock);
  ledger.refreshWindows([{ name: '5h', ms: 5 * 3_600_000 }], now); // the load corrects for both rows
  ledger.commit({ calls: odd('2', now - 2 * 3_600_000) }); // after the load: added by the commit
  ledger.refreshWindows([{ name: '5h', ms: 5 * 3_600_000 }], now);
  assert.deepEqual(ledger.windows(), [{ provider: 'completed', model: 'm', messages: 2, input: 20, output: 2, cacheRead: 0, cacheWrite: 0, window: '5h' }]);
  ledger.close();
});

test('a call up to FUTURE_SLACK_MS ahead enters the window once the clock reaches it, one further ahead never (as loaded, as committed)', () => {
  const data = path.join(tmpDir(), 'data');
  let now = Math.floor(Date.now() / 900_000) * 900_000 + 600_000;
  const clock = { now: () => now };
  const call = (key: string, tsMs: number, provider: string): LedgerCall => ({
    dedupeKey: key, tsMs, provider, model: 'm', input: 10, output: 1, cacheRead: 0, cacheWrite: 0, costUsd: null,
    stopReason: 'stop', errorCategory: null, latencyMs: null, agent: 'main', compatKind: 'unknown', kind: 'unknown', channel: 'unknown', chatType: 'unknown', source: 'jsonl',
  });
  const limit = now + FUTURE_SLACK_MS; // inside the quarter the load takes from the calls
  let ledger = Ledger.open(data, clock);
  ledger.commit({ calls: [call('a', limit - 60_000, 'plausible'), call('b', limit - 1_200_000, 'plausible'), call('c', limit + 60_000, 'ahead')] });
  ledger.close();
  ledger = Ledger.open(data, clock);
  const w = [{ name: '5h', ms: 5 * 3_600_000 }];
  ledger.refreshWindows(w, now); // loads
  ledger.commit({ calls: [call('d', limit - 120_000, 'plausible'), call('e', limit + 120_000, 'ahead')] });
  now = limit + 3_600_000; // the window now holds all five times; no reload (its start is above the loaded range)
  ledger.refreshWindows(w, now);
  assert.deepEqual(ledger.windows(), [{ provider: 'plausible', model: 'm', messages: 3, input: 30, output: 3, cacheRead: 0, cacheWrite: 0, window: '5h' }]);
  ledger.close();
});
