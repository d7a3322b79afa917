import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { parseTranscriptLine } from '../src/parse/transcript-line.js';
import { zstdDecompress } from '../src/sources/zstd.js';
import { sessionCursorPrefix } from '../src/sources/sqlite-store.js';
import { MetricsRenderer } from '../src/sinks/prometheus/render.js';
import { OpenClawStore, zstdRawFrame } from '../src/demo/sqlite-store.js';
import { assistantLine, FIXTURES, headerLine, tmpDir, totalsOf, userLine, sqlRead } from './helpers.js';
import { allSources, harness, newStore, storePath, storeSources } from './sqlite-helpers.js';

const REAL = path.join(FIXTURES, 'openclaw-real/v2026.9.6-sqlite');

/** A state dir holding the real 2026.9.6 store (and its on-disk delete archive) where OpenClaw keeps them. */
function realState(root: string, withDeleteFile = true): string {
  const stateDir = path.join(root, 'state');
  const agent = path.join(stateDir, 'agents/main');
  fs.mkdirSync(path.join(agent, 'agent'), { recursive: true });
  fs.mkdirSync(path.join(agent, 'sessions'), { recursive: true });
  fs.copyFileSync(path.join(REAL, 'openclaw-agent.fixture.sqlite'), path.join(agent, 'agent/openclaw-agent.sqlite'));
  fs.chmodSync(path.join(agent, 'agent/openclaw-agent.sqlite'), 0o600);
  if (withDeleteFile) {
    for (const n of fs.readdirSync(path.join(REAL, 'agents/main/sessions'))) {
      fs.copyFileSync(path.join(REAL, 'agents/main/sessions', n), path.join(agent, 'sessions', n));
    }
  }
  return stateDir;
}

/** Every call identity in the JSONL dumps of transcript_events plus the delete archive. */
function identitiesFromDumps(): Set<string> {
  const texts: string[] = [];
  const dumps = path.join(REAL, 'transcript_events-as-jsonl');
  for (const n of fs.readdirSync(dumps)) texts.push(fs.readFileSync(path.join(dumps, n), 'utf8'));
  for (const n of fs.readdirSync(path.join(REAL, 'agents/main/sessions'))) {
    texts.push(zstdDecompress(fs.readFileSync(path.join(REAL, 'agents/main/sessions', n))).toString('utf8'));
  }
  const ids = new Set<string>();
  for (const t of texts) {
    for (const line of t.split('\n')) {
      if (!line) continue;
      const r = parseTranscriptLine(line);
      if (r.kind === 'call') ids.add(r.call.dedupeKey);
    }
  }
  return ids;
}

test('real OpenClaw 2026.9.6 store: exact totals, zstd event, store archive, labels, sessions', async () => {
  const root = tmpDir();
  const stateDir = realState(root);
  const h = harness(path.join(root, 'data'), allSources([stateDir]));
  const first = await h.cycle();

  // By hand, from transcript_events-as-jsonl/ and the delete archive:
  //   f635da37 (agent:main:main, first generation): chatcmpl-fake-11 stop 211/7, -12 stop 212/7, 400 error (zero usage)
  //   10ea90ad (agent:main:tools): -14 toolUse 214/11, -15 stop 215/7 (the toolResult between them is the event_zstd row)
  //   af9461d3 (agent:main:main after the idle rollover): -16 stop 216/7
  //   3b2e4c6f (agent:main:resp, openai-responses): resp_fake_18 stop 218/7
  //   4bbc7407 (agent:main:second, deleted; store archive row + .zst file): -13 stop 213/7, reset marker, -17 stop 217/7
  //   every successful call has cacheRead 1000, cacheWrite 0.
  const t = totalsOf(h.ledger);
  assert.deepEqual(t, { calls: 9, messages: 8, errors: 1, input: 1716, output: 60, cacheRead: 8000, cacheWrite: 0 });
  const byStop = Object.fromEntries(
    sqlRead<{ stop_reason: string; n: number }>(h.ledger, `SELECT stop_reason, count(*) AS n FROM calls GROUP BY stop_reason`).map((r) => [r.stop_reason, r.n]),
  );
  assert.deepEqual(byStop, { error: 1, stop: 7, toolUse: 1 });
  const cost = sqlRead<{ c: number }>(h.ledger, `SELECT sum(cost_usd) AS c FROM calls`)[0].c;
  assert.ok(Math.abs(cost - 0.002636) < 1e-9, `cost ${cost}`);
  // The same calls a parser finds in the dumps, no more, no less.
  const ledgerIds = new Set(sqlRead<{ dedupe_key: string }>(h.ledger, `SELECT dedupe_key FROM calls`).map((r) => r.dedupe_key));
  assert.deepEqual([...ledgerIds].sort(), [...identitiesFromDumps()].sort());
  // The delete archive exists twice (store row and file): read both, counted once.
  assert.ok(first.duplicates >= 2, `duplicates ${first.duplicates}`);
  // Every call has a session label; none is "unknown".
  const kinds = sqlRead<{ seed_kind: string; source: string }>(h.ledger, `SELECT DISTINCT seed_kind, source FROM calls ORDER BY 1, 2`);
  assert.deepEqual(kinds, [{ seed_kind: 'main', source: 'sqlite' }]);
  // Sessions: one per session id, only the current windows are active.
  const sessions = h.ledger.sessions().filter((s) => s.source === 'sqlite');
  assert.equal(sessions.length, 4);
  assert.deepEqual(
    sessions.filter((s) => s.active).map((s) => s.sessionKey).sort(),
    ['agent:main:main', 'agent:main:resp', 'agent:main:tools'],
  );
  assert.deepEqual(
    sessions.filter((s) => !s.active).map((s) => `${s.sessionKey} ${s.sessionId}`),
    ['agent:main:main f635da37-29ad-476d-84eb-6961ba9981e4'],
  );
  const metrics = new MetricsRenderer(h.ledger, h.stats, { version: 't', demo: false, showAccountEmails: false, maxSeries: 1000 }).render();
  assert.match(metrics, /^openclaw_codex_active_sessions\{kind="main"\} 3$/m);
  assert.deepEqual([...h.stats.issues.keys()], [], 'no issue on a healthy store');

  // Nothing new: the store is not even opened again (file signature unchanged).
  const bytes = h.stats.bytesRead;
  const again = await h.cycle();
  assert.equal(again.inserted, 0);
  assert.equal(h.stats.bytesRead, bytes);
  h.ledger.close();
});

test('real store: the event_zstd row decodes to the dumped line; the store archive alone is enough', async () => {
  const db = new Database(path.join(REAL, 'openclaw-agent.fixture.sqlite'), { readonly: true, fileMustExist: true });
  const row = db
    .prepare(`SELECT event_zstd, event_utf8_bytes FROM transcript_events WHERE session_id = ? AND seq = 6`)
    .get('10ea90ad-a461-492c-8997-b48e0b0e6495') as { event_zstd: Buffer; event_utf8_bytes: number };
  db.close();
  const dump = fs.readFileSync(path.join(REAL, 'transcript_events-as-jsonl/10ea90ad-a461-492c-8997-b48e0b0e6495.jsonl'), 'utf8').split('\n');
  const decoded = zstdDecompress(row.event_zstd);
  assert.equal(decoded.toString('utf8'), dump[6]);
  assert.equal(decoded.length, row.event_utf8_bytes);

  // Without the on-disk .zst (e.g. pruned), the archive row inside the store still counts the deleted session.
  const root = tmpDir();
  const stateDir = realState(root, false);
  const h = harness(path.join(root, 'data'), allSources([stateDir]));
  await h.cycle();
  assert.equal(totalsOf(h.ledger).calls, 9);
  h.ledger.close();
});

test('older 2026.7.2-beta layout: sessions/session_entries/transcript_events, generations and labels', async () => {
  const root = tmpDir();
  const stateDir = path.join(root, 'state');
  const store = newStore(stateDir, 'main', { layout: 'beta' });
  const key = 'agent:main:telegram:direct:555';
  const entry = { channel: 'telegram', chatType: 'direct', origin: { provider: 'telegram', surface: 'telegram', chatType: 'direct' } };
  store.upsertSession({ sessionKey: key, sessionId: 'sid-a', entry, createdAt: 1_000 });
  store.appendEvents('sid-a', [headerLine('sid-a'), userLine(), assistantLine({ input: 10 }), assistantLine({ input: 20 })], 2_000);
  // idle rollover: a new session id for the same key; the old one stays in `sessions`
  store.rollover(key, 'sid-b', entry, 3_000);
  store.appendEvents('sid-b', [headerLine('sid-b'), assistantLine({ input: 30 })], 4_000);
  store.upsertSession({ sessionKey: 'agent:main:cron:nightly', sessionId: 'sid-c', entry: { label: 'Cron: nightly' }, createdAt: 5_000 });
  store.appendEvents('sid-c', [headerLine('sid-c'), assistantLine({ stopReason: 'error', input: 0, output: 0, errorMessage: '500 boom' })], 6_000);
  store.close();

  const h = harness(path.join(root, 'data'), allSources([stateDir]));
  await h.cycle();
  const t = totalsOf(h.ledger);
  assert.equal(t.messages, 3);
  assert.equal(t.errors, 1);
  assert.equal(t.input, 60);
  const labels = sqlRead<{ channel: string; chat_type: string; seed_kind: string; n: number }>(h.ledger,
    `SELECT channel, chat_type, seed_kind, count(*) AS n FROM calls GROUP BY 1, 2, 3 ORDER BY 1`,
  );
  assert.deepEqual(labels, [
    { channel: 'telegram', chat_type: 'direct', seed_kind: 'main', n: 3 },
    { channel: 'unknown', chat_type: 'unknown', seed_kind: 'cron', n: 1 },
  ]);
  const sessions = h.ledger.sessions().filter((s) => s.source === 'sqlite');
  assert.deepEqual(
    sessions.map((s) => `${s.sessionId}:${s.active}`).sort(),
    ['sid-a:false', 'sid-b:true', 'sid-c:true'],
  );
  assert.deepEqual([...h.stats.issues.keys()], []);
  h.ledger.close();
});

test('newer layout: O(new rows) cycles, zstd events, reset in place, rollover, delete to archives', async () => {
  const root = tmpDir();
  const stateDir = path.join(root, 'state');
  const agentRoot = path.join(stateDir, 'agents/main');
  const store = newStore(stateDir);
  const key = 'agent:main:main';
  store.upsertSession({ sessionKey: key, sessionId: 's1', entry: { channel: 'webchat' }, chatType: 'direct', channel: 'webchat', createdAt: 1_000 });
  const big = assistantLine({ input: 7 }).replace('"reply', `"${'long reply '.repeat(400)}`);
  store.appendEvents('s1', [headerLine('s1'), assistantLine({ input: 1 }), big, assistantLine({ input: 2 })], 2_000);
  const zrows = store.db.prepare(`SELECT count(*) FROM transcript_events WHERE event_zstd IS NOT NULL`).pluck().get();
  assert.equal(zrows, 1, 'the long assistant message is stored compressed, as OpenClaw does');

  const h = harness(path.join(root, 'data'), allSources([stateDir]));
  await h.cycle();
  assert.equal(totalsOf(h.ledger).messages, 3);
  assert.equal(totalsOf(h.ledger).input, 10);

  // Appended rows: only they are read.
  let lines = h.stats.linesRead;
  store.appendEvents('s1', [userLine(), assistantLine({ input: 100 })], 3_000);
  await h.cycle();
  assert.equal(totalsOf(h.ledger).messages, 4);
  assert.equal(h.stats.linesRead - lines, 2, 'a cycle reads only the new rows');

  // Reset in place: a {"type":"reset"} event in the same session, then more turns.
  lines = h.stats.linesRead;
  store.resetInPlace('s1', 'reset', 4_000);
  store.appendEvents('s1', [assistantLine({ input: 1000 })], 4_100);
  await h.cycle();
  assert.equal(totalsOf(h.ledger).messages, 5);
  assert.equal(h.stats.linesRead - lines, 2);
  assert.equal(sqlRead<{ n: number }>(h.ledger, `SELECT count(*) AS n FROM calls`)[0].n, 5, 'reset marker is not a call, nothing recounted');

  // Idle rollover: new generation for the key.
  store.rollover(key, 's2', { channel: 'webchat' }, 5_000);
  store.appendEvents('s2', [headerLine('s2'), assistantLine({ input: 10000 })], 5_100);
  await h.cycle();
  assert.equal(totalsOf(h.ledger).input, 11110);
  let sessions = h.ledger.sessions().filter((s) => s.source === 'sqlite');
  assert.deepEqual(sessions.map((s) => `${s.sessionId}:${s.active}`).sort(), ['s1:false', 's2:true']);

  // Delete the key: every generation becomes a store archive row and a .zst file; rows go away.
  const names = store.deleteSession(key, agentRoot, 6_000);
  assert.equal(names.length, 2);
  store.upsertSession({ sessionKey: 'agent:main:other', sessionId: 's3', createdAt: 7_000 });
  store.appendEvents('s3', [headerLine('s3'), assistantLine({ input: 5 })], 7_100);
  await h.cycle();
  const t = totalsOf(h.ledger);
  assert.equal(t.messages, 7);
  assert.equal(t.input, 11115, 'deleted sessions are not recounted from their archives');
  assert.deepEqual(
    h.ledger.keysWithPrefix(sessionCursorPrefix(storePath(stateDir))).map((k) => k.slice(-2)),
    ['s3'],
    'cursors of deleted sessions are dropped',
  );
  sessions = h.ledger.sessions().filter((s) => s.source === 'sqlite');
  assert.deepEqual(sessions.map((s) => `${s.sessionKey}:${s.active}`), ['agent:main:other:true']);
  store.close();
  h.ledger.close();

  // From scratch on the final state: the same totals (archives + live rows, each call once).
  const fresh = harness(path.join(root, 'data2'), allSources([stateDir]));
  await fresh.cycle();
  assert.deepEqual(totalsOf(fresh.ledger), t);
  fresh.ledger.close();
});

test('rowid reuse: rows that get the rowids of deleted rows are still read', async () => {
  const root = tmpDir();
  const stateDir = path.join(root, 'state');
  const agentRoot = path.join(stateDir, 'agents/main');
  const store = newStore(stateDir);
  for (const s of ['a', 'c']) {
    store.upsertSession({ sessionKey: `agent:main:${s}`, sessionId: s, createdAt: 1_000 });
    store.appendEvents(s, [headerLine(s), assistantLine({ input: 1 })], 1_100);
  }
  // b holds the highest rowids
  store.upsertSession({ sessionKey: 'agent:main:b', sessionId: 'b', createdAt: 2_000 });
  store.appendEvents('b', [headerLine('b'), ...Array.from({ length: 6 }, () => assistantLine({ input: 10 }))], 2_100);
  const maxRowid = () => store.db.prepare(`SELECT max(rowid) FROM transcript_events`).pluck().get() as number;
  const h = harness(path.join(root, 'data'), storeSources(stateDir, ['main']));
  await h.cycle();
  assert.equal(totalsOf(h.ledger).messages, 8);
  const watermark = maxRowid();

  // b is deleted; then c gets 3 new calls (they reuse b's rowids) and a gets 6 (past the old max).
  store.deleteSession('agent:main:b', agentRoot, 3_000);
  store.appendEvents('c', Array.from({ length: 3 }, () => assistantLine({ input: 100 })), 3_100);
  store.appendEvents('a', Array.from({ length: 6 }, () => assistantLine({ input: 1000 })), 3_200);
  const reused = store.db
    .prepare(`SELECT count(*) FROM transcript_events WHERE session_id = 'c' AND seq > 1 AND rowid <= ?`)
    .pluck()
    .get(watermark) as number;
  assert.equal(reused, 3, 'precondition: c\'s new rows sit below the old rowid watermark');
  assert.ok(maxRowid() > watermark, 'precondition: max(rowid) is past the old watermark again');
  await h.cycle();
  const t = totalsOf(h.ledger);
  assert.equal(t.messages, 17);
  assert.equal(t.input, 1 + 1 + 60 + 300 + 6000);
  store.close();
  h.ledger.close();
});

test('rowid reuse in a bare store (no metadata tables): found at the latest by the periodic sweep', async () => {
  const root = tmpDir();
  const stateDir = path.join(root, 'state');
  const file = storePath(stateDir);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.exec(`CREATE TABLE transcript_events (session_id TEXT NOT NULL, seq INTEGER NOT NULL, event_json TEXT, created_at INTEGER NOT NULL,
    PRIMARY KEY (session_id, seq))`);
  const ins = db.prepare(`INSERT INTO transcript_events (session_id, seq, event_json, created_at) VALUES (?, ?, ?, 0)`);
  const add = (sid: string, from: number, n: number) => {
    for (let i = 0; i < n; i++) ins.run(sid, from + i, assistantLine({ input: 1 }));
  };
  add('a', 0, 1);
  add('c', 0, 1);
  add('b', 0, 5);
  const sweepMs = 60_000;
  const h = harness(path.join(root, 'data'), storeSources(stateDir, ['main'], { sweepMs }));
  await h.cycle();
  assert.equal(totalsOf(h.ledger).messages, 7);
  db.prepare(`DELETE FROM transcript_events WHERE session_id = 'b'`).run();
  add('c', 1, 3); // rowids of b, below the watermark
  add('a', 1, 4); // past it
  h.clock.now += 1000;
  await h.cycle();
  assert.equal(totalsOf(h.ledger).messages, 11, 'a is found by the rowid hint');
  h.clock.now += sweepMs;
  await h.cycle();
  assert.equal(totalsOf(h.ledger).messages, 14, 'the sweep finds what the hint could not see');
  // Any later row in c would also have caught them up (the cursor is per session, by seq).
  db.close();
  h.ledger.close();
});

test('credentials from auth_profile_store/auth_profile_state; secrets never leave; a broken view is reported', async () => {
  const root = tmpDir();
  const stateDir = path.join(root, 'state');
  const store = newStore(stateDir);
  const jwtPayload = Buffer.from(JSON.stringify({ 'https://api.openai.com/auth': { chatgpt_plan_type: 'plus' } })).toString('base64url');
  store.setAuth(
    {
      version: 1,
      profiles: {
        'openai-codex:default': { type: 'oauth', provider: 'openai-codex', access: `h.${jwtPayload}.SECRET-sig`, refresh: 'SECRET-refresh', expires: 1_900_000_000_000, accountId: 'acct-SECRET' },
        'openrouter:default': { type: 'api_key', provider: 'openrouter', key: 'sk-or-SECRET' },
        'anthropic:me@example.com': { type: 'token', provider: 'anthropic', token: 'SECRET-token', email: 'me@example.com' },
      },
    },
    { version: 1, usageStats: { 'openrouter:default': { cooldownUntil: 1_900_000_000_000, cooldownReason: 'rate_limit', failureCounts: { rate_limit: 3 } } } },
    1_000,
  );
  store.close();
  const h = harness(path.join(root, 'data'), allSources([stateDir]));
  await h.cycle();
  const profiles = h.ledger.authProfiles().filter((p) => p.source === 'sqlite');
  assert.deepEqual(profiles.map((p) => `${p.profileId}|${p.type}|${p.plan}`).sort(), [
    'anthropic:me@example.com|token|null',
    'openai-codex:default|oauth|plus',
    'openrouter:default|api_key|null',
  ]);
  const or = profiles.find((p) => p.profileId === 'openrouter:default')!;
  assert.equal(or.cooldownReason, 'rate_limit');
  assert.deepEqual(or.failureCounts, { rate_limit: 3 });
  const everything =
    JSON.stringify(h.ledger.authProfiles()) +
    JSON.stringify(sqlRead(h.ledger, `SELECT * FROM snapshots`)) +
    JSON.stringify(sqlRead(h.ledger, `SELECT * FROM cursors`)) +
    new MetricsRenderer(h.ledger, h.stats, { version: 't', demo: false, showAccountEmails: false, maxSeries: 1000 }).render() +
    h.logs.join('\n');
  assert.ok(!everything.includes('SECRET'), 'no secret in the ledger, its cursors, the metrics or the logs');

  // Some builds expose auth_profile_store as a view; one over a dropped table cannot be read.
  const w = new Database(storePath(stateDir));
  w.exec(`ALTER TABLE auth_profile_store RENAME TO auth_profile_store_v2;
          CREATE VIEW auth_profile_store AS SELECT store_key, store_json, updated_at FROM auth_profile_store_v2;`);
  w.close();
  await h.cycle();
  assert.equal(h.ledger.authProfiles().filter((p) => p.source === 'sqlite').length, 3, 'a working view is read like the table');
  const w2 = new Database(storePath(stateDir));
  w2.pragma('legacy_alter_table = ON');
  w2.exec(`DROP TABLE auth_profile_store_v2`);
  w2.close();
  await h.cycle();
  assert.ok(h.issues.some((i) => i.reason === 'schema_unknown' && i.where.endsWith('#auth_profile_store')), JSON.stringify(h.issues));
  assert.equal(h.stats.cyclesFailed, 0);
  h.ledger.close();
});

test('schema probing: a JSONL-era store with only auth tables, a transcript table without event_json, a bad zstd row', async () => {
  // 2026.7.35 writes openclaw-agent.sqlite with auth tables only: no transcripts, no issue.
  const root = tmpDir();
  const stateDir = path.join(root, 'state');
  const file = storePath(stateDir);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.exec(`CREATE TABLE auth_profile_store (store_key TEXT NOT NULL PRIMARY KEY, store_json TEXT NOT NULL, updated_at INTEGER NOT NULL) STRICT`);
  const real735 = fs.readFileSync(path.join(FIXTURES, 'openclaw-real/v2026.7.35-jsonl/agents/main/agent/openclaw-agent.sqlite.auth_profile_store.json'), 'utf8');
  const row = JSON.parse(real735) as { store_key?: string; store_json?: string } | Array<{ store_key: string; store_json: string }>;
  const first = Array.isArray(row) ? row[0] : row;
  db.prepare(`INSERT INTO auth_profile_store VALUES (?, ?, 0)`).run(first.store_key ?? 'primary', typeof first.store_json === 'string' ? first.store_json : JSON.stringify(first.store_json ?? first));
  db.close();
  const h = harness(path.join(root, 'data'), allSources([stateDir]));
  await h.cycle();
  assert.deepEqual(h.issues, []);
  assert.deepEqual(h.ledger.authProfiles().filter((p) => p.source === 'sqlite').map((p) => p.profileId), ['fakeresp:manual']);
  h.ledger.close();

  // A transcript table without the columns clawmeter needs: schema_unknown, nothing else breaks.
  const root2 = tmpDir();
  const state2 = path.join(root2, 'state');
  const file2 = storePath(state2);
  fs.mkdirSync(path.dirname(file2), { recursive: true });
  const db2 = new Database(file2);
  db2.exec(`CREATE TABLE transcript_events (session_id TEXT, seq INTEGER, payload TEXT, PRIMARY KEY (session_id, seq))`);
  db2.close();
  const h2 = harness(path.join(root2, 'data'), allSources([state2]));
  await h2.cycle();
  assert.deepEqual(h2.issues.map((i) => i.reason), ['schema_unknown']);
  assert.equal(h2.stats.cyclesFailed, 0);
  h2.ledger.close();

  // A corrupt event_zstd blob: reported, skipped, the rest of the session counts and the cursor moves on.
  const root3 = tmpDir();
  const state3 = path.join(root3, 'state');
  const store = newStore(state3);
  store.upsertSession({ sessionKey: 'agent:main:main', sessionId: 'z', createdAt: 1 });
  store.appendEvents('z', [headerLine('z'), assistantLine({ input: 1 })], 2);
  store.db
    .prepare(`INSERT INTO transcript_events (session_id, seq, event_json, created_at, event_zstd, event_utf8_bytes, navigation_json)
      SELECT 'z', 100, NULL, 3, ?, 10, navigation_json FROM (SELECT ? AS navigation_json)`)
    .run(Buffer.concat([zstdRawFrame(Buffer.from('0123456789')).subarray(0, 6), Buffer.from('garbage')]), JSON.stringify({
      version: 1, report: { kind: 'canonical' }, navigation: {}, reset: {}, model: {}, modelBytes: 10, modelWithoutCheckpointBytes: 10, withoutCustomDataBytes: 10,
    }));
  store.appendEvents('z', [assistantLine({ input: 2 })], 4);
  store.close();
  const h3 = harness(path.join(root3, 'data'), allSources([state3]));
  await h3.cycle();
  assert.equal(totalsOf(h3.ledger).input, 3);
  assert.deepEqual(h3.issues.map((i) => i.reason), ['decompress_failed']);
  await h3.cycle();
  assert.equal(h3.issues.length, 1, 'not read again');
  h3.ledger.close();
});

test('a store that appears, changes file identity and disappears', async () => {
  const root = tmpDir();
  const stateDir = path.join(root, 'state');
  fs.mkdirSync(path.join(stateDir, 'agents/main/sessions'), { recursive: true });
  const h = harness(path.join(root, 'data'), allSources([stateDir]));
  await h.cycle();
  assert.equal(h.ledger.callCount(), 0);
  const store = newStore(stateDir);
  store.upsertSession({ sessionKey: 'agent:main:main', sessionId: 'x', createdAt: 1 });
  store.appendEvents('x', [headerLine('x'), assistantLine()], 2);
  store.close();
  await h.cycle();
  assert.equal(h.ledger.callCount(), 1);
  // Replaced by a copy (new inode, e.g. a restore): a sweep, nothing recounted.
  const file = storePath(stateDir);
  fs.copyFileSync(file, `${file}.tmp`);
  fs.renameSync(`${file}.tmp`, file);
  const s2 = OpenClawStore.open(file);
  s2.appendEvents('x', [assistantLine()], 3);
  s2.close();
  const r = await h.cycle();
  assert.equal(h.ledger.callCount(), 2);
  assert.equal(r.duplicates, 0);
  // Gone: its sessions are no longer listed, its cursors are dropped, totals stay.
  for (const n of fs.readdirSync(path.dirname(file))) fs.rmSync(path.join(path.dirname(file), n));
  await h.cycle();
  assert.equal(h.ledger.callCount(), 2);
  assert.deepEqual(h.ledger.sessions().filter((s) => s.source === 'sqlite'), []);
  assert.deepEqual(h.ledger.keysWithPrefix('sqlite'), []);
  h.ledger.close();
});

test('event_zstd rows: skipped undecoded only when navigation_json rules out an assistant message', async () => {
  const root = tmpDir();
  const stateDir = path.join(root, 'state');
  const store = newStore(stateDir);
  store.upsertSession({ sessionKey: 'agent:main:main', sessionId: 'n', createdAt: 1 });
  store.appendEvents('n', [headerLine('n')], 1);
  const nav = (navigation: unknown) =>
    JSON.stringify({ version: 1, report: { kind: 'canonical' }, navigation, reset: {}, model: {}, modelBytes: 1, modelWithoutCheckpointBytes: 1, withoutCustomDataBytes: 1 });
  const ins = store.db.prepare(
    `INSERT INTO transcript_events (session_id, seq, event_json, created_at, event_zstd, event_utf8_bytes, navigation_json) VALUES ('n', ?, NULL, 2, ?, ?, ?)`,
  );
  const garbage = Buffer.from('definitely not zstd');
  const call = (input: number) => {
    const line = Buffer.from(assistantLine({ input }));
    return [zstdRawFrame(line), line.length] as const;
  };
  // A tool result (per its projection) with a broken blob: never decompressed, so never reported.
  ins.run(1, garbage, 100, nav({ type: 'message', message: { role: 'toolResult' } }));
  ins.run(2, garbage, 100, nav({ type: 'custom' }));
  // Unclear projections are decompressed: no role, no type, not even valid JSON.
  ins.run(3, ...call(1), nav({ type: 'message' }));
  ins.run(4, ...call(10), nav({}));
  store.db.pragma('ignore_check_constraints = ON'); // other schema versions may not check it
  ins.run(5, ...call(100), '{"version":1');
  store.db.pragma('ignore_check_constraints = OFF');
  // The projection says assistant: decompressed and counted.
  ins.run(6, ...call(1000), nav({ type: 'message', message: { role: 'assistant' } }));
  store.close();
  const h = harness(path.join(root, 'data'), allSources([stateDir]));
  await h.cycle();
  assert.equal(totalsOf(h.ledger).input, 1111);
  assert.deepEqual(h.issues, []);
  h.ledger.close();
});
