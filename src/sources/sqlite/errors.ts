/**
 * Turns a failure to open or read an OpenClaw SQLite store into a bounded reason and
 * a one-line message that says what to do. Busy and locked stores are retried on the
 * next cycle (`store_busy`); everything else that keeps the store from being read is
 * `store_unavailable`.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { SkipReason } from '../../model.js';

export interface StoreProblem {
  reason: Extract<SkipReason, 'store_busy' | 'store_unavailable' | 'schema_unknown'>;
  detail: string;
}

/** SQLite result codes (better-sqlite3 `SqliteError.code`) that mean "someone else holds a lock right now". */
const BUSY_CODES = new Set([
  'SQLITE_BUSY',
  'SQLITE_BUSY_RECOVERY',
  'SQLITE_BUSY_SNAPSHOT',
  'SQLITE_BUSY_TIMEOUT',
  'SQLITE_LOCKED',
  'SQLITE_LOCKED_SHAREDCACHE',
  'SQLITE_PROTOCOL',
  // A read-only connection may not run WAL recovery itself; the writer will, soon.
  'SQLITE_READONLY_RECOVERY',
]);

export function errorCode(err: unknown): string {
  const e = err as { code?: unknown };
  return typeof e?.code === 'string' ? e.code : '';
}

export function isBusy(err: unknown): boolean {
  return BUSY_CODES.has(errorCode(err));
}

/** true for errors that come from SQLite or the file system (as opposed to bugs). */
export function isStoreError(err: unknown): boolean {
  const code = errorCode(err);
  return code.startsWith('SQLITE_') || /^E[A-Z]+$/.test(code);
}

/**
 * Classifies an error raised while opening or reading the store at `file`.
 * The detail is a single line meant for an operator.
 */
export function classifyStoreError(err: unknown, file: string): StoreProblem {
  const code = errorCode(err);
  const dir = path.dirname(file);
  const msg = ((err as Error)?.message ?? String(err)).split('\n')[0];
  if (BUSY_CODES.has(code)) {
    return {
      reason: 'store_busy',
      detail: `store is locked by another connection (${code}: ${msg}); nothing was lost, clawmeter retries on the next cycle`,
    };
  }
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) {
    return {
      reason: 'store_unavailable',
      detail:
        `not a readable SQLite database (${code}); OpenClaw quarantines broken stores as *.corrupt-<ts> and rebuilds them: ` +
        `run "openclaw doctor" on this agent, clawmeter keeps its ledger and retries every cycle`,
    };
  }
  if (code === 'SQLITE_READONLY_CANTINIT' || code === 'SQLITE_READONLY_DIRECTORY' || code === 'SQLITE_READONLY_CANTLOCK') {
    return {
      reason: 'store_unavailable',
      detail:
        `cannot set up WAL shared memory (${code}): make ${dir} writable for the clawmeter user so SQLite can create the -shm file, ` +
        `or run clawmeter as the user that runs OpenClaw`,
    };
  }
  if (code === 'SQLITE_CANTOPEN' || code.startsWith('SQLITE_CANTOPEN_')) {
    const why = diagnoseCantOpen(file);
    if (why) return { reason: 'store_unavailable', detail: why };
  }
  if (code === 'SQLITE_CANTOPEN' || code.startsWith('SQLITE_CANTOPEN_') || code.startsWith('SQLITE_IOERR')) {
    return {
      reason: 'store_unavailable',
      detail:
        `cannot open the store (${code}: ${msg}): check that the clawmeter user can read ${file} and write ${dir} ` +
        `(a read-only WAL reader must create or map ${path.basename(file)}-shm; on a read-only mount, mount it read-write ` +
        `or let OpenClaw run so the -shm file exists)`,
    };
  }
  if (code === 'SQLITE_PERM' || code === 'SQLITE_AUTH' || code === 'EACCES' || code === 'EPERM') {
    return {
      reason: 'store_unavailable',
      detail: `permission denied (${code}): give the clawmeter user read access to ${file} and write access to ${dir}, or run it as the OpenClaw user`,
    };
  }
  if (code === 'SQLITE_ERROR' && /no such (table|column)/i.test(msg)) {
    return { reason: 'schema_unknown', detail: `store schema changed while reading (${msg}); retrying next cycle` };
  }
  return { reason: 'store_unavailable', detail: `cannot read the store (${code || 'error'}: ${msg}); retrying next cycle` };
}

/** Why a store cannot be opened, from what the file system says (null when it does not tell). */
function diagnoseCantOpen(file: string): string | null {
  const dir = path.dirname(file);
  const shm = `${file}-shm`;
  const access = (p: string, mode: number): string | null => {
    try {
      fs.accessSync(p, mode);
      return null;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code ?? 'error';
    }
  };
  const read = access(file, fs.constants.R_OK);
  if (read === 'EACCES' || read === 'EPERM') {
    return `permission denied reading ${file}: run clawmeter as the user that runs OpenClaw, or give the clawmeter user read access to it and write access to ${dir}`;
  }
  if (!fs.existsSync(shm)) {
    const write = access(dir, fs.constants.W_OK);
    if (write === 'EROFS') {
      return `${dir} is on a read-only mount and ${path.basename(shm)} does not exist, so a read-only WAL reader cannot start: mount it read-write for the clawmeter user (SQLite only creates the -wal and -shm files; the database is never written), or read while OpenClaw is running`;
    }
    if (write) {
      return `cannot create ${path.basename(shm)} (${write}): make ${dir} writable for the clawmeter user so SQLite can create the -shm file, or run clawmeter as the user that runs OpenClaw`;
    }
  } else if (access(shm, fs.constants.R_OK)) {
    return `cannot read ${shm}: run clawmeter as the user that runs OpenClaw, or give the clawmeter user read access to the store's -wal and -shm files`;
  }
  return null;
}
