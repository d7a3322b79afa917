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
import { OWNER_FILE, readOwner, selfOwner, writeOwner, type LockOwner, type OwnerApi } from './owner.js';

export const LOCK_FILE = 'ledger.lock';
export { OWNER_FILE, readOwner, type LockOwner, type OwnerApi } from './owner.js';

/** Creates a file with mode 0600 if missing, and forces 0600 either way. */
export function privateFile(file: string): void {
  fs.closeSync(fs.openSync(file, 'a', 0o600));
  fs.chmodSync(file, 0o600);
}

export class WriterLock {
  private constructor(
    private readonly db: Database.Database,
    readonly dataDir: string,
    private readonly owner: LockOwner,
  ) {}

  /**
   * Whether another process holds dataDir's writer lock right now (a probe that
   * takes and drops the lock at once; false when there is no lock file yet).
   */
  static heldElsewhere(dataDir: string): boolean {
    const file = path.join(dataDir, LOCK_FILE);
    if (!fs.existsSync(file)) return false;
    let db: Database.Database | null = null;
    try {
      db = new Database(file, { timeout: 0, fileMustExist: true });
      db.exec('BEGIN EXCLUSIVE');
      db.exec('ROLLBACK');
      return false;
    } catch (err) {
      // anything but "busy" (an unreadable lock file, say) is for the real open to report
      const code = (err as { code?: string }).code ?? '';
      return code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED');
    } finally {
      db?.close();
    }
  }

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
    const lock = new WriterLock(db, dataDir, selfOwner());
    try {
      writeOwner(dataDir, lock.owner);
    } catch {
      // the side file is informative only; the lock is what counts
    }
    return lock;
  }

  /** Adds where this process's JSON API answers to the side file (while the lock is held). */
  advertise(api: OwnerApi): void {
    if (!this.db.open) return;
    try {
      writeOwner(this.dataDir, { ...this.owner, api });
    } catch {
      // informative only: statusline then reads the ledger itself
    }
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
