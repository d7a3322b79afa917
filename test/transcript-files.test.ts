import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { classifyTranscriptName } from '../src/sources/transcript-names.js';
import { assistantLine, headerLine, ingestOnce, makeState, tmpDir, totalsOf, userLine, FIXTURES } from './helpers.js';
import { Ledger } from '../src/ledger/ledger.js';

test('file names: what counts and what is skipped', () => {
  const counted: Array<[string, string, string | null]> = [
    ['7fc6af67-b91d-4ac5-8e04-187f1be501c9.jsonl', 'live', '7fc6af67-b91d-4ac5-8e04-187f1be501c9'],
    ['boot-2026-11-01.jsonl', 'live', 'boot-2026-11-01'],
    ['abc-topic-42.jsonl', 'live', 'abc'],
    ['2026-08-05T01-47-31-793Z_e2010000-0000-4000-8000-000000000000.jsonl', 'live', 'e2010000-0000-4000-8000-000000000000'],
    ['abc.jsonl.reset.2026-11-21T17-21-18.764Z', 'archive', 'abc'],
    ['abc.jsonl.deleted.2026-11-21T17-21-34.323Z', 'archive', 'abc'],
    ['abc.jsonl.deleted.2026-11-21T17-24-32.372Z.40847d24cb06405b927996d22a13a79b.zst', 'archive', 'abc'],
    ['abc.jsonl.reset.2026-11-21T17-21-18.764Z.zst', 'archive', 'abc'],
    ['agent_main_main.f635da37-29ad-476d-84eb-6961ba9981e4.jsonl.imported-1795281712473', 'imported', 'f635da37-29ad-476d-84eb-6961ba9981e4'],
  ];
  for (const [name, kind, sid] of counted) {
    const c = classifyTranscriptName(name);
    assert.ok(c, name);
    assert.equal(c.kind, kind, name);
    assert.equal(c.sessionId, sid, name);
  }
  for (const skipped of [
    'sessions.json',
    'sessions.json.bak.1776071529500',
    'abc.jsonl.bak.2026-11-21T17-21-18.764Z',
    'abc.checkpoint.5d1c0000-0000-4000-8000-000000000000.jsonl',
    'abc.trajectory.jsonl',
    'abc.trajectory-path.json',
    'abc.jsonl.lock',
    'notes.txt',
  ]) {
    assert.equal(classifyTranscriptName(skipped), null, skipped);
  }
});

test('real OpenClaw 2026.7.35 state: exact totals, archives included, second cycle reads nothing', async () => {
  const dir = tmpDir();
  const { ledger, stats } = await ingestOnce([path.join(FIXTURES, 'openclaw-real/v2026.7.35-jsonl')], dir);
  // 7fc6af67: ok, ok, 400 error; 8d44e698: ok; 2b6f4b01 (.reset): ok, 500 error; a643bcec (.deleted): ok;
  // 7079d001: toolUse + stop; c4688221: ok (responses API).
  const t = totalsOf(ledger);
  assert.equal(t.messages, 8);
  assert.equal(t.errors, 2);
  assert.equal(stats.filesRead, 6);
  const again = await ingestOnce([path.join(FIXTURES, 'openclaw-real/v2026.7.35-jsonl')], dir, ledger);
  assert.equal(again.summary.inserted, 0);
  assert.equal(again.stats.linesRead, 0, 'unchanged files are not read again');
  ledger.close();
});

test('tailing: partial last line waits for its newline; appended lines are read from the offset', async () => {
  const root = tmpDir();
  const { stateDir, sessions } = makeState(root);
  const data = path.join(root, 'data');
  const f = path.join(sessions, 's1.jsonl');
  const a1 = assistantLine();
  const a2 = assistantLine();
  fs.writeFileSync(f, headerLine('s1') + '\n' + userLine() + '\n' + a1 + '\n' + a2.slice(0, 40));
  let r = await ingestOnce([stateDir], data);
  assert.equal(totalsOf(r.ledger).messages, 1);
  assert.equal(r.stats.issues.size, 0, 'a partial line is not malformed');
  fs.appendFileSync(f, a2.slice(40) + '\n');
  r = await ingestOnce([stateDir], data, r.ledger);
  assert.equal(totalsOf(r.ledger).messages, 2);
  assert.ok(r.stats.bytesRead <= a2.length + 1, `read only the new bytes (${r.stats.bytesRead})`);
  r.ledger.close();
});

test('rename to .reset archive, truncation and rewrite never recount', async () => {
  const root = tmpDir();
  const { stateDir, sessions } = makeState(root);
  const data = path.join(root, 'data');
  const f = path.join(sessions, 's1.jsonl');
  const lines = [headerLine('s1'), assistantLine(), assistantLine(), assistantLine()];
  fs.writeFileSync(f, lines.join('\n') + '\n');
  let r = await ingestOnce([stateDir], data);
  assert.equal(totalsOf(r.ledger).messages, 3);
  // live file becomes an archive, a new live file starts
  fs.renameSync(f, path.join(sessions, 's1.jsonl.reset.2026-11-21T17-21-18.764Z'));
  fs.writeFileSync(path.join(sessions, 's2.jsonl'), headerLine('s2') + '\n' + assistantLine() + '\n');
  r = await ingestOnce([stateDir], data, r.ledger);
  assert.equal(totalsOf(r.ledger).messages, 4);
  assert.equal(r.summary.duplicates, 0, 'the renamed file kept its cursor (nothing re-read)');
  // in-place rewrite keeping only the last line (compaction-style truncation)
  fs.writeFileSync(path.join(sessions, 's2.jsonl'), headerLine('s2') + '\n');
  r = await ingestOnce([stateDir], data, r.ledger);
  assert.equal(totalsOf(r.ledger).messages, 4, 'counters never go down');
  // a copy of the archive under another name (.bak is skipped, a fork copy is deduplicated)
  fs.copyFileSync(path.join(sessions, 's1.jsonl.reset.2026-11-21T17-21-18.764Z'), path.join(sessions, 's1.jsonl.bak.2026-11-21T17-21-19.000Z'));
  fs.copyFileSync(
    path.join(sessions, 's1.jsonl.reset.2026-11-21T17-21-18.764Z'),
    path.join(sessions, '2026-11-21T17-30-00-000Z_00000000-0000-4000-8000-000000000001.jsonl'),
  );
  r = await ingestOnce([stateDir], data, r.ledger);
  assert.equal(totalsOf(r.ledger).messages, 4);
  assert.equal(r.summary.duplicates, 3);
  // deletion of everything
  for (const n of fs.readdirSync(sessions)) fs.rmSync(path.join(sessions, n));
  r = await ingestOnce([stateDir], data, r.ledger);
  assert.equal(totalsOf(r.ledger).messages, 4);
  assert.deepEqual(r.ledger.keysWithPrefix('file:'), [], 'cursors of deleted files are forgotten');
  r.ledger.close();
});

test('junk: malformed, invalid UTF-8, blank and over-long lines are counted skips, never a crash', async () => {
  const root = tmpDir();
  const { stateDir, sessions } = makeState(root);
  const data = path.join(root, 'data');
  const good = assistantLine();
  const bad = Buffer.concat([
    Buffer.from(headerLine('j1') + '\n\n'),
    Buffer.from('{"type":"message","message":{"role":"assistant",' + '\n'),
    Buffer.from('{"type":"message","id":"x1","message":{"role":"assistant","provider":"p","model":"m'),
    Buffer.from([0xff, 0xfe]),
    Buffer.from('","usage":{"input":1},"responseId":"bin-1","timestamp":1795281552006}}\n'),
    Buffer.from('{"type":"message","message":{"role":"user","content":"' + 'x'.repeat(3 * 1024 * 1024) + '","assistant":1}}\n'),
    Buffer.from(good + '\n'),
  ]);
  fs.writeFileSync(path.join(sessions, 'j1.jsonl'), bad);
  const { Ingestor } = await import('../src/ingest/cycle.js');
  const { sourcesFor } = await import('../src/sources/index.js');
  const { Logger } = await import('../src/util/log.js');
  const ledger = Ledger.open(data);
  const logged: string[] = [];
  const ing = new Ingestor(ledger, () => sourcesFor([stateDir], { maxLineBytes: 1024 * 1024 }), { log: new Logger('warn', (l) => logged.push(l)) });
  await ing.trigger();
  await ing.trigger();
  const t = totalsOf(ledger);
  assert.equal(t.messages, 2, 'the good line and the line with invalid bytes both count');
  assert.equal(ing.stats.issues.get('malformed_json'), 1);
  assert.equal(ing.stats.issues.get('invalid_utf8'), 1);
  assert.equal(ing.stats.issues.get('line_too_long'), 1);
  assert.equal(logged.filter((l) => l.includes('malformed_json')).length, 1, 'logged once');
  ledger.close();
});

test('zstd archives are read (node:zlib or the JS decoder)', async () => {
  const root = tmpDir();
  const { stateDir, sessions } = makeState(root);
  fs.copyFileSync(
    path.join(FIXTURES, 'openclaw-real/v2026.9.6-sqlite/agents/main/sessions/4bbc7407-cbef-4479-9a17-bab8e5d8fa50.jsonl.deleted.2026-11-21T17-24-32.372Z.40847d24cb06405b927996d22a13a79b.zst'),
    path.join(sessions, '4bbc7407-cbef-4479-9a17-bab8e5d8fa50.jsonl.deleted.2026-11-21T17-24-32.372Z.40847d24cb06405b927996d22a13a79b.zst'),
  );
  // a corrupt archive is a counted skip
  fs.writeFileSync(path.join(sessions, 'bad.jsonl.deleted.2026-11-21T17-24-32.372Z.zst'), Buffer.from('not zstd at all'));
  const r = await ingestOnce([stateDir], path.join(root, 'data'));
  // the archive holds: ok turn, reset marker, one more ok turn through the gateway
  assert.equal(totalsOf(r.ledger).messages, 2);
  assert.equal(r.stats.issues.get('decompress_failed'), 1);
  r.ledger.close();
});

test('a plain archive compressed later with the zstd CLI is not counted twice', async (t) => {
  try {
    execFileSync('zstd', ['--version'], { stdio: 'ignore' });
  } catch {
    t.skip('zstd CLI not installed');
    return;
  }
  const root = tmpDir();
  const { stateDir, sessions } = makeState(root);
  const f = path.join(sessions, 'z1.jsonl.deleted.2026-11-21T17-21-34.323Z');
  fs.writeFileSync(f, [headerLine('z1'), assistantLine(), assistantLine()].join('\n') + '\n');
  let r = await ingestOnce([stateDir], path.join(root, 'data'));
  execFileSync('zstd', ['-q', '--rm', f]);
  r = await ingestOnce([stateDir], path.join(root, 'data'), r.ledger);
  assert.equal(totalsOf(r.ledger).messages, 2);
  assert.equal(r.summary.duplicates, 2);
  r.ledger.close();
});

test('an input that is not a regular file is passed over, other files still count', async () => {
  const root = tmpDir();
  const { stateDir, sessions } = makeState(root);
  fs.mkdirSync(path.join(sessions, 'weird.jsonl')); // a directory named like a transcript
  fs.writeFileSync(path.join(sessions, 'ok.jsonl'), assistantLine() + '\n');
  const r = await ingestOnce([stateDir], path.join(root, 'data'));
  assert.equal(totalsOf(r.ledger).messages, 1);
  r.ledger.close();
});

test(
  'an unreadable transcript is reported once and read once it becomes readable',
  { skip: process.getuid?.() !== 0 && 'needs root to run clawmeter as another user' },
  () => {
    const BIN = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../bin/clawmeter.js');
    const root = tmpDir();
    const { stateDir, sessions } = makeState(root);
    const data = path.join(root, 'data');
    fs.mkdirSync(data);
    fs.writeFileSync(path.join(sessions, 'ok.jsonl'), assistantLine() + '\n');
    const locked = path.join(sessions, 'locked.jsonl');
    fs.writeFileSync(locked, assistantLine() + '\n' + assistantLine() + '\n');
    for (const d of [root, stateDir, path.join(stateDir, 'agents'), path.dirname(sessions), sessions, path.dirname(sessions) + '/agent']) fs.chmodSync(d, 0o755);
    fs.chmodSync(path.join(sessions, 'ok.jsonl'), 0o644);
    fs.chmodSync(locked, 0o000);
    fs.chmodSync(data, 0o777);
    const run = () => {
      const r = spawnSync(process.execPath, [BIN, 'ingest', '--state-dir', stateDir, '--data-dir', data, '--log-level', 'warn'], {
        encoding: 'utf8',
        uid: 65534,
        gid: 65534,
      });
      return { status: r.status, out: JSON.parse(r.stdout || '{}'), log: r.stderr };
    };
    const first = run();
    assert.equal(first.status, 1, 'a source that could not be read makes ingest exit 1');
    assert.equal(first.out.result, 'degraded');
    assert.match(first.log, /^clawmeter: ingest degraded: 1 source\(s\) failed: jsonl of agent main: unreadable/m);
    assert.equal(first.out.inserted, 1);
    assert.equal(first.out.issues.unreadable, 1);
    assert.match(first.log, /reason=unreadable/);
    fs.chmodSync(locked, 0o644);
    const second = run();
    assert.equal(second.status, 0, second.log);
    assert.equal(second.out.inserted, 2, 'the file is read once it can be');
    assert.equal(second.out.ledgerCalls, 3);
  },
);

test('sessions that left sessions.json are labelled from their trajectory sidecar', async () => {
  const root = tmpDir();
  const { stateDir, sessions } = makeState(root);
  fs.writeFileSync(path.join(sessions, 'sessions.json'), JSON.stringify({ 'agent:main:main': { sessionId: 'live1', updatedAt: 1 } }));
  fs.writeFileSync(path.join(sessions, 'live1.jsonl'), assistantLine() + '\n');
  fs.writeFileSync(path.join(sessions, 'old1.jsonl.reset.2026-11-21T17-21-18.764Z'), assistantLine() + '\n');
  fs.writeFileSync(
    path.join(sessions, 'old1.trajectory.jsonl'),
    JSON.stringify({ traceSchema: 'openclaw-trajectory', type: 'session.started', sessionId: 'old1', sessionKey: 'agent:main:cron:nightly' }) + '\n',
  );
  fs.writeFileSync(path.join(sessions, 'gone.jsonl.deleted.2026-11-21T17-21-18.764Z'), assistantLine() + '\n');
  const r = await ingestOnce([stateDir], path.join(root, 'data'));
  const kinds = Object.fromEntries([...r.ledger.totals()].map((t) => [t.compatKind, t.messages]));
  assert.deepEqual(kinds, { main: 1, cron: 1, unknown: 1 });
  const active = r.ledger.sessions().filter((s) => s.active);
  assert.deepEqual(active.map((s) => s.sessionKey), ['agent:main:main'], 'trajectory sessions are not active sessions');
  r.ledger.close();
});

test('a transcript moved into the SQLite import archive keeps its cursor: nothing is read again', async () => {
  const root = tmpDir();
  const { stateDir, sessions } = makeState(root);
  const data = path.join(root, 'data');
  const f = path.join(sessions, 'm1.jsonl');
  fs.writeFileSync(f, [headerLine('m1'), assistantLine(), assistantLine()].join('\n') + '\n');
  let r = await ingestOnce([stateDir], data);
  assert.equal(totalsOf(r.ledger).messages, 2);
  const archive = path.join(path.dirname(sessions), 'session-sqlite-import-archive');
  fs.mkdirSync(archive);
  fs.renameSync(f, path.join(archive, 'agent_main_main.m1.jsonl.imported-1795281712473'));
  r = await ingestOnce([stateDir], data, r.ledger);
  assert.equal(r.stats.linesRead, 0, 'the moved file was not read again');
  assert.equal(r.summary.duplicates, 0);
  assert.deepEqual(
    r.ledger.keysWithPrefix('file:').map((k) => path.basename(k)),
    ['agent_main_main.m1.jsonl.imported-1795281712473'],
    'the cursor moved with the file',
  );
  assert.equal(totalsOf(r.ledger).messages, 2);
  r.ledger.close();
});
