/**
 * `clawmeter config check [--config FILE] [serve flags]`: resolves the settings
 * `serve` would run with (flags > environment > config file > defaults), validates
 * them, and prints them as YAML nested like the config file, each value with where
 * it came from; secrets are redacted. Exit 0 when valid, 2 with one line when not.
 */
import YAML from 'yaml';
import { optionsHelp } from '../settings/help.js';
import { resolveSettings, settingsFor } from '../settings/resolve.js';
import { EXIT_HELP, UsageError } from './args.js';

export const CONFIG_HELP = `Usage: clawmeter config check [options]

Print the effective settings of 'clawmeter serve' (flags > environment > config file >
defaults), each with its origin, secrets redacted. Takes every serve option:

${optionsHelp('serve')}
${EXIT_HELP}`;

export function configCommand(argv: string[], env: NodeJS.ProcessEnv = process.env): number {
  const [sub, ...rest] = argv;
  if (sub === '--help' || sub === '-h' || sub === undefined) {
    process.stdout.write(CONFIG_HELP);
    return sub === undefined ? 2 : 0;
  }
  if (sub !== 'check') throw new UsageError(`config ${sub}: unknown subcommand (try: clawmeter config check)`);
  const r = resolveSettings('serve', rest, env);
  if (r.help) {
    process.stdout.write(CONFIG_HELP);
    return 0;
  }
  const doc = new YAML.Document({});
  for (const [name, d] of settingsFor('serve')) {
    if (d.flagOnly) continue;
    const v = r.values[name];
    const shown = d.secret && v !== null ? '<redacted>' : v;
    const pathParts = d.key.split('.');
    const node = doc.createNode(shown);
    node.comment = ` ${r.origins[name]}`;
    doc.setIn(pathParts, node);
  }
  const header = `# effective settings of 'clawmeter serve'${r.configFile ? ` (config file ${r.configFile})` : ''}; each value's origin follows it\n`;
  process.stdout.write(header + doc.toString({ nullStr: '~' }));
  return 0;
}
