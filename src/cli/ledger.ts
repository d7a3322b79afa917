/**
 * `clawmeter ledger rebuild`: the way back from a ledger that cannot be opened
 * (empty, truncated, corrupt). The old file is kept aside, never deleted, and the
 * history is read again into a new ledger by the same pipeline `ingest` uses; a
 * JSON summary goes to stdout.
 */
import { Ledger } from '../ledger/ledger.js';
import { createIngestor } from '../ingest/pipeline.js';
import { optionsHelp } from '../settings/help.js';
import { resolveSettings } from '../settings/resolve.js';
import { EXIT_HELP, UsageError } from './args.js';
import { onStopSignals } from './signals.js';
import { historySetup } from './history-setup.js';

export const LEDGER_CMD_HELP = `Usage: clawmeter ledger rebuild [options]

Move the ledger aside (as ledger.sqlite.broken-<timestamp>, with its -wal/-shm
files) and read the whole OpenClaw history again into a new ledger. Use it when
clawmeter reports the ledger as unusable. Needs the ledger's writer lock: stop a
running 'clawmeter serve' on the same --data-dir first. Prints a JSON summary.

Options:
${optionsHelp('rebuild')}
${EXIT_HELP}`;

export async function ledgerCommand(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    process.stdout.write(LEDGER_CMD_HELP);
    return sub === undefined ? 2 : 0;
  }
  if (sub !== 'rebuild') throw new UsageError(`ledger ${sub}: unknown subcommand (try: clawmeter ledger --help)`);
  const { values, help } = resolveSettings('rebuild', rest, env);
  if (help) {
    process.stdout.write(LEDGER_CMD_HELP);
    return 0;
  }
  const { log, stateDirs, usage, dataDir, bar } = historySetup(values, env);
  const { ledger, movedAside, carried, carryError } = Ledger.replace(dataDir, { log: (level, msg, f) => log.log(level, msg, f) });
  try {
    for (const p of movedAside) log.info('old ledger kept aside', { path: p });
    if (carried) log.info('OTLP export marks carried over: spans and log records sent before are not sent again', { spans: carried.spans, logFiles: carried.logCursors });
    if (carryError) log.warn('OTLP export marks could not be read from the old ledger: spans sent before may be sent again', { error: carryError });
    const ingestor = createIngestor(ledger, () => stateDirs, { log, usage, progressBar: bar });
    const signals = onStopSignals(() => void ingestor.stop());
    const s = await ingestor.trigger().finally(() => signals.dispose());
    const st = ingestor.stats;
    const out = {
      stateDirs,
      dataDir,
      movedAside,
      otelMarksCarried: carried ? carried.spans : null,
      inserted: s.inserted,
      ledgerCalls: ledger.callCount(),
      filesRead: st.filesRead,
      linesRead: st.linesRead,
      bytesRead: st.bytesRead,
      issues: Object.fromEntries(st.issues),
      result: s.result,
      interrupted: s.interrupted,
      failures: s.failures,
      seconds: Number(s.durationSeconds.toFixed(3)),
    };
    process.stdout.write(JSON.stringify(out, null, 2) + '\n');
    if (signals.received) return 128 + signals.number;
    if (s.result !== 'ok') {
      process.stderr.write(`clawmeter: rebuild ${s.result}: ${s.failures.length} source(s) failed: ${s.failures.join('; ')}\n`);
      return 1;
    }
    return 0;
  } finally {
    ledger.close();
  }
}
