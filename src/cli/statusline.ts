/**
 * `clawmeter statusline`: one short line for a shell prompt or tmux: the most
 * used provider-reported window with its reset countdown (else messages in the
 * rolling window), and cost today. Fast: it runs the cheap part of the summary
 * only (a few quarter-hour sums and the in-memory quota), under 100 ms warm.
 */
import { LedgerQuery } from '../query/index.js';
import { periodStartMs } from '../query/summary.js';
import { optionsHelp } from '../settings/help.js';
import { resolveSettings } from '../settings/resolve.js';
import { usageSettings } from '../settings/usage.js';
import { EXIT_HELP, loggerFrom } from './args.js';
import { openForReading, zoneOf } from './read-ledger.js';
import { fmtIn } from './status.js';

export const STATUSLINE_HELP = `Usage: clawmeter statusline [options]

One short line for a shell prompt or tmux: window use and reset, cost today.
For example: anthropic 5h 42% ↻2h13m · $1.23 today

Options:
${optionsHelp('statusline')}
${EXIT_HELP}`;

export function statusLine(q: LedgerQuery, o: { nowMs: number; tz: string; window: { name: string; ms: number } }): string {
  const now = o.nowMs;
  const parts: string[] = [];
  const quota = q.quotaView(now).windows.sort((a, b) => b.usedRatio - a.usedRatio);
  for (const w of quota.slice(0, 2)) {
    parts.push(`${w.provider} ${w.window} ${Math.round(100 * w.usedRatio)}%${w.resetsAtMs !== null ? ` ↻${fmtIn(w.resetsAtMs - now)}` : ''}`);
  }
  if (parts.length === 0) {
    const t = q.totals({ from: now - o.window.ms, to: now + 1 })[0];
    parts.push(`${o.window.name} ${t.messages} msgs`);
  }
  const today = q.totals({ from: periodStartMs(now, 'day', o.tz), to: now + 1 })[0];
  parts.push(`$${today.costUsd.toFixed(2)} today`);
  return parts.join(' · ');
}

export async function statuslineCommand(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { values, help, origins } = resolveSettings('statusline', argv, env);
  if (help) {
    process.stdout.write(STATUSLINE_HELP);
    return 0;
  }
  const log = loggerFrom({ ...values, logLevel: origins.logLevel === 'default' ? 'error' : values.logLevel });
  const l = await openForReading(values, env, log, { quiet: true });
  try {
    const windows = usageSettings(values).windows;
    process.stdout.write(statusLine(l.q, { nowMs: Date.now(), tz: zoneOf(values, env), window: windows[0] ?? { name: '5h', ms: 5 * 3_600_000 } }) + '\n');
    return 0;
  } finally {
    l.close();
  }
}
