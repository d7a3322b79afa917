/**
 * The ledger's write health (src/ledger/write-health.ts): reasons from SQLite and
 * system error codes, refined by a probe write into the data dir for vague ones;
 * a real ledger whose commit fails throws a LedgerWriteError, turns not writable,
 * counts the reason and keeps neither calls nor cursors of the failed commit; the
 * next commit that succeeds makes it writable again. (The disk full and read-only
 * cases on real file systems: faults-disk and faults-readonly.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Ledger } from '../src/ledger/ledger.js';
import { LEDGER_WRITE_REASONS, LedgerWriteError, writeReason } from '../src/ledger/write-health.js';
import type { CommitCall } from '../src/ledger/types.js';
import { tmpDir } from './helpers.js';

test('write reasons from error codes', () => {
  const dir = tmpDir();
  const r = (code: string) => writeReason(Object.assign(new Error('x'), { code }), dir);
  assert.equal(r('SQLITE_FULL'), 'disk_full');
  assert.equal(r('ENOSPC'), 'disk_full');
  assert.equal(r('SQLITE_READONLY'), 'read_only');
  assert.equal(r('SQLITE_READONLY_DBMOVED'), 'read_only');
  assert.equal(r('EROFS'), 'read_only');
  assert.equal(r('SQLITE_BUSY'), 'busy');
  assert.equal(r('SQLITE_CORRUPT'), 'corrupt');
  assert.equal(r('SQLITE_NOTADB'), 'corrupt');
  // vague codes ask the file system: this one is writable
  assert.equal(r('SQLITE_IOERR_WRITE'), 'io_error');
  assert.equal(r('SOMETHING_ELSE'), 'other');
  assert.equal(writeReason(null, dir), 'other');
  assert.deepEqual([...LEDGER_WRITE_REASONS], ['disk_full', 'read_only', 'io_error', 'busy', 'corrupt', 'other']);
});

test('a failed commit: LedgerWriteError, not writable, counted, nothing kept; the next commit heals it', () => {
  const ledger = Ledger.open(tmpDir());
  try {
    const call = (k: string): CommitCall => ({
      dedupeKey: k, tsMs: Date.now() - 1000, agent: 'main', compatKind: 'main', kind: 'direct', channel: 'telegram', chatType: 'direct',
      provider: 'p', model: 'm', input: 1, output: 1, cacheRead: 0, cacheWrite: 0, costUsd: null, costEstimated: false,
      stopReason: 'stop', errorCategory: null, latencyMs: null, source: 'jsonl',
    }) as CommitCall;
    assert.equal(ledger.writeHealth.view.writable, true);
    ledger.commit({ calls: [call('a')], cursors: [['k', { offset: 1 } as never]] });
    const okAt = ledger.writeHealth.view.lastSuccessMs;
    assert.ok(okAt !== null);
    // A cursor value SQLite cannot bind makes the transaction throw half-way (after the call's insert).
    const bad = { calls: [call('b')], cursors: [['k2', { offset: 2n ** 70n } as never]] as Array<[string, never]> };
    assert.throws(() => ledger.commit(bad), (e: unknown) => e instanceof LedgerWriteError && e.reason === 'other' && !e.message.includes('\n'));
    const v = ledger.writeHealth.view;
    assert.equal(v.writable, false);
    assert.equal(v.errors.other, 1);
    assert.equal(v.lastError?.reason, 'other');
    assert.equal(ledger.callCount(), 1, 'nothing of the failed commit is kept');
    assert.equal(ledger.get('k2'), undefined);
    ledger.commit({ calls: [call('c')] });
    assert.equal(ledger.writeHealth.view.writable, true);
    assert.equal(ledger.writeHealth.view.errors.other, 1, 'the count stays');
    assert.equal(ledger.callCount(), 2);
  } finally {
    ledger.close();
  }
});
