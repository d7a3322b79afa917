/**
 * Command dispatch for `clawmeter <command>`. Every expected failure prints one
 * line `clawmeter: <what>: <why>` and exits 2; anything unexpected prints one line
 * too (the stack trace only with --log-level debug) and exits 1.
 */
import { EXIT_HELP, UsageError } from './args.js';
import type { ServeHandle } from './serve.js';
import { onStopSignals } from './signals.js';
import { LedgerLocked, LedgerUnavailable } from '../ledger/errors.js';
import { version } from './version.js';
import { SettingsError } from '../settings/types.js';

// Each command's module is loaded when it runs: a restart of `serve` does not pay for
// the OpenTelemetry SDK (otel backfill), the report tables or the demo generator
// (about 140 ms of module loading; docs/benchmarks.md, fourth round).
const serveModule = () => import('./serve.js');

function mainHelp(): string {
  return `Usage: clawmeter <command> [options]

Commands:
  serve     ingest OpenClaw history in the background and serve Prometheus /metrics (default)
  ingest    read new history into the ledger once and print a summary
  backfill  write the ledger's history as timestamped OpenMetrics (for promtool tsdb create-blocks-from)
  otel      'clawmeter otel backfill --since 30d': export older calls as OTLP spans (docs/otlp.md)
  report    usage tables: clawmeter report daily|weekly|monthly|session|model|agent|channel|window
  blocks    5-hour usage blocks per provider, the active one with burn rate and limit projection
  status    one-screen summary of windows, quota, cost, auth and health, with exit codes for alerting
  statusline  one short line for a shell prompt or tmux (window %, reset, cost today)
  ledger    ledger maintenance: 'clawmeter ledger rebuild' re-reads the history into a new ledger
  demo      write a generated, realistic OpenClaw state directory (for trying clawmeter out)
  config    config check: print the effective settings (flags > environment > config file > defaults)
  help      show help for a command: clawmeter help serve

Run 'clawmeter <command> --help' for a command's options. Version ${version()}.

${EXIT_HELP}`;
}

const HELP: Record<string, () => Promise<string>> = {
  serve: async () => (await serveModule()).SERVE_HELP,
  ingest: async () => (await import('./ingest.js')).INGEST_HELP,
  demo: async () => (await import('./demo.js')).DEMO_HELP,
  config: async () => (await import('./config.js')).CONFIG_HELP,
  backfill: async () => (await import('./backfill.js')).BACKFILL_HELP,
  ledger: async () => (await import('./ledger.js')).LEDGER_CMD_HELP,
  otel: async () => (await import('./otel.js')).OTEL_HELP,
  report: async () => (await import('./report.js')).REPORT_HELP,
  blocks: async () => (await import('./blocks.js')).BLOCKS_HELP,
  status: async () => (await import('./status.js')).STATUS_HELP,
  statusline: async () => (await import('./statusline-help.js')).STATUSLINE_HELP,
};

function debugRequested(argv: string[]): boolean {
  return argv.some((a, i) => /^--log[.-]level=debug$/.test(a) || (/^--log[.-]level$/.test(a) && argv[i + 1] === 'debug'));
}

/**
 * Runs `serve` until a stop signal. Handlers are installed before start-up, so a
 * signal that arrives while it starts stops it as soon as it has started.
 */
async function serveUntilStopped(argv: string[]): Promise<number> {
  let handle: ServeHandle | null = null;
  let requested: string | null = null;
  let finish: (code: number) => void = () => undefined;
  const finished = new Promise<number>((resolve) => (finish = resolve));
  const stop = (sig: string) => {
    const h = handle!;
    const t0 = performance.now();
    void h.stop().then(() => {
      h.log.info('stopped; what was read is committed', { signal: sig, seconds: ((performance.now() - t0) / 1000).toFixed(3) });
      finish(0);
    });
  };
  const signals = onStopSignals((sig) => {
    requested = sig;
    if (handle) stop(sig);
  });
  try {
    handle = await (await serveModule()).serve(argv);
    if (!handle) return 0;
    if (requested) stop(requested);
    return await finished;
  } finally {
    signals.dispose();
  }
}

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case undefined:
      case 'serve':
        return await serveUntilStopped(rest);
      case 'ingest':
        return await (await import('./ingest.js')).ingestOnce(rest);
      case 'backfill':
        return await (await import('./backfill.js')).backfill(rest);
      case 'ledger':
        return await (await import('./ledger.js')).ledgerCommand(rest);
      case 'otel':
        return await (await import('./otel.js')).otelCommand(rest);
      case 'demo':
        return (await import('./demo.js')).demoCommand(rest);
      case 'report':
        return await (await import('./report.js')).reportCommand(rest);
      case 'blocks':
        return await (await import('./blocks.js')).blocksCommand(rest);
      case 'status':
        return await (await import('./status.js')).statusCommand(rest);
      case 'statusline':
        return await (await import('./statusline.js')).statuslineCommand(rest);
      case 'config':
        return (await import('./config.js')).configCommand(rest);
      case 'help':
      case '--help':
      case '-h': {
        const topic = cmd === 'help' ? rest[0] : undefined;
        process.stdout.write(topic && HELP[topic] ? await HELP[topic]() : mainHelp());
        return 0;
      }
      case '--version':
      case '-v':
        process.stdout.write(version() + '\n');
        return 0;
      default:
        throw new UsageError(`unknown command '${cmd}' (try: clawmeter --help)`);
    }
  } catch (err) {
    if (err instanceof UsageError || err instanceof SettingsError || err instanceof LedgerLocked || err instanceof LedgerUnavailable) {
      process.stderr.write(`clawmeter: ${err.message}\n`);
      return 2;
    }
    const e = err as Error;
    process.stderr.write(`clawmeter: internal error: ${String(e?.message ?? e).split('\n')[0]}\n`);
    if (debugRequested(argv) && e?.stack) process.stderr.write(e.stack + '\n');
    return 1;
  }
}
