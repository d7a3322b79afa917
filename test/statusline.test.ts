/**
 * `clawmeter statusline` on its fast paths, as real processes: beside a running
 * serve the line comes from the serve's API (GET /api/v1/statusline) and equals
 * what a reader of the ledger prints; an advertised API that is not the ledger's
 * holder (another instance, a dead pid) is ignored; and "today" without --tz (the
 * machine's local midnight as Date sees it, no Intl) is the start of the local
 * day the query API computes, in zones with DST changes at and around midnight.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { Ledger } from '../src/ledger/ledger.js';
import { OWNER_FILE, readOwner } from '../src/ledger/owner.js';
import { generateStateDir } from '../src/demo/generate.js';
import { lineOfReply } from '../src/cli/ask-serve.js';
import { tmpDir } from './helpers.js';
import { BIN, startServeChild, until } from './serve-child.js';

const H = 3_600_000;

function run(args: string[], tz = 'UTC') {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: '/nonexistent', TZ: tz }, timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** A generated history ingested into a ledger, plus one provider-reported window. */
function fixture(): { stateDir: string; dataDir: string } {
  const root = tmpDir();
  const stateDir = path.join(root, 'state');
  const dataDir = path.join(root, 'data');
  const now = Date.now();
  generateStateDir({ dir: stateDir, seed: 3, nowMs: now, days: 2, junk: false });
  assert.equal(run(['ingest', '--state-dir', stateDir, '--data-dir', dataDir, '--log-level', 'error']).code, 0);
  const l = Ledger.open(dataDir);
  l.commit({ calls: [], quota: { stateDir, agent: 'main', source: 'quota-poll', rows: [{ provider: 'anthropic', limit: 'session', window: '5h', windowMinutes: 300, usedRatio: 0.37, resetsAtMs: now + 2 * H + 30 * 60_000, observedAtMs: now, plan: 'max' }] } });
  l.close();
  return { stateDir, dataDir };
}

/** The same, without blocking this process (whose own server must answer meanwhile). */
function runAsync(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: '/nonexistent', TZ: 'UTC' }, timeout: 60_000 }, (e, out, err) =>
      resolve({ code: e ? ((e as { code?: number }).code ?? 1) : 0, out, err }),
    );
  });
}

const noCountdown = (s: string) => s.replace(/↻\S+/, '↻');

test('statusline beside a running serve: answered by the serve, the same line a reader of the ledger prints', { timeout: 90_000 }, async () => {
  const { stateDir, dataDir } = fixture();
  const before = run(['statusline', '--data-dir', dataDir, '--no-ingest']);
  assert.equal(before.code, 0, before.err);
  assert.match(before.out, /^anthropic 5h 37% ↻2h(29|30)m · \$\d+\.\d\d today\n$/);
  const s = await startServeChild(['--state-dir', stateDir, '--data-dir', dataDir, '--no-watch'], { env: { TZ: 'UTC', HOME: '/nonexistent' } });
  try {
    const owner = (await until(async () => readOwner(dataDir)?.api && readOwner(dataDir), 20_000, 'the serve to advertise its API'))!;
    assert.equal(owner.pid, s.child.pid);
    assert.equal(owner.api!.url, s.url, 'the advertised URL is the one it listens on');
    assert.equal((fs.statSync(path.join(dataDir, OWNER_FILE)).mode & 0o777).toString(8), '600');
    await until(async () => (await fetch(`${s.url}/readyz`)).status === 200, 30_000, 'ready');
    const viaServe = run(['statusline', '--state-dir', stateDir, '--data-dir', dataDir, '--log-level', 'debug']);
    assert.equal(viaServe.code, 0, viaServe.err);
    assert.match(viaServe.err, new RegExp(`answered by serve pid ${s.child.pid}`));
    assert.equal(noCountdown(viaServe.out), noCountdown(before.out));
    const api = (await (await fetch(`${s.url}/api/v1/statusline?tz=UTC&window=5h`)).json()) as { line: string; instance: string; tz: string; window: string };
    assert.equal(api.instance, owner.api!.instance);
    assert.equal(noCountdown(api.line + '\n'), noCountdown(before.out));
    assert.equal((await fetch(`${s.url}/api/v1/statusline?tz=Not/AZone`)).status, 400);
    assert.equal((await fetch(`${s.url}/api/v1/statusline?window=5x`)).status, 400);
  } finally {
    await s.stop();
  }
  assert.equal(readOwner(dataDir), null, 'a stopped serve removes its side file');
  const after = run(['statusline', '--data-dir', dataDir, '--no-ingest']);
  assert.equal(noCountdown(after.out), noCountdown(before.out));
});

test('statusline ignores an advertised API that is not the ledger holder: another instance, a dead pid, garbage', { timeout: 60_000 }, async () => {
  const { dataDir } = fixture();
  const truth = run(['statusline', '--data-dir', dataDir, '--no-ingest']).out;
  let hits = 0;
  const impostor = http.createServer((_req, res) => {
    hits++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ line: 'impostor 99% · $9.99 today', instance: 'someone-else-0000' }));
  });
  await new Promise<void>((r) => impostor.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(impostor.address() as AddressInfo).port}`;
  try {
    const owner = (pid: number, instance: string) => fs.writeFileSync(path.join(dataDir, OWNER_FILE), JSON.stringify({ pid, command: 'clawmeter serve', since: '', api: { url, instance } }));
    owner(process.pid, 'not-the-one-1234'); // alive, but the answer names another instance
    const r1 = await runAsync(['statusline', '--data-dir', dataDir, '--no-ingest']);
    assert.equal(r1.code, 0, r1.err);
    assert.equal(noCountdown(r1.out), noCountdown(truth));
    assert.equal(hits, 1, 'it asked, and refused the answer');
    owner(2 ** 22 + 12345, 'someone-else-0000'); // the right instance, but no such process
    assert.equal(noCountdown((await runAsync(['statusline', '--data-dir', dataDir, '--no-ingest'])).out), noCountdown(truth));
    assert.equal(hits, 1, 'a dead holder is not asked');
    fs.writeFileSync(path.join(dataDir, OWNER_FILE), '{"pid": 1, "api": {"url": "file:///etc/passwd", "instance": "x"}}');
    assert.equal(readOwner(dataDir)?.api, undefined, 'only an http URL is taken');
  } finally {
    impostor.close();
  }
  assert.equal(lineOfReply('HTTP/1.1 200 OK\r\n\r\n{"line":"a · b","instance":"i"}', 'i'), 'a · b');
  assert.equal(lineOfReply('HTTP/1.1 503 Busy\r\n\r\n{"line":"a","instance":"i"}', 'i'), null);
  assert.equal(lineOfReply('HTTP/1.1 200 OK\r\n\r\n{"line":"a\\u001b[2J","instance":"i"}', 'i'), null, 'no control characters reach the terminal');
  assert.equal(lineOfReply('HTTP/1.1 200 OK\r\n\r\nnot json', 'i'), null);
});

test('statusline while another process holds the ledger without advertising an API: read alongside, no ingest', () => {
  const { stateDir, dataDir } = fixture();
  const truth = run(['statusline', '--data-dir', dataDir, '--no-ingest']).out;
  const holder = Ledger.open(dataDir); // this process holds the writer lock; its side file names no API
  try {
    assert.equal(readOwner(dataDir)?.pid, process.pid);
    assert.equal(readOwner(dataDir)?.api, undefined);
    const r = run(['statusline', '--state-dir', stateDir, '--data-dir', dataDir]);
    assert.equal(r.code, 0, r.err);
    assert.equal(noCountdown(r.out), noCountdown(truth));
  } finally {
    holder.close();
  }
});

test('today without --tz: the local midnight Date gives is the start of the day the query API computes, across DST edges', () => {
  const zones = ['UTC', 'Europe/Berlin', 'America/New_York', 'America/Santiago', 'America/Havana', 'Asia/Beirut', 'Australia/Lord_Howe', 'Pacific/Chatham', 'Asia/Kolkata', 'America/St_Johns'];
  const script = `
    const { localMidnightMs } = await import(${JSON.stringify(new URL('../src/cli/zone-name.js', import.meta.url).href)});
    const { periodStartMs } = await import(${JSON.stringify(new URL('../src/query/summary.js', import.meta.url).href)});
    const tz = process.env.TZ, bad = [];
    let n = 0;
    for (let t = Date.UTC(2025, 11, 25); t < Date.UTC(2027, 0, 5); t += 97 * 60_000) {
      n++;
      const a = localMidnightMs(t), b = periodStartMs(t, 'day', tz);
      if (a !== b) bad.push(new Date(t).toISOString() + ' ' + a + ' ' + b);
    }
    console.log(JSON.stringify({ n, bad: bad.slice(0, 5) }));`;
  for (const tz of zones) {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { TZ: tz } });
    assert.equal(r.status, 0, r.stderr);
    const o = JSON.parse(r.stdout) as { n: number; bad: string[] };
    assert.ok(o.n > 5000);
    assert.deepEqual(o.bad, [], `${tz}: Date's local midnight differs from the zone's start of day`);
  }
});
