/**
 * `clawmeter ledger rebuild`: the way back from a ledger that cannot be opened
 * (empty, truncated, corrupt). The old file is kept aside, never deleted, and the
 * history is read again into a new ledger by the same pipeline `ingest` uses; a
 * JSON summary goes to stdout.
 */
import { Ledger } from '../ledger/ledger.js';
import { createIngestor } from '../ingest/pipeline.js';
import { LEDGER_HELP, LEDGER_OPTIONS, resolveUsageOptions } from '../quota/cli-options.js';
import { discoverStateDirs } from '../sources/discover.js';
import { Logger } from '../util/log.js';
import { HISTORY_OPTIONS, UsageError, checkStateDirs, defaultDataDir, logLevel, parse, usableDataDir } from './args.js';

export const LEDGER_CMD_HELP = `Usage: clawmeter ledger rebuild [options]

Move the ledger aside (as ledger.sqlite.broken-<timestamp>, with its -wal/-shm
files) and read the whole OpenClaw history again into a new ledger. Use it when
clawmeter reports the ledger as unusable. Needs the ledger's writer lock: stop a
running 'clawmeter serve' on the same --data-dir first. Prints a JSON summary.

Options:
  --state-dir DIR        OpenClaw state directory (repeatable; default: discovered)
  --data-dir DIR         where the ledger lives (default: $XDG_STATE_HOME/clawmeter)
  --log-level LEVEL      debug, info, warn, error or silent (default info)
${LEDGER_HELP}  -h, --help             show this help
`;

export async function ledgerCommand(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    process.stdout.write(LEDGER_CMD_HELP);
    return sub === undefined ? 2 : 0;
  }
  if (sub !== 'rebuild') throw new UsageError(`ledger ${sub}: unknown subcommand (try: clawmeter ledger --help)`);
  const { values } = parse(rest, { ...HISTORY_OPTIONS, ...LEDGER_OPTIONS });
  if (values.help) {
    process.stdout.write(LEDGER_CMD_HELP);
    return 0;
  }
  const log = new Logger(logLevel(values['log-level']));
  const flags = values['state-dir'] ?? [];
  checkStateDirs(flags);
  const found = discoverStateDirs({ flags, env });
  if (found.stateDirs.length === 0) {
    throw new UsageError(`no OpenClaw state directory found (looked in ${found.looked.join(', ')}); pass --state-dir`);
  }
  const usage = resolveUsageOptions(values, env);
  const dataDir = usableDataDir(values['data-dir'] ?? defaultDataDir(env));
  const { ledger, movedAside } = Ledger.replace(dataDir, { log: (level, msg, f) => log[level](msg, f) });
  try {
    for (const p of movedAside) log.info('old ledger kept aside', { path: p });
    const ingestor = createIngestor(ledger, () => found.stateDirs, { log, usage });
    const s = await ingestor.trigger();
    const st = ingestor.stats;
    const out = {
      stateDirs: found.stateDirs,
      dataDir,
      movedAside,
      inserted: s.inserted,
      ledgerCalls: ledger.callCount(),
      filesRead: st.filesRead,
      linesRead: st.linesRead,
      bytesRead: st.bytesRead,
      issues: Object.fromEntries(st.issues),
      seconds: Number(s.durationSeconds.toFixed(3)),
    };
    process.stdout.write(JSON.stringify(out, null, 2) + '\n');
    return st.cyclesFailed > 0 ? 1 : 0;
  } finally {
    ledger.close();
  }
}
