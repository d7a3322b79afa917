/**
 * The fuzz figures of docs/reliability.md: FUZZ_N (default 100,000) seeded inputs
 * for each parser that reads outside input (the code is test/fuzz-lib.ts, the
 * same the small run in `npm test` uses). Run alone:
 *   npm run build && node dist/bench/fuzz.js
 * FUZZ_SEED changes the seed (default 20261201), FUZZ_TARGETS (comma-separated:
 * transcript, sqlite, rollout, config, web) picks targets. Prints JSON and writes
 * .bench/fuzz.json; exits 1 if any target had a crash, a hang or a bad value.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fuzzConfigFile, fuzzRollouts, fuzzSqliteRows, fuzzTranscriptLines, fuzzWebConfig, type FuzzReport } from '../test/fuzz-lib.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '../..');
const N = Number(process.env.FUZZ_N ?? 100_000);
const SEED = Number(process.env.FUZZ_SEED ?? 20261201);
const TARGETS = new Set((process.env.FUZZ_TARGETS ?? 'transcript,sqlite,rollout,config,web').split(','));

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clawmeter-fuzz-'));
  const reports: FuzzReport[] = [];
  const run = async (name: string, f: () => FuzzReport | Promise<FuzzReport>) => {
    if (!TARGETS.has(name)) return;
    const r = await f();
    reports.push(r);
    process.stderr.write(`${r.target}: ${r.inputs} inputs, ${r.accepted} accepted, ${r.rejected} rejected, ${r.crashes} crashes, ${r.hangs} hangs, ${r.badValues} bad values, ${r.seconds} s\n`);
  };
  try {
    await run('transcript', () => fuzzTranscriptLines(N, SEED));
    await run('sqlite', () => fuzzSqliteRows(N, SEED, dir));
    await run('rollout', () => fuzzRollouts(N, SEED, dir));
    await run('config', () => fuzzConfigFile(N, SEED, dir));
    await run('web', () => fuzzWebConfig(N, SEED));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const out = path.join(REPO, process.env.FUZZ_OUT ?? '.bench/fuzz.json');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify({ n: N, seed: SEED, node: process.version, reports }, null, 2) + '\n');
  process.stdout.write(JSON.stringify(reports, null, 2) + '\n');
  process.exitCode = reports.some((r) => r.crashes || r.hangs || r.badValues) ? 1 : 0;
}

main().catch((err) => {
  process.stderr.write(`fuzz: ${(err as Error).message}\n`);
  process.exitCode = 2;
});
