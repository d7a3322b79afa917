/**
 * End to end on generated realistic trees: every counting rule at once (archives,
 * topic and fork files, copies that must not count twice, synthetic rows, junk,
 * several agents, sessions without responseId), checked against the generator's
 * ground truth; and the seed families rendered from it agree with the ledger.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { generateStateDir } from '../src/demo/generate.js';
import { MetricsRenderer } from '../src/sinks/prometheus/render.js';
import { ingestOnce, tmpDir, totalsOf } from './helpers.js';

function sumSeries(text: string, name: string): number {
  let s = 0;
  for (const line of text.split('\n')) if (line.startsWith(name + '{') || line.startsWith(name + ' ')) s += Number(line.slice(line.lastIndexOf(' ') + 1));
  return s;
}

for (const seed of [1, 2, 3]) {
  test(`generated tree (seed ${seed}): ledger totals equal the ground truth`, async () => {
    const root = tmpDir('clawmeter-gen-e2e-');
    const nowMs = Date.parse('2026-11-21T12:00:00Z');
    const truth = generateStateDir({ dir: path.join(root, 'state'), seed, nowMs, targetBytes: 3 * 1024 * 1024 });
    const { ledger, stats } = await ingestOnce([path.join(root, 'state')], path.join(root, 'data'));
    const t = totalsOf(ledger);
    assert.equal(t.calls, truth.calls);
    assert.equal(t.messages, truth.messages);
    assert.equal(t.errors, truth.errors);
    assert.equal(t.input, truth.input);
    assert.equal(t.output, truth.output);
    assert.equal(t.cacheRead, truth.cacheRead);
    assert.equal(t.cacheWrite, truth.cacheWrite);
    const byPm: Record<string, { messages: number; errors: number; input: number }> = {};
    const byAgent: Record<string, { messages: number; errors: number }> = {};
    let cost = 0;
    for (const r of ledger.totals()) {
      const k = `${r.provider}/${r.model}`;
      byPm[k] ??= { messages: 0, errors: 0, input: 0 };
      byAgent[r.agent] ??= { messages: 0, errors: 0 };
      if (r.errorCategory) {
        byPm[k].errors += r.messages;
        byAgent[r.agent].errors += r.messages;
      } else {
        byPm[k].messages += r.messages;
        byPm[k].input += r.input;
        byAgent[r.agent].messages += r.messages;
        cost += r.costUsd;
      }
    }
    for (const [k, v] of Object.entries(truth.byProviderModel)) {
      assert.deepEqual(byPm[k], { messages: v.messages, errors: v.errors, input: v.input }, k);
    }
    assert.deepEqual(byAgent, truth.byAgent);
    assert.ok(Math.abs(cost - truth.costUsd) < 1e-6, `cost ${cost} vs ${truth.costUsd}`);
    assert.equal(ledger.lastCallTimestampMs(), truth.lastCallMs);
    assert.ok((stats.issues.get('malformed_json') ?? 0) >= 1, 'junk lines were seen and counted as skips');

    const text = new MetricsRenderer(ledger, stats, { version: 't', demo: false, showAccountEmails: false, maxSeries: 100000, nowMs }).render();
    assert.equal(sumSeries(text, 'openclaw_codex_messages_total'), truth.messages);
    assert.equal(sumSeries(text, 'openclaw_codex_message_errors_total'), truth.errors);
    assert.equal(sumSeries(text, 'openclaw_codex_input_tokens_total'), truth.input);
    assert.equal(sumSeries(text, 'openclaw_codex_active_sessions'), truth.sessions);
    assert.ok(!text.includes('SECRET'), 'no secret in /metrics');
    assert.ok(!/@/.test(text), 'no email in /metrics');
    ledger.close();
    fs.rmSync(root, { recursive: true, force: true });
  });
}
