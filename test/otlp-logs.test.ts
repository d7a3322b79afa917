/**
 * Gateway log records over OTLP against the local receiver: a real gateway log
 * (fixture) tailed, severity, logger, code location and trace context kept,
 * bodies withheld unless content capture is on (then redacted), malformed lines
 * counted, each record sent once across refusals and restarts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Ledger } from '../src/ledger/ledger.js';
import { GatewayLogPump } from '../src/ingest/gateway-logs.js';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LogExport } from '../src/sinks/otlp/logs.js';
import { redactedBody } from '../src/labeling/log-redaction.js';
import { GatewayLogSource } from '../src/sources/gateway-log.js';
import { Logger } from '../src/util/log.js';
import { FIXTURES, tmpDir } from './helpers.js';
import { OtlpReceiver, attrsOf } from './otlp-receiver.js';

const FIXTURE = path.join(FIXTURES, 'gateway-log/openclaw-2026-12-01.log');

function pumpFor(ledger: Ledger, file: string, url: string, body = false) {
  const out = new LogExport({ url: `${url}/v1/logs`, headers: {}, resource: resourceFromAttributes({ 'service.name': 't' }), scope: { name: 'clawmeter' }, body, timeoutMs: 3000 });
  return new GatewayLogPump(ledger, new GatewayLogSource(file), out, new Logger('silent'), body);
}

function recordsOf(r: OtlpReceiver): any[] { // eslint-disable-line @typescript-eslint/no-explicit-any
  return r.of('logs').flatMap((x) => x.body.resourceLogs.flatMap((rl: any) => rl.scopeLogs.flatMap((sl: any) => sl.logRecords))); // eslint-disable-line @typescript-eslint/no-explicit-any
}

test('gateway log: severity, logger, code location and trace ids; no body, no secret, no session id; malformed counted', async () => {
  const root = tmpDir();
  const file = path.join(root, 'openclaw.log');
  fs.copyFileSync(FIXTURE, file);
  const ledger = Ledger.open(path.join(root, 'data'));
  const receiver = await new OtlpReceiver().start();
  try {
    const pump = pumpFor(ledger, file, receiver.url);
    assert.equal(await pump.pumpOnce(), true);
    assert.equal(pump.malformed, 1);
    const recs = recordsOf(receiver);
    assert.equal(recs.length, 14);
    const lines = fs.readFileSync(FIXTURE, 'utf8').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
    const sev: Record<number, string> = { 3: 'SEVERITY_NUMBER_INFO', 4: 'SEVERITY_NUMBER_WARN', 5: 'SEVERITY_NUMBER_ERROR' };
    recs.forEach((r, i) => {
      const src = lines[i];
      assert.equal(BigInt(r.timeUnixNano), BigInt(Date.parse(src.time)) * 1_000_000n);
      assert.equal(r.severityNumber, sev[src._meta.logLevelId], 'tslog level id to OTel severity');
      assert.equal(r.severityText, src._meta.logLevelName);
      assert.equal(r.body, undefined, 'no body without content capture');
      const a = attrsOf(r.attributes);
      assert.equal(typeof a['openclaw.logger'], 'string');
      if (src.traceId) {
        assert.equal(r.traceId, src.traceId);
        assert.equal(r.spanId, src.spanId);
      } else assert.ok(!r.traceId);
    });
    assert.equal(attrsOf(recs[2].attributes)['openclaw.logger'], 'session-sqlite');
    assert.match(String(attrsOf(recs[0].attributes)['openclaw.code.location']), /^console-.*\.mjs:184$/);
    const bytes = Buffer.concat(receiver.received.map((x) => x.raw)).toString('utf8');
    for (const s of ['SECRET', '@example.com', 'c0ff4e78-836a', '/tmp/d-oc', 'cataloged 52 tools', 'API key saved']) assert.ok(!bytes.includes(s), `no ${s}`);
  } finally {
    await receiver.close();
    ledger.close();
  }
});

test('gateway log: sent once across a refusal, appends and a restart; dated file names', async () => {
  const root = tmpDir();
  const file = path.join(root, 'openclaw.log');
  fs.copyFileSync(FIXTURE, file);
  const dataDir = path.join(root, 'data');
  let ledger = Ledger.open(dataDir);
  const receiver = await new OtlpReceiver().start();
  try {
    let pump = pumpFor(ledger, file, receiver.url);
    receiver.refuseNext(1, 400);
    assert.equal(await pump.pumpOnce(), false);
    assert.equal(recordsOf(receiver).length, 0);
    assert.equal(await pump.pumpOnce(), true);
    assert.equal(recordsOf(receiver).length, 14, 'the refused chunk was sent again');
    assert.equal(await pump.pumpOnce(), true);
    assert.equal(recordsOf(receiver).length, 14, 'nothing twice');
    const line = fs.readFileSync(FIXTURE, 'utf8').split('\n')[3];
    fs.appendFileSync(file, line + '\n' + line.slice(0, 40)); // one whole line, one partial
    assert.equal(await pump.pumpOnce(), true);
    assert.equal(recordsOf(receiver).length, 15, 'the appended line; the partial one waits');
    await pump.shutdown();
    ledger.close();
    ledger = Ledger.open(dataDir);
    pump = pumpFor(ledger, file, receiver.url);
    assert.equal(await pump.pumpOnce(), true);
    assert.equal(recordsOf(receiver).length, 15, 'a restart resends nothing');
    await pump.shutdown();
    const src = new GatewayLogSource('/tmp/openclaw/openclaw-YYYY-MM-DD.log');
    const noon = new Date(2026, 11, 1, 12).getTime();
    assert.deepEqual(src.files(noon), ['/tmp/openclaw/openclaw-2026-11-30.log', '/tmp/openclaw/openclaw-2026-12-01.log']);
  } finally {
    await receiver.close();
    ledger.close();
  }
});

test('gateway log bodies with otel.captureContent.enabled: bounded and redacted', async () => {
  const root = tmpDir();
  const file = path.join(root, 'openclaw.log');
  fs.copyFileSync(FIXTURE, file);
  const ledger = Ledger.open(path.join(root, 'data'));
  const receiver = await new OtlpReceiver().start();
  try {
    await pumpFor(ledger, file, receiver.url, true).pumpOnce();
    const recs = recordsOf(receiver);
    assert.match(recs[3].body.stringValue, /cataloged 52 tools/);
    const secretLine = recs[13].body.stringValue as string;
    assert.ok(!secretLine.includes('SECRET') && !secretLine.includes('@example.com'), secretLine);
    assert.match(secretLine, /email-[0-9A-Za-z_-]{8}/);
    assert.ok(!Buffer.concat(receiver.received.map((x) => x.raw)).toString('utf8').includes('SECRET'));
    assert.ok(redactedBody('x'.repeat(5000)).length <= 1024);
  } finally {
    await receiver.close();
    ledger.close();
  }
});
