/**
 * The checkpoint thread of a ledger (checkpointer.ts): its own connection to the
 * ledger file, used for nothing but `PRAGMA wal_checkpoint(PASSIVE)` when the
 * writer asks. It never writes a row, never takes the writer lock, and a PASSIVE
 * checkpoint never blocks the writer; it only copies committed WAL frames into the
 * main file (and syncs it), the work that otherwise runs inside the writer's COMMIT.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const { file, done } = workerData as { file: string; done: SharedArrayBuffer };
const flag = new Int32Array(done);
const db = new Database(file, { fileMustExist: true });
db.pragma('busy_timeout = 5000');
db.pragma('cache_size = -256'); // a checkpoint copies WAL frames; it needs no page cache of its own

parentPort!.on('message', (m: 'checkpoint' | 'close') => {
  if (m === 'checkpoint') {
    try {
      db.pragma('wal_checkpoint(PASSIVE)');
    } catch (err) {
      parentPort!.postMessage({ error: (err as Error).message });
    }
    parentPort!.postMessage('checkpointed');
    return;
  }
  db.close();
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
  process.exit(0);
});
