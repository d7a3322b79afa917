/** `clawmeter demo --out DIR`: writes a generated OpenClaw state directory. */
import fs from 'node:fs';
import path from 'node:path';
import { generateStateDir } from '../demo/generate.js';
import { UsageError } from './args.js';
import { optionsHelp } from '../settings/help.js';
import { resolveSettings } from '../settings/resolve.js';

export const DEMO_HELP = `Usage: clawmeter demo --out DIR [options]

Write a generated, realistic OpenClaw state directory (JSONL era) to DIR, then
print its ground truth (calls, tokens) as JSON. Nothing in it is real usage.

Options:
${optionsHelp('demo')}`;

export function demoCommand(argv: string[]): number {
  const { values, help } = resolveSettings('demo', argv, process.env);
  if (help) {
    process.stdout.write(DEMO_HELP);
    return 0;
  }
  if (!values.out) throw new UsageError('--out DIR is required');
  const out = path.resolve(values.out);
  const seed = values.seed!;
  const mb = values.mb!;
  const days = values.days!;
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
