/**
 * The usage error (exit 2, one line) and the data directory every command uses:
 * their own module, so `statusline` gets them without the state-dir discovery
 * and the logger (args.ts re-exports them).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export class UsageError extends Error {}

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_STATE_HOME && path.isAbsolute(env.XDG_STATE_HOME) ? env.XDG_STATE_HOME : path.join(os.homedir(), '.local', 'state');
  return path.join(base, 'clawmeter');
}

/** Creates the data dir if needed and checks it is writable. */
export function usableDataDir(dir: string): string {
  const abs = path.resolve(dir);
  try {
    fs.mkdirSync(abs, { recursive: true, mode: 0o700 });
    fs.accessSync(abs, fs.constants.W_OK | fs.constants.R_OK);
  } catch (err) {
    throw new UsageError(`--data-dir ${abs}: not usable (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return abs;
}
