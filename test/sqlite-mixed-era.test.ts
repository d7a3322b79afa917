import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { generateStateDir } from '../src/demo/generate.js';
import { IMPORT_ARCHIVE, migrateStateDir, OpenClawStore } from '../src/demo/sqlite-store.js';
import { MetricsRenderer } from '../src/sinks/prometheus/render.js';
import { classifyTranscriptName } from '../src/sources/transcript-names.js';
import { assistantLine, ingestOnce, tmpDir, totalsOf, userLine, type Totals } from './helpers.js';
import { allSources, harness, newStore, storePath, type Harness } from './sqlite-helpers.js';

const NOW = 1_795_281_552_006;

function activeSessions(h: Harness): number {
  const text = new MetricsRenderer(h.ledger, h.stats, { version: 't', demo: false, showAccountEmails: false, maxSeries: 5000 }).render();
  let n = 0;
  for (const m of text.matchAll(/^openclaw_codex_active_sessions\{[^}]*\} (\d+)$/gm)) n += Number(m[1]);
  return n;
}

function plus(t: Totals, d: Partial<Totals>): Totals {
  const out = { ...t };
  for (const [k, v] of Object.entries(d)) out[k as keyof Totals] += v as number;
  return out;
}

test('mixed era: JSONL history, doctor migration, then SQLite rows: continuous counters, nothing counted twice', async () => {
  const root = tmpDir();
  const stateDir = path.join(root, 'state');
  const truth = generateStateDir({ dir: stateDir, seed: 11, nowMs: NOW, targetBytes: 1536 * 1024, agents: ['main', 'work'] });
  const h = harness(path.join(root, 'data'), allSources([stateDir]));
  await h.cycle();
  const before = totalsOf(h.ledger);
  assert.equal(before.calls, truth.calls);
  assert.equal(before.messages, truth.messages);
  assert.equal(before.input, truth.input);
  const activeBefore = activeSessions(h);
  assert.equal(activeBefore, truth.sessions);
  const profilesBefore = h.ledger.authProfiles().map((p) => p.profileId).sort();

  // openclaw doctor --fix (2026.9): live transcripts imported into SQLite and moved to the import archive.
  const report = migrateStateDir(stateDir, { nowMs: NOW + 1000 });
  for (const agent of ['main', 'work']) {
    const sessions = path.join(stateDir, 'agents', agent, 'sessions');
    const archive = path.join(stateDir, 'agents', agent, IMPORT_ARCHIVE);
    assert.ok(!fs.existsSync(path.join(sessions, 'sessions.json')), 'sessions.json moved');
    assert.ok(fs.existsSync(path.join(archive, `legacy-store.sessions.json.imported-${NOW + 1000}`)));
    const live = fs.readdirSync(sessions).filter((n) => classifyTranscriptName(n)?.kind === 'live');
    assert.deepEqual(live, [], 'no live JSONL transcript is left in sessions/');
    const imported = fs.readdirSync(archive).filter((n) => classifyTranscriptName(n)?.kind === 'imported');
    assert.equal(imported.length, report.agents[agent].importedFiles);
    assert.ok(imported.some((n) => n.startsWith(`agent_${agent}_main.`)), 'named <key with : -> _>.<sid>.jsonl.imported-<ms>');
    assert.ok(fs.readdirSync(sessions).some((n) => n.includes('.jsonl.deleted.')), '.deleted. archives stay in place');
  }

  let r = await h.cycle();
  assert.equal(r.inserted, 0, 'nothing new after the migration');
  assert.ok(r.duplicates > 0, 'the imported rows were read and recognised');
  assert.deepEqual(totalsOf(h.ledger), before, 'counters are continuous across the migration');
  assert.equal(activeSessions(h), activeBefore, 'active sessions are continuous too');
  assert.deepEqual(
    h.ledger.authProfiles().filter((p) => p.source === 'sqlite').map((p) => p.profileId).sort(),
    profilesBefore,
    'credentials now come from the store',
  );
  assert.deepEqual(h.ledger.authProfiles().filter((p) => p.source !== 'sqlite'), [], 'the retired JSON files no longer list profiles');

  // OpenClaw 2026.9 keeps going: new rows in a migrated session, a reset in place, a new v4 session.
  const file = storePath(stateDir, 'main');
  const store = OpenClawStore.open(file);
  const mainSid = store.db.prepare(`SELECT current_session_id FROM session_nodes WHERE session_key = 'agent:main:main'`).pluck().get() as string;
  store.appendEvents(mainSid, [userLine(), assistantLine({ input: 11, output: 1 }), assistantLine({ input: 12, output: 1 })], NOW + 2000);
  store.resetInPlace(mainSid, 'reset', NOW + 3000);
  store.appendEvents(mainSid, [assistantLine({ input: 13, output: 1, stopReason: 'error', errorMessage: '429 rate limit' })], NOW + 3100);
  const fresh = '0f000000-0000-4000-8000-000000000001';
  store.upsertSession({ sessionKey: `agent:main:dashboard:${fresh}`, sessionId: fresh, channel: 'webchat', chatType: 'direct', createdAt: NOW + 4000 });
  store.appendEvents(
    fresh,
    [JSON.stringify({ type: 'session', version: 4, id: fresh, timestamp: new Date(NOW + 4000).toISOString(), cwd: '/w' }), assistantLine({ input: 14, output: 1 })],
    NOW + 4100,
  );
  r = await h.cycle();
  assert.equal(r.inserted, 4);
  const after = plus(before, { calls: 4, messages: 3, errors: 1, input: 11 + 12 + 14, output: 3, cacheRead: 3000 });
  assert.deepEqual(totalsOf(h.ledger), after);
  assert.equal(activeSessions(h), activeBefore + 1);

  // A migrated session is deleted: it now exists three times (import archive, store archive row, .deleted.zst file).
  const agentRoot = path.join(stateDir, 'agents/main');
  const names = store.deleteSession('agent:main:main', agentRoot, NOW + 5000);
  store.close();
  assert.ok(names.every((n) => fs.existsSync(path.join(agentRoot, 'sessions', n))));
  r = await h.cycle();
  assert.equal(r.inserted, 0);
  assert.deepEqual(totalsOf(h.ledger), after, 'three copies, counted once');
  h.ledger.close();

  // A clawmeter that starts only now, and one that starts after `openclaw update cleanup`
  // removed the import archive: the same totals.
  const late = harness(path.join(root, 'data-late'), allSources([stateDir]));
  await late.cycle();
  assert.deepEqual(totalsOf(late.ledger), after);
  late.ledger.close();
  for (const agent of ['main', 'work']) fs.rmSync(path.join(stateDir, 'agents', agent, IMPORT_ARCHIVE), { recursive: true });
  const cleaned = harness(path.join(root, 'data-cleaned'), allSources([stateDir]));
  await cleaned.cycle();
  assert.deepEqual(totalsOf(cleaned.ledger), after);
  cleaned.ledger.close();
});

test('mixed era, older store layout: migration into the 2026.7.2-beta tables keeps totals exact', async () => {
  const root = tmpDir();
  const stateDir = path.join(root, 'state');
  const truth = generateStateDir({ dir: stateDir, seed: 5, nowMs: NOW, targetBytes: 512 * 1024, agents: ['main'] });
  migrateStateDir(stateDir, { nowMs: NOW + 1000, layout: 'beta', interleave: true });
  for (const n of fs.readdirSync(path.join(stateDir, 'agents/main', IMPORT_ARCHIVE))) {
    if (n.includes('.jsonl.imported-')) fs.rmSync(path.join(stateDir, 'agents/main', IMPORT_ARCHIVE, n));
  }
  const h = harness(path.join(root, 'data'), allSources([stateDir]));
  await h.cycle();
  const t = totalsOf(h.ledger);
  assert.equal(t.calls, truth.calls, 'from the store and the archives left in place only');
  assert.equal(t.input, truth.input);
  assert.equal(activeSessions(h), truth.sessions);
  assert.deepEqual([...h.stats.issues.keys()].filter((k) => k.startsWith('store') || k === 'schema_unknown'), []);
  h.ledger.close();
});

test('a sessions.json left beside a store that lists sessions is stale: it does not add active sessions', async () => {
  const root = tmpDir();
  const stateDir = path.join(root, 'state');
  const store = newStore(stateDir);
  store.upsertSession({ sessionKey: 'agent:main:main', sessionId: 's1', entry: {}, chatType: 'direct', channel: 'webchat', createdAt: 1_000 });
  store.close();
  fs.writeFileSync(
    path.join(stateDir, 'agents/main/sessions/sessions.json'),
    JSON.stringify({ 'agent:main:main': { sessionId: 's0' }, 'agent:main:cron:gone': { sessionId: 'old' } }),
  );
  const r = await ingestOnce([stateDir], path.join(root, 'data'));
  assert.deepEqual(r.ledger.activeSessions().map((s) => [s.sessionKey, s.source]), [['agent:main:main', 'sqlite']]);
  r.ledger.close();
});
