/**
 * The command-line repairs of the repairs issue: wrong paths are errors (never
 * silent zeros, never DEMO data), health that tells the truth, prompt shutdown on
 * every stop signal, one-line errors, validated settings and the log formats.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { assistantLine, headerLine, ingestOnce, makeState, tmpDir } from './helpers.js';
import { generateStateDir } from '../src/demo/generate.js';
import { Logger } from '../src/util/log.js';
import { Progress } from '../src/ingest/progress.js';

const REPO = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const BIN = path.join(REPO, 'bin/clawmeter.js');

function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, HOME: tmpDir(), ...env }, timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function oneLine(stderr: string): string {
  const lines = stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line: ${stderr}`);
  assert.match(lines[0], /^clawmeter: /);
  assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
  return lines[0];
}

function state(): { root: string; stateDir: string; sessions: string } {
  const root = tmpDir();
  const { stateDir, sessions } = makeState(root);
  fs.writeFileSync(path.join(sessions, 's1.jsonl'), [headerLine('s1'), assistantLine(), assistantLine()].join('\n') + '\n');
  return { root, stateDir, sessions };
}

test('a state dir without agents/ is an error that names the folder that fits', () => {
  const { root, stateDir, sessions } = state();
  const data = path.join(root, 'data');
  for (const wrong of [path.join(stateDir, 'agents'), sessions]) {
    const r = run(['ingest', '--state-dir', wrong, '--data-dir', data]);
    assert.equal(r.status, 2, r.stderr);
    const line = oneLine(r.stderr);
    assert.ok(line.includes(`no agents/ in ${wrong}`), line);
    assert.ok(line.includes(`did you mean ${stateDir}?`), line);
  }
  // A parent folder: the child that is a state dir is suggested.
  const r = run(['ingest', '--state-dir', root, '--data-dir', data]);
  assert.equal(r.status, 2);
  assert.ok(oneLine(r.stderr).includes(`did you mean ${stateDir}?`));
  assert.equal(fs.existsSync(path.join(data, 'ledger.sqlite')), false, 'nothing was ingested or created');
});

test('a wrong OPENCLAW_STATE_DIR or OPENCLAW_HOME is an error for serve, never DEMO data', () => {
  const { root, stateDir } = state();
  const cases: NodeJS.ProcessEnv[] = [
    { OPENCLAW_STATE_DIR: stateDir + '-typo' },
    { OPENCLAW_STATE_DIR: path.join(stateDir, 'agents') },
    { OPENCLAW_HOME: path.join(root, 'nowhere') },
  ];
  for (const env of cases) {
    const r = run(['serve', '--listen', '127.0.0.1:0', '--data-dir', path.join(root, 'data')], env);
    assert.equal(r.status, 2, `${JSON.stringify(env)}: ${r.stderr}`);
    const line = oneLine(r.stderr);
    assert.match(line, /OPENCLAW_(STATE_DIR|HOME)=/);
    assert.doesNotMatch(r.stderr, /DEMO/);
  }
  const ok = run(['ingest', '--data-dir', path.join(root, 'data2')], { OPENCLAW_STATE_DIR: stateDir });
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(JSON.parse(ok.stdout).inserted, 2);
});

test('expected failures are one line with exit 2: bad settings, demo --out on a file, a corrupt ledger', () => {
  const { root, stateDir } = state();
  const data = path.join(root, 'data');
  const cases: Array<[string[], NodeJS.ProcessEnv, RegExp]> = [
    [['serve', '--state-dir', stateDir, '--data-dir', data, '--interval', '0.001'], {}, /--interval 0\.001: expected a number from 1 to 86400/],
    [['serve', '--state-dir', stateDir, '--data-dir', data], { CACHE_SEC: 'abc' }, /CACHE_SEC=abc: expected/],
    [['serve', '--state-dir', stateDir, '--data-dir', data], { METRICS_PORT: '99999' }, /METRICS_PORT=99999: expected a port number/],
    [['serve', '--state-dir', stateDir, '--data-dir', data, '--max-series', '-1'], {}, /--max-series -1: expected a positive integer/],
    [['demo', '--out', '/etc/passwd'], {}, /--out \/etc\/passwd: exists and is not a directory/],
    [['demo', '--out', '/proc/version/x'], {}, /--out \/proc\/version\/x: cannot write the demo there/],
    [['ingest', '--state-dir', stateDir, '--data-dir', data, '--log-format', 'xml'], {}, /--log-format xml: expected logfmt or json/],
  ];
  for (const [args, env, re] of cases) {
    const r = run(args, env);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(oneLine(r.stderr), re);
  }
  // A corrupt ledger: a clear line, and the file is left as it was.
  fs.mkdirSync(data, { recursive: true });
  const junk = Buffer.from('not a database at all '.repeat(500));
  fs.writeFileSync(path.join(data, 'ledger.sqlite'), junk);
  const r = run(['ingest', '--state-dir', stateDir, '--data-dir', data]);
  assert.equal(r.status, 2, r.stderr);
  assert.match(oneLine(r.stderr), /ledger/);
  assert.deepEqual(fs.readFileSync(path.join(data, 'ledger.sqlite')), junk, 'never silently recreated');
});

test('--help lists the exit codes; LICENSE matches package.json', () => {
  for (const args of [['--help'], ['serve', '--help'], ['ingest', '--help']]) {
    const r = run(args);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /Exit codes:\n {2}0 {4}success\n {2}1 {4}/);
  }
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8'));
  assert.equal(pkg.license, 'MIT');
  assert.match(fs.readFileSync(path.join(REPO, 'LICENSE'), 'utf8'), /^MIT License/);
});

test('health tells the truth: an undecodable archive and a corrupt store take their source down', async () => {
  const { root, stateDir, sessions } = state();
  fs.writeFileSync(path.join(sessions, 'old.jsonl.zst'), Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 1, 2, 3, 4, 5, 6, 7, 8]));
  const storeDir = path.join(stateDir, 'agents', 'main', 'agent');
  fs.writeFileSync(path.join(storeDir, 'openclaw-agent.sqlite'), Buffer.from('garbage '.repeat(2000)));
  const data = path.join(root, 'data');
  const r = await ingestOnce([stateDir], data);
  assert.equal(r.summary.result, 'degraded');
  assert.equal(r.stats.cyclesDegraded, 1);
  assert.equal(r.stats.cyclesOk, 0);
  assert.equal(r.stats.lastSuccessMs, null, 'the global last success does not advance');
  const down = [...r.stats.sources.values()].filter((s) => !s.up).map((s) => s.source).sort();
  assert.deepEqual(down, ['jsonl', 'sqlite']);
  const up = [...r.stats.sources.values()].filter((s) => s.up);
  assert.ok(up.length >= 2 && up.every((s) => s.lastSuccessMs !== null));
  const ready = r.stats.readiness();
  assert.equal(ready.ready, false);
  assert.ok(ready.reasons.some((x) => /jsonl of agent main: decompress_failed/.test(x)), ready.reasons.join('\n'));
  assert.ok(ready.reasons.some((x) => /sqlite of agent main: store_unavailable/.test(x)), ready.reasons.join('\n'));
  assert.equal(r.summary.inserted, 2, 'the readable transcript still counts');

  // The CLI says so with exit 1 and one summary line.
  const cli = run(['ingest', '--state-dir', stateDir, '--data-dir', path.join(root, 'data-cli'), '--log-level', 'error']);
  assert.equal(cli.status, 1, cli.stderr);
  assert.match(cli.stderr, /^clawmeter: ingest degraded: 2 source\(s\) failed: .*jsonl of agent main: decompress_failed/m);
  assert.match(cli.stderr, /^clawmeter: ingest degraded: .*sqlite of agent main: store_unavailable/m);

  // Repaired inputs: the sources come back up and the cycle is ok again.
  fs.rmSync(path.join(sessions, 'old.jsonl.zst'));
  fs.rmSync(path.join(storeDir, 'openclaw-agent.sqlite'));
  const s2 = await r.ingestor.trigger();
  assert.equal(s2.result, 'ok');
  assert.ok([...r.stats.sources.values()].every((s) => s.up));
  assert.equal(r.stats.readiness().ready, true);
  assert.notEqual(r.stats.lastSuccessMs, null);
  r.ledger.close();
});

async function waitForOutput(child: ReturnType<typeof spawn>, re: RegExp, ms: number): Promise<string> {
  let buf = '';
  return await new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out waiting for ${re}: ${buf}`)), ms);
    const on = (d: Buffer) => {
      buf += d.toString();
      if (re.test(buf)) {
        clearTimeout(t);
        resolve(buf);
      }
    };
    child.stderr!.on('data', on);
    child.stdout!.on('data', on);
  });
}

const exited = (child: ReturnType<typeof spawn>) =>
  new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));

test('a stop signal during a long first ingest stops promptly, commits, and a re-run completes exactly', async () => {
  const root = tmpDir();
  const stateDir = path.join(root, 'state');
  const truth = generateStateDir({ dir: stateDir, seed: 7, targetBytes: 40 * 1024 * 1024, junk: false });
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    const data = path.join(root, `data-${sig}`);
    const child = spawn(process.execPath, [BIN, 'serve', '--state-dir', stateDir, '--data-dir', data, '--listen', '127.0.0.1:0', '--log-level', 'debug', '--no-watch'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const done = exited(child);
    await waitForOutput(child, /msg=committed/, 30_000); // the first ingest is under way
    const t0 = performance.now();
    child.kill(sig);
    const out = await waitForOutput(child, /msg="stopped; what was read is committed"/, 20_000);
    const { code } = await done;
    const seconds = (performance.now() - t0) / 1000;
    assert.equal(code, 0, out);
    assert.match(out, new RegExp(`signal=${sig}`));
    assert.ok(seconds < 10, `${sig}: stopped after ${seconds.toFixed(2)} s`);
    const rerun = run(['ingest', '--state-dir', stateDir, '--data-dir', data, '--log-level', 'error']);
    assert.equal(rerun.status, 0, rerun.stderr);
    const summary = JSON.parse(rerun.stdout);
    assert.equal(summary.ledgerCalls, truth.calls, `${sig}: nothing lost, nothing counted twice`);
    assert.ok(summary.inserted < truth.calls, `${sig}: the stopped run had committed part of the history`);
  }
});

test('demo data is generated only after the port is bound and removed on every exit path', async (t) => {
  const tmp = tmpDir();
  const before = () => fs.readdirSync(tmp).filter((n) => n.startsWith('clawmeter-demo-'));
  const blocker = net.createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  const port = (blocker.address() as net.AddressInfo).port;
  try {
    const failed = run(['serve', '--demo', '--listen', `127.0.0.1:${port}`], { TMPDIR: tmp });
    assert.equal(failed.status, 2);
    assert.match(oneLine(failed.stderr), /cannot listen \(EADDRINUSE\)/);
    assert.deepEqual(before(), [], 'no demo folder left after a failed start');
  } finally {
    blocker.close();
  }
  const child = spawn(process.execPath, [BIN, 'serve', '--demo', '--listen', '127.0.0.1:0', '--no-watch'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TMPDIR: tmp, HOME: tmpDir() },
  });
  const done = exited(child);
  t.after(() => child.kill('SIGKILL')); // a failed assertion must not leave the server holding the test run
  const log = await waitForOutput(child, /msg=serving url=\S+/, 30_000);
  assert.equal(before().length, 1, 'the demo folder exists while serving');
  const base = /msg=serving url=(http:\/\/127\.0\.0\.1:\d+)\/metrics/.exec(log)![1];
  let ready: Response | null = null;
  for (let i = 0; i < 200 && ready?.status !== 200; i++) {
    ready = await fetch(`${base}/readyz`);
    if (ready.status !== 200) await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(ready!.status, 200, 'ready once the first cycle has committed');
  const metrics = await (await fetch(`${base}/metrics`)).text();
  assert.match(metrics, /^clawmeter_source_up\{agent="main",source="jsonl",state_dir="state"\} 1$/m);
  assert.match(metrics, /^process_open_fds \d+$/m);
  child.kill('SIGHUP');
  assert.equal((await done).code, 0);
  assert.deepEqual(before(), [], 'SIGHUP removes the demo folder too');
});

test('log levels and formats: debug adds per-cycle and per-input lines; json lines parse', () => {
  const { root, stateDir } = state();
  const info = run(['ingest', '--state-dir', stateDir, '--data-dir', path.join(root, 'd1')]);
  assert.doesNotMatch(info.stderr, /msg=committed/);
  const debug = run(['ingest', '--state-dir', stateDir, '--data-dir', path.join(root, 'd2'), '--log-level', 'debug']);
  assert.match(debug.stderr, /level=debug msg=committed inputs=1 first=\S+s1\.jsonl calls=2 inserted=2/);
  const again = run(['ingest', '--state-dir', stateDir, '--data-dir', path.join(root, 'd2'), '--log-level', 'debug']);
  assert.match(again.stderr, /level=debug msg=cycle calls=0 /, 'an idle cycle is logged at debug');
  const json = run(['ingest', '--state-dir', stateDir, '--data-dir', path.join(root, 'd3'), '--log-level', 'debug', '--log-format', 'json']);
  const lines = json.stderr.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.ok(lines.length >= 2);
  assert.ok(lines.every((l) => typeof l.ts === 'string' && typeof l.level === 'string' && typeof l.msg === 'string'));
  assert.ok(lines.some((l) => l.msg === 'ingested' && l.calls === 2));
});

test('repeated problems are rate-limited per input and reason, with the count held back', () => {
  const lines: string[] = [];
  let now = 1_000_000;
  const log = new Logger('info', (l) => lines.push(l), 'logfmt', () => now);
  for (let i = 0; i < 1000; i++) log.limited('invalid_utf8\u0000/a.jsonl', 'warn', 'bad line', { where: `/a.jsonl:${i}` });
  log.limited('invalid_utf8\u0000/b.jsonl', 'warn', 'bad line');
  assert.equal(lines.length, 2, 'one line per input');
  now += 11 * 60_000;
  log.limited('invalid_utf8\u0000/a.jsonl', 'warn', 'bad line');
  assert.equal(lines.length, 3);
  assert.match(lines[2], /repeated=999/);

  // And end to end: 5,000 invalid-UTF-8 lines give one warning, not 5,000.
  const { root, stateDir, sessions } = state();
  const bad = Buffer.concat(Array.from({ length: 5000 }, () => Buffer.concat([Buffer.from(assistantLine().replace('reply', 'r\u00e9ply')), Buffer.from([0xff, 0x0a])])));
  fs.writeFileSync(path.join(sessions, 'bad.jsonl'), bad);
  const r = run(['ingest', '--state-dir', stateDir, '--data-dir', path.join(root, 'data'), '--log-level', 'warn']);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(r.stderr.split('\n').filter((l) => /invalid_utf8/.test(l)).length <= 1, `${r.stderr.length} bytes of stderr`);
  assert.equal(JSON.parse(r.stdout).issues.invalid_utf8, 5000, 'every line is still counted');
});

test('progress: a line every few seconds with done, total, rate and ETA; a bar on a terminal', () => {
  const lines: string[] = [];
  let now = 0;
  const log = new Logger('info', (l) => lines.push(l), 'logfmt', () => now);
  const p = new Progress({ log, remainingBytes: () => 300 * 1024 * 1024, now: () => now });
  p.committed(50 * 1024 * 1024, 1000); // t=0: too early for a report
  assert.equal(lines.length, 0);
  now = 4000;
  p.committed(50 * 1024 * 1024, 1000);
  assert.equal(lines.length, 1);
  assert.match(lines[0], /msg="ingest progress" mb_done=100 mb_total=400 percent=25 calls=2000 mb_per_s=25 eta_s=12/);
  now = 5000;
  p.committed(1, 1);
  assert.equal(lines.length, 1, 'at most one line per interval');
  const drawn: string[] = [];
  const tty = { write: (s: string) => drawn.push(s) } as unknown as NodeJS.WriteStream;
  now = 0;
  const bar = new Progress({ log, bar: tty, remainingBytes: () => 10 * 1024 * 1024, now: () => now });
  now = 3500;
  bar.committed(10 * 1024 * 1024, 42);
  bar.done();
  assert.match(drawn[0], /^\r\[#{12}-{12}\] 50% 10\/20 MB, 42 calls/);
  assert.equal(drawn[1], '\r\x1b[K');
  assert.equal(lines.length, 1, 'with a bar, no log lines');
  void os;
});
