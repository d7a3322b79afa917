/** `clawmeter demo --out DIR`: writes a generated OpenClaw state directory. */
import fs from 'node:fs';
import path from 'node:path';
import { generateStateDir } from '../demo/generate.js';
import { UsageError, parse, positiveNumber } from './args.js';

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
  if (fs.existsSync(out) && fs.readdirSync(out).length > 0) throw new UsageError(`--out ${out}: exists and is not empty`);
  const truth = generateStateDir({
    dir: out,
    seed: positiveNumber('seed', values.seed, 42),
    targetBytes: Math.round(positiveNumber('mb', values.mb, 2) * 1024 * 1024),
    days: positiveNumber('days', values.days, 7),
  });
  process.stdout.write(JSON.stringify({ dir: out, ...truth }, null, 2) + '\n');
  return 0;
}
