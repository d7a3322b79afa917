/**
 * The SQLite half of `npm run bench`: the same figures as the JSONL bench, for an
 * OpenClaw 2026.9-style store of about `mb` MB of transcript events.
 *
 * The history is the JSONL bench's generator output (same seed), converted by the
 * doctor-migration helper into `agents/<agent>/agent/openclaw-agent.sqlite` (agent
 * schema 23, large events zstd-compressed in `event_zstd`, real zstd frames from the
 * zstd CLI when it is installed), after which the import archive is removed as
 * `openclaw update cleanup` would: what is measured is the store, plus the pre-upgrade
 * `.reset.`/`.deleted.` JSONL archives OpenClaw leaves in place.
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { generateStateDir, type GroundTruth } from '../src/demo/generate.js';
import { IMPORT_ARCHIVE, migrateStateDir } from '../src/demo/sqlite-store.js';
import { measure, type BenchResult } from './run.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));

export interface SqliteBenchOptions {
  /** Transcript megabytes to generate (default 1024). */
  mb: number;
  /** Where generated histories are cached between runs. */
  benchDir: string;
  /** Zstd frames for large events: 'cli' (real compression, needs the zstd binary) or 'auto'. */
  zstd?: 'cli' | 'auto';
  /**
   * Rows of concurrent sessions interleaved in time order, as in a store OpenClaw wrote
   * live (default), instead of session by session as the doctor import writes them.
   */
  interleave?: boolean;
}

function hasZstdCli(): boolean {
  return spawnSync('zstd', ['--version'], { stdio: 'ignore' }).status === 0;
}

function dirBytes(p: string, filter: (f: string) => boolean): number {
  let n = 0;
  for (const e of fs.readdirSync(p, { withFileTypes: true })) {
    const f = path.join(p, e.name);
    if (e.isDirectory()) n += dirBytes(f, filter);
    else if (filter(f)) n += fs.statSync(f).size;
  }
  return n;
}

/** Generates (once, cached) the SQLite-era history for `mb` MB. */
export function ensureSqliteHistory(opts: SqliteBenchOptions): { stateDir: string; truth: GroundTruth; storeMB: number } {
  const interleave = opts.interleave ?? true;
  const dir = path.join(opts.benchDir, `sqlite-${opts.mb}mb${interleave ? '-interleaved' : ''}`);
  const marker = path.join(dir, 'truth.json');
  const stateDir = path.join(dir, 'state');
  if (fs.existsSync(marker)) {
    const m = JSON.parse(fs.readFileSync(marker, 'utf8')) as { truth: GroundTruth; storeMB: number };
    return { stateDir, truth: m.truth, storeMB: m.storeMB };
  }
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const t0 = performance.now();
  const truth = generateStateDir({ dir: stateDir, seed: 7, targetBytes: opts.mb * 1024 * 1024, days: 30 });
  const t1 = performance.now();
  const zstd = opts.zstd ?? (hasZstdCli() ? 'cli' : 'auto');
  migrateStateDir(stateDir, { zstd, interleave });
  for (const a of fs.readdirSync(path.join(stateDir, 'agents'))) {
    fs.rmSync(path.join(stateDir, 'agents', a, IMPORT_ARCHIVE), { recursive: true, force: true });
  }
  const storeMB = dirBytes(stateDir, (f) => /openclaw-agent\.sqlite(-wal)?$/.test(f)) / 1048576;
  console.log(
    `generated ${(truth.bytes / 1048576).toFixed(0)} MB (${truth.calls} calls) in ${((t1 - t0) / 1000).toFixed(1)} s, ` +
      `converted to SQLite (${storeMB.toFixed(0)} MB of store files, zstd ${zstd}, ${interleave ? 'sessions interleaved' : 'session by session'}) in ${((performance.now() - t1) / 1000).toFixed(1)} s`,
  );
  fs.writeFileSync(marker, JSON.stringify({ truth, storeMB }));
  return { stateDir, truth, storeMB };
}

export async function benchSqlite(opts: SqliteBenchOptions): Promise<BenchResult & { storeMB: number }> {
  const { stateDir, truth, storeMB } = ensureSqliteHistory(opts);
  const interleave = opts.interleave ?? true;
  // The references read the JSONL history the store was converted from (same calls and bytes).
  const jsonlState = path.join(opts.benchDir, `jsonl-${opts.mb}mb`, 'state');
  const r = await measure(`SQLite store (2026.9${interleave ? '' : ', as imported'})`, stateDir, truth, fs.existsSync(jsonlState) ? jsonlState : stateDir);
  return { ...r, storeMB };
}

// Standalone: node dist/bench/sqlite.js [MB]
if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const mb = Number(process.argv[2] ?? process.env.BENCH_MB ?? 1024);
  const benchDir = process.env.BENCH_DIR ?? path.resolve(HERE, '../../.bench');
  benchSqlite({ mb, benchDir, interleave: process.env.BENCH_SQLITE_LAYOUT !== 'imported' })
    .then((r) => console.log(JSON.stringify(r, null, 2)))
    .catch((err) => {
      console.error(err);
      process.exit(1);
    });
}
