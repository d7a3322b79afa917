/**
 * Dashboards as code: the committed JSON and ConfigMap match the builder; the
 * Codex Usage dashboard keeps the seed's 15 panels; every panel, variable and
 * rule query parses with the PromQL parser and references only exported metrics
 * and labels; promtool checks and unit-tests the rules.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import YAML from 'yaml';
import { DASHBOARDS, generatedFiles } from '../src/dashboards/index.js';
import { dashboardJson, queriesOf } from '../src/dashboards/panels.js';
import { CODEX_USAGE } from '../src/dashboards/codex-usage.js';
import { expandGrafana, exportedLabels, lintQuery, variableQuery } from './promql-lint.js';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const RULES = path.join(ROOT, 'deploy/prometheus/clawmeter-rules.yml');

interface Rule {
  record?: string;
  alert?: string;
  expr: string;
}
export function ruleList(): Rule[] {
  const doc = YAML.parse(fs.readFileSync(RULES, 'utf8')) as { groups: Array<{ rules: Rule[] }> };
  return doc.groups.flatMap((g) => g.rules);
}

/** Recording rules and the labels their `sum by (...)` keeps. */
function recorded(): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const r of ruleList()) {
    if (!r.record) continue;
    const m = /^\s*sum by \(([^)]*)\)/.exec(r.expr);
    out[r.record] = m ? m[1].split(',').map((s) => s.trim()) : [];
  }
  return out;
}

test('committed dashboard JSON and ConfigMap match the builder (run npm run build:dashboards)', () => {
  for (const f of generatedFiles()) {
    const p = path.join(ROOT, f.path);
    assert.ok(fs.existsSync(p), `${f.path} missing`);
    assert.equal(fs.readFileSync(p, 'utf8'), f.text, `${f.path} differs from the builder`);
  }
  const cm = YAML.parse(fs.readFileSync(path.join(ROOT, 'deploy/kubernetes/grafana-dashboards-configmap.yaml'), 'utf8'));
  assert.equal(cm.metadata.labels.grafana_dashboard, '1');
  for (const d of DASHBOARDS) assert.deepEqual(JSON.parse(cm.data[d.file]), dashboardJson(d));
});

test('the Codex Usage dashboard keeps the seed: 15 panels, titles, kinds, layout, units, uid, refresh', () => {
  const d = dashboardJson(CODEX_USAGE) as { [k: string]: unknown };
  assert.equal(d.uid, 'openclaw-codex');
  assert.equal(d.title, 'OpenClaw — Codex Usage');
  assert.equal(d.refresh, '30s');
  assert.deepEqual(d.tags, ['openclaw', 'ai', 'codex']);
  const panels = d.panels as Array<{ type: string; title: string; gridPos: { x: number; y: number; w: number; h: number }; fieldConfig?: { defaults: { unit?: string } } }>;
  const seed: Array<[string, string, number, number, number, number, string | undefined]> = [
    ['row', 'Now', 0, 0, 24, 1, undefined],
    ['stat', 'Messages last 5h — $provider/$model', 0, 1, 6, 5, 'short'],
    ['gauge', '% of Plus 5h floor ($floor cap)', 6, 1, 6, 5, 'percent'],
    ['stat', 'Tokens last 5h (input + output, $provider)', 12, 1, 6, 5, 'short'],
    ['stat', 'Cache hit ratio ($provider, 5h)', 18, 1, 6, 5, 'percent'],
    ['stat', 'OAuth token expiry', 0, 6, 6, 5, 'd'],
    ['stat', 'Active sessions', 6, 6, 6, 5, 'short'],
    ['stat', 'Last assistant turn', 12, 6, 6, 5, 's'],
    ['stat', 'Errors last 24h', 18, 6, 6, 5, 'short'],
    ['row', 'Over time', 0, 11, 24, 1, undefined],
    ['timeseries', 'Messages / min by model', 0, 12, 24, 8, 'short'],
    ['timeseries', 'Tokens / min by type ($provider)', 0, 20, 12, 8, 'short'],
    ['bargauge', 'Messages / 5h by model', 12, 20, 12, 8, 'short'],
    ['row', 'Errors', 0, 28, 24, 1, undefined],
    ['table', 'Recent errors by model and reason', 0, 29, 24, 8, undefined],
  ];
  assert.equal(panels.length, 15);
  seed.forEach(([type, title, x, y, w, h, unit], i) => {
    const p = panels[i];
    assert.deepEqual([p.type, p.title, p.gridPos.x, p.gridPos.y, p.gridPos.w, p.gridPos.h], [type, title, x, y, w, h], `panel ${i}`);
    if (unit) assert.equal(p.fieldConfig?.defaults.unit, unit, title);
  });
  const text = JSON.stringify(d);
  assert.ok(!text.includes('__inputs'));
  assert.ok(!text.includes('PBFA97CFB590B2093'), 'no hard-coded datasource uid');
  assert.ok(!text.includes('gpt-5.4-mini'), 'no hard-coded model');
  assert.ok(!/\[1m\]|\[5m\]/.test(text), 'rates use $__rate_interval');
  for (const m of text.matchAll(/"uid":"([^"]*)"/g)) if (m[1] !== 'openclaw-codex') assert.equal(m[1], '${datasource}');
});

test('every dashboard and rule query parses and references only exported metrics and labels', () => {
  const known = exportedLabels(recorded());
  let n = 0;
  for (const d of DASHBOARDS) {
    for (const q of queriesOf(d)) {
      const v = q.panel.startsWith('variable ') ? variableQuery(q.expr) : null;
      const expr = expandGrafana(v ? v.expr : q.expr);
      assert.deepEqual(lintQuery(expr, known), [], `${d.uid} / ${q.panel}: ${expr}`);
      if (v) assert.ok([...known.values()].some((s) => s.has(v.label)), `variable label ${v.label}`);
      n++;
    }
  }
  for (const r of ruleList()) {
    assert.deepEqual(lintQuery(r.expr, known), [], `${r.alert ?? r.record}: ${r.expr}`);
    n++;
  }
  assert.ok(n > 50, `${n} queries checked`);
});

test('the query check rejects unknown metrics, labels and bad syntax', () => {
  const known = exportedLabels();
  assert.match(lintQuery('sum(rate(openclaw_codex_mesages_total[5m]))', known).join(), /unknown metric openclaw_codex_mesages_total/);
  assert.match(lintQuery('openclaw_codex_messages_total{agent="main"}', known).join(), /has no label agent/);
  assert.match(lintQuery('sum by (category) (openclaw_codex_message_errors_total)', known).join(), /grouping label category/);
  assert.match(lintQuery('sum(openclaw_codex_messages_total', known).join(), /syntax error/);
  assert.deepEqual(lintQuery('histogram_quantile(0.9, sum by (le) (rate(clawmeter_ingest_duration_seconds_bucket[5m])))', known), []);
});

test('promtool checks the rules and their unit tests pass (every alert firing and not firing)', (t) => {
  if (spawnSync('promtool', ['--version']).error) {
    t.skip('promtool not installed');
    return;
  }
  const check = spawnSync('promtool', ['check', 'rules', RULES], { encoding: 'utf8' });
  assert.equal(check.status, 0, check.stdout + check.stderr);
  const unit = spawnSync('promtool', ['test', 'rules', 'clawmeter-rules.test.yml'], { cwd: path.dirname(RULES), encoding: 'utf8' });
  assert.equal(unit.status, 0, unit.stdout + unit.stderr);
  // every alert has a test case
  const tests = fs.readFileSync(path.join(path.dirname(RULES), 'clawmeter-rules.test.yml'), 'utf8');
  for (const r of ruleList()) if (r.alert) assert.ok(tests.includes(`alertname: ${r.alert}`), `no unit test for ${r.alert}`);
  for (const f of ['scrape-static.yml', 'scrape-file-sd.yml']) {
    const c = spawnSync('promtool', ['check', 'config', '--syntax-only', f], { cwd: path.dirname(RULES), encoding: 'utf8' });
    assert.equal(c.status, 0, f + c.stdout + c.stderr);
  }
});
