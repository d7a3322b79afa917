/** The otel settings: the doc's keys, flags and env table (every row), endpoint precedence, validation, redaction. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { resolveSettings } from '../src/settings/resolve.js';
import { otelConfig } from '../src/settings/otel.js';
import { SettingsError } from '../src/settings/types.js';
import { tmpDir } from './helpers.js';

const BIN = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../bin/clawmeter.js');

function cfgFile(text: string): string {
  const f = path.join(tmpDir(), 'c.yaml');
  fs.writeFileSync(f, text);
  return f;
}

function resolve(argv: string[], env: Record<string, string> = {}) {
  const r = resolveSettings('serve', argv, env);
  return otelConfig(r.values, env);
}

const FILE = `otel:
  enabled: true
  endpoint: http://file-collector:4318
  serviceName: from-file
  headers:
    x-collector-token: s3cr3t-token-value
  sampleRate: 0.2
  flushIntervalMs: 5000
  captureContent:
    enabled: false
    toolInputs: false
`;

test("config file: the doc's keys under otel, headers as a mapping", () => {
  const c = resolve(['--config', cfgFile(FILE)]);
  assert.equal(c.enabled, true);
  assert.equal(c.serviceName, 'from-file');
  assert.deepEqual(c.headers, { 'x-collector-token': 's3cr3t-token-value' });
  assert.equal(c.sampleRate, 0.2);
  assert.equal(c.flushIntervalMs, 5000);
  assert.deepEqual(c.signals, { traces: true, metrics: true, logs: true });
  assert.deepEqual(c.endpoints, {
    traces: 'http://file-collector:4318/v1/traces',
    metrics: 'http://file-collector:4318/v1/metrics',
    logs: 'http://file-collector:4318/v1/logs',
  });
});

test('env row OTEL_EXPORTER_OTLP_ENDPOINT: overrides otel.endpoint; /v1/<signal> appended, or used as is when it holds one', () => {
  const f = cfgFile(FILE);
  const a = resolve(['--config', f], { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://env-collector:4318/' });
  assert.equal(a.endpoints.metrics, 'http://env-collector:4318/v1/metrics');
  assert.equal(a.endpoints.logs, 'http://env-collector:4318/v1/logs');
  const b = resolve(['--config', f], { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://env-collector:4318/v1/traces' });
  for (const s of ['traces', 'metrics', 'logs'] as const) assert.equal(b.endpoints[s], 'http://env-collector:4318/v1/traces');
  const c = resolve(['--config', f], { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://gw:4318/otlp' });
  assert.equal(c.endpoints.traces, 'http://gw:4318/otlp/v1/traces');
  assert.throws(() => resolve([], { OTEL_EXPORTER_OTLP_ENDPOINT: 'grpc://x:4317' }), /^SettingsError: OTEL_EXPORTER_OTLP_ENDPOINT=grpc:\/\/x:4317: expected an http\(s\) URL/);
});

test('env rows OTEL_EXPORTER_OTLP_{TRACES,METRICS,LOGS}_ENDPOINT: signal key > signal env > shared endpoint', () => {
  const f = cfgFile(FILE + '  tracesEndpoint: http://key-traces:4318/v1/traces\n');
  const env = {
    OTEL_EXPORTER_OTLP_ENDPOINT: 'http://shared:4318',
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://env-traces:4318/custom',
    OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://env-metrics:4318/m',
  };
  const c = resolve(['--config', f], env);
  assert.equal(c.endpoints.traces, 'http://key-traces:4318/v1/traces');
  assert.equal(c.endpointOrigins.traces, 'signal key');
  assert.equal(c.endpoints.metrics, 'http://env-metrics:4318/m', 'signal env used as is');
  assert.equal(c.endpointOrigins.metrics, 'signal env');
  assert.equal(c.endpoints.logs, 'http://shared:4318/v1/logs');
  assert.equal(c.endpointOrigins.logs, 'shared');
  // without the key, the signal env wins over the shared endpoint; a flag is a signal key too
  assert.equal(resolve(['--config', cfgFile(FILE)], env).endpoints.traces, 'http://env-traces:4318/custom');
  assert.equal(resolve(['--otel.logs-endpoint', 'http://flag-logs:1/x'], { OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: 'http://env-logs:1/y' }).endpoints.logs, 'http://flag-logs:1/x');
  assert.throws(() => resolve([], { OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: 'not a url' }), /OTEL_EXPORTER_OTLP_LOGS_ENDPOINT=not a url: expected an http\(s\) URL/);
});

test('env row OTEL_SERVICE_NAME overrides otel.serviceName', () => {
  assert.equal(resolve(['--config', cfgFile(FILE)], { OTEL_SERVICE_NAME: 'svc-env' }).serviceName, 'svc-env');
  assert.equal(resolve([]).serviceName, 'clawmeter');
});

test('env row OTEL_EXPORTER_OTLP_PROTOCOL: http/protobuf only, anything else is an error naming the variable', () => {
  assert.doesNotThrow(() => resolve([], { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' }));
  for (const p of ['grpc', 'http/json']) {
    assert.throws(() => resolve([], { OTEL_EXPORTER_OTLP_PROTOCOL: p }), (e: Error) => e instanceof SettingsError && e.message.startsWith(`OTEL_EXPORTER_OTLP_PROTOCOL=${p}: only http/protobuf`));
  }
  assert.throws(() => resolve(['--config', cfgFile('otel:\n  protocol: grpc\n')]), /otel\.protocol: only http\/protobuf/);
});

test('env row OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental switches the GenAI span attribute', () => {
  assert.equal(resolve([]).genAiLatest, false);
  assert.equal(resolve([], { OTEL_SEMCONV_STABILITY_OPT_IN: 'http,gen_ai_latest_experimental' }).genAiLatest, true);
  assert.equal(resolve([], { OTEL_SEMCONV_STABILITY_OPT_IN: 'http' }).genAiLatest, false);
});

test('env row OPENCLAW_OTEL_PRELOADED: no effect (clawmeter is its own process and always runs its own SDK)', () => {
  assert.deepEqual(resolve(['--otel.enabled'], { OPENCLAW_OTEL_PRELOADED: '1' }), resolve(['--otel.enabled']));
});

test('OTEL_EXPORTER_OTLP_HEADERS and --otel.headers (repeatable, comma pairs)', () => {
  assert.deepEqual(resolve([], { OTEL_EXPORTER_OTLP_HEADERS: 'Authorization=Bearer%20abc,x-b=2' }).headers, { authorization: 'Bearer abc', 'x-b': '2' });
  assert.deepEqual(resolve(['--otel.headers', 'a=1', '--otel.headers', 'b=2']).headers, { a: '1', b: '2' });
  assert.throws(() => resolve(['--otel.headers', 'novalue']), /--otel\.headers novalue: expected NAME=VALUE/);
});

test('invalid values get a clear error naming the key', () => {
  const cases: Array<[string, RegExp]> = [
    ['otel:\n  sampleRate: 1.5\n', /config .*: otel\.sampleRate: expected a number from 0 to 1/],
    ['otel:\n  flushIntervalMs: 500\n', /otel\.flushIntervalMs: expected an integer from 1000/],
    ['otel:\n  enabled: maybe\n', /otel\.enabled: expected true or false/],
    ['otel:\n  endpoint: ftp://x\n', /otel\.endpoint: expected an http\(s\) URL/],
    ['otel:\n  captureContent:\n    inputMessage: true\n', /unknown key otel\.captureContent\.inputMessage \(did you mean otel\.captureContent\.inputMessages\?\)/],
    ['otel:\n  headers:\n    x: 5\n', /otel\.headers: expected a list of non-empty strings/],
  ];
  for (const [text, re] of cases) assert.throws(() => resolve(['--config', cfgFile(text)]), re, text);
  assert.throws(() => resolve(['--otel.sample-rate', '-0.1']), /--otel\.sample-rate -0\.1: expected a number from 0 to 1/);
});

test('config check redacts otel.headers and shows the otel section', () => {
  const r = spawnSync(process.execPath, [BIN, 'config', 'check', '--config', cfgFile(FILE)], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });
  assert.equal(r.status, 0, r.stderr);
  assert.ok(!r.stdout.includes('s3cr3t'), 'header value redacted');
  assert.match(r.stdout, /headers: <redacted> # file/);
  assert.match(r.stdout, /sampleRate: 0\.2 # file/);
});
