/**
 * Golden exposition for the original exporter's families on the real OpenClaw
 * 2026.7.35 fixture (plus an auth-profile fixture), rendered at a fixed time.
 * Regenerate with UPDATE_GOLDEN=1 after a deliberate change, and review the diff.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { MetricsRenderer } from '../src/sinks/prometheus/render.js';
import { METRICS } from '../src/metrics/table.js';
import { FIXTURES, copyDir, ingestOnce, tmpDir } from './helpers.js';

const GOLDEN = path.join(FIXTURES, '../golden/seed-families.prom');
const NOW = 1795285000000;

async function renderFixture(opts: { showAccountEmails?: boolean; demo?: boolean } = {}): Promise<string> {
  const root = tmpDir();
  const state = path.join(root, 'state');
  copyDir(path.join(FIXTURES, 'openclaw-real/v2026.7.35-jsonl'), state);
  fs.copyFileSync(path.join(FIXTURES, 'auth/auth-profiles.json'), path.join(state, 'agents/main/agent/auth-profiles.json'));
  fs.copyFileSync(path.join(FIXTURES, 'auth/auth-state.json'), path.join(state, 'agents/main/agent/auth-state.json'));
  const { ledger, stats } = await ingestOnce([state], path.join(root, 'data'));
  const text = new MetricsRenderer(ledger, stats, {
    version: 'test',
    demo: opts.demo ?? false,
    showAccountEmails: opts.showAccountEmails ?? false,
    maxSeries: 2000,
    nowMs: NOW,
  }).render();
  ledger.close();
  fs.rmSync(root, { recursive: true, force: true });
  return text;
}

/** Only the seed families, with the scrape duration value masked. */
function compatOnly(text: string): string {
  const compatNames = Object.values(METRICS).filter((d) => d.group === 'compat').map((d) => d.name);
  return text
    .split('\n')
    .filter((l) => compatNames.some((n) => l.startsWith(n) || l.startsWith(`# HELP ${n} `) || l.startsWith(`# TYPE ${n} `)))
    .map((l) => l.replace(/^(openclaw_codex_exporter_scrape_duration_ms) .*$/, '$1 <ms>'))
    .join('\n') + '\n';
}

test('seed families match the golden exposition', async () => {
  const got = compatOnly(await renderFixture());
  if (process.env.UPDATE_GOLDEN) fs.writeFileSync(GOLDEN, got);
  assert.equal(got, fs.readFileSync(GOLDEN, 'utf8'));
});

test('seed family layout: names, types and label names of the original exporter', async () => {
  const text = await renderFixture();
  for (const d of Object.values(METRICS).filter((m) => m.group === 'compat')) {
    assert.match(text, new RegExp(`^# TYPE ${d.name} ${d.type}$`, 'm'), d.name);
    for (const line of text.split('\n').filter((l) => l.startsWith(d.name + '{'))) {
      const names = [...line.matchAll(/([a-z_]+)="/g)].map((m) => m[1]);
      assert.deepEqual(names, [...d.labels], `${d.name} labels in sorted order`);
    }
  }
  // families follow each other without blank lines, like the original
  assert.ok(!text.includes('\n\n'));
});

test('no secret and no email in the output; emails shown only on request', async () => {
  const text = await renderFixture();
  assert.ok(!text.includes('SECRET'), 'no token, key or refresh value');
  assert.ok(!text.includes('@'), 'no email');
  assert.match(text, /account="email-[0-9A-Za-z_-]{8}"/);
  assert.match(text, /openclaw_codex_oauth_expiry_seconds\{account="default",plan="plus",provider="openai-codex"\}/);
  const shown = await renderFixture({ showAccountEmails: true });
  assert.match(shown, /account="user@example.com"/);
  assert.ok(!shown.includes('SECRET'));
});

test('demo mode says DEMO in every help text', async () => {
  const text = await renderFixture({ demo: true });
  const helps = text.split('\n').filter((l) => l.startsWith('# HELP'));
  assert.ok(helps.length > 10);
  for (const h of helps) assert.match(h, /DEMO/, h);
  assert.match(text, /clawmeter_build_info\{[^}]*mode="demo"\} 1/);
});

test('--max-series keeps or drops a histogram series whole', async () => {
  const { SeriesCap } = await import('../src/sinks/prometheus/series-cap.js');
  const hist = (model: string): Array<{ suffix: string; labels: Record<string, string>; value: number }> => [
    { suffix: '_bucket', labels: { model, le: '1' }, value: 1 },
    { suffix: '_bucket', labels: { model, le: '+Inf' }, value: 2 },
    { suffix: '_sum', labels: { model }, value: 3 },
    { suffix: '_count', labels: { model }, value: 2 },
  ];
  const cap = new SeriesCap(6);
  const [kept] = cap.apply([{ name: 'h', samples: [...hist('a'), ...hist('b')] }]);
  assert.deepEqual(kept.map((s) => s.labels.model), ['a', 'a', 'a', 'a'], 'series b does not fit whole and is dropped');
  assert.equal(cap.dropped, 4);
  const singles = [{ labels: { x: '1' }, value: 1 }, { labels: { x: '2' }, value: 1 }, { labels: { x: '3' }, value: 1 }];
  assert.deepEqual(new SeriesCap(2).apply([{ name: 'g', samples: singles }])[0].length, 2);
});

test('--max-series is sticky across an uncapped scrape: the series it exported are kept when a later scrape must cap', async () => {
  const { SeriesCap } = await import('../src/sinks/prometheus/series-cap.js');
  const of = (xs: string[]) => xs.map((x) => ({ labels: { x }, value: 1 }));
  const cap = new SeriesCap(4);
  assert.deepEqual(cap.apply([{ name: 'g', samples: of(['c', 'd', 'e']) }])[0].map((s) => s.labels.x), ['c', 'd', 'e'], 'under the cap: all');
  const [kept] = cap.apply([{ name: 'g', samples: of(['a', 'b', 'c', 'd', 'e', 'f']) }]);
  // c, d, e were exported before and stay; one newcomer fits (in label order: a). Without the memory the cap would keep a-d.
  assert.deepEqual(kept.map((s) => s.labels.x), ['a', 'c', 'd', 'e']);
  assert.equal(cap.dropped, 2);
  // and from then on the kept set holds
  assert.deepEqual(cap.apply([{ name: 'g', samples: of(['a', 'b', 'c', 'd', 'e', 'f']) }])[0].map((s) => s.labels.x), ['a', 'c', 'd', 'e']);
});
