/**
 * A real Prometheus server (Debian's `prometheus`, on 127.0.0.1) scrapes clawmeter:
 * the exposition parses, `up` is 1, totals match the ledger, and new calls show as
 * increases.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { serve } from '../src/cli/serve.js';
import { FIXTURES, assistantLine, copyDir, tmpDir } from './helpers.js';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

async function query(base: string, q: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
  const r = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(q)}`);
  const j = (await r.json()) as { status: string; data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
  assert.equal(j.status, 'success');
  return j.data.result;
}

async function until<T>(fn: () => Promise<T | undefined>, ms: number, what: string): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

test('real Prometheus scrapes clawmeter', { timeout: 90_000 }, async (t) => {
  if (spawnSync('prometheus', ['--version']).error) {
    if (process.env.CI) assert.fail('prometheus missing in CI (.ci/run installs it)');
    t.skip('prometheus not installed');
    return;
  }
  const root = tmpDir('clawmeter-prom-');
  const state = path.join(root, 'state');
  copyDir(path.join(FIXTURES, 'openclaw-real/v2026.7.35-jsonl'), state);
  const h = await serve(['--state-dir', state, '--data-dir', path.join(root, 'data'), '--listen', '127.0.0.1:0', '--log-level', 'silent', '--interval', '1']);
  assert.ok(h);
  const target = new URL(h.url).host;
  const promPort = await freePort();
  const cfg = path.join(root, 'prometheus.yml');
  fs.writeFileSync(
    cfg,
    `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: clawmeter\n    static_configs:\n      - targets: ['${target}']\n`,
  );
  const prom = spawn(
    'prometheus',
    [`--config.file=${cfg}`, `--storage.tsdb.path=${path.join(root, 'tsdb')}`, `--web.listen-address=127.0.0.1:${promPort}`, '--log.level=warn'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let promErr = '';
  prom.stderr.on('data', (d) => (promErr += d));
  const base = `http://127.0.0.1:${promPort}`;
  try {
    const up = await until(async () => {
      const r = await query(base, 'up{job="clawmeter"}');
      return r.length === 1 && r[0].value[1] === '1' ? r : undefined;
    }, 45_000, 'up == 1');
    assert.equal(up[0].value[1], '1');
    const total = await until(async () => {
      const r = await query(base, 'sum(openclaw_codex_messages_total)');
      return r.length === 1 ? Number(r[0].value[1]) : undefined;
    }, 20_000, 'messages_total');
    assert.equal(total, 8);
    const errors = await query(base, 'sum(openclaw_codex_message_errors_total)');
    assert.equal(Number(errors[0].value[1]), 2);
    // no sample was rejected by the scrape (parse errors would make up 0 instead)
    const failed = await query(base, 'scrape_samples_scraped{job="clawmeter"}');
    assert.ok(Number(failed[0].value[1]) > 20);
    // new calls arrive and Prometheus sees the counter grow
    const f = path.join(state, 'agents/main/sessions/8d44e698-ceee-458c-b7fe-bb0b5bc0a6c4.jsonl');
    fs.appendFileSync(f, assistantLine({ provider: 'fakecc', model: 'fake-model' }) + '\n' + assistantLine({ provider: 'fakecc', model: 'fake-model' }) + '\n');
    const grown = await until(async () => {
      const r = await query(base, 'sum(openclaw_codex_messages_total)');
      return r.length === 1 && Number(r[0].value[1]) === 10 ? 10 : undefined;
    }, 20_000, 'messages_total == 10');
    assert.equal(grown, 10);
    const resets = await query(base, 'sum(resets(openclaw_codex_messages_total[5m]))');
    assert.equal(Number(resets[0]?.value[1] ?? 0), 0, 'no counter reset seen by Prometheus');
  } catch (err) {
    throw new Error(`${(err as Error).message}\nprometheus stderr:\n${promErr.slice(-2000)}`);
  } finally {
    prom.kill('SIGTERM');
    await new Promise((r) => prom.once('exit', r));
    await h.stop();
    fs.rmSync(root, { recursive: true, force: true });
  }
});
