/**
 * `clawmeter ingest`: one ingest cycle into the ledger, then a JSON summary on
 * stdout. Useful for cron-style use, backfills and tests.
 */
import { Ledger } from '../ledger/ledger.js';
import { createIngestor } from '../ingest/pipeline.js';
import { LEDGER_HELP, LEDGER_OPTIONS, resolveUsageOptions } from '../quota/cli-options.js';
import { discoverStateDirs } from '../sources/discover.js';
import { Logger } from '../util/log.js';
import { HISTORY_OPTIONS, UsageError, checkStateDirs, defaultDataDir, logLevel, parse, usableDataDir } from './args.js';

export const INGEST_HELP = `Usage: clawmeter ingest [options]

Read new OpenClaw history into the ledger once and print a JSON summary.

Options:
  --state-dir DIR        OpenClaw state directory (repeatable; default: discovered)
  --data-dir DIR         where the ledger lives (default: $XDG_STATE_HOME/clawmeter)
  --log-level LEVEL      debug, info, warn, error or silent (default info)
${LEDGER_HELP}  -h, --help             show this help
`;

export async function ingestOnce(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { values } = parse(argv, { ...HISTORY_OPTIONS, ...LEDGER_OPTIONS });
  if (values.help) {
    process.stdout.write(INGEST_HELP);
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
  const ledger = Ledger.open(dataDir);
  try {
    const ingestor = createIngestor(ledger, () => found.stateDirs, { log, usage });
    const s = await ingestor.trigger();
    const st = ingestor.stats;
    const out = {
      stateDirs: found.stateDirs,
      dataDir,
      inserted: s.inserted,
      duplicates: s.duplicates,
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
