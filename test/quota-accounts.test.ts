/**
 * Several accounts of one provider in the quota families: each account keeps its
 * own `account` series (hashed, bounded to MAX_QUOTA_ACCOUNTS per provider plus
 * `other`), the merge and the messages-left estimates are keyed by account, and
 * the JSON view carries it. Real ledger files, the real renderer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { Ledger } from '../src/ledger/ledger.js';
import { IngestStats } from '../src/ingest/stats.js';
import { Ingestor } from '../src/ingest/cycle.js';
import { Logger } from '../src/util/log.js';
import { MetricsRenderer } from '../src/sinks/prometheus/render.js';
import { DerivedStateSource, MAX_QUOTA_ACCOUNTS, mergeQuota } from '../src/quota/derived.js';
import { BUILTIN_RATE_CARD, RateCard } from '../src/pricing/rate-card.js';
import { DEFAULT_ACCOUNT, quotaAccount } from '../src/labeling/privacy.js';
import { quotaView } from '../src/query/views.js';
import type { QuotaObservation } from '../src/model.js';
import { tmpDir } from './helpers.js';

const NOW = Date.parse('2026-11-20T12:00:00Z');
const H = 3600_000;

function obs(account: string | undefined, usedRatio: number, observedAtMs = NOW - 60_000, window = '5h'): QuotaObservation {
  const windowMinutes = window === '5h' ? 300 : 10080;
  return { provider: 'openai-codex', limit: 'codex', window, windowMinutes, usedRatio, resetsAtMs: NOW + 2 * H, observedAtMs, plan: 'plus', ...(account ? { account } : {}) };
}

function commitQuota(ledger: Ledger, source: string, rows: QuotaObservation[]): void {
  ledger.commit({ quota: { stateDir: '/s', agent: 'main', source, rows } });
}

function render(ledger: Ledger): string {
  return new MetricsRenderer(ledger, new IngestStats(), { version: 't', demo: false, showAccountEmails: false, maxSeries: 2000, nowMs: NOW }).render();
}

test('quotaAccount: default stays default, anything else is a short hash that never shows the identity', () => {
  assert.equal(quotaAccount(null), DEFAULT_ACCOUNT);
  assert.equal(quotaAccount('default'), DEFAULT_ACCOUNT);
  const a = quotaAccount('openai-codex:alice@example.com');
  assert.match(a, /^a-[A-Za-z0-9_-]{8}$/);
  assert.equal(a, quotaAccount('openai-codex:alice@example.com'), 'stable');
  assert.notEqual(a, quotaAccount('openai-codex:bob@example.com'));
});

test('two accounts of one provider: two series, not one newest-wins row; estimates per account', async () => {
  const ledger = Ledger.open(path.join(tmpDir(), 'data'), { now: () => NOW });
  const work = quotaAccount('cli-auth/codex/work');
  // The same window of two accounts; the older report must not be hidden by the newer one.
  commitQuota(ledger, 'codex-rollouts', [obs(undefined, 0.9, NOW - 10 * 60_000), obs(work, 0.1, NOW - 60_000)]);
  const merged = mergeQuota(ledger.quota(), NOW);
  assert.deepEqual(
    merged.map((r) => [r.account, r.usedRatio]),
    [[DEFAULT_ACCOUNT, 0.9], [work, 0.1]].sort((x, y) => (String(x[0]) < String(y[0]) ? -1 : 1)),
  );
  const derived = new DerivedStateSource(ledger, { maxModels: 25, rateCard: new RateCard(BUILTIN_RATE_CARD) });
  const ing = new Ingestor(ledger, () => [derived], { log: new Logger('silent'), stats: new IngestStats(), now: () => NOW });
  await ing.trigger();
  const text = render(ledger);
  assert.match(text, /^openclaw_quota_used_ratio\{account="default",limit="codex",provider="openai-codex",window="5h"\} 0\.9$/m);
  assert.match(text, new RegExp(`^openclaw_quota_used_ratio\\{account="${work}",limit="codex",provider="openai-codex",window="5h"\\} 0\\.1$`, 'm'));
  // No calls in the ledger: the rate card per account, scaled by each account's own ratio.
  const left = [...text.matchAll(/^openclaw_quota_messages_left_estimate\{account="([^"]+)",limit="codex",provider="openai-codex",window="5h"\} (\d+)$/gm)];
  const byAccount = Object.fromEntries(left.map((m) => [m[1], Number(m[2])]));
  assert.deepEqual(Object.keys(byAccount).sort(), [DEFAULT_ACCOUNT, work].sort());
  assert.ok(byAccount[work] > byAccount[DEFAULT_ACCOUNT], `the less used account has more left: ${JSON.stringify(byAccount)}`);
  const card = (n: number, ratio: number) => n / (1 - ratio);
  assert.ok(Math.abs(card(byAccount[DEFAULT_ACCOUNT], 0.9) - card(byAccount[work], 0.1)) <= 10, 'same card, times (1 - ratio) each');
  const view = quotaView(ledger, NOW);
  assert.deepEqual(view.windows.map((w) => w.account).sort(), [DEFAULT_ACCOUNT, work].sort());
  assert.equal(view.estimates.length, 2, 'both estimates are current');
  ledger.close();
});

test('the same account from two origins or agents still merges to its newest report', () => {
  const ledger = Ledger.open(path.join(tmpDir(), 'data'), { now: () => NOW });
  const a = quotaAccount('openai-codex:default');
  commitQuota(ledger, 'quota-poll', [obs(a, 0.3, NOW - 5 * 60_000)]);
  ledger.commit({ quota: { stateDir: '/s', agent: 'other', source: 'quota-poll', rows: [obs(a, 0.35, NOW - 60_000)] } });
  assert.deepEqual(mergeQuota(ledger.quota(), NOW).map((r) => [r.account, r.usedRatio]), [[a, 0.35]]);
  ledger.close();
});

test(`bounded: at most ${MAX_QUOTA_ACCOUNTS} accounts per provider, the rest fold into other`, () => {
  const ledger = Ledger.open(path.join(tmpDir(), 'data'), { now: () => NOW });
  const accounts = Array.from({ length: 9 }, (_, i) => quotaAccount(`openai-codex:p${i}`));
  commitQuota(
    ledger,
    'quota-poll',
    accounts.map((a, i) => obs(a, i / 10, NOW - (20 - i) * 60_000)),
  );
  commitQuota(ledger, 'codex-rollouts', [obs(undefined, 0.5)]);
  const text = render(ledger);
  const seen = new Set([...text.matchAll(/^openclaw_quota_used_ratio\{account="([^"]+)"/gm)].map((m) => m[1]));
  assert.equal(seen.size, MAX_QUOTA_ACCOUNTS + 1, [...seen].join(','));
  assert.ok(seen.has(DEFAULT_ACCOUNT), 'default is always kept');
  assert.ok(seen.has('other'));
  // Kept: default, then the smallest hashes; `other` is the newest report among the folded ones.
  const kept = [...accounts].sort().slice(0, MAX_QUOTA_ACCOUNTS - 1);
  for (const k of kept) assert.ok(seen.has(k), k);
  const folded = accounts.filter((a) => !kept.includes(a));
  const newest = Math.max(...folded.map((a) => accounts.indexOf(a)));
  const other = mergeQuota(ledger.quota(), NOW).find((r) => r.account === 'other');
  assert.equal(other?.usedRatio, newest / 10);
  // The same decision every scrape (a gauge relabelled back and forth would be noise).
  assert.equal(render(ledger).split('\n').filter((l) => l.startsWith('openclaw_quota_')).join('\n'), text.split('\n').filter((l) => l.startsWith('openclaw_quota_')).join('\n'));
  ledger.close();
});
