/**
 * Property test with crash points inside files: random histories of appends, new
 * sessions, renames to archives and compression are ingested with a batch size so
 * small that every file spans several commits, each batch committed on its own, and
 * each ingest stops ("crashes") after a random number of commits, the ledger then
 * closed and reopened. After a last uninterrupted ingest the ledger holds exactly the
 * calls written, and equals one clean run over the same files.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { Ledger } from '../src/ledger/ledger.js';
import { Ingestor } from '../src/ingest/cycle.js';
import { Logger } from '../src/util/log.js';
import { listAgents } from '../src/sources/discover.js';
import { TranscriptFilesSource } from '../src/sources/transcript-files.js';
import { CodexRolloutsSource } from '../src/sources/codex-rollouts.js';
import { assistantLine, headerLine, makeState, tmpDir, totalsOf, userLine } from './helpers.js';

const zstdOk = spawnSync('zstd', ['--version']).status === 0;

function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * One ingest pass that commits every batch on its own and stops after `maxCommits`
 * commits (Infinity: runs to the end). Returns the number of commits made.
 */
async function ingestUntil(stateDir: string, ledger: Ledger, maxCommits: number): Promise<number> {
  const sources = listAgents(stateDir).map((a) => new TranscriptFilesSource(a, { batchBytes: 300 }));
  const ingestor = new Ingestor(ledger, () => sources, { log: new Logger('silent') });
  let commits = 0;
  for (const s of sources) {
    for await (const batch of s.poll({ cursors: ledger, nowMs: Date.now, report: () => undefined })) {
      if (commits >= maxCommits) return commits; // the crash: the generator is abandoned mid-file
      ingestor.apply(batch);
      commits++;
    }
  }
  return commits;
}

const SEQUENCES = 12;

test(`crash points inside files: ${SEQUENCES} random histories, each ingest stopped between commits, end exact`, async () => {
  let crashesInside = 0;
  for (let run = 0; run < SEQUENCES; run++) {
    const rnd = prng(7000 + run);
    const root = tmpDir('clawmeter-propcrash-');
    const { stateDir, sessions } = makeState(root);
    const data = path.join(root, 'data');
    const written = new Set<string>();
    let ledger = Ledger.open(data);
    let last = 0;
    let next = 0;
    const live = () => fs.readdirSync(sessions).filter((n) => n.endsWith('.jsonl'));
    for (let step = 0; step < 14; step++) {
      const op = rnd();
      const files = live();
      if (files.length === 0 || op < 0.15) {
        const sid = `p${run}-${next++}`;
        fs.writeFileSync(path.join(sessions, `${sid}.jsonl`), headerLine(sid) + '\n');
      } else if (op < 0.7) {
        const f = path.join(sessions, files[Math.floor(rnd() * files.length)]);
        let chunk = '';
        for (let i = 0, n = 2 + Math.floor(rnd() * 8); i < n; i++) {
          const l = assistantLine({ responseId: rnd() < 0.3 ? null : undefined });
          written.add(l);
          chunk += userLine('u'.repeat(Math.floor(rnd() * 400))) + '\n' + l + '\n';
        }
        fs.appendFileSync(f, chunk);
      } else if (op < 0.85) {
        const n = files[Math.floor(rnd() * files.length)];
        fs.renameSync(path.join(sessions, n), path.join(sessions, `${n}.deleted.2026-05-01T10-00-${String(step).padStart(2, '0')}.000Z`));
      } else if (zstdOk) {
        const arch = fs.readdirSync(sessions).filter((n) => /\.deleted\.[^.]+\.000Z$/.test(n));
        if (arch.length) execFileSync('zstd', ['-q', '--rm', path.join(sessions, arch[Math.floor(rnd() * arch.length)])]);
      }
      // An ingest that crashes after a random number of commits, then a restart.
      const k = Math.floor(rnd() * 6);
      const done = await ingestUntil(stateDir, ledger, k);
      if (done === k && k > 0) crashesInside++;
      ledger.close();
      ledger = Ledger.open(data);
      const now = totalsOf(ledger).calls;
      assert.ok(now >= last, `run ${run} step ${step}: calls went down ${last} -> ${now}`);
      last = now;
    }
    await ingestUntil(stateDir, ledger, Infinity);
    const end = totalsOf(ledger);
    ledger.close();
    assert.equal(end.calls, written.size, `run ${run}: every call written is counted once`);
    const fresh = Ledger.open(path.join(root, 'fresh'));
    await ingestUntil(stateDir, fresh, Infinity);
    assert.deepEqual(totalsOf(fresh), end, `run ${run}: equals one clean run`);
    fresh.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
  assert.ok(crashesInside > SEQUENCES * 3, `only ${crashesInside} ingests stopped between commits`);
});

test('Codex rollouts: a resume after a crash between commits inside a rollout counts every call once', async () => {
  const FIX = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../test/fixtures/rollouts/state');
  const rel = 'agents/main/agent/codex-home/sessions/2026/11/20/rollout-2026-11-20T10-00-00-019b2a10-5c3e-7d41-9a6f-2f1c0e8b7a01.jsonl';
  const lines = fs.readFileSync(path.join(FIX, rel), 'utf8').trimEnd().split('\n');
  // Response items of 1.2 MB between every line: every line is in its own read block.
  const filler = JSON.stringify({ timestamp: '2026-11-20T10:00:00.000Z', type: 'response_item', payload: { type: 'message', role: 'user', content: 'x'.repeat(1_200_000) } });
  const root = tmpDir('clawmeter-rollout-crash-');
  const stateDir = path.join(root, 'state');
  const file = path.join(stateDir, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.mkdirSync(path.join(stateDir, 'agents/main/sessions'), { recursive: true });
  fs.writeFileSync(file, lines.map((l) => `${filler}\n${l}\n`).join(''));
  const codexCalls = (l: Ledger) => [...l.totals()].filter((r) => r.provider === 'openai-codex').reduce((n, r) => n + r.messages, 0);
  const run = async (ledger: Ledger, max: number): Promise<number> => {
    const sources = listAgents(stateDir).map((a) => new CodexRolloutsSource(a, { batchBytes: 1000 }));
    const ingestor = new Ingestor(ledger, () => sources, { log: new Logger('silent') });
    let commits = 0;
    for (const s of sources) {
      for await (const batch of s.poll({ cursors: ledger, nowMs: Date.now, report: () => undefined })) {
        if (commits >= max) return commits;
        ingestor.apply(batch);
        commits++;
      }
    }
    return commits;
  };
  const clean = Ledger.open(path.join(root, 'clean'));
  const all = await run(clean, Infinity);
  assert.ok(all > 4, `${all} commits`);
  const expected = codexCalls(clean);
  assert.ok(expected > 0);
  clean.close();
  const data = path.join(root, 'data');
  for (let k = 1; k < all; k += 2) {
    const l = Ledger.open(data);
    await run(l, 1); // one more commit, then the crash
    l.close();
  }
  const l = Ledger.open(data);
  await run(l, Infinity);
  assert.equal(codexCalls(l), expected);
  l.close();
  fs.rmSync(root, { recursive: true, force: true });
});
