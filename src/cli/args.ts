/**
 * Flag parsing shared by every command. Bad flags and unusable paths end the
 * process with exit code 2 and a one-line reason.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';

export class UsageError extends Error {}

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

/** Flags every command that reads OpenClaw history accepts. */
export const HISTORY_OPTIONS = {
  'state-dir': { type: 'string', multiple: true },
  'data-dir': { type: 'string' },
  'log-level': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies OptionSpec;

export function parse<T extends OptionSpec>(argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false });
  } catch (err) {
    // node's messages are one line already, e.g. "Unknown option '--foo'".
    throw new UsageError((err as Error).message.split('\n')[0]);
  }
}

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_STATE_HOME && path.isAbsolute(env.XDG_STATE_HOME) ? env.XDG_STATE_HOME : path.join(os.homedir(), '.local', 'state');
  return path.join(base, 'clawmeter');
}

/** Creates the data dir if needed and checks it is writable. */
export function usableDataDir(dir: string): string {
  const abs = path.resolve(dir);
  try {
    fs.mkdirSync(abs, { recursive: true });
    fs.accessSync(abs, fs.constants.W_OK | fs.constants.R_OK);
  } catch (err) {
    throw new UsageError(`--data-dir ${abs}: not usable (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return abs;
}

/** Explicit --state-dir values must be readable directories. */
export function checkStateDirs(dirs: string[]): void {
  for (const d of dirs) {
    let st: fs.Stats;
    try {
      st = fs.statSync(d);
    } catch (err) {
      throw new UsageError(`--state-dir ${d}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such directory' : 'not readable'}`);
    }
    if (!st.isDirectory()) throw new UsageError(`--state-dir ${d}: not a directory`);
    try {
      fs.accessSync(d, fs.constants.R_OK | fs.constants.X_OK);
    } catch {
      throw new UsageError(`--state-dir ${d}: not readable`);
    }
  }
}

export function positiveNumber(flag: string, v: string | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${flag} ${v}: expected a positive number`);
  return n;
}

export function logLevel(v: string | undefined): 'debug' | 'info' | 'warn' | 'error' | 'silent' {
  if (v === undefined) return 'info';
  if (['debug', 'info', 'warn', 'error', 'silent'].includes(v)) return v as 'info';
  throw new UsageError(`--log-level ${v}: expected debug, info, warn, error or silent`);
}
