/**
 * Codex rollouts under an agent: quota windows named by duration, the latest
 * usable snapshot per limit, a window that disappears, a limit that is reached,
 * rollout-only usage counted once, and the turn OpenClaw mirrored into its own
 * transcript not counted twice, whichever side is read first.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Ledger } from '../src/ledger/ledger.js';
import { Ingestor } from '../src/ingest/cycle.js';
import { IngestStats } from '../src/ingest/stats.js';
import { sourcesFor } from '../src/sources/index.js';
import { Logger } from '../src/util/log.js';
import { DEFAULT_WINDOWS } from '../src/ledger/windows.js';
import { MetricsRenderer } from '../src/sinks/prometheus/render.js';
import { DerivedStateSource } from '../src/quota/derived.js';
import { BUILTIN_RATE_CARD, RateCard } from '../src/pricing/rate-card.js';
import { CodexRolloutsSource, parseRateLimits, windowName } from '../src/sources/codex-rollouts.js';
import { codexTurnIdentity, parseMirrorKey, parseTranscriptLine } from '../src/parse/transcript-line.js';

/** The identity the one transcript parser gives a line, or null when it is not a call. */
function lineIdentity(text: string): string | null {
  const r = parseTranscriptLine(text);
  return r.kind === 'call' ? r.call.dedupeKey : null;
}
import { FIXTURES, copyDir, tmpDir } from './helpers.js';
import { quotaAccount } from '../src/labeling/privacy.js';

const RF = path.join(FIXTURES, 'rollouts');
const THREAD = '019b2a10-5c3e-7d41-9a6f-2f1c0e8b7a01';
const TURN1 = '019b2a10-6000-7000-8000-00000000a001';
const ROLLOUT_REL = `agents/main/agent/codex-home/sessions/2026/11/20/rollout-2026-11-20T10-00-00-${THREAD}.jsonl`;
const SESSION_REL = 'agents/main/sessions/5d0c9e1a-2b3c-4d5e-8f90-a1b2c3d4e5f6.jsonl';
const NOW = Date.parse('2026-11-20T12:00:00Z');
const R5 = 1795183200; // 2026-11-20T14:00Z
const R5B = 1795186800; // 2026-11-20T15:00Z
const R7 = 1795564800; // 2026-11-25T00:00Z

async function ingest(stateDir: string, ledger: Ledger, now = NOW, stats = new IngestStats()) {
  const derived = new DerivedStateSource(ledger, { maxModels: 25, rateCard: new RateCard(BUILTIN_RATE_CARD) });
  const ing = new Ingestor(ledger, () => [...sourcesFor([stateDir]), derived], {
    log: new Logger('silent'),
    stats,
    now: () => now,
    windows: DEFAULT_WINDOWS,
  });
  return { summary: await ing.trigger(), stats };
}

function render(ledger: Ledger, now = NOW): string {
  return new MetricsRenderer(ledger, new IngestStats(), { version: 't', demo: false, showAccountEmails: false, maxSeries: 2000, nowMs: now }).render();
}

function codexTotals(ledger: Ledger) {
  const t = { messages: 0, input: 0, output: 0, cacheRead: 0 };
  for (const r of ledger.totals()) {
    if (r.provider !== 'openai-codex' || r.errorCategory) continue;
    t.messages += r.messages;
    t.input += r.input;
    t.output += r.output;
    t.cacheRead += r.cacheRead;
  }
  return t;
}

/** Lines of the fixture rollout, to write it piece by piece. */
function rolloutLines(): string[] {
  return fs.readFileSync(path.join(RF, 'state', ROLLOUT_REL), 'utf8').trimEnd().split('\n');
}

function emptyState(root: string): string {
  const state = path.join(root, 'state');
  fs.mkdirSync(path.join(state, 'agents/main/agent/codex-home/sessions/2026/11/20'), { recursive: true });
  fs.mkdirSync(path.join(state, 'agents/main/sessions'), { recursive: true });
  fs.copyFileSync(path.join(RF, 'state/agents/main/sessions/sessions.json'), path.join(state, 'agents/main/sessions/sessions.json'));
  return state;
}

const EXPECTED = {
  // turn 1: 1000 in (200 cached) / 50 out, then 1500 in (1000 cached) / 70 out; turn 2: 800 in / 30 out
  messages: 3,
  input: 800 + 500 + 800,
  cacheRead: 200 + 1000,
  output: 50 + 70 + 30,
};

test('helpers: windows are named by duration, mirror keys parse, identities coincide', () => {
  assert.equal(windowName(300), '5h');
  assert.equal(windowName(10080), '7d');
  assert.equal(windowName(1440), '1d');
  assert.equal(windowName(45), '45m');
  assert.deepEqual(parseMirrorKey(`codex-app-server:${THREAD}:${TURN1}:assistant`), [THREAD, TURN1]);
  assert.deepEqual(parseMirrorKey(`codex-app-server:${THREAD}:history:${TURN1}:assistant`), [THREAD, TURN1]);
  assert.equal(parseMirrorKey(`codex-app-server:${THREAD}:${TURN1}:prompt`), null);
  assert.equal(parseMirrorKey('run-1:assistant'), null);
  const mirror = fs.readFileSync(path.join(RF, 'mirror-transcript.jsonl'), 'utf8').trimEnd().split('\n');
  assert.equal(lineIdentity(mirror[1]), null, 'user rows are not calls');
  assert.equal(lineIdentity(mirror[2]), codexTurnIdentity(THREAD, TURN1), 'the parser gives a mirrored row the turn identity');
  // rate limits: slots become durations; a window without numbers is not usable
  const rl = parseRateLimits(
    { limit_id: 'codex', primary: { used_percent: 96, window_minutes: 300, resets_at: R5 }, secondary: null, plan_type: 'prolite' },
    NOW,
  );
  assert.deepEqual(rl, {
    limit: 'codex',
    obs: { observedAtMs: NOW, plan: 'prolite', windows: [{ window: '5h', windowMinutes: 300, usedRatio: 0.96, resetsAtMs: R5 * 1000 }] },
  });
  assert.equal(parseRateLimits({ primary: null, secondary: null }, NOW), null);
  // older Codex: resets_in_seconds relative to the event
  assert.equal(parseRateLimits({ primary: { used_percent: 1, window_minutes: 300, resets_in_seconds: 60 } }, NOW)!.obs.windows[0].resetsAtMs, NOW + 60_000);
});

test('quota from rollouts: durations not slots, and a window that disappears stops being exported', async () => {
  const root = tmpDir();
  const state = emptyState(root);
  const file = path.join(state, ROLLOUT_REL);
  const ledger = Ledger.open(path.join(root, 'data'));
  // Turn 1 only: both windows, from the latest usable snapshot (13% / 41%).
  fs.writeFileSync(file, fs.readFileSync(path.join(RF, 'turn1-part.jsonl')));
  await ingest(state, ledger);
  let text = render(ledger);
  assert.match(text, /^openclaw_quota_used_ratio\{account="default",limit="codex",provider="openai-codex",window="5h"\} 0\.13$/m);
  assert.match(text, /^openclaw_quota_used_ratio\{account="default",limit="codex",provider="openai-codex",window="7d"\} 0\.41$/m);
  assert.match(text, new RegExp(`^openclaw_quota_resets_at_timestamp_seconds\\{account="default",limit="codex",provider="openai-codex",window="5h"\\} ${R5}$`, 'm'));
  assert.match(text, new RegExp(`^openclaw_quota_resets_at_timestamp_seconds\\{account="default",limit="codex",provider="openai-codex",window="7d"\\} ${R7}$`, 'm'));
  assert.match(
    text,
    new RegExp(`^openclaw_quota_observed_at_timestamp_seconds\\{account="default",limit="codex",provider="openai-codex",window="5h"\\} ${Date.parse('2026-11-20T10:00:09Z') / 1000}$`, 'm'),
  );
  // Turn 2 appended: its usable snapshot has only the weekly window (the one after it has none and is ignored).
  fs.appendFileSync(file, fs.readFileSync(path.join(RF, 'turn2-part.jsonl')));
  await ingest(state, ledger);
  text = render(ledger);
  assert.doesNotMatch(text, /^openclaw_quota_[a-z_]+\{[^}]*window="5h"/m, 'the 5h window is gone, not 0');
  assert.match(text, /^openclaw_usage_window_messages\{model="gpt-5\.3-codex",provider="openai-codex",window="5h"\} 3$/m);
  assert.match(text, /^openclaw_quota_used_ratio\{account="default",limit="codex",provider="openai-codex",window="7d"\} 0\.42$/m);
  assert.doesNotMatch(text, /primary|secondary/);
  const rows = ledger.quota();
  assert.equal(rows.length, 1);
  assert.equal(rows[0].plan, 'plus');
  // After the weekly reset time the stale report is not exported either.
  assert.doesNotMatch(render(ledger, (R7 + 1) * 1000), /^openclaw_quota_used_ratio/m);
  ledger.close();
});

test('rollout-only usage is counted and the mirrored turn is not counted twice (same cycle)', async () => {
  const root = tmpDir();
  const state = path.join(root, 'state');
  copyDir(path.join(RF, 'state'), state);
  const ledger = Ledger.open(path.join(root, 'data'));
  await ingest(state, ledger);
  assert.deepEqual(codexTotals(ledger), EXPECTED);
  const again = await ingest(state, ledger);
  assert.equal(again.summary.inserted, 0);
  assert.deepEqual(codexTotals(ledger), EXPECTED);
  const text = render(ledger);
  assert.match(text, /^openclaw_usage_messages_total\{agent="main",channel="[a-z]+",kind="[a-z]+",model="gpt-5\.3-codex",provider="openai-codex"\} \d$/m);
  const sum = [...text.matchAll(/^openclaw_usage_messages_total\{[^}]*provider="openai-codex"\} (\d+)$/gm)].reduce((s, m) => s + Number(m[1]), 0);
  assert.equal(sum, 3);
  ledger.close();
});

test('mirror read after the rollout, and a turn whose last call waits for its end marker', async () => {
  const root = tmpDir();
  const state = emptyState(root);
  const file = path.join(state, ROLLOUT_REL);
  const ledger = Ledger.open(path.join(root, 'data'));
  const lines = rolloutLines();
  const complete1 = lines.findIndex((l) => l.includes('"task_complete"'));
  // Turn 1 without its end marker: its first call is final-known, the second waits.
  fs.writeFileSync(file, lines.slice(0, complete1).join('\n') + '\n');
  await ingest(state, ledger);
  assert.equal(codexTotals(ledger).messages, 1);
  // OpenClaw's mirror of turn 1 arrives: it is that turn's last call.
  fs.copyFileSync(path.join(RF, 'mirror-transcript.jsonl'), path.join(state, SESSION_REL));
  await ingest(state, ledger);
  assert.equal(codexTotals(ledger).messages, 2);
  // The rest of the rollout: turn 1's held call is the mirror (a duplicate), turn 2 is new.
  const stats = new IngestStats();
  fs.appendFileSync(file, lines.slice(complete1).join('\n') + '\n');
  await ingest(state, ledger, NOW, stats);
  assert.deepEqual(codexTotals(ledger), EXPECTED);
  assert.ok(stats.callsDuplicate >= 1, 'the rollout copy of the mirrored call was a duplicate');
  ledger.close();
});

test('rollout read after the mirror (mirror first) counts the same', async () => {
  const root = tmpDir();
  const state = emptyState(root);
  fs.copyFileSync(path.join(RF, 'mirror-transcript.jsonl'), path.join(state, SESSION_REL));
  const ledger = Ledger.open(path.join(root, 'data'));
  await ingest(state, ledger);
  assert.equal(codexTotals(ledger).messages, 1);
  fs.copyFileSync(path.join(RF, 'state', ROLLOUT_REL), path.join(state, ROLLOUT_REL));
  await ingest(state, ledger);
  assert.deepEqual(codexTotals(ledger), EXPECTED);
  ledger.close();
});

test('a turn that never ends is closed once the file has been quiet for an hour', async () => {
  const root = tmpDir();
  const state = emptyState(root);
  const file = path.join(state, ROLLOUT_REL);
  const lines = rolloutLines();
  const complete1 = lines.findIndex((l) => l.includes('"task_complete"'));
  fs.writeFileSync(file, lines.slice(0, complete1).join('\n') + '\n');
  const ledger = Ledger.open(path.join(root, 'data'));
  const now = Date.now();
  await ingest(state, ledger, now);
  assert.equal(codexTotals(ledger).messages, 1, 'fresh file: the last call waits');
  const old = new Date(now - 2 * 3600_000);
  fs.utimesSync(file, old, old);
  await ingest(state, ledger, now);
  assert.equal(codexTotals(ledger).messages, 2, 'quiet file: the turn is closed');
  await ingest(state, ledger, now);
  assert.equal(codexTotals(ledger).messages, 2);
  ledger.close();
});

test('a rollout moved to archived_sessions keeps its cursor; nothing is counted again', async () => {
  const root = tmpDir();
  const state = path.join(root, 'state');
  copyDir(path.join(RF, 'state'), state);
  const ledger = Ledger.open(path.join(root, 'data'));
  await ingest(state, ledger);
  const archived = path.join(state, 'agents/main/agent/codex-home/archived_sessions', path.basename(ROLLOUT_REL));
  fs.mkdirSync(path.dirname(archived), { recursive: true });
  fs.renameSync(path.join(state, ROLLOUT_REL), archived);
  const stats = new IngestStats();
  const r = await ingest(state, ledger, NOW, stats);
  assert.equal(r.summary.inserted, 0);
  assert.equal(stats.linesRead, 0, 'read from the adopted offset');
  assert.deepEqual(codexTotals(ledger), EXPECTED);
  assert.deepEqual(ledger.keysWithPrefix('rollout:'), [`rollout:${archived}`]);
  assert.equal(ledger.quota().length, 1, 'quota kept');
  ledger.close();
});

test('a reached limit: used ratio 1, nothing left; per-model limit families keep their own id', async () => {
  const root = tmpDir();
  const state = path.join(root, 'state');
  copyDir(path.join(RF, 'state'), state);
  copyDir(path.join(RF, 'limit-reached'), state); // adds agent/cli-auth/codex/work/ (a CLI-backend Codex home)
  const ledger = Ledger.open(path.join(root, 'data'));
  await ingest(state, ledger);
  const text = render(ledger);
  // Each Codex home is its own account: the CLI-backend home is a hash of its path, never the name.
  const WORK = quotaAccount('cli-auth/codex/work');
  assert.match(WORK, /^a-[A-Za-z0-9_-]{8}$/);
  assert.doesNotMatch(text, /account="[^"]*work/);
  assert.match(text, new RegExp(`^openclaw_quota_used_ratio\\{account="${WORK}",limit="codex",provider="openai-codex",window="5h"\\} 1$`, 'm'));
  assert.match(text, new RegExp(`^openclaw_quota_resets_at_timestamp_seconds\\{account="${WORK}",limit="codex",provider="openai-codex",window="5h"\\} ${R5B}$`, 'm'));
  assert.match(text, new RegExp(`^openclaw_quota_messages_left_estimate\\{account="${WORK}",limit="codex",provider="openai-codex",window="5h"\\} 0$`, 'm'));
  // weekly: 45% used by the 4 calls the ledger counted since the week began -> 4 * 0.55 / 0.45 = 4.9
  assert.match(text, new RegExp(`^openclaw_quota_used_ratio\\{account="${WORK}",limit="codex",provider="openai-codex",window="7d"\\} 0\\.45$`, 'm'));
  assert.match(text, new RegExp(`^openclaw_quota_messages_left_estimate\\{account="${WORK}",limit="codex",provider="openai-codex",window="7d"\\} 5$`, 'm'));
  assert.match(text, new RegExp(`^openclaw_quota_used_ratio\\{account="${WORK}",limit="codex_bengalfox",provider="openai-codex",window="5h"\\} 0\\.2$`, 'm'));
  assert.doesNotMatch(text, new RegExp(`openclaw_quota_messages_left_estimate\\{account="${WORK}",limit="codex_bengalfox"`), 'no estimate when we cannot tell which calls count');
  // The agent's own codex-home keeps its own report: the two homes do not collide.
  assert.match(text, /^openclaw_quota_used_ratio\{account="default",limit="codex",provider="openai-codex",window="7d"\} 0\.42$/m);
  assert.equal(codexTotals(ledger).messages, 4);
  ledger.close();
});

test('the source lists every Codex home of the agent and watches its folders', () => {
  const root = tmpDir();
  const state = path.join(root, 'state');
  copyDir(path.join(RF, 'state'), state);
  copyDir(path.join(RF, 'limit-reached'), state);
  const src = new CodexRolloutsSource({ stateDir: state, agent: 'main', root: path.join(state, 'agents/main') });
  assert.deepEqual(
    src.homes().map((h) => path.relative(state, h)),
    ['agents/main/agent/codex-home', 'agents/main/agent/cli-auth/codex/work'],
  );
  assert.equal(src.files().length, 2);
  assert.ok(src.watchPaths().some((p) => p.endsWith(path.join('sessions', '2026', '11', '20'))));
});

test('a rollout event line that is not JSON is counted as malformed_json, never as a call', async () => {
  const root = tmpDir();
  const state = path.join(root, 'state');
  copyDir(path.join(RF, 'state'), state);
  const file = fs
    .readdirSync(state, { recursive: true, encoding: 'utf8' })
    .map((f) => path.join(state, f))
    .find((f) => /rollout-.*\.jsonl$/.test(f))!;
  fs.appendFileSync(file, '{"timestamp":"2026-11-20T10:00:00Z","type":"event_msg","payload":{"type":"token_count", broken\n');
  const ledger = Ledger.open(path.join(root, 'data'));
  const r = await ingest(state, ledger);
  assert.deepEqual(codexTotals(ledger), EXPECTED, 'the calls are unchanged');
  assert.equal(r.stats.issues.get('malformed_json'), 1);
  ledger.close();
});
