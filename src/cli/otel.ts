/**
 * `clawmeter otel backfill --since TIME`: exports the ledger's older calls as
 * spans on request (by default `serve` sends only calls from the moment span
 * export was enabled), to the traces endpoint the otel settings resolve, each call
 * once (what was sent before is skipped; a refused batch is not recorded, so
 * running it again continues). It records what it sent, so it needs the ledger's
 * writer lock: while `serve` holds it, it stops with one line saying what to do.
 */
import fs from 'node:fs';
import path from 'node:path';
import { IngestStats } from '../ingest/stats.js';
import { LEDGER_FILE } from '../ledger/ledger.js';
import { MetricsCollector } from '../metrics/collector.js';
import { ProcessMetrics } from '../metrics/process.js';
import { optionsHelp } from '../settings/help.js';
import { otelConfig } from '../settings/otel.js';
import { resolveSettings } from '../settings/resolve.js';
import { OtlpSink } from '../sinks/otlp/sink.js';
import { EXIT_HELP, UsageError, defaultDataDir, loggerFrom, usableDataDir } from './args.js';
import { parseTime } from './backfill.js';
import { openLedger } from './open-ledger.js';
import { version } from './version.js';

export const OTEL_HELP = `Usage: clawmeter otel backfill --since TIME [options]

Export the ledger's calls from TIME on as OTLP spans (openclaw.run, openclaw.model.usage,
openclaw.model.call) to the configured traces endpoint, each call once. 'serve' with
otel.enabled sends only calls from the moment span export was enabled; this reaches back.
Stop 'serve' first (the ledger has one writer).

Options:
${optionsHelp('otel')}
${EXIT_HELP}`;

export async function otelCommand(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h') {
    process.stdout.write(OTEL_HELP);
    return sub === undefined ? 2 : 0;
  }
  if (sub !== 'backfill') throw new UsageError(`otel ${sub}: unknown subcommand (try: clawmeter otel backfill --since 30d)`);
  const { values, help } = resolveSettings('otel', rest, env);
  if (help) {
    process.stdout.write(OTEL_HELP);
    return 0;
  }
  if (!values.since) throw new UsageError('otel backfill: --since is required (an ISO time, Unix seconds or a duration such as 30d)');
  const config = otelConfig(values, env);
  if (!config.signals.traces) throw new UsageError('otel backfill: otel.traces is false, nothing to export');
  const log = loggerFrom(values);
  const sinceMs = parseTime('since', values.since, Date.now());
  const dataDir = values.dataDir ?? defaultDataDir(env);
  if (!fs.existsSync(path.join(dataDir, LEDGER_FILE))) throw new UsageError(`--data-dir ${dataDir}: no ledger there (run 'clawmeter ingest' or 'serve' first)`);
  const ledger = openLedger(usableDataDir(dataDir), log, (e) => {
    const who = e.holder?.pid ? `pid ${e.holder.pid}${e.holder.command ? ` (${e.holder.command})` : ''}` : 'another process';
    return `otel backfill: the ledger in ${dataDir} is in use by ${who}: stop that 'clawmeter serve', run the backfill, then start serve again (no span is sent twice)`;
  });
  const pm = new ProcessMetrics();
  try {
    const collector = new MetricsCollector(ledger, new IngestStats(), { version: version(), demo: false, showAccountEmails: false, processMetrics: pm });
    const sink = new OtlpSink({ config, collector, ledger, log, version: version(), instanceKey: ledger.file });
    const shipper = sink.traceShipper(ledger);
    const r = await shipper.ship(sinceMs);
    await shipper.shutdown();
    const what = `${r.spans} spans of ${r.runs} runs (${r.sampledOut} sampled out) since ${new Date(sinceMs).toISOString()} to ${config.endpoints.traces}`;
    if (!r.ok) {
      process.stderr.write(`clawmeter: otel backfill: the collector refused a batch after ${what}; run it again to continue\n`);
      return 1;
    }
    process.stdout.write(`clawmeter: exported ${what}\n`);
    return 0;
  } finally {
    pm.stop();
    ledger.close();
  }
}
