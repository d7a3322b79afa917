/**
 * `clawmeter status`, `statusline` and `blocks` as real processes over real
 * ledgers: the exit codes scripts and alerting rely on (6 no data, 3 a window
 * above --warn, 4 above --crit, 5 an expiring OAuth credential, 0 ok), the
 * statusline's content (window %, reset, cost today) and the active block's burn
 * rate and provider-based projection.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { Ledger } from '../src/ledger/ledger.js';
import type { CommitCall } from '../src/ledger/types.js';
import type { QuotaObservation } from '../src/model.js';
import { tmpDir } from './helpers.js';
import { generateStateDir } from '../src/demo/generate.js';

const BIN = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../bin/clawmeter.js');
const H = 3_600_000;

function run(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: '/nonexistent', TZ: 'UTC' }, timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function call(i: number, tsMs: number): CommitCall {
  return {
    dedupeKey: `s${i}`, tsMs, agent: 'main', compatKind: 'main', kind: 'direct', channel: 'telegram', chatType: 'direct', provider: 'anthropic', model: 'claude-sonnet-4',
    input: 1000, output: 100, cacheRead: 0, cacheWrite: 0, costUsd: 0.5, costEstimated: false, stopReason: 'stop', errorCategory: null, latencyMs: null, source: 'jsonl',
  };
}

/** `t`, or just after today's UTC midnight when `t` would fall on yesterday (a run shortly after midnight). */
function todayOr(t: number, now: number, i: number): number {
  const midnight = Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth(), new Date(now).getUTCDate());
  return t >= midnight ? t : Math.min(now - i, midnight + (4 - i) * 1000);
}

function ledgerWith(o: { calls?: boolean; usedRatio?: number; expiresInMs?: number }): string {
  const dataDir = path.join(tmpDir(), 'data');
  const now = Date.now();
  const l = Ledger.open(dataDir);
  const quota: QuotaObservation[] =
    o.usedRatio === undefined ? [] : [{ provider: 'anthropic', limit: 'session', window: '5h', windowMinutes: 300, usedRatio: o.usedRatio, resetsAtMs: now + 2 * H, observedAtMs: now - 60_000, plan: 'max' }];
  l.commit({
    calls: o.calls === false ? [] : [call(1, todayOr(now - 2 * H, now, 3)), call(2, todayOr(now - H, now, 2)), call(3, todayOr(now - 60_000, now, 1))],
    quota: { stateDir: '/s', agent: 'main', source: 'test', rows: quota },
    auth: {
      stateDir: '/s', agent: 'main', source: 'auth-profiles.json',
      rows: [{ profileId: 'anthropic:me@example.com', provider: 'anthropic', type: 'oauth', expiresMs: now + (o.expiresInMs ?? 30 * 86_400_000), email: 'me@example.com', plan: null,
        cooldownUntilMs: null, cooldownReason: null, disabledUntilMs: null, disabledReason: null, failureCounts: {} }],
    },
  });
  l.close();
  return dataDir;
}

test('status exit codes: 6 no data, 0 ok, 3 warn, 4 crit, 5 expiring credential', () => {
  const st = (dataDir: string, ...extra: string[]) => run(['status', '--data-dir', dataDir, '--no-ingest', ...extra]);
  assert.equal(st(ledgerWith({ calls: false })).code, 6);
  const ok = st(ledgerWith({ usedRatio: 0.4 }));
  assert.equal(ok.code, 0, ok.err);
  assert.match(ok.out, /anthropic session 5h: 40\.0% used \(provider-reported\), resets in (1h5\dm|2h00m)/);
  assert.match(ok.out, /today\s+\$1\.50/);
  assert.doesNotMatch(ok.out, /me@example\.com/, 'no email in the output');
  assert.equal(st(ledgerWith({ usedRatio: 0.85 })).code, 3);
  assert.equal(st(ledgerWith({ usedRatio: 0.85 }), '--warn', '90').code, 0);
  assert.equal(st(ledgerWith({ usedRatio: 0.97 })).code, 4);
  assert.equal(st(ledgerWith({ usedRatio: 0.1, expiresInMs: 3 * H })).code, 5);
  const j = JSON.parse(st(ledgerWith({ usedRatio: 0.97 }), '--json').out);
  assert.equal(j.status.code, 4);
  assert.equal(j.quota[0].usedRatio, 0.97);
  assert.equal(j.today.messages, 3);
});

test('statusline: window %, reset countdown and cost today in one line', () => {
  const r = run(['statusline', '--data-dir', ledgerWith({ usedRatio: 0.42 }), '--no-ingest']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^anthropic 5h 42% ↻(1h5\dm|2h00m) · \$1\.50 today\n$/);
  const none = run(['statusline', '--data-dir', ledgerWith({}), '--no-ingest']);
  assert.match(none.out, /^5h 3 msgs · \$1\.50 today\n$/);
});

test('blocks: the active block has a burn rate and a projection from the provider-reported window', () => {
  const r = run(['blocks', '--data-dir', ledgerWith({ usedRatio: 0.5 }), '--no-ingest', '--json']);
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  const active = j.blocks.filter((b: { active: boolean }) => b.active);
  assert.equal(active.length, 1);
  const b = active[0];
  assert.equal(b.provider, 'anthropic');
  assert.ok(b.messages >= 1 && b.messages <= 3);
  assert.ok(b.burn.tokensPerHour > 0 && b.burn.messagesPerHour > 0);
  assert.equal(b.projection.basis, 'provider');
  assert.equal(b.projection.usedRatio, 0.5);
  // 50 % used 3 h into the window: 100 % three hours later, after it resets (in 2 h): not hit
  assert.equal(b.projection.limitAtMs, null);
  const hot = JSON.parse(run(['blocks', '--data-dir', ledgerWith({ usedRatio: 0.9 }), '--no-ingest', '--json']).out);
  const hb = hot.blocks.find((x: { active: boolean }) => x.active);
  assert.ok(hb.projection.limitAtMs > Date.now() - 120_000 && hb.projection.limitAtMs < hb.projection.resetsAtMs, 'at 90 % the limit is hit before the reset');
  const table = run(['blocks', '--data-dir', ledgerWith({ usedRatio: 0.9 }), '--no-ingest']);
  assert.match(table.out, /ACTIVE/);
  assert.match(table.out, /provider-reported/);
});

test('blocks without a provider report: the active block projects from the plan-limit estimate, labelled so', async () => {
  const root = tmpDir();
  const stateDir = path.join(root, 'state');
  const dataDir = path.join(root, 'data');
  // the generated history's openai-codex profile is on the plus plan; calls in the last hours, no rate_limits anywhere
  generateStateDir({ dir: stateDir, seed: 7, nowMs: Date.now(), days: 2, junk: false });
  assert.equal(run(['ingest', '--state-dir', stateDir, '--data-dir', dataDir, '--log-level', 'error']).code, 0);
  const j = JSON.parse(run(['blocks', '--data-dir', dataDir, '--no-ingest', '--json']).out);
  const b = j.blocks.find((x: { active: boolean; provider: string }) => x.active && x.provider === 'openai-codex');
  assert.ok(b, 'an active openai-codex block');
  const st = JSON.parse(run(['status', '--data-dir', dataDir, '--no-ingest', '--json']).out);
  assert.equal(st.quota.length, 0);
  const est = st.estimates.find((e: { provider: string; window: string }) => e.provider === 'openai-codex' && e.window === '5h');
  assert.ok(est, 'a rate-card estimate');
  assert.equal(b.projection.basis, 'estimate');
  assert.equal(b.projection.usedRatio, est.used / (est.used + est.messagesLeft));
  assert.match(b.projection.note, new RegExp(`estimate from the plan's published limit \\(${est.messagesLeft} messages left\\)|no messages in this block yet`));
  if (b.burn.messagesPerHour > 0 && b.projection.limitAtMs !== null) {
    assert.ok(Math.abs(b.projection.limitAtMs - (j.generatedAtMs ?? Date.now()) - (est.messagesLeft / b.burn.messagesPerHour) * H) < 120_000);
  }
  assert.match(run(['blocks', '--data-dir', dataDir, '--no-ingest']).out, /estimate/);
});
