/**
 * The OTLP sink in real processes: `serve --otel.enabled` exports metrics to the
 * local receiver and stops cleanly on SIGTERM (headers never in its log); a new
 * call while it runs becomes spans; `otel backfill --since` sends the older calls
 * once, and a second run (a restart) sends nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { assistantLine, headerLine, makeState, tmpDir } from './helpers.js';
import { OtlpReceiver } from './otlp-receiver.js';

const BIN = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../bin/clawmeter.js');
const SECRET = 'hdr-S3CRET-value';

async function until(what: string, ok: () => boolean, ms = 30_000): Promise<void> {
  const t0 = Date.now();
  while (!ok()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A CLI run that keeps this process's event loop (and so the in-process receiver) going. */
function run(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '' } });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    c.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    c.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

function spanNames(r: OtlpReceiver): string[] {
  return r.of('traces').flatMap((x) => x.body.resourceSpans.flatMap((rs: any) => rs.scopeSpans.flatMap((ss: any) => ss.spans.map((s: any) => s.name)))); // eslint-disable-line @typescript-eslint/no-explicit-any
}

test('serve --otel.enabled: metrics exported, a new call sent as spans, SIGTERM stops it; otel backfill sends older calls once', async () => {
  const root = tmpDir();
  const { stateDir, sessions } = makeState(root);
  fs.writeFileSync(path.join(sessions, 'old.jsonl'), [headerLine('old'), assistantLine({ tsMs: 1795281000000 }), assistantLine({ tsMs: 1795281005000 })].join('\n') + '\n');
  const dataDir = path.join(root, 'data');
  const receiver = await new OtlpReceiver().start();
  try {
    const args = ['serve', '--state-dir', stateDir, '--data-dir', dataDir, '--web.listen-address', '127.0.0.1:0', '--otel.enabled',
      '--otel.endpoint', receiver.url, '--otel.flush-interval-ms', '1000', '--otel.headers', `x-token=${SECRET}`, '--interval', '1'];
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    child.stderr.on('data', (d: Buffer) => (log += d.toString()));
    child.stdout.on('data', (d: Buffer) => (log += d.toString()));
    await until('a metrics export', () => receiver.of('metrics').length > 0);
    assert.equal(receiver.of('metrics')[0].headers['x-token'], SECRET);
    fs.writeFileSync(path.join(sessions, 'new.jsonl'), [headerLine('new'), assistantLine({ tsMs: Date.now() + 100 })].join('\n') + '\n');
    await until('spans of the new call', () => spanNames(receiver).includes('openclaw.model.call'));
    assert.equal(spanNames(receiver).filter((n) => n === 'openclaw.run').length, 1, 'only the call made after export was enabled');
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
    assert.match(log, /OTLP export started/);
    assert.ok(!log.includes(SECRET), 'headers never logged');

    const bf = ['otel', 'backfill', '--since', '0', '--data-dir', dataDir, '--otel.endpoint', receiver.url];
    const r1 = await run(bf);
    assert.equal(r1.status, 0, r1.stderr);
    assert.match(r1.stdout, /exported 6 spans of 2 runs \(0 sampled out\)/);
    const r2 = await run(bf);
    assert.equal(r2.status, 0, r2.stderr);
    assert.match(r2.stdout, /exported 0 spans of 0 runs/, 'nothing twice');
    const r3 = await run(['otel', 'backfill', '--data-dir', dataDir]);
    assert.equal(r3.status, 2);
    assert.match(r3.stderr, /^clawmeter: otel backfill: --since is required/);
    const r4 = await run(['otel', 'backfill', '--since', '1d', '--data-dir', path.join(root, 'nothing-here')]);
    assert.equal(r4.status, 2);
    assert.match(r4.stderr, /no ledger there/);
    assert.ok(!fs.existsSync(path.join(root, 'nothing-here')), 'no empty ledger created');
  } finally {
    await receiver.close();
  }
});

test('serve with the collector unreachable: it keeps serving and SIGTERM still stops it promptly', async () => {
  const root = tmpDir();
  const { stateDir, sessions } = makeState(root);
  fs.writeFileSync(path.join(sessions, 'a.jsonl'), [headerLine('a'), assistantLine({ tsMs: Date.now() })].join('\n') + '\n');
  const dead = await new OtlpReceiver().start();
  const url = dead.url;
  await dead.close(); // nothing listens there now
  const child = spawn(process.execPath, [BIN, 'serve', '--state-dir', stateDir, '--data-dir', path.join(root, 'data'), '--web.listen-address', '127.0.0.1:0',
    '--otel.enabled', '--otel.endpoint', url, '--otel.flush-interval-ms', '1000', '--interval', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stderr.on('data', (d: Buffer) => (log += d.toString()));
  await until('a failed export logged', () => /OTLP (metrics|traces) export (failed|refused)/.test(log));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const t0 = Date.now();
  child.kill('SIGTERM');
  assert.equal(await exited, 0);
  const s = (Date.now() - t0) / 1000;
  assert.ok(s < 20, `stopped in ${s} s`);
});
