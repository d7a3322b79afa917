/**
 * The built-in dashboard in a real headless Chromium (Debian chromium driven by
 * playwright-core) against a real `clawmeter serve` over a generated state
 * directory: no console error and no failed request, the numbers on the page equal
 * what a read-only reader of the same ledger computes (opened alongside the
 * running serve), the range switch and the refresh work (a new transcript line
 * appears after the page's own refresh), the empty state renders, and the page
 * is usable at phone and desktop widths in light and dark. With
 * CLAWMETER_SCREENSHOTS=1 it writes the screenshots under docs/img/ (README).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { serve, type ServeHandle } from '../src/cli/serve.js';
import { generateStateDir } from '../src/demo/generate.js';
import { LedgerReader } from '../src/ledger/readonly.js';
import { LedgerQuery } from '../src/query/index.js';
import { periodStartMs } from '../src/query/summary.js';
import { assistantLine, headerLine, makeState, tmpDir } from './helpers.js';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const SHOTS = process.env.CLAWMETER_SCREENSHOTS === '1' ? path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../docs/img') : null;

async function startServe(stateDir: string, dataDir: string): Promise<ServeHandle> {
  const h = await serve(['--state-dir', stateDir, '--data-dir', dataDir, '--listen', '127.0.0.1:0', '--interval', '1', '--log.level', 'silent'], { TZ: 'UTC' });
  assert.ok(h);
  for (let i = 0; i < 300; i++) {
    const r = await fetch(`${h.url}/readyz`);
    if (r.status === 200) return h;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error('serve never became ready');
}

/** A fresh browser: playwright gives every launch a new, temporary profile (user data dir). */
const launch = () => chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });

interface Watch {
  problems: string[];
}

async function openPage(browser: Browser, url: string, o: { width: number; height: number; dark?: boolean }): Promise<{ page: Page; watch: Watch }> {
  const ctx = await browser.newContext({ viewport: { width: o.width, height: o.height }, colorScheme: o.dark ? 'dark' : 'light', timezoneId: 'UTC', locale: 'en-US' });
  const page = await ctx.newPage();
  const watch: Watch = { problems: [] };
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') watch.problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => watch.problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => watch.problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  page.on('response', (r) => {
    if (r.status() >= 400) watch.problems.push(`HTTP ${r.status()}: ${r.url()}`);
    if (!r.url().startsWith('http://127.0.0.1:')) watch.problems.push(`off-box request: ${r.url()}`);
  });
  await page.goto(url);
  await page.waitForSelector('body[data-refreshes]', { timeout: 20_000 });
  return { page, watch };
}

const dataValue = (page: Page, sel: string) => page.$eval(sel, (e) => Number(e.getAttribute('data-value')));
const refreshes = (page: Page) => page.$eval('body', (e) => Number(e.getAttribute('data-refreshes')));

test('dashboard in headless Chromium: numbers equal the ledger, range switch, refresh, themes and widths', { timeout: 90_000 }, async () => {
  const root = tmpDir();
  const stateDir = path.join(root, 'state');
  generateStateDir({ dir: stateDir, seed: 7, nowMs: Date.now(), days: 5, junk: false });
  const dataDir = path.join(root, 'data');
  const browser = await launch();
  const h = await startServe(stateDir, dataDir).catch(async (e) => {
    await browser.close();
    throw e;
  });
  try {
    const { page, watch } = await openPage(browser, `${h.url}/?range=30d&refresh=1`, { width: 1366, height: 900 });

    // Numbers on the page equal the ledger's, read by a second, read-only reader beside the serve.
    const reader = LedgerReader.open(dataDir);
    try {
      const q = new LedgerQuery(reader);
      assert.equal(await dataValue(page, '#calls'), q.callCount());
      const month = q.totals({ from: periodStartMs(Date.now(), 'month', 'UTC'), to: Date.now() + 1 })[0];
      assert.equal(await dataValue(page, '#cost-month'), month.costUsd);
      assert.equal(await dataValue(page, '#active-sessions'), q.sessionsView().length);
      const byModel = q.totals({ by: ['model'] });
      const rows = await page.$$eval('#table-model tbody tr', (trs) =>
        trs.map((tr) => ({ model: tr.children[0].textContent, messages: Number(tr.children[1].getAttribute('data-value')), cost: Number(tr.children[3].getAttribute('data-value')) })),
      );
      assert.equal(rows.length, byModel.length);
      for (const r of rows) {
        const want = byModel.find((m) => m.model === r.model);
        assert.ok(want, `model ${r.model} in the ledger`);
        assert.equal(r.messages, want.messages);
        assert.equal(r.cost, want.costUsd);
      }
      const all = q.totals()[0];
      assert.equal(await dataValue(page, '#series-note'), all.totalTokens, 'the 30 d chart holds every token of a 5-day history');
      assert.ok(all.totalTokens > 0);
    } finally {
      reader.close();
    }

    // The range switch: 6 h holds at most what 30 d holds, and the button is marked.
    const before = await refreshes(page);
    await page.click('button[data-range="6h"]');
    await page.waitForFunction((n) => Number(document.body.getAttribute('data-refreshes')) > n, before);
    assert.match(await page.textContent('#updated') ?? '', /range 6h/);
    assert.equal(await page.getAttribute('button[data-range="6h"]', 'class'), 'active');
    assert.ok((await dataValue(page, '#series-note')) <= (await dataValue(page, '#calls')) * 1e9);
    await page.click('button[data-range="30d"]');

    // The refresh: a new call in a transcript shows up without reloading the page.
    const calls0 = await dataValue(page, '#calls');
    const sessions = path.join(stateDir, 'agents', 'main', 'sessions');
    fs.writeFileSync(path.join(sessions, 'dash-new.jsonl'), [headerLine('dash-new'), assistantLine({ tsMs: Date.now() - 1000, input: 1234 })].join('\n') + '\n');
    await page.waitForFunction((n) => Number(document.getElementById('calls')?.getAttribute('data-value')) === n + 1, calls0, { timeout: 20_000 });

    // Phone width, dark: no horizontal overflow of the page.
    const phone = await openPage(browser, `${h.url}/?range=30d`, { width: 390, height: 844, dark: true });
    const overflow = await phone.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 1, `page overflows a phone by ${overflow}px`);
    const bg = await phone.page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.notEqual(bg, 'rgb(247, 247, 248)', 'dark theme applies');
    for (const [name, p] of [['desktop-light', page], ['phone-dark', phone.page]] as const) {
      const png = await p.screenshot({ fullPage: true });
      assert.ok(png.length > 10_000, `${name} screenshot has content`);
      if (SHOTS) {
        fs.mkdirSync(SHOTS, { recursive: true });
        fs.writeFileSync(path.join(SHOTS, `dashboard-${name}.png`), png);
      }
    }
    if (SHOTS) {
      for (const [name, o] of [['desktop-dark', { width: 1366, height: 900, dark: true }], ['phone-light', { width: 390, height: 844 }]] as const) {
        const x = await openPage(browser, `${h.url}/?range=30d`, o);
        fs.writeFileSync(path.join(SHOTS, `dashboard-${name}.png`), await x.page.screenshot({ fullPage: true }));
        assert.deepEqual(x.watch.problems, []);
      }
    }
    assert.deepEqual(watch.problems, []);
    assert.deepEqual(phone.watch.problems, []);
  } finally {
    await browser.close();
    await h.stop();
  }
});

test('dashboard empty state: no calls yet is explained, with no error', { timeout: 60_000 }, async () => {
  const root = tmpDir();
  const { stateDir } = makeState(root);
  const browser = await launch();
  const h = await startServe(stateDir, path.join(root, 'data')).catch(async (e) => {
    await browser.close();
    throw e;
  });
  try {
    const { page, watch } = await openPage(browser, h.url + '/', { width: 1024, height: 768 });
    assert.match((await page.textContent('#state-empty')) ?? '', /No data yet/);
    assert.equal(await dataValue(page, '#calls'), 0);
    assert.match((await page.textContent('#by-model')) ?? '', /Nothing in this range/);
    assert.deepEqual(watch.problems, []);
  } finally {
    await browser.close();
    await h.stop();
  }
});

test('dashboard ingesting state: a first ingest of a large history shows its progress, then the numbers', { timeout: 90_000 }, async () => {
  const root = tmpDir();
  const stateDir = path.join(root, 'state');
  generateStateDir({ dir: stateDir, seed: 3, nowMs: Date.now(), days: 20, targetBytes: 60 * 1024 * 1024, junk: false });
  const browser = await launch();
  // not waiting for /readyz: the page opens while the first cycle runs
  const h = await serve(['--state-dir', stateDir, '--data-dir', path.join(root, 'data'), '--listen', '127.0.0.1:0', '--log.level', 'silent', '--no-watch'], { TZ: 'UTC' });
  assert.ok(h);
  try {
    const { page, watch } = await openPage(browser, `${h.url}/?refresh=1`, { width: 1024, height: 768 });
    assert.match((await page.textContent('#state-ingesting')) ?? '', /Ingest in progress: [\d,]+ files, [\d.]+ MB read, [\d,]+ calls so far/);
    await page.waitForSelector('#state-ingesting', { state: 'detached', timeout: 60_000 });
    const calls = await dataValue(page, '#calls');
    assert.ok(calls > 1000, `calls after the first ingest: ${calls}`);
    assert.deepEqual(watch.problems, []);
  } finally {
    await browser.close();
    await h.stop();
  }
});
