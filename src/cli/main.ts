/**
 * Command dispatch for `clawmeter <command>`. Usage errors print one line and exit 2.
 */
import { UsageError } from './args.js';
import { INGEST_HELP, ingestOnce } from './ingest.js';
import { SERVE_HELP, serve } from './serve.js';
import { DEMO_HELP, demoCommand } from './demo.js';
import { LEDGER_CMD_HELP, ledgerCommand } from './ledger.js';
import { LedgerLocked, LedgerUnavailable } from '../ledger/errors.js';
import { version } from './version.js';

function mainHelp(): string {
  return `Usage: clawmeter <command> [options]

Commands:
  serve     ingest OpenClaw history in the background and serve Prometheus /metrics (default)
  ingest    read new history into the ledger once and print a summary
  ledger    ledger maintenance: 'clawmeter ledger rebuild' re-reads the history into a new ledger
  demo      write a generated, realistic OpenClaw state directory (for trying clawmeter out)
  help      show help for a command: clawmeter help serve

Run 'clawmeter <command> --help' for a command's options. Version ${version()}.
`;
}

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case undefined:
      case 'serve': {
        const h = await serve(rest);
        if (!h) return 0;
        await new Promise<void>((resolve) => {
          const stop = () => {
            process.off('SIGINT', stop);
            process.off('SIGTERM', stop);
            void h.stop().then(resolve);
          };
          process.on('SIGINT', stop);
          process.on('SIGTERM', stop);
        });
        return 0;
      }
      case 'ingest':
        return await ingestOnce(rest);
      case 'ledger':
        return await ledgerCommand(rest);
      case 'demo':
        return demoCommand(rest);
      case 'help':
      case '--help':
      case '-h': {
        const topic = cmd === 'help' ? rest[0] : undefined;
        const text = topic === 'serve' ? SERVE_HELP : topic === 'ingest' ? INGEST_HELP : topic === 'demo' ? DEMO_HELP : topic === 'ledger' ? LEDGER_CMD_HELP : mainHelp();
        process.stdout.write(text);
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
    if (err instanceof UsageError || err instanceof LedgerLocked || err instanceof LedgerUnavailable) {
      process.stderr.write(`clawmeter: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}
