/**
 * Issue 8, Codex and Anthropic details: Codex 0.160's optional cache-write counts in a
 * rollout (`cache_write_input_tokens` / `cacheWriteInputTokens`) become cache_write
 * tokens (a part of input_tokens, like cached input), older rollouts without them keep
 * their identities; Anthropic's `limits[]` array (per-model weekly limits) is parsed
 * and wins over the legacy fields. Rollout lines here are hand-written in the shape
 * of the project's rollout fixture (test/fixtures/rollouts), not Codex output: no
 * 0.160 rollout was available.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { parseAnthropicUsage } from '../src/sources/anthropic-usage.js';
import { tmpDir, sqlRead } from './helpers.js';
import { allSources, harness } from './sqlite-helpers.js';

const THREAD = '019b2a10-5c3e-7d41-9a6f-2f1c0e8b7a02';

function tokenCount(ts: string, last: Record<string, number>, total: Record<string, number>): string {
  return JSON.stringify({ timestamp: ts, type: 'event_msg', payload: { type: 'token_count', info: { last_token_usage: last, total_token_usage: total } } });
}

function writeRollout(state: string, lines: string[]): void {
  const dir = path.join(state, 'agents/main/agent/codex-home/sessions/2026/11/20');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `rollout-2026-11-20T10-00-00-${THREAD}.jsonl`), lines.join('\n') + '\n');
}

test('Codex 0.160 cache writes count as cache_write; rollouts without them are unchanged', async () => {
  const root = tmpDir();
  const state = path.join(root, 'state');
  const meta = JSON.stringify({ timestamp: '2026-11-20T10:00:00Z', type: 'session_meta', payload: { id: THREAD, model_provider: 'openai' } });
  const ctx = JSON.stringify({ timestamp: '2026-11-20T10:00:01Z', type: 'turn_context', payload: { turn_id: 't1', model: 'gpt-5.5' } });
  const done = JSON.stringify({ timestamp: '2026-11-20T10:00:09Z', type: 'event_msg', payload: { type: 'task_complete', turn_id: 't1' } });
  writeRollout(state, [
    meta,
    ctx,
    // call 1: 1000 input of which 200 cached and 300 written; call 2 (snake_case total only moves): 600 in, 100 cached, 50 written
    tokenCount('2026-11-20T10:00:02Z', { input_tokens: 1000, cached_input_tokens: 200, cacheWriteInputTokens: 300, output_tokens: 40 },
      { input_tokens: 1000, cached_input_tokens: 200, cache_write_input_tokens: 300, output_tokens: 40, total_tokens: 1040 }),
    tokenCount('2026-11-20T10:00:05Z', { input_tokens: 600, cached_input_tokens: 100, cache_write_input_tokens: 50, output_tokens: 20 },
      { input_tokens: 1600, cached_input_tokens: 300, cache_write_input_tokens: 350, output_tokens: 60, total_tokens: 1660 }),
    // the same snapshot again: not a call
    tokenCount('2026-11-20T10:00:06Z', { input_tokens: 600, cached_input_tokens: 100, cache_write_input_tokens: 50, output_tokens: 20 },
      { input_tokens: 1600, cached_input_tokens: 300, cache_write_input_tokens: 350, output_tokens: 60, total_tokens: 1660 }),
    done,
  ]);
  const h = harness(path.join(root, 'data'), allSources([state]));
  await h.cycle();
  const rows = sqlRead<{ input: number; cache_read: number; cache_write: number; output: number }>(h.ledger,
    `SELECT input, cache_read, cache_write, output FROM calls ORDER BY ts_ms`,
  );
  assert.deepEqual(rows, [
    { input: 500, cache_read: 200, cache_write: 300, output: 40 },
    { input: 450, cache_read: 100, cache_write: 50, output: 20 },
  ]);
  // A cache-write count larger than the input it is part of is capped (never negative input).
  const root2 = tmpDir();
  const state2 = path.join(root2, 'state');
  writeRollout(state2, [meta, ctx, tokenCount('2026-11-20T10:00:02Z', { input_tokens: 100, cached_input_tokens: 80, cache_write_input_tokens: 500, output_tokens: 5 },
    { input_tokens: 100, cached_input_tokens: 80, cache_write_input_tokens: 500, output_tokens: 5, total_tokens: 105 }), done]);
  const h2 = harness(path.join(root2, 'data'), allSources([state2]));
  await h2.cycle();
  assert.deepEqual(sqlRead(h2.ledger, `SELECT input, cache_read, cache_write FROM calls`), [{ input: 0, cache_read: 80, cache_write: 20 }]);
  h.ledger.close();
  h2.ledger.close();
});

test('Anthropic oauth/usage: the limits[] array (per-model weekly) is parsed and wins over the legacy fields', () => {
  const NOW = Date.parse('2026-11-20T12:00:00Z');
  const body = {
    five_hour: { utilization: 10, resets_at: '2026-11-20T15:00:00Z' },
    seven_day: { utilization: 20, resets_at: '2026-11-25T00:00:00Z' },
    seven_day_opus: null,
    seven_day_sonnet: { utilization: 5, resets_at: '2026-11-25T00:00:00Z' },
    limits: [
      { kind: 'session', group: 'session', percent: 86, severity: 'warning', resets_at: '2026-11-20T15:00:00.1Z', scope: null, is_active: false },
      { kind: 'weekly_all', group: 'weekly', percent: 68, resets_at: '2026-11-25T00:00:00Z', scope: null },
      { kind: 'weekly_scoped', group: 'weekly', percent: 88, resets_at: '2026-11-25T00:00:00Z', scope: { model: { id: null, display_name: 'Fable' } } },
      { kind: 'weekly_scoped', percent: 'x', scope: { model: { display_name: 'Broken' } } },
      { kind: 'something_new', percent: 1 },
    ],
  };
  const got = parseAnthropicUsage(body, NOW).map((o) => [o.limit, o.window, o.usedRatio, o.resetsAtMs]);
  assert.deepEqual(got, [
    ['claude', '5h', 0.86, Date.parse('2026-11-20T15:00:00.1Z')],
    ['claude', '7d', 0.68, Date.parse('2026-11-25T00:00:00Z')],
    ['claude_fable', '7d', 0.88, Date.parse('2026-11-25T00:00:00Z')],
    ['claude_sonnet', '7d', 0.05, Date.parse('2026-11-25T00:00:00Z')], // only in the legacy field
  ]);
  // Bounded: at most 8 scoped limits however many the response lists.
  const many = { limits: Array.from({ length: 50 }, (_, i) => ({ kind: 'weekly_scoped', percent: i, scope: { model: { display_name: `m${i}` } } })) };
  assert.equal(parseAnthropicUsage(many, NOW).length, 8);
  // Without limits[], the legacy fields as before.
  assert.deepEqual(parseAnthropicUsage({ five_hour: { utilization: 50, resets_at: null } }, NOW).map((o) => [o.limit, o.window, o.usedRatio]), [['claude', '5h', 0.5]]);
});
