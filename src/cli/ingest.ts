/**
 * `clawmeter ingest`: one ingest cycle into the ledger, then a JSON summary on
 * stdout. Useful for cron-style use, backfills and tests. A signal stops it at
 * the next batch boundary with what was read committed; a source that could not be
 * read makes it exit 1 with one line on stderr.
 */
import { createIngestor } from '../ingest/pipeline.js';
import { optionsHelp } from '../settings/help.js';
import { resolveSettings } from '../settings/resolve.js';
import { EXIT, EXIT_HELP } from './args.js';
import { openLedger } from './open-ledger.js';
import { onStopSignals } from './signals.js';
import { historySetup } from './history-setup.js';

export const INGEST_HELP = `Usage: clawmeter ingest [options]

Read new OpenClaw history into the ledger once and print a JSON summary.

Options:
${optionsHelp('ingest')}
${EXIT_HELP}`;

export async function ingestOnce(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { values, help } = resolveSettings('ingest', argv, env);
  if (help) {
    process.stdout.write(INGEST_HELP);
    return 0;
  }
  const { log, stateDirs, usage, dataDir, bar } = historySetup(values, env);
  const ledger = openLedger(dataDir, log);
  const ingestor = createIngestor(ledger, () => stateDirs, { log, usage, progressBar: bar });
  const signals = onStopSignals((sig) => {
    log.info('stopping at the next batch boundary', { signal: sig });
    void ingestor.stop();
  });
  try {
    const s = await ingestor.trigger();
    const st = ingestor.stats;
    const out = {
      stateDirs,
      dataDir,
      result: s.result,
      interrupted: s.interrupted,
      inserted: s.inserted,
      duplicates: s.duplicates,
      ledgerCalls: ledger.callCount(),
      filesRead: st.filesRead,
      linesRead: st.linesRead,
      bytesRead: st.bytesRead,
      issues: Object.fromEntries(st.issues),
      failures: s.failures,
      seconds: Number(s.durationSeconds.toFixed(3)),
    };
    process.stdout.write(JSON.stringify(out, null, 2) + '\n');
    if (signals.received) {
      log.info('stopped; what was read is committed', { signal: signals.received, calls: s.inserted });
      return 128 + signals.number;
    }
    if (s.result !== 'ok') {
      process.stderr.write(`clawmeter: ingest ${s.result}: ${s.failures.length} source(s) failed: ${s.failures.join('; ')}\n`);
      return EXIT.sourceFailed;
    }
    return EXIT.ok;
  } finally {
    signals.dispose();
    ledger.close();
  }
}
