/**
 * Synthetic OpenClaw state directory (file era, JSONL transcripts) with an exact
 * ground truth, for tests, demos and benchmarks.
 *
 * The generator writes what a real user's `~/.openclaw` looks like after a few days:
 * per agent a `sessions/sessions.json` index, live transcripts of many session kinds,
 * reset/deleted archives, Telegram topic and fork files, and the traps a reader must
 * handle (duplicate copies, synthetic rows, junk lines and sidecar files). While it
 * writes, it records the model calls a correct reader must count, each exactly once.
 *
 * Everything derives from a seeded PRNG: the same options give byte-identical files
 * (paths inside files never contain `opts.dir`). All secrets are fake and contain the
 * marker `SECRET`.
 *
 * The generator's parts live in `src/demo/gen/` (one concept each); this module is the
 * orchestrator and the public entry point.
 */
import fs from 'node:fs';
import path from 'node:path';
import { authProfiles, authState } from './gen/auth-files.js';
import { STATE_ROOT } from './gen/catalog.js';
import { indexEntry } from './gen/index-entry.js';
import { layoutAgent } from './gen/layout.js';
import type { GenerateOptions, ResolvedOptions } from './gen/options.js';
import { forkTs, writeFile600 } from './gen/out.js';
import { Rng } from './gen/rng.js';
import type { Ctx, SessionSpec } from './gen/session-spec.js';
import { SessionWriter } from './gen/session-writer.js';
import { writeSidecars } from './gen/sidecars.js';
import { pools } from './gen/text-pools.js';
import { type GroundTruth, Truth } from './gen/truth.js';

export type { GenerateOptions } from './gen/options.js';
export type { GroundTruth } from './gen/truth.js';

// ---------------------------------------------------------------------------

function checkDir(dir: string): void {
  if (fs.existsSync(dir)) {
    const st = fs.statSync(dir);
    if (!st.isDirectory()) throw new Error(`generateStateDir: ${dir} exists and is not a directory`);
    if (fs.readdirSync(dir).length > 0) throw new Error(`generateStateDir: ${dir} is not empty`);
  } else {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  }
}

/**
 * Writes a synthetic OpenClaw state directory and returns the ground truth a correct
 * reader must report. See the file comment for what is written.
 */
export function generateStateDir(opts: GenerateOptions): GroundTruth {
  const o: ResolvedOptions = {
    seed: opts.seed ?? 1,
    nowMs: Math.floor(opts.nowMs ?? Date.now()),
    days: Math.max(1, opts.days ?? 7),
    targetBytes: Math.max(64 * 1024, Math.floor(opts.targetBytes ?? 2 * 1024 * 1024)),
    agents: opts.agents && opts.agents.length > 0 ? opts.agents : ['main', 'work'],
    archives: opts.archives ?? true,
    syntheticRows: opts.syntheticRows ?? true,
    duplicates: opts.duplicates ?? true,
    junk: opts.junk ?? true,
  };
  checkDir(opts.dir);
  const truth = new Truth();
  const rng = new Rng(o.seed);
  pools();

  // Agent budgets: the first agent is the busiest.
  const agentWeights = o.agents.map((_, i) => (i === 0 ? 1.5 : 1));
  const totalAgentWeight = agentWeights.reduce((x, y) => x + y, 0);
  let plannedCum = 0;
  let writtenCum = 0;
  const fingerprints = new Set<string>();

  o.agents.forEach((agent, ai) => {
    const agentRoot = path.join(opts.dir, 'agents', agent);
    const sessionsDir = path.join(agentRoot, 'sessions');
    fs.mkdirSync(sessionsDir, { recursive: true, mode: 0o700 });
    fs.mkdirSync(path.join(agentRoot, 'agent'), { recursive: true, mode: 0o700 });
    const ctx: Ctx = {
      rng,
      truth,
      syntheticRows: o.syntheticRows,
      duplicates: o.duplicates,
      junk: o.junk,
      nowMs: o.nowMs,
      fingerprints,
      sessionsDir,
    };
    const { specs } = layoutAgent(agent, ai, ctx, o);
    const agentBudget = (o.targetBytes * agentWeights[ai]) / totalAgentWeight;
    const sumW = specs.reduce((x, s) => x + s.weight, 0);
    for (const s of specs) s.budget = (agentBudget * s.weight) / sumW;

    const index: Record<string, Record<string, unknown>> = {};
    for (const spec of specs) {
      if (spec.copiedFrom) {
        // Fork: starts after the parent's last entry.
        const parent = spec.copiedFrom.result!;
        const created = parent.lastMs + rng.int(5_000, 3_600_000);
        spec.winStart = created;
        spec.winEnd = Math.max(created + 60_000, o.nowMs - rng.int(4 * 60_000, 3_600_000));
        spec.fileName = `${forkTs(created)}_${spec.sessionId}.jsonl`;
        spec.parentSession = `${STATE_ROOT}/agents/${agent}/sessions/${spec.copiedFrom.fileName}`;
      }
      plannedCum += spec.budget;
      spec.budget = Math.max(4096, spec.budget + (plannedCum - spec.budget - writtenCum) * 0.5);
      fitWindow(spec, o);
      const w = new SessionWriter(spec, ctx);
      spec.result = w.run();
      writtenCum += spec.result.bytes;
      truth.t.bytes += spec.result.bytes;
      truth.t.files++;
      for (const key of spec.keys) index[key] = indexEntry(spec, key, rng);
      writeSidecars(spec, ctx, agent, o);
    }

    // sessions.json (and a stale rotation backup)
    const keys = Object.keys(index);
    truth.t.sessions += keys.length;
    writeFile600(path.join(sessionsDir, 'sessions.json'), JSON.stringify(index, null, 2));
    if (o.junk) {
      const old: Record<string, unknown> = {};
      const resetMain = specs.find((s) => s.kind === 'main' && s.archive === 'reset');
      for (const k of keys.slice(0, 4)) old[k] = index[k];
      if (resetMain?.result) old[`agent:${agent.toLowerCase()}:main`] = indexEntry(resetMain, `agent:${agent}:main`, rng);
      writeFile600(path.join(sessionsDir, `sessions.json.bak.${o.nowMs - 2 * 86_400_000}`), JSON.stringify(old, null, 2));
    }

    writeFile600(path.join(agentRoot, 'agent', 'auth-profiles.json'), authProfiles(rng, o.nowMs));
    writeFile600(path.join(agentRoot, 'agent', 'auth-state.json'), authState(o.nowMs));
  });

  return truth.t;
}

/**
 * Widens a session's time window so its turns get at least ~15 s each (by byte budget),
 * keeping it inside [now - days, now - 10 min] and before its archive time.
 */
function fitWindow(spec: SessionSpec, o: ResolvedOptions): void {
  const lo = o.nowMs - o.days * 86_400_000;
  const hi = Math.min(o.nowMs - 10 * 60_000, spec.archiveAtMs !== undefined ? spec.archiveAtMs - 60_000 : Infinity);
  const need = Math.min(hi - lo, (spec.budget / 14_000) * 15_000);
  if (spec.winEnd > hi) spec.winEnd = hi;
  if (spec.winStart < lo) spec.winStart = lo;
  if (spec.winEnd - spec.winStart >= need) return;
  spec.winEnd = Math.min(hi, spec.winStart + need);
  if (spec.winEnd - spec.winStart < need) spec.winStart = Math.max(lo, spec.winEnd - need);
  spec.winStart = Math.floor(spec.winStart);
  spec.winEnd = Math.floor(spec.winEnd);
}
