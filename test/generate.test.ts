import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateStateDir, type GroundTruth } from '../src/demo/generate.js';

const NOW = Date.UTC(2026, 6, 20, 12, 0, 0);

function tmpDir(t: { after: (fn: () => void) => void }): string {
  const dir = fs.mkdtempSync(os.tmpdir() + '/clawmeter-gen-');
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** All files under dir, relative paths, sorted. */
function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(r);
      else out.push(r);
    }
  };
  walk('');
  return out.sort();
}

/** Independent reading of OpenClaw's rule: which transcript names hold countable usage. */
function isCountedTranscript(name: string): boolean {
  if (name.startsWith('sessions.json')) return false;
  if (name.includes('.bak.') || name.includes('.checkpoint.') || name.includes('.trajectory') || name.endsWith('.lock')) {
    return false;
  }
  if (/\.jsonl\.(reset|deleted)\.\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}(\.\d{3})?Z$/.test(name)) return true;
  return name.endsWith('.jsonl'); // live <sid>.jsonl, <sid>-topic-<n>.jsonl, <ISO>_<uuid>.jsonl
}

interface Recount {
  truth: Omit<GroundTruth, 'sessions'>;
  junk: { blank: number; badUtf8: number; malformed: number };
  rawCalls: number;
  synthetic: number;
}

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function recount(dir: string): Recount {
  const t: Omit<GroundTruth, 'sessions'> = {
    calls: 0, messages: 0, errors: 0, input: 0, output: 0, cacheRead: 0, cacheWrite: 0, costUsd: 0,
    byProviderModel: {}, byAgent: {}, bytes: 0, files: 0, lastCallMs: 0,
  };
  const junk = { blank: 0, badUtf8: 0, malformed: 0 };
  const seen = new Set<string>();
  const strict = new TextDecoder('utf-8', { fatal: true });
  let rawCalls = 0;
  let synthetic = 0;
  for (const rel of listFiles(dir)) {
    const m = /^agents\/([^/]+)\/sessions\/([^/]+)$/.exec(rel);
    if (!m || !isCountedTranscript(m[2])) continue;
    const agent = m[1];
    const buf = fs.readFileSync(path.join(dir, rel));
    t.bytes += buf.length;
    t.files++;
    assert.equal(buf[buf.length - 1], 0x0a, `${rel} ends with a newline`);
    let start = 0;
    while (start < buf.length) {
      const end = buf.indexOf(0x0a, start);
      const lineBuf = buf.subarray(start, end);
      start = end + 1;
      if (lineBuf.length === 0) {
        junk.blank++;
        continue;
      }
      let text: string;
      try {
        text = strict.decode(lineBuf);
      } catch {
        junk.badUtf8++;
        continue;
      }
      let e: Json;
      try {
        e = JSON.parse(text) as Json;
      } catch {
        junk.malformed++;
        continue;
      }
      if (e.type !== 'message' || e.message?.role !== 'assistant') continue;
      const msg = e.message as Json;
      if (msg.provider === 'openclaw') {
        synthetic++;
        continue;
      }
      rawCalls++;
      const u = msg.usage as Json;
      const identity =
        typeof msg.responseId === 'string'
          ? `r|${msg.provider}|${msg.responseId}|${msg.timestamp}`
          : `f|${e.id}|${msg.timestamp}|${msg.provider}|${msg.model}|${u.input}|${u.output}|${u.cacheRead}|${u.cacheWrite}`;
      if (seen.has(identity)) continue;
      seen.add(identity);
      const key = `${msg.provider}/${msg.model}`;
      const pm = (t.byProviderModel[key] ??= { messages: 0, errors: 0, input: 0, output: 0, cacheRead: 0, cacheWrite: 0 });
      const ag = (t.byAgent[agent] ??= { messages: 0, errors: 0 });
      t.calls++;
      t.lastCallMs = Math.max(t.lastCallMs, Date.parse(e.timestamp));
      if (msg.stopReason === 'error') {
        t.errors++;
        pm.errors++;
        ag.errors++;
        continue;
      }
      t.messages++;
      pm.messages++;
      ag.messages++;
      for (const k of ['input', 'output', 'cacheRead', 'cacheWrite'] as const) {
        t[k] += u[k];
        pm[k] += u[k];
      }
      t.costUsd += u.cost.total;
    }
  }
  return { truth: t, junk, rawCalls, synthetic };
}

function assertMatches(gt: GroundTruth, rc: Recount): void {
  const { costUsd: a, ...restGt } = gt;
  const { costUsd: b, ...restRc } = rc.truth;
  assert.ok(Math.abs(a - b) <= 1e-9 * Math.max(1, a), `costUsd ${a} vs ${b}`);
  const { sessions: _s, ...gtNoSessions } = restGt;
  assert.deepEqual(restRc, gtNoSessions);
}

test('same seed and options give byte-identical output; another seed does not', (t) => {
  const a = tmpDir(t);
  const b = tmpDir(t);
  const c = tmpDir(t);
  const opts = { seed: 7, nowMs: NOW, targetBytes: 1_000_000 };
  const ga = generateStateDir({ dir: a, ...opts });
  const gb = generateStateDir({ dir: b, ...opts });
  const filesA = listFiles(a);
  assert.deepEqual(listFiles(b), filesA);
  for (const f of filesA) {
    assert.ok(fs.readFileSync(path.join(a, f)).equals(fs.readFileSync(path.join(b, f))), `${f} differs`);
  }
  assert.deepEqual(gb, ga);
  const gc = generateStateDir({ dir: c, ...opts, seed: 8 });
  assert.notDeepEqual(listFiles(c), filesA);
  assert.notEqual(gc.calls + gc.bytes, ga.calls + ga.bytes);
});

test('5 MB state: size, layout, clean lines and an independent recount match the ground truth', (t) => {
  const dir = tmpDir(t);
  const target = 5 * 1024 * 1024;
  const agents = ['main', 'work'];
  const gt = generateStateDir({ dir, seed: 42, nowMs: NOW, days: 7, targetBytes: target, agents });

  // targetBytes roughly honoured
  assert.ok(gt.bytes >= target * 0.8 && gt.bytes <= target * 1.2, `bytes ${gt.bytes} vs target ${target}`);

  const files = listFiles(dir);
  const names = files.map((f) => path.basename(f));
  // every kind of file is there
  const has = (re: RegExp): boolean => names.some((n) => re.test(n));
  assert.ok(has(/^[0-9a-f-]{36}\.jsonl$/), 'live transcript');
  assert.ok(has(/\.jsonl\.reset\.\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}\.\d{3}Z$/), 'reset archive');
  assert.ok(has(/\.jsonl\.deleted\.\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}\.\d{3}Z$/), 'deleted archive');
  assert.ok(has(/\.jsonl\.bak\./), 'bak copy');
  assert.ok(has(/\.checkpoint\.[0-9a-f-]{36}\.jsonl$/), 'checkpoint copy');
  assert.ok(has(/^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z_[0-9a-f-]{36}\.jsonl$/), 'fork file');
  assert.ok(has(/-topic-\d+\.jsonl$/), 'topic file');
  assert.ok(has(/\.trajectory\.jsonl$/), 'trajectory sidecar');
  assert.ok(has(/\.jsonl\.lock$/), 'lock file');
  assert.ok(has(/^sessions\.json\.bak\.\d+$/), 'sessions.json backup');
  if (process.platform !== 'win32') {
    for (const f of files) assert.equal(fs.statSync(path.join(dir, f)).mode & 0o777, 0o600, `${f} mode`);
  }

  // recount from the files
  const rc = recount(dir);
  assertMatches(gt, rc);
  assert.ok(gt.calls > 100 && gt.errors > 0 && gt.messages > gt.errors);
  assert.equal(Object.keys(gt.byAgent).sort().join(), agents.join());
  for (const key of ['openai-codex/gpt-5.3-codex', 'openai-codex/gpt-5.4', 'anthropic/claude-sonnet-4-6', 'openrouter/deepseek/deepseek-chat']) {
    assert.ok(gt.byProviderModel[key], key);
  }
  assert.ok(gt.lastCallMs < NOW && gt.lastCallMs > NOW - 86_400_000, 'newest call is recent');
  // the deliberate junk lines, and nothing else, fail to parse
  for (const k of ['blank', 'badUtf8', 'malformed'] as const) {
    assert.ok(rc.junk[k] >= 1 && rc.junk[k] <= agents.length, `${k}: ${rc.junk[k]}`);
  }
  // the traps are really there: copies inside counted files, synthetic rows
  assert.ok(rc.rawCalls > gt.calls, 'fork copies and sessions_history duplicates exist');
  assert.ok(rc.synthetic > 0, 'synthetic openclaw rows exist');
  // and a naive reader of every *.jsonl* file without name rules or dedupe would over-count
  let naive = 0;
  for (const f of files.filter((x) => x.includes('.jsonl'))) {
    for (const line of fs.readFileSync(path.join(dir, f), 'utf8').split('\n')) {
      if (line.includes('"role":"assistant"') && !line.includes('"provider":"openclaw"')) naive++;
    }
  }
  assert.ok(naive > gt.calls + 10, `naive ${naive} vs ${gt.calls}`);

  // sessions.json: entries, files, cron pointers
  let sessions = 0;
  for (const agent of agents) {
    const sdir = path.join(dir, 'agents', agent, 'sessions');
    const index = JSON.parse(fs.readFileSync(path.join(sdir, 'sessions.json'), 'utf8')) as Record<string, Json>;
    const keys = Object.keys(index);
    sessions += keys.length;
    for (const k of keys) {
      const e = index[k];
      assert.ok(k.startsWith(`agent:${agent}:`) && k === k.toLowerCase(), k);
      assert.ok(fs.existsSync(path.join(sdir, e.sessionFile)), `${k} -> ${e.sessionFile}`);
      assert.equal(typeof e.updatedAt, 'number');
    }
    for (const kind of [':main', ':direct:', ':discord:group:', ':slack:channel:', ':cron:', ':subagent:', ':hook:', ':topic:', ':thread:']) {
      assert.ok(keys.some((k) => k.includes(kind)), `${agent} has a ${kind} key`);
    }
    const runKey = keys.find((k) => /:cron:[^:]+:run:/.test(k) && index[k.replace(/:run:.*$/, '')]);
    assert.ok(runKey, 'cron run key');
    assert.equal(index[runKey.replace(/:run:.*$/, '')].sessionId, index[runKey].sessionId);

    const profiles = fs.readFileSync(path.join(dir, 'agents', agent, 'agent', 'auth-profiles.json'), 'utf8');
    assert.ok(profiles.includes('SECRET'));
    const store = JSON.parse(profiles) as Json;
    assert.equal(store.version, 1);
    const codex = store.profiles['openai-codex:default'];
    const claims = JSON.parse(Buffer.from(codex.access.split('.')[1], 'base64url').toString('utf8')) as Json;
    assert.equal(claims['https://api.openai.com/auth'].chatgpt_plan_type, 'plus');
    assert.ok(codex.access.split('.')[2].includes('SECRET'));
    assert.equal(codex.expires, NOW + 3 * 86_400_000);
    assert.equal(store.profiles['anthropic:user@example.com'].expires, NOW + 6 * 3_600_000);
    assert.ok(store.profiles['openrouter:default'].key.includes('SECRET'));
    const state = JSON.parse(fs.readFileSync(path.join(dir, 'agents', agent, 'agent', 'auth-state.json'), 'utf8')) as Json;
    assert.deepEqual(state.usageStats['anthropic:user@example.com'], {
      cooldownUntil: NOW + 600_000,
      cooldownReason: 'rate_limit',
      errorCount: 3,
      failureCounts: { rate_limit: 3 },
      lastFailureAt: NOW - 60_000,
    });
  }
  assert.equal(sessions, gt.sessions);
  // secrets stay in the auth store
  for (const f of files.filter((x) => !x.endsWith('auth-profiles.json'))) {
    assert.ok(!fs.readFileSync(path.join(dir, f), 'latin1').includes('SECRET'), `${f} has no secret`);
  }
});

test('with every trap switched off the state is plain and still matches', (t) => {
  const dir = tmpDir(t);
  const gt = generateStateDir({
    dir, seed: 3, nowMs: NOW, targetBytes: 600_000, agents: ['solo'],
    archives: false, syntheticRows: false, duplicates: false, junk: false,
  });
  const names = listFiles(dir).map((f) => path.basename(f));
  for (const n of names) {
    assert.ok(
      /^[0-9a-f-]{36}\.jsonl$/.test(n) || ['sessions.json', 'auth-profiles.json', 'auth-state.json'].includes(n),
      `unexpected file ${n}`,
    );
  }
  const rc = recount(dir);
  assert.deepEqual(rc.junk, { blank: 0, badUtf8: 0, malformed: 0 });
  assert.equal(rc.synthetic, 0);
  assert.equal(rc.rawCalls, gt.calls);
  assertMatches(gt, rc);
  assert.deepEqual(Object.keys(gt.byAgent), ['solo']);
});

test('refuses a non-empty directory', (t) => {
  const dir = tmpDir(t);
  fs.writeFileSync(path.join(dir, 'x'), 'y');
  assert.throws(() => generateStateDir({ dir, nowMs: NOW }), /not empty/);
});
