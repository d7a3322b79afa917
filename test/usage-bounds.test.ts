/**
 * Hostile numbers, times and names never poison anything: implausible usage skips
 * the call with a counted reason (also visible in clawmeter_lines_skipped_total),
 * numeric strings are accepted, sums never overflow, no counter prints as
 * +Inf/NaN/null (also after a restart); an implausible timestamp counts the call but
 * never becomes the last-run time or enters a window; long names are cut with a
 * hash suffix; a byte-order mark is ignored.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Ledger } from '../src/ledger/ledger.js';
import { parseTranscriptLine, parseRecord, candidateText } from '../src/parse/transcript-line.js';
import { MetricsRenderer } from '../src/sinks/prometheus/render.js';
import { MAX_NAME_LENGTH, boundName } from '../src/bounds.js';
import { assistantLine, headerLine, ingestOnce, makeState, tmpDir, totalsOf, sqlRead } from './helpers.js';

function line(usage: Record<string, unknown>, extra: Record<string, unknown> = {}): string {
  const base = JSON.parse(assistantLine()) as { message: Record<string, unknown> } & Record<string, unknown>;
  base.message.usage = usage;
  Object.assign(base.message, extra);
  return JSON.stringify(base);
}

function render(ledger: Ledger, stats: ConstructorParameters<typeof MetricsRenderer>[1]): string {
  return new MetricsRenderer(ledger, stats, { version: 't', demo: false, showAccountEmails: false, maxSeries: 5000 }).render();
}

function assertFiniteExposition(text: string): void {
  for (const l of text.split('\n')) {
    if (l === '' || l.startsWith('#')) continue;
    const v = l.slice(l.lastIndexOf(' ') + 1);
    assert.ok(Number.isFinite(Number(v)), `finite sample: ${l.slice(0, 200)}`);
  }
}

test('parser: numeric strings accepted; non-finite, negative, fractional and over-cap values are implausible', () => {
  const ok = parseTranscriptLine(line({ input: '123', output: ' 7 ', cacheRead: 5, cost: { total: '0.25' } }));
  assert.equal(ok.kind, 'call');
  if (ok.kind === 'call') {
    assert.equal(ok.call.input, 123);
    assert.equal(ok.call.output, 7);
    assert.equal(ok.call.costUsd, 0.25);
  }
  for (const bad of [
    { input: 1e308 },
    { input: 5e18 },
    { input: 1e9 + 1 },
    { output: -1 },
    { input: 1.5 },
    { input: 'lots' },
    { input: true },
    { input: 1, cost: 1e6 },
    { input: 1, cost: { total: -0.5 } },
    { input: 1, cost: 'NaN' },
  ]) {
    assert.deepEqual(parseTranscriptLine(line(bad)), { kind: 'malformed', why: 'implausible_usage' }, JSON.stringify(bad));
  }
  assert.equal(parseTranscriptLine(line({ input: 1e9, cost: 1e5 })).kind, 'call', 'the caps themselves are fine');
});

test('two calls with usage.input 1e308: skipped and counted, never +Inf, also after a restart', async () => {
  const root = tmpDir();
  const { stateDir, sessions } = makeState(root);
  fs.writeFileSync(
    path.join(sessions, 's.jsonl'),
    [headerLine('s'), line({ input: 1e308, output: 1 }), line({ input: 1e308, output: 1 }), assistantLine({ input: 5 })].join('\n') + '\n',
  );
  const data = path.join(root, 'data');
  const { ledger, stats } = await ingestOnce([stateDir], data);
  assert.equal(totalsOf(ledger).calls, 1);
  assert.equal(totalsOf(ledger).input, 5);
  assert.equal(stats.issues.get('implausible_usage'), 2);
  const text = render(ledger, stats);
  assert.match(text, /clawmeter_lines_skipped_total\{reason="implausible_usage"\} 2/);
  assertFiniteExposition(text);
  ledger.close();
  const again = await ingestOnce([stateDir], data);
  assertFiniteExposition(render(again.ledger, again.stats));
  assert.equal(totalsOf(again.ledger).calls, 1);
  again.ledger.close();
});

test('three recent calls with 5e18 tokens never break the window refresh; the ledger refuses such numbers itself', async () => {
  const root = tmpDir();
  const { stateDir, sessions } = makeState(root);
  const now = Date.now();
  const lines = [headerLine('s')];
  for (let i = 0; i < 3; i++) lines.push(line({ input: 5e18, output: 1 }, { timestamp: now - 60_000 * (i + 1) }));
  lines.push(assistantLine({ tsMs: now - 30_000, input: 9 }));
  fs.writeFileSync(path.join(sessions, 's.jsonl'), lines.join('\n') + '\n');
  const r = await ingestOnce([stateDir], path.join(root, 'data'));
  assert.equal(r.ingestor.stats.cyclesFailed, 0);
  r.ledger.refreshWindows([{ name: '5h', ms: 5 * 3600_000 }], now);
  assert.deepEqual(r.ledger.windows().map((w) => [w.window, w.messages, w.input]), [['5h', 1, 9]]);
  // A source that bypasses the parser cannot store them either.
  const call = { dedupeKey: 'x', tsMs: now, provider: 'p', model: 'm', input: 5e18, output: 0, cacheRead: 0, cacheWrite: 0, costUsd: null,
    stopReason: 'stop', errorCategory: null, latencyMs: null, agent: 'main', compatKind: 'unknown', kind: 'unknown', channel: 'unknown',
    chatType: 'unknown', source: 'codex-rollouts' };
  assert.deepEqual(r.ledger.commit({ calls: [call, { ...call, dedupeKey: 'y', input: Infinity }] }), { inserted: 0, duplicates: 0, rejected: 2 });
  // an out-of-bounds cost estimate is dropped, the call kept
  assert.deepEqual(r.ledger.commit({ calls: [{ ...call, dedupeKey: 'z', input: 10, costUsd: 1e7, costEstimated: true }] }), { inserted: 1, duplicates: 0 });
  assert.equal(sqlRead<{ c: number | null }>(r.ledger, `SELECT cost_usd AS c FROM calls WHERE dedupe_key = 'z'`)[0].c, null);
  r.ledger.close();
});

test('timestamps 1e300 and year 2200 count the call but never set the last-run time nor enter a window', async () => {
  const root = tmpDir();
  const { stateDir, sessions } = makeState(root);
  const now = Date.now();
  const good = now - 120_000;
  const huge = JSON.parse(assistantLine({ input: 1 })) as Record<string, unknown> & { message: Record<string, unknown> };
  huge.timestamp = 1e300;
  huge.message.timestamp = 1e300;
  const far = JSON.parse(assistantLine({ input: 2 })) as Record<string, unknown> & { message: Record<string, unknown> };
  far.timestamp = '2200-01-01T00:00:00.000Z';
  delete far.message.timestamp;
  const old = assistantLine({ input: 4, tsMs: Date.UTC(2010, 0, 1) });
  fs.writeFileSync(
    path.join(sessions, 's.jsonl'),
    [headerLine('s'), JSON.stringify(huge), JSON.stringify(far), old, assistantLine({ tsMs: good, input: 8 })].join('\n') + '\n',
  );
  const data = path.join(root, 'data');
  const r = await ingestOnce([stateDir], data);
  assert.equal(totalsOf(r.ledger).calls, 4);
  assert.equal(totalsOf(r.ledger).input, 15);
  assert.equal(r.ledger.lastCallTimestampMs(), good + 500);
  const windows = [{ name: '7d', ms: 7 * 86_400_000 }];
  for (const t of [now, Date.UTC(2200, 0, 1, 1)]) {
    r.ledger.refreshWindows(windows, t);
    assert.ok(r.ledger.windows().every((w) => w.input === (t === now ? 8 : 0)), JSON.stringify(r.ledger.windows()));
  }
  assertFiniteExposition(render(r.ledger, r.stats));
  r.ledger.close();
  const reopened = Ledger.open(data);
  assert.equal(reopened.lastCallTimestampMs(), good + 500);
  reopened.close();
});

test('long provider and model names are cut with a hash suffix, distinct names stay distinct', async () => {
  const a = 'm'.repeat(1_000_000);
  const b = 'm'.repeat(999_999) + 'n';
  assert.equal(boundName('short'), 'short');
  assert.equal(boundName(a).length, MAX_NAME_LENGTH);
  assert.notEqual(boundName(a), boundName(b));
  assert.equal(boundName(a), boundName('m'.repeat(1_000_000)));
  const emoji = 'x'.repeat(MAX_NAME_LENGTH - 14) + '😀'.repeat(100);
  assert.doesNotMatch(boundName(emoji), /[\ud800-\udbff](?![\udc00-\udfff])/, 'no lone surrogate');

  const root = tmpDir();
  const { stateDir, sessions } = makeState(root);
  fs.writeFileSync(
    path.join(sessions, 's.jsonl'),
    [headerLine('s'), assistantLine({ model: a, provider: 'p'.repeat(5000) }), assistantLine({ model: b }), assistantLine({ model: a })].join('\n') + '\n',
  );
  const r = await ingestOnce([stateDir], path.join(root, 'data'));
  const rows = [...r.ledger.totals()];
  assert.equal(rows.length, 3);
  for (const t of rows) {
    assert.ok(t.model.length <= MAX_NAME_LENGTH && t.provider.length <= MAX_NAME_LENGTH);
  }
  assert.ok(render(r.ledger, r.stats).length < 200_000);
  r.ledger.close();
});

test('a byte-order mark before a line is ignored (cut and whole-line paths)', () => {
  const l = assistantLine({ input: 42 });
  const plain = parseTranscriptLine(l);
  assert.equal(plain.kind, 'call');
  assert.deepEqual(parseTranscriptLine('\ufeff' + l), plain);
  const buf = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(l)]);
  const c = candidateText(buf, 0, buf.length);
  assert.ok(c.cut);
  assert.deepEqual(parseRecord(c.text, () => buf.toString('utf8')), plain);
});
