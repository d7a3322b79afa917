/**
 * End to end: a real Prometheus (1 s scrapes, the shipped rules loaded) scrapes
 * two real `clawmeter serve` processes with different fixture state dirs. Every
 * panel query of both dashboards and every rule expression is evaluated through
 * the HTTP API; the key ones are checked against values known from the generated
 * transcripts (the fixtures have no openai-codex calls, so the provider-filtered
 * panels see only those), then again after a session reset, a deletion and a
 * clawmeter restart (no false spike, no counter reset).
 *
 * increase() over a window longer than the series extrapolates by up to half a
 * scrape interval at each end, so increases are compared with a 15 % tolerance;
 * gauges computed by clawmeter (windows) are compared exactly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import YAML from 'yaml';
import { DASHBOARDS } from '../src/dashboards/index.js';
import { queriesOf } from '../src/dashboards/panels.js';
import { FIXTURES, assistantLine, copyDir, headerLine, tmpDir } from './helpers.js';
import { expandGrafana, variableQuery } from './promql-lint.js';
import { ROOT, freePort, query, scalar, startClawmeter, startPrometheus, until, type Proc } from './prom-harness.js';

const VARS = { job: '.*', instance: '.*', provider: 'openai-codex', model: '.*', agent: '.*', __rate_interval: '10s', __range: '10m' };

function near(got: number | undefined, want: number, what: string): void {
  assert.ok(got !== undefined, `${what}: no value`);
  assert.ok(Math.abs(got - want) <= 0.15 * want + 1e-9, `${what}: got ${got}, want about ${want}`);
}

function writeCalls(file: string, id: string | null, n: number, model: string, errors = 0): number {
  const now = Date.now();
  let newest = 0;
  const lines = id ? [headerLine(id)] : [];
  for (let i = 0; i < n + errors; i++) {
    const tsMs = now - (n + errors - i) * 20_000;
    newest = tsMs;
    const err = i >= n;
    lines.push(assistantLine({ provider: 'openai-codex', model, input: 100, output: 10, cacheRead: 1000, tsMs, ...(err ? { stopReason: 'error', errorMessage: 'Rate limit exceeded (429)' } : {}) }));
  }
  fs.appendFileSync(file, lines.join('\n') + '\n');
  return newest;
}

test('real Prometheus over two clawmeter instances: every panel and rule query', { timeout: 120_000 }, async (t) => {
  if (spawnSync('prometheus', ['--version']).error) {
    t.skip('prometheus not installed');
    return;
  }
  const root = tmpDir('clawmeter-e2e-');
  const stateA = path.join(root, 'a');
  const stateB = path.join(root, 'b');
  copyDir(path.join(FIXTURES, 'openclaw-real/v2026.7.35-jsonl'), stateA);
  copyDir(path.join(FIXTURES, 'openclaw-real/v2026.9.6-sqlite'), stateB);
  const [portA, portB, promPort] = [await freePort(), await freePort(), await freePort()];
  const A = `127.0.0.1:${portA}`;
  const B = `127.0.0.1:${portB}`;
  const procs: Proc[] = [];
  let b = startClawmeter(stateB, path.join(root, 'data-b'), portB);
  procs.push(startClawmeter(stateA, path.join(root, 'data-a'), portA), b);
  // The shipped rules, with the recording group evaluated every second instead of every minute.
  const rules = path.join(root, 'clawmeter-rules.yml');
  const shipped = YAML.parse(fs.readFileSync(path.join(ROOT, 'deploy/prometheus/clawmeter-rules.yml'), 'utf8')) as { groups: Array<{ interval?: string }> };
  for (const g of shipped.groups) delete g.interval;
  fs.writeFileSync(rules, YAML.stringify(shipped));
  const cfg = path.join(root, 'prometheus.yml');
  fs.writeFileSync(cfg, YAML.stringify({
    global: { scrape_interval: '1s', evaluation_interval: '1s' },
    rule_files: [rules],
    scrape_configs: [{ job_name: 'clawmeter', static_configs: [{ targets: [A, B] }] }],
  }));
  const prom = startPrometheus(cfg, path.join(root, 'tsdb'), promPort);
  const base = `http://127.0.0.1:${promPort}`;
  const codex = 'sum(openclaw_codex_messages_total{provider="openai-codex"})';
  try {
    await until(async () => ((await scalar(base, 'count(up{job="clawmeter"} == 1)')) === 2 ? true : undefined), 60_000, 'both targets up');
    // Baseline: one call per series, seen for a few scrapes before the new calls
    // arrive (increase() cannot count the first sample of a new series).
    const sessA = path.join(stateA, 'agents/main/sessions/0b9f1c1e-1111-4c1a-9e1a-aaaaaaaaaaaa.jsonl');
    const sessB = path.join(stateB, 'agents/main/sessions/0b9f1c1e-2222-4c1a-9e1a-bbbbbbbbbbbb.jsonl');
    fs.mkdirSync(path.dirname(sessB), { recursive: true });
    writeCalls(sessA, '0b9f1c1e-1111-4c1a-9e1a-aaaaaaaaaaaa', 1, 'gpt-5.4-mini');
    writeCalls(sessB, '0b9f1c1e-2222-4c1a-9e1a-bbbbbbbbbbbb', 1, 'gpt-5.4', 1);
    await until(async () => ((await scalar(base, codex)) === 2 ? true : undefined), 30_000, 'codex baseline == 2');
    await until(async () => ((await scalar(base, 'min(count_over_time({__name__=~"openclaw_codex_messages_total|openclaw_codex_message_errors_total|openclaw_usage_errors_total", provider="openai-codex"}[1m]))')) ?? 0) >= 10 ? true : undefined, 30_000, 'baseline scrapes');
    writeCalls(sessA, null, 6, 'gpt-5.4-mini');
    const newest = writeCalls(sessB, null, 4, 'gpt-5.4', 2);
    await until(async () => ((await scalar(base, codex)) === 12 ? true : undefined), 30_000, 'codex messages == 12');
    await new Promise((r) => setTimeout(r, 3000)); // a few scrapes and rule evaluations after the change

    const checkPanels = async (phase: string) => {
      // Every query of both dashboards and every rule expression evaluates.
      const results = new Map<string, Awaited<ReturnType<typeof query>>>();
      for (const d of DASHBOARDS) {
        for (const q of queriesOf(d)) {
          const v = q.panel.startsWith('variable ') ? variableQuery(q.expr) : null;
          const expr = expandGrafana(v ? v.expr : q.expr, VARS);
          results.set(`${d.uid}/${q.panel}/${q.expr}`, await query(base, expr));
        }
      }
      const doc = YAML.parse(fs.readFileSync(rules, 'utf8')) as { groups: Array<{ rules: Array<{ expr: string; alert?: string; record?: string }> }> };
      const ruleResults = new Map<string, Awaited<ReturnType<typeof query>>>();
      for (const r of doc.groups.flatMap((g) => g.rules)) ruleResults.set(r.alert ?? r.record!, await query(base, r.expr));
      const one = (uid: string, title: string, i = 0): number | undefined => {
        const d = DASHBOARDS.find((x) => x.uid === uid)!;
        const q = queriesOf(d).filter((x) => x.panel === title)[i];
        assert.ok(q, `${uid}/${title}`);
        const r = results.get(`${uid}/${q.panel}/${q.expr}`)!;
        return r.length === 1 ? Number(r[0].value[1]) : undefined;
      };
      const rows = (uid: string, title: string) => {
        const d = DASHBOARDS.find((x) => x.uid === uid)!;
        const q = queriesOf(d).find((x) => x.panel === title)!;
        return results.get(`${uid}/${q.panel}/${q.expr}`)!;
      };
      const C = 'openclaw-codex';
      near(one(C, 'Messages last 5h — $provider/$model'), 10, `${phase} messages 5h`);
      near(one(C, '% of Plus 5h floor ($floor cap)'), (100 * 10) / 1200, `${phase} % of floor`);
      near(one(C, 'Tokens last 5h (input + output, $provider)'), 10 * 110, `${phase} tokens 5h`);
      near(one(C, 'Cache hit ratio ($provider, 5h)'), (100 * 10000) / (10000 + 1000), `${phase} cache hit`);
      near(one(C, 'Errors last 24h'), 2, `${phase} errors 24h`);
      const age = one(C, 'Last assistant turn');
      assert.ok(age !== undefined && age >= (Date.now() - newest) / 1000 - 5 && age <= (Date.now() - newest) / 1000 + 5, `${phase} last turn age ${age}`);
      const byModel = rows(C, 'Messages / 5h by model').filter((r) => r.metric.provider === 'openai-codex');
      near(Number(byModel.find((r) => r.metric.model === 'gpt-5.4-mini')?.value[1]), 6, `${phase} bargauge mini`);
      near(Number(byModel.find((r) => r.metric.model === 'gpt-5.4')?.value[1]), 4, `${phase} bargauge gpt-5.4`);
      const errTable = rows(C, 'Recent errors by model and reason');
      assert.deepEqual(errTable.map((r) => [r.metric.provider, r.metric.model, r.metric.reason]), [['openai-codex', 'gpt-5.4', 'rate_limit']], phase);
      assert.ok(rows(C, 'Messages / min by model').length >= 1, `${phase} messages/min has series`);
      const sessions = rows(C, 'Active sessions');
      assert.ok(sessions.length >= 1 && sessions.every((s) => Number(s.value[1]) > 0), `${phase} active sessions`);

      const U = 'openclaw-usage-quota';
      const win = rows(U, 'Messages in window');
      assert.deepEqual(Object.fromEntries(win.map((r) => [r.metric.window, Number(r.value[1])])), { '5h': 12, '7d': 12 }, `${phase} exact windows`);
      const winTok = rows(U, 'Tokens in window (all types)');
      assert.deepEqual(Object.fromEntries(winTok.map((r) => [r.metric.window, Number(r.value[1])])), { '5h': 12 * 1110, '7d': 12 * 1110 }, phase);
      assert.equal(one(U, 'Rate-card estimate: 5h messages vs floor'), (100 * 12) / 1200);
      const up = rows(U, 'Exporters up');
      assert.deepEqual(up.map((r) => [r.metric.instance, r.value[1]]).sort(), [[A, '1'], [B, '1']].sort(), `${phase} up`);
      const errCat = rows(U, 'Errors by agent, model and category (time range)');
      assert.deepEqual(errCat.map((r) => [r.metric.agent, r.metric.model, r.metric.category]), [['main', 'gpt-5.4', 'rate_limit']], phase);
      assert.ok(rows(U, 'Cost by model (time range, API-equivalent estimate)').some((r) => r.metric.model === 'gpt-5.4-mini'), phase);
      const sinceIngest = rows(U, 'Since last successful ingest');
      assert.equal(sinceIngest.length, 2, `${phase} last ingest per instance`);
      for (const r of sinceIngest) assert.ok(Number(r.value[1]) < 30, `${phase} ingest fresh`);
      const src = rows(U, 'Sources up');
      assert.ok(src.length > 0, `${phase}: clawmeter_source_up has series`);
      assert.ok(src.every((r) => r.value[1] === '1'), `${phase} sources up`);

      // Rules: the quiet ones stay quiet, the recording rules carry the panel values.
      for (const name of ['ClawmeterExporterDown', 'ClawmeterIngestStale', 'OpenClawErrorBurst', 'ClawmeterSeriesDropped', 'OpenClawQuotaWindowHigh', 'OpenClawRateCardEstimateHigh', 'ClawmeterSourceDown']) {
        assert.deepEqual(ruleResults.get(name), [], `${phase} ${name} must not fire`);
      }
      near(await scalar(base, 'sum(job_instance_provider_model:openclaw_codex_messages:increase5h{provider="openai-codex"})'), 10, `${phase} recorded 5h`);
      near(await scalar(base, 'sum(job_instance_provider_category:openclaw_usage_errors:increase15m{category="rate_limit"})'), 2, `${phase} recorded errors`);
      assert.equal(await scalar(base, 'sum(resets(openclaw_codex_messages_total[10m])) + sum(resets(openclaw_usage_tokens_total[10m]))'), 0, `${phase} no counter reset`);
    };
    await checkPanels('initial');

    // A session reset in A and a deletion in B: archives keep the calls, counters do not move.
    const cyclesAt = async (inst: string) => Number(await scalar(base, `sum(clawmeter_ingest_cycles_total{instance="${inst}"})`));
    const [ca, cb] = [await cyclesAt(A), await cyclesAt(B)];
    const iso = new Date().toISOString().replace(/:/g, '-');
    fs.renameSync(sessA, `${sessA}.reset.${iso}`);
    fs.renameSync(sessB, `${sessB}.deleted.${iso}`);
    await until(async () => ((await cyclesAt(A)) >= ca + 4 && (await cyclesAt(B)) >= cb + 4 ? true : undefined), 30_000, 'ingest after reset/delete');
    await new Promise((r) => setTimeout(r, 2000));
    assert.equal(await scalar(base, codex), 12, 'no loss, no double count after reset and deletion');
    assert.equal(await scalar(base, 'max_over_time(sum(openclaw_codex_messages_total{provider="openai-codex"})[1m:1s])'), 12, 'no false spike');
    await checkPanels('after reset and deletion');

    // Restart B (SIGTERM, same port and ledger): counters continue, no reset.
    await b.stop();
    await until(async () => ((await scalar(base, `up{instance="${B}"}`)) === 0 ? true : undefined), 30_000, 'B down');
    b = startClawmeter(stateB, path.join(root, 'data-b'), portB);
    procs.push(b);
    await until(async () => ((await scalar(base, `up{instance="${B}"}`)) === 1 ? true : undefined), 30_000, 'B up again');
    await new Promise((r) => setTimeout(r, 3000));
    assert.equal(await scalar(base, codex), 12, 'after restart');
    await checkPanels('after restart');
  } catch (err) {
    throw new Error(`${(err as Error).stack}\nprometheus:\n${prom.stderr().slice(-1500)}\nclawmeter:\n${procs.map((p) => p.stderr().slice(-800)).join('\n')}`);
  } finally {
    await prom.stop();
    for (const p of procs) await p.stop();
  }
});
