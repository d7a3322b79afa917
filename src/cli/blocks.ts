/**
 * `clawmeter blocks`: the 5-hour usage blocks of every provider (blocks-data.ts),
 * the active one with its burn rate and the projected time the provider's window
 * limit is hit, as a table or --json.
 */
import { optionsHelp } from '../settings/help.js';
import { resolveSettings } from '../settings/resolve.js';
import { EXIT_HELP, UsageError, loggerFrom } from './args.js';
import { buildBlocks, type Block } from './blocks-data.js';
import { openForReading, reportTime, zoneOf } from './read-ledger.js';
import { splitList } from './report.js';
import { renderTable } from './table.js';

export const BLOCKS_HELP = `Usage: clawmeter blocks [options]

5-hour usage blocks for every provider (a block starts at the whole hour of the
first call after the previous one ended). The active block shows its burn rate
(tokens and messages per hour) and when the provider's window limit is hit at
that rate: from the provider-reported usage where known, else an estimate from
the plan's published limit (labelled). Default range: the last 7 days.

Options:
${optionsHelp('blocks')}
${EXIT_HELP}`;

const int = (n: number) => Math.round(n).toLocaleString('en-US');

function clock(ms: number | null, tz: string): string {
  if (ms === null) return '–';
  return new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(ms)).replace(',', '');
}

export function renderBlocks(blocks: Block[], tz: string, o: { width?: number; color: boolean }): string {
  if (blocks.length === 0) return 'No usage in this range.\n';
  const rows = blocks.map((b) => [
    b.provider,
    clock(b.startMs, tz),
    b.active ? 'ACTIVE' : '',
    int(b.messages),
    int(b.errors),
    int(b.totalTokens),
    '$' + b.costUsd.toFixed(2),
    b.burn ? `${int(b.burn.tokensPerHour)} tok/h, ${b.burn.messagesPerHour} msg/h` : '',
  ]);
  let out = renderTable(
    [{ header: 'provider', keep: true }, { header: `start (${tz})`, keep: true }, { header: '' }, { header: 'messages', align: 'right', priority: 5 }, { header: 'errors', align: 'right', priority: 3 },
      { header: 'tokens', align: 'right', priority: 4 }, { header: 'cost', align: 'right', priority: 4 }, { header: 'burn rate', priority: 6 }],
    rows,
    o,
  );
  for (const b of blocks.filter((x) => x.active)) {
    const p = b.projection!;
    const used = p.usedRatio === null ? '' : ` ${(100 * p.usedRatio).toFixed(1)}% used${p.basis === 'estimate' ? ' (estimate)' : ' (provider-reported)'};`;
    const hit = p.limitAtMs === null ? p.note : `${p.note}: ${clock(p.limitAtMs, tz)}`;
    out += `active ${b.provider} block ends ${clock(b.endMs, tz)};${used} ${hit}${p.resetsAtMs !== null ? `; window resets ${clock(p.resetsAtMs, tz)}` : ''}.\n`;
  }
  return out;
}

export async function blocksCommand(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { values, help, origins } = resolveSettings('blocks', argv, env);
  if (help) {
    process.stdout.write(BLOCKS_HELP);
    return 0;
  }
  const log = loggerFrom({ ...values, logLevel: origins.logLevel === 'default' ? 'warn' : values.logLevel });
  const tz = zoneOf(values, env);
  const now = Date.now();
  const l = await openForReading(values, env, log);
  try {
    const from = values.since ? reportTime('since', values.since, now, tz) : now - 7 * 86_400_000;
    const to = values.until && values.until !== 'now' ? reportTime('until', values.until, now, tz) : now + 1;
    if (!(to > from)) throw new UsageError('--since must be before --until');
    const where = { agent: splitList(values.agent), provider: splitList(values.provider), model: splitList(values.model), channel: splitList(values.channel) };
    let blocks: Block[];
    try {
      blocks = buildBlocks(l.q, { from, to, nowMs: now, where });
    } catch (err) {
      if (err instanceof RangeError) throw new UsageError(err.message);
      throw err;
    }
    if (values.json) process.stdout.write(JSON.stringify({ generatedAtMs: now, tz, from, to, read: l.mode, blocks }, null, 2) + '\n');
    else {
      const tty = Boolean(process.stdout.isTTY);
      process.stdout.write(renderBlocks(blocks, tz, { width: tty ? process.stdout.columns : undefined, color: tty && !env.NO_COLOR }));
    }
    return 0;
  } finally {
    l.close();
  }
}
