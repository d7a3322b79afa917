/**
 * WAL checkpoints off the writer's thread (issue 9: a COMMIT that crossed SQLite's
 * auto-checkpoint threshold also copied the WAL into the main file and synced it,
 * 40-100 ms on a loaded machine, with every scrape waiting behind it).
 *
 * Once started (by the first stepped commit: a backfill), the writer's connection
 * stops checkpointing itself (`wal_autocheckpoint = 0`) and, after each commit
 * that left more than CHECKPOINT_BYTES of frames not yet copied into the main file, asks the
 * checkpoint thread (checkpoint-worker.ts) for a PASSIVE checkpoint. One request is
 * in flight at a time; requests meanwhile are coalesced. The frames waiting are read
 * from the wal-index header in the `-shm` file (mxFrame - nBackfill, the layout
 * sqlite.org/walformat.html documents): the WAL file's size says nothing once it has
 * grown, because SQLite reuses it from the start without shrinking it. Without a
 * readable `-shm` (another VFS or locking mode) the WAL size is the signal. Crash
 * safety is SQLite's own: a checkpoint only copies committed frames, and a kill at
 * any moment leaves a WAL that the next open replays.
 *
 * On a nearly full disk (under LOW_DISK_BYTES free where the ledger lives, as after a
 * disk-full episode) each commit is followed by a TRUNCATE checkpoint on the writer
 * itself: a WAL left to grow there takes the room its own checkpoint needs to grow the
 * main file, and a ledger of 1.9 MB with a 2.5 MB WAL on a 4 MB disk could then never
 * checkpoint again, not even at close (the faults-disk test). It costs a synchronous
 * checkpoint per commit, only while the disk is that full.
 *
 * close() stops the thread synchronously (its connection closed before the
 * writer's, so the writer's close still checkpoints and removes the WAL as
 * before); the thread is unref'd, so it never keeps a process alive. If the thread
 * fails, the writer goes back to checkpointing itself.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';

/**
 * WAL bytes waiting that make a checkpoint worth asking for: SQLite's default threshold
 * (1,000 pages of 4 KiB), kept in bytes whatever the ledger's page size (16 KiB for a
 * new ledger, schema.ts PAGE_SIZE; 4 KiB for one made before), so the WAL stays as small.
 */
const CHECKPOINT_BYTES = 4 * 1024 * 1024;
/** wal-index header (walformat.html): mxFrame at byte 16 of the first copy, nBackfill at 96 (checkpoint info); native byte order. */
const MX_FRAME_AT = 16;
const N_BACKFILL_AT = 96;
const CLOSE_WAIT_MS = 5000;
/** Free bytes on the ledger's file system under which every commit is checkpointed at once (TRUNCATE). */
const LOW_DISK_BYTES = 64 * 1024 * 1024;

/** Bytes free to an unprivileged writer on the file system holding `dir`; null when it cannot be told. */
function freeBytes(dir: string): number | null {
  try {
    const s = fs.statfsSync(dir);
    return s.bavail * s.bsize;
  } catch {
    return null;
  }
}

/** Frames in the WAL not yet copied into the main file, from the `-shm` file; null when it cannot be read. */
export function pendingFrames(file: string): number | null {
  let fd: number | null = null;
  try {
    fd = fs.openSync(`${file}-shm`, 'r');
    const head = Buffer.alloc(N_BACKFILL_AT + 4);
    if (fs.readSync(fd, head, 0, head.length, 0) < head.length) return null;
    const le = os.endianness() === 'LE';
    const mx = le ? head.readUInt32LE(MX_FRAME_AT) : head.readUInt32BE(MX_FRAME_AT);
    const backfilled = le ? head.readUInt32LE(N_BACKFILL_AT) : head.readUInt32BE(N_BACKFILL_AT);
    return mx >= backfilled ? mx - backfilled : mx; // nBackfill > mxFrame: the WAL restarted since
  } catch {
    return null;
  } finally {
    if (fd !== null) fs.closeSync(fd);
  }
}

export class Checkpointer {
  private worker: Worker | null = null;
  private readonly done = new SharedArrayBuffer(4);
  private busy = false;
  private again = false;
  /** WAL frames (one page each, of the ledger's page size, fixed when the file was made) that hold CHECKPOINT_BYTES. */
  private readonly frames: number;

  constructor(
    private readonly db: Database.Database,
    private readonly file: string,
    private readonly notify: (level: 'warn', msg: string, fields: Record<string, unknown>) => void,
  ) {
    this.frames = Math.max(1, Math.floor(CHECKPOINT_BYTES / (db.pragma('page_size', { simple: true }) as number)));
  }

  /** Checkpoints the thread has completed. */
  checkpoints = 0;
  private idleWaiters: Array<() => void> = [];

  get running(): boolean {
    return this.worker !== null;
  }

  /** Resolves when no checkpoint is in flight or asked for (tests). */
  whenIdle(): Promise<void> {
    const w = this.worker;
    if (!this.busy || !w) return Promise.resolve();
    w.ref(); // the wait itself keeps the process alive
    return new Promise<void>((r) => this.idleWaiters.push(r)).finally(() => w.unref());
  }

  /** Starts the checkpoint thread (idempotent). */
  start(): void {
    if (this.worker) return;
    const w = new Worker(new URL('./checkpoint-worker.js', import.meta.url), {
      workerData: { file: this.file, done: this.done },
      execArgv: [],
      // It only runs one pragma: a small heap keeps the thread's memory small.
      resourceLimits: { maxOldGenerationSizeMb: 8, maxYoungGenerationSizeMb: 1, stackSizeMb: 1 },
    });
    w.on('message', (m: unknown) => {
      if (m === 'checkpointed') {
        this.busy = false;
        this.checkpoints++;
        if (this.again) {
          this.again = false;
          this.request();
        } else for (const r of this.idleWaiters.splice(0)) r();
      } else if (m && typeof m === 'object' && 'error' in m) {
        this.notify('warn', 'WAL checkpoint failed; will retry', { error: String((m as { error: unknown }).error) });
      }
    });
    w.on('error', (err) => this.fail(err));
    w.on('exit', () => {
      if (this.worker === w) this.fail(new Error('checkpoint thread exited'));
    });
    w.unref(); // after the listeners: adding one refs the thread again
    this.worker = w;
    this.db.pragma('wal_autocheckpoint = 0');
  }

  /** Checkpoints asked of the thread (not counting requests coalesced into one in flight). */
  requests = 0;

  /** After a commit: a checkpoint if many frames wait to be copied (coalesced while one runs). */
  afterCommit(): void {
    const free = freeBytes(path.dirname(this.file));
    if (free !== null && free < LOW_DISK_BYTES) {
      this.truncateNow();
      return;
    }
    if (!this.worker) return;
    const pending = pendingFrames(this.file);
    if (pending !== null) {
      if (pending >= this.frames) this.request();
      return;
    }
    let size = 0;
    try {
      size = fs.statSync(`${this.file}-wal`).size;
    } catch {
      return;
    }
    if (size >= CHECKPOINT_BYTES) this.request();
  }

  /** Copies the whole WAL into the main file and empties it, on the writer's connection (the commit stands whatever happens here). */
  private truncateNow(): void {
    // No waiting for readers or the checkpoint thread (busy: the next commit tries again).
    const timeout = this.db.pragma('busy_timeout', { simple: true }) as number;
    try {
      this.db.pragma('busy_timeout = 0');
      this.db.pragma('wal_checkpoint(TRUNCATE)');
    } catch (err) {
      this.notify('warn', 'WAL checkpoint on a nearly full disk failed; will retry after the next commit', { error: (err as Error).message });
    } finally {
      this.db.pragma(`busy_timeout = ${timeout}`);
    }
  }

  private request(): void {
    if (!this.worker) return;
    if (this.busy) {
      this.again = true;
      return;
    }
    this.busy = true;
    this.requests++;
    this.worker.postMessage('checkpoint');
  }

  private fail(err: Error): void {
    if (!this.worker) return;
    this.worker = null;
    this.busy = false;
    for (const r of this.idleWaiters.splice(0)) r();
    this.notify('warn', 'checkpoint thread stopped; the writer checkpoints itself', { error: err.message });
    if (this.db.open) this.db.pragma(`wal_autocheckpoint = ${this.frames}`);
  }

  /** Stops the thread and waits (bounded) until its connection is closed. */
  close(): void {
    const w = this.worker;
    if (!w) return;
    this.worker = null;
    this.busy = false;
    for (const r of this.idleWaiters.splice(0)) r();
    w.postMessage('close');
    Atomics.wait(new Int32Array(this.done), 0, 0, CLOSE_WAIT_MS);
    void w.terminate();
  }
}
