/**
 * deploy/otel: the Collector config is valid YAML whose pipelines only name
 * defined components (and use every one), receives OTLP/HTTP only, and exports
 * metrics to Prometheus remote-write and traces to an OTLP traces backend; the
 * compose file mounts files that exist; the clawmeter config passes clawmeter's
 * own settings validation and points every signal at the collector; the
 * Prometheus config passes promtool.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import YAML from 'yaml';
import { resolveSettings } from '../src/settings/resolve.js';
import { otelConfig } from '../src/settings/otel.js';

const DIR = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../deploy/otel');
const load = (f: string) => YAML.parse(fs.readFileSync(path.join(DIR, f), 'utf8'), { strict: true, uniqueKeys: true });

test('collector config: pipelines reference defined components, OTLP/HTTP in, remote-write and traces backend out', () => {
  const c = load('otel-collector.yaml');
  const kinds = ['receivers', 'processors', 'exporters'] as const;
  const used = new Set<string>();
  for (const [name, p] of Object.entries(c.service.pipelines as Record<string, Record<string, string[]>>)) {
    assert.match(name, /^(metrics|traces|logs)(\/.+)?$/);
    for (const k of kinds) {
      assert.ok(Array.isArray(p[k]) && (k === 'processors' || p[k].length > 0), `${name}.${k}`);
      for (const id of p[k] ?? []) {
        assert.ok(c[k] && id in c[k], `${name} uses ${k}.${id}, which is defined`);
        used.add(`${k}.${id}`);
      }
    }
  }
  for (const k of kinds) for (const id of Object.keys(c[k] ?? {})) assert.ok(used.has(`${k}.${id}`), `${k}.${id} is used`);
  for (const e of c.service.extensions ?? []) assert.ok(e in (c.extensions ?? {}), `extension ${e}`);
  assert.deepEqual(Object.keys(c.receivers.otlp.protocols), ['http'], 'clawmeter sends OTLP/HTTP only');
  assert.match(c.receivers.otlp.protocols.http.endpoint, /:4318$/);
  assert.deepEqual(c.service.pipelines.metrics.exporters, ['prometheusremotewrite']);
  assert.match(c.exporters.prometheusremotewrite.endpoint, /^http:\/\/prometheus:9090\/api\/v1\/write$/);
  assert.ok(c.service.pipelines.traces.exporters.every((e: string) => /^otlp(http)?\//.test(e)));
});

test('compose: services, mounted files exist, clawmeter config validates and targets the collector', () => {
  const compose = load('compose.yaml');
  assert.deepEqual(Object.keys(compose.services).sort(), ['clawmeter', 'loki', 'otel-collector', 'prometheus', 'tempo']);
  for (const s of Object.values(compose.services as Record<string, { volumes?: string[] }>)) {
    for (const v of s.volumes ?? []) {
      const src = v.split(':')[0];
      if (src.startsWith('./')) assert.ok(fs.existsSync(path.join(DIR, src)), `${src} exists`);
    }
  }
  assert.ok(compose.services.prometheus.command.includes('--web.enable-remote-write-receiver'));
  const env = compose.services.clawmeter.environment as Record<string, string>;
  const r = resolveSettings('serve', ['--config', path.join(DIR, 'clawmeter.yaml')], env);
  const o = otelConfig(r.values, env);
  assert.equal(o.enabled, true);
  assert.deepEqual(o.endpoints, {
    traces: 'http://otel-collector:4318/v1/traces',
    metrics: 'http://otel-collector:4318/v1/metrics',
    logs: 'http://otel-collector:4318/v1/logs',
  });
  assert.equal(o.logFile, '/openclaw-logs/openclaw-YYYY-MM-DD.log');
});

test('prometheus.yaml passes promtool check config', (t) => {
  if (spawnSync('promtool', ['--version']).status !== 0) return t.skip('promtool not installed');
  const r = spawnSync('promtool', ['check', 'config', path.join(DIR, 'prometheus.yaml')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});
