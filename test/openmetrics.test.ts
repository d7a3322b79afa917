/**
 * OpenMetrics 1.0 beside text 0.0.4: the pure Accept negotiation, the renderer's
 * two formats over one metric model (same series, `_total` handling, `# UNIT`
 * only where the name ends with the unit, `_created` from the model's start
 * times, `# EOF`), `promtool check metrics` on both, and the HTTP endpoint
 * answering each Accept header with the right body and Content-Type.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { MetricsRenderer } from '../src/sinks/prometheus/render.js';
import { negotiate } from '../src/sinks/prometheus/negotiate.js';
import { startServer } from '../src/sinks/http/server.js';
import { METRICS } from '../src/metrics/table.js';
import { FIXTURES, copyDir, ingestOnce, tmpDir } from './helpers.js';

const NOW = 1795285000000;
const PROMETHEUS_ACCEPT =
  'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

test('negotiate: OpenMetrics 1.0.0 only when preferred, text 0.0.4 otherwise', () => {
  assert.equal(negotiate(undefined), 'text');
  assert.equal(negotiate(''), 'text');
  assert.equal(negotiate('*/*'), 'text');
  assert.equal(negotiate('text/plain;version=0.0.4'), 'text');
  assert.equal(negotiate(PROMETHEUS_ACCEPT), 'openmetrics');
  assert.equal(negotiate('application/openmetrics-text; version=1.0.0'), 'openmetrics');
  assert.equal(negotiate('application/openmetrics-text'), 'openmetrics', 'no version: the current one');
  assert.equal(negotiate('application/openmetrics-text;version=0.0.1'), 'text', 'a version we do not write');
  assert.equal(negotiate('application/openmetrics-text;version=1.0.0;q=0.2,text/plain;q=0.9'), 'text', 'higher q wins');
  assert.equal(negotiate('application/openmetrics-text;version=1.0.0;q=0,*/*'), 'text', 'q=0 refuses');
  assert.equal(negotiate('text/plain;q=0.5,application/openmetrics-text;q=0.5'), 'text', 'a tie goes to the first listed');
  assert.equal(negotiate('APPLICATION/OpenMetrics-Text; Version="1.0.0"; q=0.9, text/plain; q=0.1'), 'openmetrics');
  assert.equal(negotiate('garbage,,;;==, application/json'), 'text');
  assert.equal(negotiate('application/openmetrics-text;q=abc'), 'text', 'a bad q is q=0');
});

async function renderBoth(): Promise<{ text: string; om: string }> {
  const root = tmpDir();
  const state = path.join(root, 'state');
  copyDir(path.join(FIXTURES, 'openclaw-real/v2026.7.35-jsonl'), state);
  fs.copyFileSync(path.join(FIXTURES, 'auth/auth-profiles.json'), path.join(state, 'agents/main/agent/auth-profiles.json'));
  fs.copyFileSync(path.join(FIXTURES, 'auth/auth-state.json'), path.join(state, 'agents/main/agent/auth-state.json'));
  const { ledger, stats } = await ingestOnce([state], path.join(root, 'data'));
  const r = new MetricsRenderer(ledger, stats, { version: 'test', demo: false, showAccountEmails: false, maxSeries: 2000, nowMs: NOW });
  const text = r.render();
  const om = r.render('openmetrics');
  ledger.close();
  fs.rmSync(root, { recursive: true, force: true });
  return { text, om };
}

/** name{labels} -> value, without comments, `_created` samples and the scrape duration; `_total` kept. */
function series(exposition: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const l of exposition.split('\n')) {
    if (l === '' || l.startsWith('#') || /^\w+_created[{ ]/.test(l) || l.startsWith('openclaw_codex_exporter_scrape_duration_ms')) continue;
    const sp = l.lastIndexOf(' ');
    m.set(l.slice(0, sp), l.slice(sp + 1));
  }
  return m;
}

test('OpenMetrics and text carry the same series; OpenMetrics names, UNIT, _created and EOF', async () => {
  const { text, om } = await renderBoth();
  assert.ok(om.endsWith('\n# EOF\n'), 'ends with # EOF');
  assert.ok(!text.includes('# EOF'));
  const a = series(text);
  const b = series(om);
  // process/CPU values move between two renders; compare the ledger-derived ones exactly.
  const stable = (k: string) => k.startsWith('openclaw_');
  assert.deepEqual([...b.keys()].filter(stable), [...a.keys()].filter(stable));
  for (const k of [...a.keys()].filter(stable)) assert.equal(b.get(k), a.get(k), k);
  assert.ok(a.size > 50);

  assert.match(om, /^# TYPE openclaw_usage_tokens counter$/m, 'counter family without _total');
  assert.match(om, /^# HELP openclaw_usage_tokens /m);
  assert.match(om, /^openclaw_usage_tokens_total\{/m, 'samples keep _total');
  assert.ok(!/^# TYPE \w+_total /m.test(om), 'no TYPE line names a _total');
  assert.match(om, /^# UNIT openclaw_usage_tokens tokens$/m);
  assert.match(om, /^# UNIT openclaw_usage_cost_usd usd$/m);
  assert.match(om, /^# UNIT openclaw_usage_call_duration_seconds seconds$/m);
  assert.match(om, /^# UNIT process_resident_memory_bytes bytes$/m);
  assert.ok(!/^# UNIT openclaw_usage_messages /m.test(om), 'no unit for counts');
  assert.ok(!/^# UNIT openclaw_quota_used_ratio /m.test(om), 'no unit for ratios');
  for (const l of om.matchAll(/^# UNIT (\w+) (\w+)$/gm)) assert.ok(l[1].endsWith(`_${l[2]}`), `${l[0]}: the name ends with its unit`);

  // _created: each counter / histogram series once, at the ledger's first call (ledger-derived) or the process start (self).
  const created = [...om.matchAll(/^openclaw_usage_tokens_created(\{[^}]*\}) (\S+)$/gm)];
  const totals = [...om.matchAll(/^openclaw_usage_tokens_total(\{[^}]*\}) /gm)];
  assert.deepEqual(created.map((m) => m[1]), totals.map((m) => m[1]), 'one _created per series, same labels');
  const firstCall = new Set(created.map((m) => Number(m[2])));
  assert.equal(firstCall.size, 1);
  const start = [...firstCall][0];
  assert.ok(start > 1.7e9 && start < NOW / 1000, `start ${start} is a past Unix time in seconds`);
  const hist = om.match(/^openclaw_usage_call_duration_seconds_created\{[^}]*\} \S+$/gm) ?? [];
  const histSeries = om.match(/^openclaw_usage_call_duration_seconds_count\{/gm) ?? [];
  assert.equal(hist.length, histSeries.length, 'one _created per histogram series');
  assert.ok(!/le=/.test(hist.join('\n')), 'no le on _created');
  const procStart = Number(/^process_start_time_seconds (\S+)$/m.exec(om)![1]);
  assert.equal(Number(/^clawmeter_ingest_cycles_created\{result="ok"\} (\S+)$/m.exec(om)![1]), procStart, 'self counters start with the process');
  for (const d of Object.values(METRICS).filter((m) => m.type === 'gauge')) assert.ok(!om.includes(`\n${d.name}_created`), d.name);
});

test('promtool check metrics: both formats clean except the original _ms name', async (t) => {
  if (spawnSync('promtool', ['--version']).error) {
    t.skip('promtool not installed');
    return;
  }
  const { text, om } = await renderBoth();
  for (const [name, body] of [['text', text], ['openmetrics', om]] as const) {
    const r = spawnSync('promtool', ['check', 'metrics'], { input: body, encoding: 'utf8' });
    let problems = `${r.stdout}${r.stderr}`
      .split('\n')
      .filter((l) => l.trim() !== '' && !l.includes('openclaw_codex_exporter_scrape_duration_ms'));
    if (name === 'openmetrics') {
      // promtool 2.42 lints OpenMetrics with the 0.0.4 parser, so a `_total` or `_created`
      // sample looks like a family of its own without help; that is only allowed where the
      // OpenMetrics family (the name without the suffix) has its HELP and TYPE.
      problems = problems.filter((l) => {
        const m = /^(\w+)_(?:total|created) no help text$/.exec(l);
        return !(m && new RegExp(`^# HELP ${m[1]} .+\n# TYPE ${m[1]} (counter|histogram)$`, 'm').test(body));
      });
    }
    assert.deepEqual(problems, [], `${name}: promtool found problems`);
  }
  // A broken exposition is reported, so the check above does check something.
  const bad = spawnSync('promtool', ['check', 'metrics'], { input: '# TYPE x counter\nx 1\n', encoding: 'utf8' });
  assert.notEqual(`${bad.stdout}${bad.stderr}`.trim(), '');
});

test('GET /metrics answers the Accept header: Content-Type, body, Vary', async () => {
  const seen: Array<string | undefined> = [];
  const srv = await startServer(
    {
      renderMetrics: (format) => {
        seen.push(format);
        return format === 'openmetrics' ? 'x_total 1\n# EOF\n' : 'x_total 1\n';
      },
      readiness: () => ({ ready: true, reasons: [] }),
      status: () => ({ demo: false, stateDirs: [], dataDir: '', version: 'test', calls: 0, lastIngestMs: null }),
    },
    '127.0.0.1',
    0,
  );
  try {
    const plain = await fetch(`${srv.url}/metrics`);
    assert.equal(plain.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
    assert.equal(plain.headers.get('vary'), 'Accept, Accept-Encoding');
    assert.equal(await plain.text(), 'x_total 1\n');
    const om = await fetch(`${srv.url}/metrics`, { headers: { Accept: PROMETHEUS_ACCEPT } });
    assert.equal(om.headers.get('content-type'), 'application/openmetrics-text; version=1.0.0; charset=utf-8');
    assert.equal(await om.text(), 'x_total 1\n# EOF\n');
    assert.deepEqual(seen, ['text', 'openmetrics']);
  } finally {
    await srv.close();
  }
});
