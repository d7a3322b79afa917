/**
 * Child process for test/quarter-buckets.test.ts: commits random batches of calls
 * (with duplicates) into the ledger in argv[2] forever, printing "ready" after the
 * first commit, until the parent kills it with SIGKILL.
 */
import { Ledger } from '../src/ledger/ledger.js';
import { randomCalls } from './bucket-calls.js';

const dataDir = process.argv[2];
const seed = Number(process.argv[3] ?? 1);
const ledger = Ledger.open(dataDir);
let n = 0;
for (;;) {
  const calls = randomCalls(seed * 1_000_003 + n, 200, `s${seed}-`);
  ledger.commit({ calls });
  if (n++ === 0) process.stdout.write('ready\n');
}
