/**
 * The neutral metric model: every table row has a unit its name agrees with, a
 * view and a unique OpenTelemetry name (documented in docs/metrics.md); the
 * collectors' points carry the start times the OTLP exporter and OpenMetrics
 * need; and no sink reaches around the model into quota/ or labeling/.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { METRICS } from '../src/metrics/table.js';
import { MetricsCollector } from '../src/metrics/collector.js';
import { isHistogram } from '../src/metrics/points.js';
import { ProcessMetrics } from '../src/metrics/process.js';
import { FIXTURES, copyDir, ingestOnce, tmpDir } from './helpers.js';

const ROOT = path.join(FIXTURES, '../..');
const DOC = fs.readFileSync(path.join(ROOT, 'docs/metrics.md'), 'utf8');

test('every row: a unit its name agrees with, a view, a unique documented OTel name', () => {
  const otel = new Set<string>();
  for (const d of Object.values(METRICS)) {
    assert.ok(['1', 'tokens', 'USD', 'seconds', 'ms', 'bytes'].includes(d.unit), d.name);
    const base = d.name.replace(/_total$/, '');
    if (/_(seconds|timestamp|timestamp_seconds)$/.test(base)) assert.equal(d.unit, 'seconds', d.name);
    if (base.endsWith('_bytes')) assert.equal(d.unit, 'bytes', d.name);
    if (base.endsWith('_usd')) assert.equal(d.unit, 'USD', d.name);
    if (base.endsWith('_tokens')) assert.equal(d.unit, 'tokens', d.name);
    assert.ok(d.view.length > 0, d.name);
    const row = DOC.split('\n').find((l) => l.startsWith(`| \`${d.name}\` | \`${d.unit}\` | ${d.view} |`));
    assert.ok(row, `${d.name}: unit and view documented`);
    if (d.otel === null) {
      assert.ok(row.endsWith('| — |'), d.name);
      continue;
    }
    assert.match(d.otel, /^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$/, d.name);
    assert.ok(!otel.has(d.otel), `${d.otel} named twice`);
    otel.add(d.otel);
    assert.ok(row.endsWith(`| \`${d.otel}\` |`), `${d.name}: OTel name documented`);
  }
  // The names the OTLP issue takes from OpenClaw's diagnostics-otel doc.
  assert.equal(METRICS.usageTokens.otel, 'openclaw.tokens');
  assert.equal(METRICS.usageCost.otel, 'openclaw.cost.usd');
});

test('collector points: cumulative families start at the first call or the process start, gauges have none', async () => {
  const root = tmpDir();
  const state = path.join(root, 'state');
  copyDir(path.join(FIXTURES, 'openclaw-real/v2026.7.35-jsonl'), state);
  const { ledger, stats } = await ingestOnce([state], path.join(root, 'data'));
  const pm = new ProcessMetrics();
  try {
    const c = new MetricsCollector(ledger, stats, { version: 't', demo: false, showAccountEmails: false, processMetrics: pm });
    const first = ledger.firstCallTimestampMs();
    assert.ok(first !== null && first > 0 && first <= ledger.lastCallTimestampMs()!);
    const domain = c.domain();
    const byName = new Map(domain.map((f) => [f.def.name, f]));
    assert.deepEqual(domain.map((f) => f.def.name), [...new Set(domain.map((f) => f.def.name))], 'each family once');
    for (const f of domain) {
      if (f.def.type === 'gauge') assert.equal(f.startMs, null, f.def.name);
      else assert.equal(f.startMs, first, f.def.name);
    }
    const hist = byName.get(METRICS.usageCallDuration.name)!;
    assert.ok(hist.points.length > 0);
    for (const p of hist.points) {
      assert.ok(isHistogram(p));
      assert.equal(p.counts.length, p.bounds.length + 1, 'the overflow bucket is explicit');
      assert.equal(p.counts.reduce((a, b) => a + b, 0), p.count);
    }
    const tokens = byName.get(METRICS.usageTokens.name)!;
    assert.ok(tokens.points.every((p) => !isHistogram(p) && Number.isFinite(p.value)));
    const self = c.self(0);
    for (const f of self) if (f.def.type !== 'gauge') assert.equal(f.startMs, pm.startMs, f.def.name);
    assert.ok(Math.abs(pm.startMs - (Date.now() - process.uptime() * 1000)) < 2000);
    assert.ok(domain.every((f) => f.def.group !== 'self') && self.every((f) => f.def.group === 'self'));
  } finally {
    ledger.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('sinks reach derived state and labeling rules only through the metric model', () => {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.endsWith('.ts')) files.push(p);
    }
  };
  walk(path.join(ROOT, 'src/sinks'));
  assert.ok(files.length > 5);
  for (const f of files) {
    for (const m of fs.readFileSync(f, 'utf8').matchAll(/^import .* from '([^']+)'/gm)) {
      assert.ok(!/\/(quota|labeling|sources|parse)\//.test(m[1]), `${path.relative(ROOT, f)} imports ${m[1]}`);
    }
  }
});
