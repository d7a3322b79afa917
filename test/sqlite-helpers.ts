/** Helpers for the SQLite store tests: state dirs with stores, ingest with options, child processes. */
import fs from 'node:fs';
import path from 'node:path';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Ledger } from '../src/ledger/ledger.js';
import { Ingestor } from '../src/ingest/cycle.js';
import { IngestStats } from '../src/ingest/stats.js';
import { Logger } from '../src/util/log.js';
import type { AgentDir, Source, SourceIssue } from '../src/model.js';
import { sourcesFor } from '../src/sources/index.js';
import { SqliteStoreSource, STORE_RELATIVE, type SqliteStoreOptions } from '../src/sources/sqlite-store.js';
import { OpenClawStore, type StoreOptions } from '../src/demo/sqlite-store.js';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BETTER_SQLITE3 = path.join(REPO, 'node_modules/better-sqlite3/lib/index.js');

export function agentDir(stateDir: string, agent = 'main'): AgentDir {
  return { stateDir, agent, root: path.join(stateDir, 'agents', agent) };
}

export function storePath(stateDir: string, agent = 'main'): string {
  return path.join(stateDir, 'agents', agent, STORE_RELATIVE);
}

/** A state dir with one agent whose store is created in the given layout. */
export function newStore(stateDir: string, agent = 'main', opts: StoreOptions = {}): OpenClawStore {
  fs.mkdirSync(path.join(stateDir, 'agents', agent, 'sessions'), { recursive: true });
  return OpenClawStore.create(storePath(stateDir, agent), { agentId: agent, ...opts });
}

export interface Harness {
  ledger: Ledger;
  stats: IngestStats;
  ingestor: Ingestor;
  issues: SourceIssue[];
  logs: string[];
  /** current fake time for the poll context */
  clock: { now: number };
  cycle(): Promise<{ inserted: number; duplicates: number; batches: number }>;
}

/**
 * An ingestor over `sources()` (default: every source of the state dirs) with a
 * controllable clock; issues reported by sources are captured.
 */
export function harness(dataDir: string, sources: () => Source[], ledger?: Ledger): Harness {
  const l = ledger ?? Ledger.open(dataDir);
  const stats = new IngestStats();
  const logs: string[] = [];
  const clock = { now: 1_800_000_000_000 };
  const issues: SourceIssue[] = [];
  // Every issue a source reports is also captured here, with its detail.
  const wrapped = (): Source[] =>
    sources().map((src) => ({
      name: src.name,
      poll: (ctx) => src.poll({ ...ctx, report: (i) => (issues.push(i), ctx.report(i)) }),
    }));
  const ingestor = new Ingestor(l, wrapped, { log: new Logger('warn', (line) => logs.push(line)), stats, now: () => clock.now });
  return {
    ledger: l,
    stats,
    ingestor,
    issues,
    logs,
    clock,
    cycle: () => ingestor.trigger(),
  };
}

export function allSources(stateDirs: string[]): () => Source[] {
  return () => sourcesFor(stateDirs);
}

export function storeSources(stateDir: string, agents: string[], opts: SqliteStoreOptions = {}): () => Source[] {
  return () => agents.map((a) => new SqliteStoreSource(agentDir(stateDir, a), opts));
}

/** Issues reported with a given reason (from the captured log lines, which carry the detail). */
export function loggedIssues(h: Harness, reason: string): string[] {
  return h.logs.filter((l) => l.includes(`reason=${reason}`));
}

/** Spawns `node -e <script>` with ESM input; resolves lines from stdout as they come. */
export function spawnScript(script: string, env: Record<string, string> = {}): {
  child: ChildProcessWithoutNullStreams;
  lines: AsyncGenerator<string>;
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
} {
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const waiting: Array<(l: string | null) => void> = [];
  const queue: string[] = [];
  let buf = '';
  let ended = false;
  child.stdout.on('data', (d: Buffer) => {
    stdout += d;
    buf += d;
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      const w = waiting.shift();
      if (w) w(line);
      else queue.push(line);
    }
  });
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    child.on('exit', (code) => {
      ended = true;
      for (const w of waiting.splice(0)) w(null);
      resolve({ code, stdout, stderr });
    });
  });
  async function* lines(): AsyncGenerator<string> {
    for (;;) {
      if (queue.length) {
        yield queue.shift()!;
        continue;
      }
      if (ended) return;
      const l = await new Promise<string | null>((r) => waiting.push(r));
      if (l === null) return;
      yield l;
    }
  }
  return { child, lines: lines(), done };
}

/** Waits for the next stdout line of a spawned script (throws with its stderr if it exits first). */
export async function nextLine(s: ReturnType<typeof spawnScript>): Promise<string> {
  const r = await s.lines.next();
  if (r.done) {
    const d = await s.done;
    throw new Error(`child exited (${d.code}) before printing: ${d.stderr}`);
  }
  return r.value;
}
