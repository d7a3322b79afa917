/**
 * How the read-only commands (report, blocks, status, statusline) get a query
 * API over the ledger: normally they take the writer lock, run one ingest cycle
 * (a progress bar on a TTY during a long first ingest) and read; when another
 * process holds the lock (a running `serve`), or with --no-ingest, they open the
 * ledger read-only beside it and read what it has committed, without ingesting.
 * Also the time arguments these commands share (--since, --until, --tz).
 */
import { Ledger, LedgerLocked } from '../ledger/ledger.js';
import { LedgerReader } from '../ledger/readonly.js';
import { LedgerQuery } from '../query/index.js';
import { localDate, startOfLocalDay, addDays } from '../query/calendar.js';
import type { SettingValues } from '../settings/spec.js';
import { usageSettings } from '../settings/usage.js';
import type { Logger } from '../util/log.js';
import type { IngestStats } from '../ingest/stats.js';
import { UsageError, defaultDataDir, resolveStateDirs, usableDataDir } from './args.js';
import { parseTime } from './backfill.js';
import { localZone } from './zone.js';

export interface LedgerForReading {
  q: LedgerQuery;
  /** ingested: this command ran a cycle; alongside: another process holds the ledger; as-is: --no-ingest */
  mode: 'ingested' | 'alongside' | 'as-is';
  /** the cycle's source health (ingested mode only; a running serve keeps its own at /api/v1/sources/health) */
  stats: IngestStats | null;
  close(): void;
}

type Values = Partial<SettingValues>;

export async function openForReading(values: Values, env: NodeJS.ProcessEnv, log: Logger, o: { quiet?: boolean } = {}): Promise<LedgerForReading> {
  const dataDir = usableDataDir(values.dataDir ?? defaultDataDir(env));
  const usage = usageSettings(values);
  const readOnly = (mode: 'alongside' | 'as-is'): LedgerForReading => {
    let r: LedgerReader;
    try {
      r = LedgerReader.open(dataDir);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    r.refreshWindows(usage.windows, Date.now());
    return { q: new LedgerQuery(r), mode, stats: null, close: () => r.close() };
  };
  if (values.ingest === false) return readOnly('as-is');
  let ledger: Ledger;
  try {
    ledger = Ledger.open(dataDir, { log: (level, msg, f) => log.log(level, msg, f) });
  } catch (err) {
    if (err instanceof LedgerLocked) {
      if (!o.quiet) log.info('the ledger is in use by another process (a running serve?): reading it alongside, without ingesting', { holder: err.holder?.command ?? '' });
      return readOnly('alongside');
    }
    const e = err as Error;
    throw new UsageError(e.name.startsWith('Ledger') ? e.message : `--data-dir ${dataDir}: cannot open the ledger (${e.message.split('\n')[0]})`);
  }
  let stats: IngestStats | null = null;
  try {
    const found = resolveStateDirs(values.stateDir ?? [], env);
    if (found.found) {
      const bar = values.progress !== false && process.stderr.isTTY && log.level !== 'silent' ? process.stderr : null;
      // loaded only when a cycle runs: `statusline --no-ingest` stays small and fast
      const { createIngestor } = await import('../ingest/pipeline.js');
      const ingestor = createIngestor(ledger, () => found.stateDirs, { log, usage, progressBar: bar });
      const s = await ingestor.trigger();
      stats = ingestor.stats;
      if (s.result !== 'ok' && !o.quiet) log.warn(`ingest ${s.result}: reading what the ledger has`, { failures: s.failures.join('; ') });
    } else {
      ledger.refreshWindows(usage.windows, Date.now());
      if (!o.quiet) log.warn('no OpenClaw state directory found: reading the ledger as it is', { looked: found.looked.join(', ') });
    }
  } catch (err) {
    ledger.close();
    throw err;
  }
  return { q: new LedgerQuery(ledger), mode: 'ingested', stats, close: () => ledger.close() };
}

/** --tz, or the machine's zone. */
export function zoneOf(values: Values, env: NodeJS.ProcessEnv): string {
  return values.tz ?? localZone(env);
}

/**
 * --since/--until: a date (2026-03-29 or 20260329) is its local midnight in tz
 * (for --until, the end of that day); anything else as backfill reads it.
 */
export function reportTime(flag: 'since' | 'until', v: string, nowMs: number, tz: string): number {
  const m = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(v);
  if (m) {
    const date = { y: Number(m[1]), m: Number(m[2]), d: Number(m[3]) };
    if (date.m < 1 || date.m > 12 || date.d < 1 || date.d > 31) throw new UsageError(`--${flag} ${v}: not a date`);
    return startOfLocalDay(tz, flag === 'until' ? addDays(date, 1) : date);
  }
  return parseTime(flag, v, nowMs);
}

/** The local date (YYYY-MM-DD) of an instant in tz, for labels. */
export function localDay(ms: number, tz: string): string {
  const d = localDate(tz, ms);
  return `${String(d.y).padStart(4, '0')}-${String(d.m).padStart(2, '0')}-${String(d.d).padStart(2, '0')}`;
}
