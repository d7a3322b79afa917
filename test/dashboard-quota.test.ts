/**
 * The dashboard's quota tiles in a real headless Chromium against a real serve:
 * with a provider report (a Codex rollout whose token_count events carry
 * rate_limits, written relative to now) the tile shows the provider-reported used
 * share and the reset countdown and is not labelled an estimate; without one
 * (the generated history, whose openai-codex profile is on the plus plan) it is
 * labelled an estimate against the plan's published limit. The numbers on the
 * page equal the API's and a read-only reader's of the same ledger.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { serve, type ServeHandle } from '../src/cli/serve.js';
import { generateStateDir } from '../src/demo/generate.js';
import { LedgerReader } from '../src/ledger/readonly.js';
import { LedgerQuery } from '../src/query/index.js';
import { tmpDir } from './helpers.js';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const MIN = 60_000;

/** A Codex rollout of one turn with one response, reporting 5h at 37.5 % (resets in 2 h 13 min) and 7d at 61 % (in 3 days). */
function writeRollout(stateDir: string, now: number): { fiveHourResetMs: number; weekResetMs: number } {
  const thread = '019b2a77-0000-7000-8000-00000000c0de';
  const turn = '019b2a77-6000-7000-8000-00000000c001';
  const t0 = now - 10 * MIN;
  const day = new Date(t0).toISOString().slice(0, 10).split('-');
  const dir = path.join(stateDir, 'agents/main/agent/codex-home/sessions', ...day);
  fs.mkdirSync(dir, { recursive: true });
  const fiveHourResetMs = Math.floor((now + 133 * MIN) / 1000) * 1000;
  const weekResetMs = Math.floor((now + 3 * 86_400_000) / 1000) * 1000;
  const rate = { limit_id: 'codex', limit_name: null, primary: { used_percent: 37.5, window_minutes: 300, resets_at: fiveHourResetMs / 1000 }, secondary: { used_percent: 61.0, window_minutes: 10080, resets_at: weekResetMs / 1000 }, credits: null, plan_type: 'plus', rate_limit_reached_type: null };
  const usage = { input_tokens: 900, cached_input_tokens: 100, output_tokens: 40, reasoning_output_tokens: 0, total_tokens: 940 };
  const at = (ms: number) => new Date(ms).toISOString();
  const lines = [
    { timestamp: at(t0), type: 'session_meta', payload: { id: thread, timestamp: at(t0), cwd: '/home/user/.openclaw/workspace', originator: 'openclaw', cli_version: '0.62.0', instructions: null, source: 'exec', model_provider: 'openai' } },
    { timestamp: at(t0 + 1000), type: 'event_msg', payload: { type: 'task_started', turn_id: turn, model_context_window: 272000 } },
    { timestamp: at(t0 + 1010), type: 'turn_context', payload: { turn_id: turn, cwd: '/home/user/.openclaw/workspace', approval_policy: 'never', sandbox_policy: { type: 'read-only' }, model: 'gpt-5.3-codex', effort: 'low', summary: 'auto' } },
    { timestamp: at(t0 + 4000), type: 'event_msg', payload: { type: 'token_count', info: { total_token_usage: usage, last_token_usage: usage, model_context_window: 272000 }, rate_limits: rate } },
    { timestamp: at(t0 + 5000), type: 'event_msg', payload: { type: 'task_complete', turn_id: turn, last_agent_message: 'done' } },
  ];
  const stamp = at(t0).slice(0, 19).replace(/:/g, '-');
  fs.writeFileSync(path.join(dir, `rollout-${stamp}-${thread}.jsonl`), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  return { fiveHourResetMs, weekResetMs };
}

async function startServe(stateDir: string, dataDir: string): Promise<ServeHandle> {
  const h = await serve(['--state-dir', stateDir, '--data-dir', dataDir, '--listen', '127.0.0.1:0', '--interval', '1', '--log.level', 'silent', '--no-watch'], { TZ: 'UTC' });
  assert.ok(h);
  for (let i = 0; i < 300 && (await fetch(`${h.url}/readyz`)).status !== 200; i++) await new Promise((r) => setTimeout(r, 100));
  return h;
}

interface Tile {
  label: string;
  value: string;
  raw: number;
  note: string;
}

async function tiles(page: Page): Promise<Map<string, Tile>> {
  const all = await page.$$eval('#tiles .tile', (ts) =>
    ts.map((t) => ({
      id: t.id,
      label: t.querySelector('.label')?.textContent ?? '',
      value: t.querySelector('.value')?.textContent ?? '',
      raw: Number(t.querySelector('.value')?.getAttribute('data-value')),
      note: t.querySelector('.note')?.textContent ?? '',
    })),
  );
  return new Map(all.map((t) => [t.id, t]));
}

/** "2 h 13 min", "2 d 23 h" (days drop the minutes) → ms */
function countdownMs(text: string): number {
  const m = /resets in (?:(\d+) d )?(?:(\d+) h)? ?(?:(\d+) min)?$/.exec(text);
  assert.ok(m && (m[1] || m[2] || m[3]), `a reset countdown in "${text}"`);
  return ((Number(m[1] ?? 0) * 24 + Number(m[2] ?? 0)) * 60 + Number(m[3] ?? 0)) * MIN;
}

test('dashboard quota tiles: provider-reported with reset countdown, else an estimate against the plan limit', { timeout: 120_000 }, async () => {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  try {
    for (const reported of [true, false]) {
      const root = tmpDir();
      const stateDir = path.join(root, 'state');
      const dataDir = path.join(root, 'data');
      const now = Date.now();
      generateStateDir({ dir: stateDir, seed: 7, nowMs: now, days: 3, junk: false });
      const resets = reported ? writeRollout(stateDir, now) : null;
      const h = await startServe(stateDir, dataDir);
      try {
        const ctx = await browser.newContext({ viewport: { width: 1366, height: 900 }, timezoneId: 'UTC', locale: 'en-US' });
        const page = await ctx.newPage();
        const problems: string[] = [];
        page.on('console', (m) => (m.type() === 'error' || m.type() === 'warning') && problems.push(`console: ${m.text()}`));
        page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
        page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
        await page.goto(`${h.url}/?range=24h`);
        await page.waitForSelector('body[data-refreshes]', { timeout: 20_000 });
        const summary = (await (await fetch(`${h.url}/api/v1/summary`)).json()) as {
          generatedAtMs: number;
          quota: Array<{ provider: string; limit: string; window: string; usedRatio: number; resetsAtMs: number | null }>;
          estimates: Array<{ provider: string; window: string; basis: string; used: number; messagesLeft: number; planLimit?: { messages: number; plan: string } }>;
        };
        const reader = LedgerReader.open(dataDir);
        const ledgerView = new LedgerQuery(reader).quotaView(Date.now());
        reader.close();
        const t = await tiles(page);
        if (resets) {
          const five = t.get('tile-quota-openai-codex-codex-5h');
          const week = t.get('tile-quota-openai-codex-codex-7d');
          assert.ok(five && week, `provider tiles: ${[...t.keys()].join(', ')}`);
          const api5 = summary.quota.find((q) => q.provider === 'openai-codex' && q.window === '5h')!;
          const led5 = ledgerView.windows.find((q) => q.provider === 'openai-codex' && q.window === '5h')!;
          assert.equal(api5.usedRatio, 0.375);
          assert.equal(led5.usedRatio, 0.375);
          assert.equal(led5.resetsAtMs, resets.fiveHourResetMs);
          assert.equal(five.raw, api5.usedRatio, 'the page shows the provider-reported ratio');
          assert.equal(five.value, '37.5 %');
          assert.equal(week.value, '61.0 %');
          assert.match(five.note, /provider-reported/);
          // the countdown is to the reported reset, from the time the page's numbers were computed
          const want = resets.fiveHourResetMs - summary.generatedAtMs;
          assert.ok(Math.abs(countdownMs(five.note) - want) <= 2 * MIN, `countdown ${five.note} vs ${want} ms`);
          assert.ok(Math.abs(countdownMs(week.note) - (resets.weekResetMs - summary.generatedAtMs)) <= 61 * MIN, week.note);
          for (const x of [five, week]) assert.doesNotMatch(`${x.label} ${x.value} ${x.note}`, /estimat|≈/i, 'a provider report is not labelled an estimate');
          assert.ok(![...t.keys()].some((k) => k.startsWith('tile-estimate-openai-codex-5h')), 'no rate-card estimate tile beside the report');
        } else {
          assert.equal(summary.quota.length, 0, 'no provider report in this history');
          assert.ok(![...t.keys()].some((k) => k.startsWith('tile-quota-')));
          const est = t.get('tile-estimate-openai-codex-5h');
          assert.ok(est, `estimate tile: ${[...t.keys()].join(', ')}`);
          const api = summary.estimates.find((e) => e.provider === 'openai-codex' && e.window === '5h' && e.basis === 'rate_card')!;
          const led = ledgerView.estimates.find((e) => e.provider === 'openai-codex' && e.window === '5h' && e.basis === 'rate_card')!;
          assert.ok(api.planLimit && api.planLimit.messages > 0, 'the estimate names the plan limit it is against');
          assert.deepEqual(led.planLimit, api.planLimit);
          assert.equal(led.used, api.used);
          assert.equal(est.raw, api.used / api.planLimit.messages, 'the page shows used / plan limit');
          assert.match(est.label, /\(estimate\)/);
          assert.match(est.value, /^≈ \d+\.\d %$/);
          assert.ok(est.note.includes(`${api.used} of ${api.planLimit.messages} messages`), est.note);
          assert.match(est.note, /plus plan's published limit \(no provider report\)/);
          assert.ok(est.note.includes(`≈ ${api.messagesLeft} left`), est.note);
        }
        assert.deepEqual(problems, []);
        await ctx.close();
      } finally {
        await h.stop();
      }
    }
  } finally {
    await browser.close();
  }
});
