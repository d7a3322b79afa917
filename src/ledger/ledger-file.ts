/**
 * The ledger's file under its writer lock: open (creating it when absent) or
 * replace (`clawmeter ledger rebuild`: the old file and its -wal/-shm moved aside,
 * a new one in its place, the OTLP export marks carried over when the old file
 * can still be read). Either way the lock is taken first and released again when
 * anything fails before a Ledger adopts the connection.
 */
import fs from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { LedgerUnavailable } from './errors.js';
import { WriterLock, privateDir } from './lock.js';
import { isCorruption, openLedgerFile } from './schema.js';
import { carryOverExportMarks, type CarriedMarks } from './span-exports.js';

export const LEDGER_FILE = 'ledger.sqlite';

/** An open ledger file and its lock, until something adopts them. */
export interface LockedFile {
  file: string;
  /** Hands the connection and lock to `make`; on a throw both are released (a corrupt file: LedgerUnavailable). */
  adopt<T>(make: (db: Database.Database, lock: WriterLock) => T): T;
}

function locked(file: string, db: Database.Database, lock: WriterLock): LockedFile {
  return {
    file,
    adopt(make) {
      try {
        return make(db, lock);
      } catch (err) {
        db.close();
        lock.release();
        if (isCorruption(err)) throw new LedgerUnavailable(file, `the database is corrupt (${(err as Error).message})`);
        throw err;
      }
    },
  };
}

/**
 * Opens (creating if needed) the ledger file in dataDir under its writer lock.
 * Throws LedgerLocked when another process holds it, LedgerUnavailable when the
 * file is not a usable ledger.
 */
export function openFile(dataDir: string, now: () => number): LockedFile {
  privateDir(dataDir);
  const file = path.join(dataDir, LEDGER_FILE);
  const lock = WriterLock.acquire(dataDir);
  try {
    return locked(file, openLedgerFile(file, now()), lock);
  } catch (err) {
    lock.release();
    if (isCorruption(err)) throw new LedgerUnavailable(file, `the database is corrupt (${(err as Error).message})`);
    throw err;
  }
}

/** Moves the ledger file aside and opens a new one in its place, under the lock. */
export function replaceFile(dataDir: string, now: () => number): LockedFile & { movedAside: string[]; carried: CarriedMarks | null; carryError?: string } {
  privateDir(dataDir);
  const file = path.join(dataDir, LEDGER_FILE);
  const lock = WriterLock.acquire(dataDir);
  let db: Database.Database | null = null;
  try {
    const stamp = new Date(now()).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
    const movedAside: string[] = [];
    for (const suffix of ['', '-wal', '-shm']) {
      const from = file + suffix;
      if (!fs.existsSync(from)) continue;
      const to = `${file}.broken-${stamp}${suffix}`;
      fs.renameSync(from, to);
      movedAside.push(to);
    }
    db = openLedgerFile(file, now());
    let carried: CarriedMarks | null = null;
    let carryError: string | undefined;
    if (movedAside.length > 0 && movedAside[0] === `${file}.broken-${stamp}`) {
      try {
        carried = carryOverExportMarks(db, movedAside[0]);
      } catch (err) {
        carryError = (err as Error).message.split('\n')[0];
      }
    }
    return { ...locked(file, db, lock), movedAside, carried, ...(carryError ? { carryError } : {}) };
  } catch (err) {
    db?.close();
    lock.release();
    throw err;
  }
}
