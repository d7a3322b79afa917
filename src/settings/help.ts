/**
 * Text generated from the settings spec: the options part of each command's
 * --help, and docs/configuration.md (a test fails when the committed file and the
 * spec disagree; `npm run build:docs` rewrites it).
 */
import { ALL_SETTINGS } from './spec.js';
import { settingsFor } from './resolve.js';
import type { Command, SettingDef } from './types.js';

const COL = 25;
const WIDTH = 100;

function defaultText(d: SettingDef): string | null {
  if (d.defaultText) return d.defaultText;
  if (d.type === 'boolean' || d.default === null) return null;
  return Array.isArray(d.default) ? d.default.join(',') : String(d.default);
}

function wrap(text: string, indent: number, first: number): string[] {
  const words = text.split(' ');
  const lines: string[] = [];
  let line = '';
  let room = WIDTH - first;
  for (const w of words) {
    if (line && line.length + 1 + w.length > room) {
      lines.push(line);
      line = w;
      room = WIDTH - indent;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) lines.push(line);
  return lines;
}

function describe(d: SettingDef): string {
  const extras: string[] = [];
  const dt = defaultText(d);
  if (d.choices) extras.push(`one of ${d.choices.join(', ')}`);
  if (d.min !== undefined && d.type === 'number') extras.push(`minimum ${d.min}`);
  if (dt !== null) extras.push(`default ${dt}`);
  for (const e of d.env ?? []) extras.push(e.note ? `${e.name} ${e.note}` : `env ${e.name}`);
  if (d.aliases?.length) extras.push(`also --${d.aliases.join(', --')}`);
  return extras.length ? `${d.help} (${extras.join('; ')})` : d.help;
}

/** The Options block of `clawmeter <command> --help`. */
export function optionsHelp(command: Command): string {
  const out: string[] = [];
  for (const [, d] of settingsFor(command)) {
    const head = `  --${d.flag}${d.type === 'boolean' ? '' : ` ${d.arg ?? 'VALUE'}`}`;
    const body = wrap(describe(d), COL, Math.max(COL, head.length + 2));
    if (head.length + 2 > COL) {
      out.push(head);
      out.push(...body.map((l) => ' '.repeat(COL) + l));
    } else {
      out.push(head.padEnd(COL) + body[0]);
      out.push(...body.slice(1).map((l) => ' '.repeat(COL) + l));
    }
  }
  out.push('  -h, --help'.padEnd(COL) + 'show this help');
  return out.join('\n') + '\n';
}

function cell(s: string): string {
  return s.replace(/\|/g, '\\|');
}

/** docs/configuration.md, whole. */
export function configurationDoc(): string {
  const rows = ALL_SETTINGS.map(([, d]) => {
    const flags = [d.flag, ...(d.aliases ?? [])].map((f) => `\`--${f}\``).join(', ');
    const env = (d.env ?? []).map((e) => `\`${e.name}\`${e.note ? ` (${e.note})` : ''}`).join(', ');
    const key = d.flagOnly ? '' : `\`${d.key}\``;
    const dt = defaultText(d);
    const def = d.type === 'boolean' ? `\`${String(d.default)}\`` : dt === null ? '' : d.defaultText ? dt : `\`${dt}\``;
    const type = d.choices ? d.choices.map((c) => `\`${c}\``).join(' \\| ') : d.type === 'strings' ? 'list of strings' : d.type;
    return `| ${flags} | ${env} | ${key} | ${type} | ${def} | ${d.commands.join(', ')} | ${cell(d.help)} |`;
  });
  return `# Configuration

<!-- Generated from src/settings/spec.ts by \`npm run build:docs\`; a test fails when they differ. -->

Every setting can be given as a flag, some as an environment variable, and all but \`--config\`
in a YAML (or JSON) config file passed with \`--config FILE\`. Precedence: **flag > environment
variable > config file > default**. Config keys nest as the flags' namespaces do:
\`--log.level debug\` is \`log: {level: debug}\`, \`--web.listen-address\` is
\`web: {listenAddress: ...}\`, a flag without a namespace is a top-level key in camelCase
(\`--max-models\` is \`maxModels\`, \`--no-watch\` is \`watch: false\`). Unknown keys and bad values
are rejected with the key's path and exit code 2. The older flag names (\`--listen\`,
\`--log-level\`, \`--log-format\`) keep working as aliases.

\`clawmeter config check [--config FILE] [flags]\` prints the effective settings of \`serve\`,
each with where it came from (flag, env, file or default), secrets redacted.

Example:

\`\`\`yaml
web:
  listenAddress: 127.0.0.1:9099
log:
  level: info
  format: json
stateDir: [/home/me/.openclaw]
interval: 10
maxModels: 40
windows: 5h,7d
\`\`\`

| flag | environment | config key | type | default | commands | meaning |
|---|---|---|---|---|---|---|
${rows.join('\n')}
`;
}
