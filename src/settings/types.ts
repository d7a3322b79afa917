/**
 * The shape of one setting in the settings spec (src/settings/spec.ts): its config
 * key, flag and aliases, environment variables, type, default, validation and help.
 * Every command's flags, its --help text, the config file's keys, `config check`
 * and docs/configuration.md come from these declarations, so each setting is
 * declared exactly once.
 */

export type Command = 'serve' | 'ingest' | 'rebuild' | 'backfill' | 'demo' | 'otel' | 'report' | 'blocks' | 'status' | 'statusline';

export type SettingType = 'string' | 'number' | 'boolean' | 'strings';

export type ValueOf<T extends SettingType> = T extends 'number' ? number : T extends 'boolean' ? boolean : T extends 'strings' ? string[] : string;

export interface EnvSource {
  name: string;
  /** Turns the variable's text into the setting's text (e.g. METRICS_PORT -> "127.0.0.1:PORT"). */
  map?: (raw: string) => string;
  /** Validates the variable's own text before map (a message, or null when fine). */
  check?: (raw: string) => string | null;
  /** How the variable reads in help and docs, when it is not the whole value. */
  note?: string;
}

export interface SettingDef<T extends SettingType = SettingType> {
  /** Config-file key, dotted by namespace: `web.listenAddress` is `web: {listenAddress: ...}`. */
  key: string;
  /** Primary flag without dashes, exporter style: `web.listen-address`. */
  flag: string;
  /** Older flag names that keep working. */
  aliases?: readonly string[];
  /** A boolean flag that sets the value to false (`no-watch` for `watch`). */
  negates?: boolean;
  /** Short flag letter, if any. */
  short?: string;
  env?: readonly EnvSource[];
  type: T;
  /** The default, or null when there is none (the setting is then optional). */
  default: ValueOf<T> | null;
  /** How the default reads in help when it is computed (e.g. "$XDG_STATE_HOME/clawmeter"). */
  defaultText?: string;
  /** Placeholder for the value in help: HOST:PORT, SECONDS, FILE. */
  arg?: string;
  help: string;
  commands: readonly Command[];
  /** Numbers: inclusive bounds and integrality. */
  min?: number;
  max?: number;
  integer?: boolean;
  /** Allowed values (strings). */
  choices?: readonly string[];
  /** Extra validation of a present value: a message ("expected ...") or null when fine. */
  check?: (v: ValueOf<T>) => string | null;
  /** Redacted in `config check` and never logged. */
  secret?: boolean;
  /** Not read from the config file (e.g. --config itself, --help). */
  flagOnly?: boolean;
  /** A `strings` setting whose config-file value may also be a mapping (`{name: value}` becomes `name=value` items). */
  mapping?: boolean;
}

/** Where an effective value came from. */
export type Origin = 'flag' | 'env' | 'file' | 'default';

/** An expected settings failure: one line naming the flag, variable or key, exit code 2. */
export class SettingsError extends Error {
  override name = 'SettingsError';
}
