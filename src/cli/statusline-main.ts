/**
 * The entry point bin/clawmeter.js uses for `clawmeter statusline` alone, so a
 * shell prompt does not load every other command: the same one-line errors and
 * exit codes as main.ts.
 */
import { UsageError } from './data-dir.js';
import { statuslineCommand } from './statusline.js';
import { SettingsError } from '../settings/types.js';

export async function main(argv: string[]): Promise<number> {
  try {
    return await statuslineCommand(argv.slice(1));
  } catch (err) {
    const e = err as Error;
    if (err instanceof UsageError || err instanceof SettingsError || e?.name?.startsWith('Ledger')) {
      process.stderr.write(`clawmeter: ${e.message}\n`);
      return 2;
    }
    process.stderr.write(`clawmeter: internal error: ${String(e?.message ?? e).split('\n')[0]}\n`);
    return 1;
  }
}
