/**
 * The usage families' accumulation (src/metrics/collect/usage.ts sums rows that
 * share their base labels first and builds each labels object once) against a
 * plain reference that adds every value under its full label set, on seeded
 * random totals rows where folding merges models, agents and channels, error
 * categories and kinds vary, and the same label set comes from many rows. The
 * families must be equal point for point, in order and value (the sums run in
 * the same row order, so even float costs are bit-identical).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { usageFamilies } from '../src/metrics/collect/usage.js';
import { add, list, type Acc } from '../src/metrics/accumulate.js';
import type { TotalsRow } from '../src/ledger/ledger.js';
import type { Folders } from '../src/labeling/fold.js';
import type { NumberPoint } from '../src/metrics/points.js';
import { scrub } from '../src/labeling/privacy.js';
import { METRICS } from '../src/metrics/table.js';
import { rng } from './fuzz-lib.js';

function rows(seed: number, n: number): TotalsRow[] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const out: TotalsRow[] = [];
  for (let i = 0; i < n; i++) {
    const latencyCount = r() < 0.3 ? 0 : 1 + Math.floor(r() * 5);
    out.push({
      agent: pick(['main', 'work', 'ops', 'a@b.example']),
      compatKind: pick(['main', 'direct']),
      kind: pick(['direct', 'group', 'cron', 'subagent']),
      channel: pick(['whatsapp', 'telegram', 'slack', 'discord', 'webchat']),
      chatType: pick(['direct', 'group']),
      provider: pick(['anthropic', 'openai-codex', 'openrouter']),
      model: pick(['m1', 'm2', 'm3', 'm4', 'm5', 'm6']),
      errorCategory: pick(['', '', '', 'rate_limit', 'auth', 'timeout']),
      messages: 1 + Math.floor(r() * 50),
      input: Math.floor(r() * 1e6),
      output: Math.floor(r() * 1e5),
      cacheRead: Math.floor(r() * 1e7),
      cacheWrite: Math.floor(r() * 1e5),
      costUsd: r() * 3,
      costEstimatedUsd: r() < 0.5 ? 0 : r(),
      latencyCount,
      latencySumSeconds: latencyCount * r() * 20,
      latencyBuckets: Array.from({ length: 11 }, () => Math.floor(r() * 3)),
    });
  }
  return out;
}

const folds: Folders = {
  model: (m) => (m === 'm5' || m === 'm6' ? 'other' : m),
  agent: (a) => (a === 'ops' ? 'other' : a),
  channel: (c) => (c === 'discord' || c === 'webchat' ? 'other' : c),
};

/** The counter families as the plain per-value accumulation gives them. */
function reference(totals: TotalsRow[]): Record<string, NumberPoint[]> {
  const messages: Acc = new Map();
  const tokens: Acc = new Map();
  const cost: Acc = new Map();
  const costEst: Acc = new Map();
  const errors: Acc = new Map();
  for (const t of totals) {
    const model = folds.model(t.model);
    const agent = scrub(folds.agent(t.agent));
    const base = { agent, channel: folds.channel(t.channel), model, provider: t.provider };
    if (t.errorCategory) add(errors, { agent, category: t.errorCategory, model, provider: t.provider }, t.messages);
    else add(messages, { ...base, kind: t.kind }, t.messages);
    add(tokens, { ...base, type: 'input' }, t.input);
    add(tokens, { ...base, type: 'output' }, t.output);
    add(tokens, { ...base, type: 'cache_read' }, t.cacheRead);
    add(tokens, { ...base, type: 'cache_write' }, t.cacheWrite);
    add(cost, base, t.costUsd);
    add(costEst, base, t.costEstimatedUsd);
  }
  const money = (m: Acc) => list(m).map((s) => ({ ...s, value: Math.round(s.value * 1e9) / 1e9 }));
  return {
    [METRICS.usageMessages.name]: list(messages),
    [METRICS.usageTokens.name]: list(tokens),
    [METRICS.usageCost.name]: money(cost),
    [METRICS.usageCostEstimated.name]: money(costEst),
    [METRICS.usageErrors.name]: list(errors),
  };
}

test('usage families equal the plain per-value accumulation on seeded totals rows', () => {
  for (const seed of [1, 2, 3, 42, 2026]) {
    const totals = rows(seed, 400);
    const got = usageFamilies(totals, [], folds, null);
    const want = reference(totals);
    for (const [name, points] of Object.entries(want)) {
      const fam = got.find((f) => f.def.name === name);
      assert.ok(fam, `${name} present`);
      assert.deepEqual(fam.points, points, `${name}, seed ${seed}`);
      assert.ok(points.length > 5, `${name} has several points (seed ${seed})`);
    }
    // Rows really were merged: fewer points than rows for the base-label families.
    assert.ok(want[METRICS.usageCost.name].length < totals.length / 2);
  }
});
