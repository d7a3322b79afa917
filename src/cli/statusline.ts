/**
 * `clawmeter statusline`: one short line for a shell prompt or tmux: the most
 * used provider-reported windows with their reset countdowns (else messages in
 * the rolling window), and cost today (src/query/statusline.ts). It runs on
 * every prompt, so it loads as little as it can (bench/statusline.ts measures it):
 *   1. a running serve that advertises its API in ledger.owner.json answers it
 *      (no SQLite loaded at all);
 *   2. with --no-ingest, or while another process holds the ledger, it opens
 *      the ledger read-only and reads only what the line needs;
 *   3. otherwise it runs an ingest cycle first, as the reports do.
 * Without --tz, today starts at the machine's local midnight (Date, not Intl,
 * whose time-zone data alone costs ~20 ms to load).
 */
import { parseWindow, type WindowSpec } from '../ledger/windows.js';
import { isAlive, readOwner } from '../ledger/owner.js';
import { resolveSettings } from '../settings/resolve.js';
import type { SettingValues } from '../settings/spec.js';
import { defaultDataDir, usableDataDir } from './data-dir.js';
import { machineZoneName } from './zone-name.js';

const FALLBACK_WINDOW: WindowSpec = { name: '5h', ms: 5 * 3_600_000 };

/** The first valid window of --windows (what the other readers call windows[0]). */
export function firstWindow(list: string | null | undefined): WindowSpec {
  for (const part of (list ?? '5h,7d').split(',')) {
    const w = part.trim() ? parseWindow(part) : null;
    if (w) return w;
  }
  return FALLBACK_WINDOW;
}

export async function statuslineCommand(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { values, help, origins } = resolveSettings('statusline', argv, env);
  if (help) {
    process.stdout.write((await import('./statusline-help.js')).STATUSLINE_HELP);
    return 0;
  }
  const dataDir = usableDataDir(values.dataDir ?? defaultDataDir(env));
  const window = firstWindow(values.windows);
  const owner = readOwner(dataDir);
  if (owner?.api && isAlive(owner.pid)) {
    const { askServe } = await import('./ask-serve.js');
    const tz = values.tz ?? machineZoneName(env) ?? (await import('./zone.js')).localZone(env);
    const line = await askServe(owner.api, { tz, window: window.name });
    if (values.logLevel === 'debug') process.stderr.write(`statusline: ${line === null ? 'no usable answer from' : 'answered by'} serve pid ${owner.pid} at ${owner.api.url}\n`);
    if (line !== null) {
      process.stdout.write(line + '\n');
      return 0;
    }
  }
  const { readStatusLine } = await import('./statusline-read.js');
  process.stdout.write((await readStatusLine(values as Partial<SettingValues>, origins.logLevel === 'default', env, dataDir, window)) + '\n');
  return 0;
}
