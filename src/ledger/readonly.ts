/**
 * A read-only view of a ledger for the commands that only read (report, blocks,
 * status, statusline) while another process (a running `serve`) holds the writer
 * lock: a `readonly` SQLite connection to the same WAL file, without the lock,
 * that loads the same read model the writer keeps in memory (totals, cursors, the
 * session, auth and quota snapshots) and computes the rolling windows itself. It
 * never writes: no integrity repair (the writer does that), no schema change.
 *
 * Both this class and Ledger satisfy LedgerReadModel, the part of a ledger the
 * query API (src/query/) reads, so every query works on either.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Cursor } from '../model.js';
import { LedgerUnavailable } from './errors.js';
import { LedgerReads } from './reads.js';
import { Snapshots } from './snapshots.js';
import type { AuthRow, QuotaRow, SessionRow, TotalsRow, WindowRow } from './types.js';
import { WindowBuckets } from './window-buckets.js';
import { hasTable } from './tables.js';

/** What the query API reads from a ledger, writer or read-only. */
export interface LedgerReadModel {
  readonly reads: LedgerReads;
  totals(): Iterable<TotalsRow>;
  get(key: string): Cursor | undefined;
  activeSessions(): SessionRow[];
  authProfiles(): AuthRow[];
  quota(): QuotaRow[];
  windows(): WindowRow[];
  lastCallTimestampMs(): number | null;
  firstCallTimestampMs(): number | null;
  callCount(): number;
}

export class LedgerReader implements LedgerReadModel {
  readonly file: string;
  readonly reads: LedgerReads;
  private readonly snaps: Snapshots;
  /** cursors read so far, one key at a time (quotaView asks for one; no command iterates them) */
  private readonly cursors = new Map<string, Cursor | undefined>();
  private readonly cursorStmt: Database.Statement;
  private totalsRows: TotalsRow[] | null = null;
  private readonly buckets: WindowBuckets;
  private windowRows: WindowRow[] = [];
  private lastMs: number | null = null;
  private rows = 0;
  private firstMs: number | null | undefined = undefined;

  private constructor(
    file: string,
    private readonly db: Database.Database,
    now: () => number,
  ) {
    this.file = file;
    this.reads = new LedgerReads(db);
    this.snaps = new Snapshots(db);
    this.buckets = new WindowBuckets(db, now);
    this.cursorStmt = db.prepare(`SELECT value FROM cursors WHERE key = ?`);
    for (const m of db.prepare(`SELECT key, value FROM meta WHERE key IN ('last_call_ms', 'call_rows')`).all() as Array<{ key: string; value: string }>) {
      if (m.key === 'last_call_ms') this.lastMs = Number(m.value);
      if (m.key === 'call_rows') this.rows = Number(m.value);
    }
  }

  /**
   * Opens dataDir's ledger read-only, without the writer lock. Throws
   * LedgerUnavailable when there is no ledger yet or the file is not one.
   */
  static open(dataDir: string, opts: { now?: () => number } = {}): LedgerReader {
    const file = path.join(dataDir, 'ledger.sqlite');
    if (!fs.existsSync(file)) throw new LedgerUnavailable(file, 'no ledger yet', "run 'clawmeter ingest' or 'clawmeter serve' first");
    let db: Database.Database | null = null;
    try {
      db = new Database(file, { readonly: true, fileMustExist: true });
      db.pragma('busy_timeout = 5000');
      if (!hasTable(db, 'call_buckets')) throw new LedgerUnavailable(file, 'not a current clawmeter ledger (no call_buckets table)');
      return new LedgerReader(file, db, opts.now ?? Date.now);
    } catch (err) {
      db?.close();
      if (err instanceof LedgerUnavailable) throw err;
      throw new LedgerUnavailable(file, `cannot read (${(err as Error).message.split('\n')[0]})`);
    }
  }

  /** Computes the rolling windows (the writer's ingest loop does this for its own read model). */
  refreshWindows(windows: Array<{ name: string; ms: number }>, nowMs: number): void {
    this.windowRows = this.buckets.refresh(windows, nowMs);
  }

  /** The totals rows, read on first use (a statusline never needs them). */
  totals(): Iterable<TotalsRow> {
    this.totalsRows ??= (this.db.prepare(`SELECT row_json FROM totals`).all() as Array<{ row_json: string }>).map((r) => JSON.parse(r.row_json) as TotalsRow);
    return this.totalsRows;
  }

  get(key: string): Cursor | undefined {
    if (!this.cursors.has(key)) {
      const r = this.cursorStmt.get(key) as { value: string } | undefined;
      this.cursors.set(key, r ? (JSON.parse(r.value) as Cursor) : undefined);
    }
    return this.cursors.get(key);
  }

  activeSessions(): SessionRow[] {
    return this.snaps.activeSessions();
  }

  authProfiles(): AuthRow[] {
    return this.snaps.authProfiles();
  }

  quota(): QuotaRow[] {
    return this.snaps.quota();
  }

  windows(): WindowRow[] {
    return this.windowRows;
  }

  lastCallTimestampMs(): number | null {
    return this.lastMs;
  }

  firstCallTimestampMs(): number | null {
    if (this.firstMs === undefined) this.firstMs = this.reads.firstCallMs();
    return this.firstMs;
  }

  callCount(): number {
    return this.rows;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
