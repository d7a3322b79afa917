/**
 * OpenClaw's storage after 2026.9 (issue 8), on real 9.6 fixtures
 * (test/fixtures/openclaw-real/STORAGE-9.6-README.md): the shared auth store in both
 * layouts and `openclaw_auth_profile_info`, cold storage files (history, deduplicated,
 * restore, removal), turns that never reached a model, and the agent database
 * registry (a relocated store: a documented-schema variation of the real fixture).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { parseTranscriptLine } from '../src/parse/transcript-line.js';
import { failedRunCategory, parseFailedRunLine } from '../src/parse/failed-run.js';
import { coldArchiveLines } from '../src/sources/cold-envelope.js';
import { sourcesFor } from '../src/sources/index.js';
import { SharedAuthSource } from '../src/sources/shared-auth.js';
import { zstdDecompress } from '../src/sources/zstd.js';
import { MetricsRenderer } from '../src/sinks/prometheus/render.js';
import { zstdRawFrame } from '../src/demo/sqlite-store.js';
import type { PollContext } from '../src/model.js';
import { FIXTURES, tmpDir, totalsOf, sqlRead } from './helpers.js';
import { allSources, harness, type Harness } from './sqlite-helpers.js';

const REAL = path.join(FIXTURES, 'openclaw-real/v2026.9.6-state-db');
const UPGRADED = path.join(FIXTURES, 'openclaw-real/v2026.7.35-auth-upgraded-by-9.6');
const COLD = 'agents/main/sessions/cold/be3b99bd7af18ba032fbb6dbaa018d629727862eafc2630f700fab698e918ddf.jsonl.zst';
/** Before the 10-minute billing cooldown of fakecc:manual ends (disabledUntil 1796161305611). */
const DURING_COOLDOWN = 1796161000000;

function stateFrom(root: string, src: string, opts: { store?: string; cold?: boolean } = {}): string {
  const st = path.join(root, 'state');
  fs.mkdirSync(path.join(st, 'agents/main/agent'), { recursive: true });
  fs.cpSync(path.join(src, 'state'), path.join(st, 'state'), { recursive: true });
  fs.copyFileSync(opts.store ?? path.join(src, 'agents/main/agent/openclaw-agent.sqlite'), path.join(st, 'agents/main/agent/openclaw-agent.sqlite'));
  if (opts.cold) {
    fs.mkdirSync(path.dirname(path.join(st, COLD)), { recursive: true });
    fs.copyFileSync(path.join(src, COLD), path.join(st, COLD));
  }
  return st;
}

function metrics(h: Harness, nowMs = DURING_COOLDOWN): string {
  return new MetricsRenderer(h.ledger, h.stats, { version: 't', demo: false, showAccountEmails: false, maxSeries: 5000, nowMs }).render();
}

function lines(text: string, name: string): string[] {
  return text.split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
}

/** Identities a parser finds in the raw rows of a store plus the cold file: the expected ledger, computed apart from the sources. */
function identitiesOf(store: string, withCold: boolean): Set<string> {
  const db = new Database(store, { readonly: true });
  const texts = db.prepare(`SELECT event_json FROM transcript_events WHERE event_json IS NOT NULL`).pluck().all() as string[];
  db.close();
  if (withCold) {
    for (const l of zstdDecompress(fs.readFileSync(path.join(REAL, COLD))).toString('utf8').split('\n')) {
      if (l.startsWith('{"kind":"event"')) texts.push(JSON.parse(l).row.event_json);
    }
  }
  const ids = new Set<string>();
  for (const t of texts) {
    const r = parseTranscriptLine(t);
    if (r.kind === 'call') ids.add(r.call.dedupeKey);
  }
  return ids;
}

const ledgerIds = (h: Harness) => new Set(sqlRead<{ dedupe_key: string }>(h.ledger, `SELECT dedupe_key FROM calls`).map((r) => r.dedupe_key));

test('shared auth store (state-db, real 9.6): every agent inherits it, API keys visible, cooldowns read, no secret leaves', async () => {
  const root = tmpDir();
  const st = stateFrom(root, REAL, { cold: true });
  fs.mkdirSync(path.join(st, 'agents/ops/agent'), { recursive: true }); // a second agent, no store of its own yet
  const h = harness(path.join(root, 'data'), allSources([st]));
  h.clock.now = DURING_COOLDOWN;
  await h.cycle();
  const text = metrics(h);
  assert.deepEqual(lines(text, 'openclaw_auth_profile_info'), [
    'openclaw_auth_profile_info{agent="main",profile="default",provider="fakeresp",store="shared",type="api_key"} 1',
    'openclaw_auth_profile_info{agent="main",profile="manual",provider="fakecc",store="shared",type="api_key"} 1',
    'openclaw_auth_profile_info{agent="ops",profile="default",provider="fakeresp",store="shared",type="api_key"} 1',
    'openclaw_auth_profile_info{agent="ops",profile="manual",provider="fakecc",store="shared",type="api_key"} 1',
  ]);
  // The 402 disabled fakecc:manual for 10 minutes: the existing auth families see the shared state.
  assert.deepEqual(lines(text, 'openclaw_auth_cooldown_until_timestamp_seconds'), [
    'openclaw_auth_cooldown_until_timestamp_seconds{profile="manual",provider="fakecc",reason="disabled_billing"} 1796161305.611',
  ]);
  assert.deepEqual(lines(text, 'openclaw_auth_failures'), ['openclaw_auth_failures{profile="manual",provider="fakecc",reason="billing"} 1']);
  // Secrets never leave: not in the metrics, the ledger file, its cursors or the logs.
  const ledgerBytes = fs.readFileSync(h.ledger.file);
  for (const secret of ['sk-fake-profile-key-123', 'sk-fake-local']) {
    assert.ok(!text.includes(secret), 'metrics');
    assert.ok(!ledgerBytes.includes(secret), 'ledger');
    assert.ok(!h.logs.join('\n').includes(secret), 'logs');
  }
  // An agent's own profile with the same id wins over the shared one (store="agent").
  fs.writeFileSync(
    path.join(st, 'agents/ops/agent/auth-profiles.json'),
    JSON.stringify({ version: 1, profiles: { 'fakecc:manual': { type: 'oauth', provider: 'fakecc', access: 'secret-access', expires: 1896161000000 } } }),
  );
  await h.cycle();
  const after = lines(metrics(h), 'openclaw_auth_profile_info').filter((l) => l.includes('agent="ops"'));
  assert.deepEqual(after, [
    'openclaw_auth_profile_info{agent="ops",profile="default",provider="fakeresp",store="shared",type="api_key"} 1',
    'openclaw_auth_profile_info{agent="ops",profile="manual",provider="fakecc",store="agent",type="oauth"} 1',
  ]);
  // Nothing changed: the shared store is not read again (its poll yields nothing).
  const quiet = new SharedAuthSource(st, ['main', 'ops']);
  const ctx: PollContext = { cursors: h.ledger, report: () => undefined, nowMs: () => DURING_COOLDOWN };
  assert.deepEqual([...quiet.poll(ctx)], []);
  h.ledger.close();
});

test('shared auth store: 7.35 per-agent store (legacy-main, as 9.6 leaves it) and after the second 9.6 doctor --fix (state-db)', async () => {
  const root = tmpDir();
  const st = stateFrom(root, path.join(UPGRADED, 'legacy-main'));
  fs.mkdirSync(path.join(st, 'agents/ops'), { recursive: true });
  const h = harness(path.join(root, 'data'), allSources([st]));
  await h.cycle();
  assert.deepEqual(lines(metrics(h), 'openclaw_auth_profile_info'), [
    // main's own row is the shared store in this layout; ops inherits it.
    'openclaw_auth_profile_info{agent="main",profile="manual",provider="fakecc",store="agent",type="api_key"} 1',
    'openclaw_auth_profile_info{agent="ops",profile="manual",provider="fakecc",store="shared",type="api_key"} 1',
  ]);
  // The upgrade: same state dir, now as the second doctor --fix left it.
  fs.rmSync(path.join(st, 'state'), { recursive: true });
  fs.cpSync(path.join(UPGRADED, 'state-db/state'), path.join(st, 'state'), { recursive: true });
  fs.rmSync(path.join(st, 'agents/main/agent/openclaw-agent.sqlite'));
  fs.copyFileSync(path.join(UPGRADED, 'state-db/agents/main/agent/openclaw-agent.sqlite'), path.join(st, 'agents/main/agent/openclaw-agent.sqlite'));
  await h.cycle();
  const info = lines(metrics(h), 'openclaw_auth_profile_info');
  assert.deepEqual(info, [
    'openclaw_auth_profile_info{agent="main",profile="default",provider="fakecc",store="shared",type="api_key"} 1',
    'openclaw_auth_profile_info{agent="main",profile="default",provider="fakeresp",store="shared",type="api_key"} 1',
    'openclaw_auth_profile_info{agent="main",profile="manual",provider="fakecc",store="shared",type="api_key"} 1',
    'openclaw_auth_profile_info{agent="ops",profile="default",provider="fakecc",store="shared",type="api_key"} 1',
    'openclaw_auth_profile_info{agent="ops",profile="default",provider="fakeresp",store="shared",type="api_key"} 1',
    'openclaw_auth_profile_info{agent="ops",profile="manual",provider="fakecc",store="shared",type="api_key"} 1',
  ]);
  assert.ok(!fs.readFileSync(h.ledger.file).includes('sk-fake-profile-key-456'));
  h.ledger.close();
});

test('cold storage (real 9.6): a first install counts the cold file; restore and removal change nothing; trajectory rows never count', async () => {
  const root = tmpDir();
  const st = stateFrom(root, REAL, { store: path.join(REAL, 'before-restore/openclaw-agent.sqlite'), cold: true });
  const h = harness(path.join(root, 'data'), allSources([st]));
  await h.cycle();
  // Before the restore the old session exists only in the cold file (and in trajectory_runtime_events, never read).
  const expected = identitiesOf(path.join(REAL, 'before-restore/openclaw-agent.sqlite'), true);
  assert.deepEqual([...ledgerIds(h)].sort(), [...expected].sort());
  // By hand: store rows chatcmpl-fake-3/-4/-5 (203+204+205 in, 7+11+7 out), cold file -1/-2 (201+202 in, 7+7 out), 1000 cache read each.
  assert.deepEqual(totalsOf(h.ledger), { calls: 5, messages: 5, errors: 0, input: 1015, output: 39, cacheRead: 5000, cacheWrite: 0 });
  const old = sqlRead<{ n: number; kind: string }>(h.ledger, `SELECT count(*) AS n, max(seed_kind) AS kind FROM calls WHERE source = 'cold-files'`);
  assert.equal(old[0].n, 2, 'two calls came from the cold file');
  assert.notEqual(old[0].kind, 'unknown', 'cold calls get the session labels of the store');
  // Restore + later turns: the store file is replaced by the final one (new inode), the cold file stays.
  const store = path.join(st, 'agents/main/agent/openclaw-agent.sqlite');
  fs.rmSync(store);
  fs.copyFileSync(path.join(REAL, 'agents/main/agent/openclaw-agent.sqlite'), store);
  const r = await h.cycle();
  assert.equal(r.inserted, 2, 'only the turn after the restore and the 402 error are new; the restored rows are duplicates');
  // By hand: + chatcmpl-fake-6 after the restore (206/7) and the 402 error row (zero usage).
  assert.deepEqual(totalsOf(h.ledger), { calls: 7, messages: 6, errors: 1, input: 1221, output: 46, cacheRead: 6000, cacheWrite: 0 });
  assert.deepEqual([...ledgerIds(h)].sort(), [...identitiesOf(path.join(REAL, 'agents/main/agent/openclaw-agent.sqlite'), true)].sort());
  // The cold file goes away (cleanup): no deletion, totals unchanged, its cursor dropped.
  fs.rmSync(path.join(st, COLD));
  await h.cycle();
  assert.equal(totalsOf(h.ledger).calls, 7);
  assert.deepEqual(h.ledger.keysWithPrefix('cold-file:'), []);
  assert.deepEqual([...h.stats.issues.keys()], []);
  h.ledger.close();
});

test('turns that never reached a model (real 9.6, billing cooldown): openclaw_usage_runs_failed_total, never a call', async () => {
  const root = tmpDir();
  const st = stateFrom(root, REAL, { cold: true });
  const h = harness(path.join(root, 'data'), allSources([st]));
  await h.cycle();
  const text = metrics(h);
  assert.deepEqual(lines(text, 'openclaw_usage_runs_failed_total'), [
    'openclaw_usage_runs_failed_total{agent="main",category="auth_cooldown",channel="unknown"} 1',
    'openclaw_usage_runs_failed_total{agent="main",category="billing_cooldown",channel="unknown"} 2',
  ]);
  // Not calls: 7 calls (6 messages, 1 error: the 402), as counted by hand.
  assert.deepEqual(totalsOf(h.ledger), { calls: 7, messages: 6, errors: 1, input: 1221, output: 46, cacheRead: 6000, cacheWrite: 0 });
  assert.deepEqual(lines(text, 'openclaw_codex_message_errors_total'), ['openclaw_codex_message_errors_total{model="fake-model",provider="fakecc",reason="usage_limit"} 1']);
  // The error text never becomes a label or leaves the ledger's failed-run table.
  assert.ok(!text.includes('temporarily unavailable'));
  // Read again from a fresh cursor (e.g. the store replaced): each run counts once.
  for (const k of h.ledger.keysWithPrefix('sqlite:')) h.ledger.commit({ cursors: [[k, null]] });
  await h.cycle();
  assert.equal(lines(metrics(h), 'openclaw_usage_runs_failed_total').length, 2);
  assert.match(metrics(h), /billing_cooldown",channel="unknown"\} 2$/m);
  h.ledger.close();
});

test('failed-run categories and the cold envelope decoder', () => {
  assert.equal(failedRunCategory('All models failed (1): fakecc/fake-model: Provider fakecc is in cooldown (billing)'), 'billing_cooldown');
  assert.equal(failedRunCategory('Provider anthropic is in cooldown (auth_permanent)'), 'auth_cooldown');
  assert.equal(failedRunCategory('Provider x is in cooldown (rate_limit)'), 'rate_limit');
  assert.equal(failedRunCategory('Auth profile "a:b" is temporarily unavailable for a/m.'), 'auth_cooldown');
  assert.equal(failedRunCategory('Request timed out.'), 'timeout');
  assert.equal(failedRunCategory(undefined), 'other');
  const line = JSON.stringify({ type: 'custom_message', customType: 'run-failed-before-reply', details: { runId: 'r1', error: 'x' }, id: 'e1', timestamp: '2026-12-01T21:33:33.206Z' });
  assert.deepEqual(parseFailedRunLine(line), { dedupeKey: 'run:r1', tsMs: Date.parse('2026-12-01T21:33:33.206Z'), category: 'other' });
  assert.equal(parseFailedRunLine('{"type":"custom_message","customType":"run-failed-before-reply"'), null, 'truncated JSON');
  assert.equal(parseFailedRunLine(JSON.stringify({ type: 'custom', customType: 'run-failed-before-reply', id: 'x' })), null);
  // Envelope: header, an event, a broken line, an event without event_json, the index rows.
  const issues: string[] = [];
  const ctx = { report: (i: { reason: string }) => issues.push(i.reason) } as unknown as PollContext;
  const env = [
    '{"kind":"header","version":1,"sessionId":"s1","generation":"g"}',
    JSON.stringify({ kind: 'event', row: { seq: 0, event_json: '{"type":"message","message":{"role":"assistant"}}' } }),
    '{"kind":"event","row":',
    '{"kind":"event","row":{"seq":2}}',
    '{"kind":"identity","row":{"event_id":"e"}}',
  ].join('\n');
  const r = coldArchiveLines(Buffer.from(env), 'w', 1 << 20, ctx);
  assert.equal(r.sessionId, 's1');
  assert.equal(r.records.length, 1);
  assert.deepEqual(issues.sort(), ['malformed_json', 'not_an_object']);
  // Plain JSONL falls back to line splitting.
  assert.equal(coldArchiveLines(Buffer.from('{"type":"message","message":{"role":"assistant"}}\n'), 'w', 1 << 20, ctx).envelope, false);
});

test('agent database registry: a relocated store (and its cold/ beside it) is read once, under its registered agent', async () => {
  const root = tmpDir();
  const st = stateFrom(root, REAL, { cold: true });
  // Documented-schema variation of the real fixture: a second agent whose store lives outside agents/ (agentDir relocated).
  const reloc = path.join(st, 'relocated/worker-dir');
  fs.mkdirSync(path.join(reloc, 'cold'), { recursive: true });
  const workerStore = path.join(UPGRADED, 'state-db/agents/main/agent/openclaw-agent.sqlite'); // another real store: one call (chatcmpl-fake-7)
  fs.copyFileSync(workerStore, path.join(reloc, 'openclaw-agent.sqlite'));
  fs.copyFileSync(path.join(REAL, COLD), path.join(reloc, 'cold', path.basename(COLD)));
  const db = new Database(path.join(st, 'state/openclaw.sqlite'));
  db.prepare(`INSERT INTO agent_databases (agent_id, path, schema_version, last_seen_at, size_bytes) VALUES ('worker', 'relocated/worker-dir/openclaw-agent.sqlite', 23, 1796161000000, 1)`).run();
  db.close();
  const names = sourcesFor([st]).map((s) => `${s.name}:${(s as { file?: () => string }).file?.() ?? ''}`).filter((n) => n.startsWith('sqlite:'));
  assert.equal(names.length, 2, 'main (found both ways) once, worker once');
  const h = harness(path.join(root, 'data'), allSources([st]));
  await h.cycle();
  const byAgent = Object.fromEntries(sqlRead<{ agent: string; n: number }>(h.ledger, `SELECT agent, count(*) AS n FROM calls GROUP BY agent`).map((r) => [r.agent, r.n]));
  // main: its 7 calls (its cold file's two are duplicates of restored rows); worker: its store's call; worker's
  // copy of the cold file adds nothing (identities are global).
  assert.deepEqual(byAgent, { main: 7, worker: 1 });
  assert.deepEqual([...ledgerIds(h)].sort(), [...identitiesOf(path.join(REAL, 'agents/main/agent/openclaw-agent.sqlite'), true), ...identitiesOf(workerStore, false)].sort());
  assert.ok(h.ledger.keysWithPrefix(`sqlite:${path.join(reloc, 'openclaw-agent.sqlite')}`).length > 0, 'the relocated store was read');
  assert.ok(h.ledger.keysWithPrefix(`cold-file:${path.join(reloc, 'cold')}`).length === 1, 'its cold/ beside it was read');
  assert.ok(lines(metrics(h), 'openclaw_auth_profile_info').some((l) => l.includes('agent="worker"')), 'the registered agent inherits the shared store');
  h.ledger.close();
});

test('a failed run inside a zstd delete archive is counted once, also when the store holds the same line', async () => {
  const root = tmpDir();
  const st = stateFrom(root, REAL, { cold: true });
  const db = new Database(path.join(st, 'agents/main/agent/openclaw-agent.sqlite'), { readonly: true });
  const rows = db.prepare(`SELECT event_json FROM transcript_events WHERE session_id = 'c6ac6861-e7ab-40ff-b11f-b0915d391507' ORDER BY seq`).pluck().all() as string[];
  db.close();
  // The agent:main:tg session as a 2026.9 delete would export it (same lines), plus one more failed run only there.
  const extra = JSON.stringify({ type: 'custom_message', customType: 'run-failed-before-reply', content: 'x', display: true, details: { runId: 'only-in-archive', error: 'Request timed out.' }, id: 'e-x', timestamp: '2026-12-01T21:40:00.000Z' });
  const name = 'c6ac6861-e7ab-40ff-b11f-b0915d391507.jsonl.deleted.2026-12-01T21-41-00.000Z.0123456789abcdef0123456789abcdef.zst';
  fs.writeFileSync(path.join(st, 'agents/main/sessions', name), zstdRawFrame(Buffer.from([...rows, extra].join('\n') + '\n')));
  const h = harness(path.join(root, 'data'), allSources([st]));
  await h.cycle();
  assert.deepEqual(lines(metrics(h), 'openclaw_usage_runs_failed_total'), [
    'openclaw_usage_runs_failed_total{agent="main",category="auth_cooldown",channel="unknown"} 1',
    'openclaw_usage_runs_failed_total{agent="main",category="billing_cooldown",channel="unknown"} 2',
    'openclaw_usage_runs_failed_total{agent="main",category="timeout",channel="unknown"} 1',
  ]);
  h.ledger.close();
});

test('a failed run in a live JSONL transcript (tailed, file era) is counted once, also after appends', async () => {
  const root = tmpDir();
  const sessions = path.join(root, 'state/agents/main/sessions');
  fs.mkdirSync(sessions, { recursive: true });
  const failed = (runId: string, error: string) =>
    JSON.stringify({ type: 'custom_message', customType: 'run-failed-before-reply', content: 'x', display: true, details: { runId, error }, id: `e-${runId}`, timestamp: '2026-12-01T21:40:00.000Z' });
  const file = path.join(sessions, 'live-session.jsonl');
  fs.writeFileSync(file, failed('r1', 'Provider fakecc is in cooldown (billing)') + '\n');
  const h = harness(path.join(root, 'data'), allSources([path.join(root, 'state')]));
  await h.cycle();
  fs.appendFileSync(file, failed('r2', 'Request timed out.') + '\n' + failed('r1', 'Provider fakecc is in cooldown (billing)') + '\n');
  await h.cycle();
  assert.deepEqual(lines(metrics(h), 'openclaw_usage_runs_failed_total'), [
    'openclaw_usage_runs_failed_total{agent="main",category="billing_cooldown",channel="unknown"} 1',
    'openclaw_usage_runs_failed_total{agent="main",category="timeout",channel="unknown"} 1',
  ]);
  h.ledger.close();
});
