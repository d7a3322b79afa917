/**
 * Whether the ledger can be written, kept by the ledger itself: every commit that
 * fails (disk full, file system read-only, I/O error, database busy or corrupt)
 * is counted by reason and turns the ledger "not writable" until the next commit
 * succeeds. The reason comes from the SQLite or system error code; an SQLite I/O
 * or unclear error is refined by asking the file system (a probe write answers
 * EROFS on a read-only disk, ENOSPC on a full one). Readiness, the
 * `clawmeter_ledger_*` metrics and the sources/health API read this state; a
 * failed commit leaves neither calls nor cursors, so the next cycle re-reads the
 * same input and nothing is lost once the disk is writable again.
 */
import fs from 'node:fs';
import path from 'node:path';

/** Bounded label values of clawmeter_ledger_write_errors_total. */
export const LEDGER_WRITE_REASONS = ['disk_full', 'read_only', 'io_error', 'busy', 'corrupt', 'other'] as const;
export type LedgerWriteReason = (typeof LEDGER_WRITE_REASONS)[number];

export interface LedgerWriteState {
  /** false from a failed commit until the next one succeeds (true before any write) */
  writable: boolean;
  /** failed commits by reason, over the process lifetime */
  errors: Record<LedgerWriteReason, number>;
  /** the last failure, one line (the SQLite or system message; no data, no other paths) */
  lastError: { reason: LedgerWriteReason; message: string; atMs: number } | null;
  /** Unix ms of the last commit that succeeded */
  lastSuccessMs: number | null;
}

/** A commit that failed; `reason` is one of LEDGER_WRITE_REASONS. */
export class LedgerWriteError extends Error {
  constructor(
    readonly reason: LedgerWriteReason,
    message: string,
    override readonly cause: unknown,
  ) {
    super(message);
    this.name = 'LedgerWriteError';
  }
}

/**
 * Asks the file system why a write failed: a tiny probe file in the data dir. An ext4
 * that remounted itself read-only after an error still reports the mount as rw (and
 * access(W_OK) succeeds), so only a real write tells; EROFS/EACCES/EPERM mean
 * read-only, ENOSPC/EDQUOT full, EIO an I/O error. null when the probe is written.
 */
function probe(dataDir: string): LedgerWriteReason | null {
  const file = path.join(dataDir, '.write-probe');
  try {
    fs.writeFileSync(file, 'x');
    fs.rmSync(file, { force: true });
    return null;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EROFS' || code === 'EACCES' || code === 'EPERM') return 'read_only';
    if (code === 'ENOSPC' || code === 'EDQUOT') return 'disk_full';
    if (code === 'EIO') return 'io_error';
    return null;
  }
}

/** The reason of a failed write, from the error's code (and the file system, for vague ones). */
export function writeReason(err: unknown, dataDir: string): LedgerWriteReason {
  const code = String((err as { code?: unknown } | null)?.code ?? '');
  if (code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT') return 'disk_full';
  if (code.startsWith('SQLITE_READONLY') || code === 'EROFS' || code === 'SQLITE_PERM') return 'read_only';
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return 'busy';
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') return 'corrupt';
  if (code.startsWith('SQLITE_IOERR') || code.startsWith('SQLITE_CANTOPEN') || code === 'EIO') return probe(dataDir) ?? 'io_error';
  return probe(dataDir) ?? 'other';
}

export class WriteHealth {
  private state: LedgerWriteState = {
    writable: true,
    errors: Object.fromEntries(LEDGER_WRITE_REASONS.map((r) => [r, 0])) as Record<LedgerWriteReason, number>,
    lastError: null,
    lastSuccessMs: null,
  };

  constructor(
    private readonly dataDir: string,
    private readonly now: () => number,
  ) {}

  get view(): Readonly<LedgerWriteState> {
    return this.state;
  }

  ok(): void {
    this.state.writable = true;
    this.state.lastSuccessMs = this.now();
  }

  /** Records a failed commit; returns the error to throw. */
  failed(err: unknown): LedgerWriteError {
    if (err instanceof LedgerWriteError) return err;
    const reason = writeReason(err, this.dataDir);
    const message = String((err as Error)?.message ?? err).split('\n')[0].slice(0, 200);
    this.state.writable = false;
    this.state.errors[reason]++;
    this.state.lastError = { reason, message, atMs: this.now() };
    return new LedgerWriteError(reason, message, err);
  }
}
