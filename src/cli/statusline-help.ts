/** `clawmeter statusline --help` (its own module: building it loads the settings help). */
import { optionsHelp } from '../settings/help.js';
import { EXIT_HELP } from './args.js';

export const STATUSLINE_HELP = `Usage: clawmeter statusline [options]

One short line for a shell prompt or tmux: window use and reset, cost today.
For example: anthropic 5h 42% ↻2h13m · $1.23 today

While a serve holds the ledger and answers plain HTTP, the line comes from it
(GET /api/v1/statusline); otherwise from the ledger, read as the other reports do.

Options:
${optionsHelp('statusline')}
${EXIT_HELP}`;
