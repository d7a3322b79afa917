/**
 * The statusline read from the ledger itself (no serve answered): read-only and
 * minimal with --no-ingest or while another process holds the writer lock (only
 * the quota snapshot and two quarter-hour sums), else after an ingest cycle like
 * the other reports (read-ledger.ts, loaded only then).
 */
import { WriterLock } from '../ledger/lock.js';
import { LedgerReader } from '../ledger/readonly.js';
import type { WindowSpec } from '../ledger/windows.js';
import { LedgerQuery } from '../query/index.js';
import { statusLine } from '../query/statusline.js';
import { periodStartMs } from '../query/summary.js';
import type { SettingValues } from '../settings/spec.js';
import { UsageError } from './data-dir.js';
import { localMidnightMs } from './zone-name.js';

type Values = Partial<SettingValues>;

function lineOf(q: LedgerQuery, values: Values, window: WindowSpec): string {
  const nowMs = Date.now();
  // --tz or the machine's zone: Date's local time is that zone (TZ, else the system's), as zone.ts resolves it
  const dayStartMs = values.tz ? periodStartMs(nowMs, 'day', values.tz) : localMidnightMs(nowMs);
  return statusLine(q, { nowMs, dayStartMs, window });
}

export async function readStatusLine(values: Values, defaultLogLevel: boolean, env: NodeJS.ProcessEnv, dataDir: string, window: WindowSpec): Promise<string> {
  if (values.ingest === false || WriterLock.heldElsewhere(dataDir)) {
    let r: LedgerReader;
    try {
      r = LedgerReader.open(dataDir);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    try {
      return lineOf(new LedgerQuery(r), values, window);
    } finally {
      r.close();
    }
  }
  const { openForReading } = await import('./read-ledger.js');
  const { loggerFrom } = await import('./args.js');
  const log = loggerFrom({ ...values, logLevel: defaultLogLevel ? 'error' : values.logLevel });
  const l = await openForReading(values, env, log, { quiet: true });
  try {
    return lineOf(l.q, values, window);
  } finally {
    l.close();
  }
}
