/** `clawmeter demo --out DIR`: writes a generated OpenClaw state directory. */
import fs from 'node:fs';
import path from 'node:path';
import { generateStateDir } from '../demo/generate.js';
import { UsageError, numberSetting, parse } from './args.js';

export const DEMO_HELP = `Usage: clawmeter demo --out DIR [options]

Write a generated, realistic OpenClaw state directory (JSONL era) to DIR, then
print its ground truth (calls, tokens) as JSON. Nothing in it is real usage.

Options:
  --out DIR        folder to create (must not exist or be empty)
  --seed N         random seed (default 42)
  --mb N           approximate transcript megabytes (default 2)
  --days N         days of history before now (default 7)
  -h, --help       show this help
`;

export function demoCommand(argv: string[]): number {
  const { values } = parse(argv, {
    out: { type: 'string' },
    seed: { type: 'string' },
    mb: { type: 'string' },
    days: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(DEMO_HELP);
    return 0;
  }
  if (!values.out) throw new UsageError('--out DIR is required');
  const out = path.resolve(values.out);
  const seed = numberSetting({ flag: 'seed', value: values.seed, fallback: 42, min: 1, integer: true, what: 'a positive integer' });
  const mb = numberSetting({ flag: 'mb', value: values.mb, fallback: 2, min: 0.01, max: 100_000, what: 'a number of megabytes from 0.01 to 100000' });
  const days = numberSetting({ flag: 'days', value: values.days, fallback: 7, min: 1, max: 3650, what: 'a number of days from 1 to 3650' });
  let st: fs.Stats | null = null;
  try {
    st = fs.statSync(out);
  } catch {
    st = null; // does not exist yet: created below
  }
  if (st && !st.isDirectory()) throw new UsageError(`--out ${out}: exists and is not a directory`);
  if (st && fs.readdirSync(out).length > 0) throw new UsageError(`--out ${out}: exists and is not empty`);
  let truth: ReturnType<typeof generateStateDir>;
  try {
    truth = generateStateDir({ dir: out, seed, targetBytes: Math.round(mb * 1024 * 1024), days });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(`--out ${out}: cannot write the demo there (${code ?? (err as Error).message.split('\n')[0]})`);
  }
  process.stdout.write(JSON.stringify({ dir: out, ...truth }, null, 2) + '\n');
  return 0;
}
