/**
 * A small seeded fuzz run of every outside-input parser (the 100,000-input run
 * behind docs/reliability.md is bench/fuzz.ts, with the same code): 0 crashes,
 * 0 hangs, 0 NaN/infinite/negative values in parse results, the ledger or
 * /metrics, and some inputs both accepted and rejected (the mutations reach
 * both paths).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fuzzConfigFile, fuzzRollouts, fuzzSqliteRows, fuzzTranscriptLines, fuzzWebConfig, type FuzzReport } from './fuzz-lib.js';
import { tmpDir } from './helpers.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20261201);

function clean(r: FuzzReport, both = true): void {
  assert.equal(r.crashes, 0, `${r.target}: ${r.examples.join(' | ')}`);
  assert.equal(r.hangs, 0, `${r.target}: ${r.examples.join(' | ')}`);
  assert.equal(r.badValues, 0, `${r.target}: ${r.examples.join(' | ')}`);
  assert.ok(r.inputs > 0, `${r.target}: inputs`);
  if (both) assert.ok(r.accepted > 0 && r.rejected > 0, `${r.target}: accepted ${r.accepted}, rejected ${r.rejected}`);
}

test('fuzz: transcript-line parser (5,000 mutated real lines)', () => clean(fuzzTranscriptLines(5000, SEED)));
test('fuzz: web config parser (3,000 inputs)', () => clean(fuzzWebConfig(3000, SEED)));
test('fuzz: config file parser (1,000 inputs)', () => clean(fuzzConfigFile(1000, SEED, tmpDir())));
test('fuzz: SQLite row reader into a real ledger (2,000 rows)', async () => clean(await fuzzSqliteRows(2000, SEED, tmpDir())));
// Non-JSON lines in Codex's own rollout files are ignored by design, not counted: only "accepted" is asserted.
test('fuzz: rollout parser into a real ledger (3,000 lines)', async () => clean(await fuzzRollouts(3000, SEED, tmpDir()), false));
