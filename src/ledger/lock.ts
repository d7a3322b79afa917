/**
 * One writer per ledger. Node has no flock(), so the lock is SQLite's own: a tiny
 * side database `ledger.lock` held in an open EXCLUSIVE transaction for the life of
 * the process. SQLite takes POSIX advisory locks, which the kernel drops on any
 * exit (kill -9 included), so a dead holder never blocks anyone. A second writer
 * fails at once (busy timeout 0) with LedgerLocked naming the holder, read from the
 * plain side file `ledger.owner.json` the holder writes after taking the lock.
 *
 * The lock guards writers only: ledger.sqlite itself stays a normal WAL database,
 * so read-only openers can be added later without taking this lock.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { LedgerLocked } from './errors.js';

export const LOCK_FILE = 'ledger.lock';
export const OWNER_FILE = 'ledger.owner.json';

export interface LockOwner {
  pid: number;
  command: string;
  since: string;
}

/** Who the process is, without arguments (a flag value could be a secret). */
function selfOwner(): LockOwner {
  const script = process.argv[1] ? path.basename(process.argv[1]).replace(/\.js$/, '') : 'node';
  const sub = process.argv[2] && /^[a-z][a-z-]{0,20}$/.test(process.argv[2]) ? ` ${process.argv[2]}` : '';
  return { pid: process.pid, command: `${script}${sub}`, since: new Date().toISOString() };
}

/** Reads the holder's side file (bounded, tolerant of garbage). */
export function readOwner(dataDir: string): LockOwner | null {
  try {
    const fd = fs.openSync(path.join(dataDir, OWNER_FILE), fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    try {
      if (!fs.fstatSync(fd).isFile()) return null;
      const buf = Buffer.alloc(4096);
      const n = fs.readSync(fd, buf, 0, buf.length, 0);
      const o = JSON.parse(buf.toString('utf8', 0, n)) as Partial<LockOwner>;
      return {
        pid: typeof o.pid === 'number' ? o.pid : 0,
        command: typeof o.command === 'string' ? o.command.slice(0, 100) : '',
        since: typeof o.since === 'string' ? o.since.slice(0, 40) : '',
      };
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return null;
  }
}

/** Creates a file with mode 0600 if missing, and forces 0600 either way. */
export function privateFile(file: string): void {
  fs.closeSync(fs.openSync(file, 'a', 0o600));
  fs.chmodSync(file, 0o600);
}

export class WriterLock {
  private constructor(
    private readonly db: Database.Database,
    readonly dataDir: string,
  ) {}

  /** Takes the writer lock of dataDir or throws LedgerLocked at once. */
  static acquire(dataDir: string): WriterLock {
    const file = path.join(dataDir, LOCK_FILE);
    privateFile(file);
    const db = new Database(file, { timeout: 0 });
    try {
      db.exec('BEGIN EXCLUSIVE');
    } catch (err) {
      db.close();
      const code = (err as { code?: string }).code ?? '';
      if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) throw new LedgerLocked(dataDir, readOwner(dataDir));
      throw err;
    }
    const lock = new WriterLock(db, dataDir);
    const owner = path.join(dataDir, OWNER_FILE);
    try {
      fs.rmSync(owner, { force: true });
      fs.writeFileSync(owner, JSON.stringify(selfOwner()) + '\n', { mode: 0o600, flag: 'wx' });
    } catch {
      // the side file is informative only; the lock is what counts
    }
    return lock;
  }

  get held(): boolean {
    return this.db.open;
  }

  release(): void {
    if (!this.db.open) return;
    try {
      const o = readOwner(this.dataDir);
      if (o && o.pid === process.pid) fs.rmSync(path.join(this.dataDir, OWNER_FILE), { force: true });
    } catch {
      // ignore
    }
    this.db.close(); // closing drops the transaction and its lock
  }
}

/** Makes the data dir private (0700) whatever the umask; best effort on folders we do not own. */
export function privateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    fs.chmodSync(dir, 0o700);
  } catch {
    // not ours (e.g. a shared folder given as --data-dir): leave it
  }
}
