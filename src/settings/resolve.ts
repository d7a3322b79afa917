/**
 * Effective settings for one command: flag > environment > config file > default,
 * each value validated by its declaration in the spec. Failures are one-line
 * SettingsErrors naming the flag (`--interval 0.001: ...`), the variable
 * (`CACHE_SEC=abc: ...`) or the config key's path (`config FILE: web.listenAddress: ...`).
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { createRequire } from 'node:module';
import type YAMLModule from 'yaml';
import { ALL_SETTINGS, SETTINGS, type SettingName, type SettingValues } from './spec.js';
import { SettingsError, type Command, type Origin, type SettingDef } from './types.js';

export interface Resolved {
  values: SettingValues;
  origins: Record<SettingName, Origin>;
  /** The config file read, if any. */
  configFile: string | null;
  help: boolean;
}

type Raw = string | number | boolean | string[] | unknown;

export function settingsFor(command: Command): Array<[SettingName, SettingDef]> {
  return ALL_SETTINGS.filter(([, d]) => d.commands.includes(command));
}

type OptionSpec = Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }>;

function optionsFor(command: Command): { options: OptionSpec; owner: Map<string, SettingName> } {
  const options: OptionSpec = { help: { type: 'boolean', short: 'h' } };
  const owner = new Map<string, SettingName>();
  for (const [name, d] of settingsFor(command)) {
    const o: OptionSpec[string] = { type: d.type === 'boolean' ? 'boolean' : 'string' };
    if (d.type === 'strings') o.multiple = true;
    if (d.short) o.short = d.short;
    for (const f of [d.flag, ...(d.aliases ?? [])]) {
      options[f] = o;
      owner.set(f, name);
    }
  }
  return { options, owner };
}

/** `--max-series -1` is a value, not a flag: join it so validation can say what is wrong with it. */
function joinNegativeValues(argv: string[], options: OptionSpec): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const spec = a.startsWith('--') && !a.includes('=') ? options[a.slice(2)] : undefined;
    if (spec?.type === 'string' && i + 1 < argv.length && /^-[\d.]/.test(argv[i + 1])) out.push(`${a}=${argv[++i]}`);
    else out.push(a);
  }
  return out;
}

/** Converts and validates one value; returns the message of what was expected on failure. */
export function coerce(d: SettingDef, raw: Raw): { ok: true; value: unknown } | { ok: false; why: string } {
  const fail = (why: string) => ({ ok: false as const, why });
  let v: unknown = raw;
  switch (d.type) {
    case 'boolean':
      if (typeof v === 'string' && /^(true|false|1|0)$/.test(v)) v = v === 'true' || v === '1';
      if (typeof v !== 'boolean') return fail('expected true or false');
      break;
    case 'number': {
      const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
      const range = [d.integer ? 'an integer' : 'a number', d.min !== undefined ? `from ${d.min}` : '', d.max !== undefined ? `to ${d.max}` : '']
        .filter(Boolean)
        .join(' ');
      if (!Number.isFinite(n) || (d.min !== undefined && n < d.min) || (d.max !== undefined && n > d.max) || (d.integer && !Number.isInteger(n))) {
        return fail(`expected ${d.integer && d.min === 1 && d.max === undefined ? 'a positive integer' : range}`);
      }
      v = n;
      break;
    }
    case 'strings':
      if (typeof v === 'string') v = [v];
      if (!Array.isArray(v) || v.some((x) => typeof x !== 'string' || x === '')) return fail('expected a list of non-empty strings');
      break;
    case 'string':
      if (typeof v === 'number') v = String(v);
      if (typeof v !== 'string' || v === '') return fail('expected a non-empty string');
      if (d.choices && !d.choices.includes(v)) return fail(`expected ${d.choices.slice(0, -1).join(', ')} or ${d.choices[d.choices.length - 1]}`);
      break;
  }
  const why = d.check?.(v as never) ?? null;
  return why ? fail(why) : { ok: true, value: v };
}

function show(v: Raw): string {
  return Array.isArray(v) ? v.join(',') : String(v);
}

/** Leaves of a parsed config document as dotted paths (arrays, and mappings at a `mapping` setting's key, are leaves). */
function leaves(doc: unknown, prefix = '', mappings: ReadonlySet<string> = new Set()): Array<[string, unknown]> {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return [[prefix, doc]];
  if (mappings.has(prefix)) return [[prefix, Object.entries(doc as Record<string, unknown>).map(([k, v]) => (typeof v === 'string' && k !== '' ? `${k}=${v}` : ''))]];
  const out: Array<[string, unknown]> = [];
  for (const [k, v] of Object.entries(doc as Record<string, unknown>)) out.push(...leaves(v, prefix ? `${prefix}.${k}` : k, mappings));
  return out;
}

/** Edit distance, for "did you mean" on a mistyped config key. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length];
}

export function readConfigFile(file: string): Map<string, unknown> {
  let text: string;
  try {
    const st = fs.statSync(file);
    if (!st.isFile()) throw new SettingsError(`--config ${file}: not a regular file`);
    if (st.size > 1024 * 1024) throw new SettingsError(`--config ${file}: larger than 1 MiB`);
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof SettingsError) throw err;
    throw new SettingsError(`--config ${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  let doc: unknown;
  try {
    // loaded only when a config file is read: the YAML parser costs ~100 ms to load (statusline must stay fast)
    const YAML = createRequire(import.meta.url)('yaml') as typeof YAMLModule;
    doc = YAML.parse(text, { maxAliasCount: 100 });
  } catch (err) {
    throw new SettingsError(`config ${file}: not valid YAML (${(err as Error).message.split('\n')[0]})`);
  }
  if (doc === null || doc === undefined) return new Map();
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new SettingsError(`config ${file}: expected a mapping of settings at the top level`);
  const byKey = new Map(ALL_SETTINGS.map(([name, d]) => [d.key, name] as const));
  const out = new Map<string, unknown>();
  const mappings = new Set(ALL_SETTINGS.filter(([, d]) => d.mapping).map(([, d]) => d.key));
  for (const [p, v] of leaves(doc, '', mappings)) {
    const name = byKey.get(p);
    if (!name || SETTINGS[name].flagOnly) {
      const near = [...byKey.keys()].find((k) => distance(k.toLowerCase(), p.toLowerCase()) <= 2);
      // The key as one quoted, bounded line, whatever YAML made of it (a collection used as a key).
      const shown = JSON.stringify(p).slice(1, -1).slice(0, 60);
      throw new SettingsError(`config ${file}: unknown key ${shown}${near ? ` (did you mean ${near}?)` : ''}`);
    }
    out.set(p, v);
  }
  return out;
}

export function resolveSettings(command: Command, argv: string[], env: NodeJS.ProcessEnv = process.env): Resolved {
  const { options, owner } = optionsFor(command);
  let parsed: ReturnType<typeof parseArgs>['values'];
  try {
    parsed = parseArgs({ args: joinNegativeValues(argv, options), options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    // node's messages are one line already, e.g. "Unknown option '--foo'".
    throw new SettingsError((err as Error).message.split('\n')[0]);
  }
  const fromFlags = new Map<SettingName, { flag: string; value: Raw }>();
  for (const [flag, value] of Object.entries(parsed)) {
    const name = owner.get(flag);
    if (!name) continue;
    const prev = fromFlags.get(name);
    if (prev && SETTINGS[name].type === 'strings') (prev.value as string[]).push(...(value as string[]));
    else if (prev && show(prev.value) !== show(value as Raw)) throw new SettingsError(`--${flag}: given twice (also as --${prev.flag})`);
    else fromFlags.set(name, { flag, value: Array.isArray(value) ? [...value] : (value as Raw) });
  }
  const configFile = (fromFlags.get('config')?.value as string | undefined) ?? null;
  const file = configFile ? readConfigFile(configFile) : new Map<string, unknown>();

  const values = {} as Record<SettingName, unknown>;
  const origins = {} as Record<SettingName, Origin>;
  for (const [name, d] of settingsFor(command)) {
    const f = fromFlags.get(name);
    const e = (d.env ?? []).find((s) => env[s.name] !== undefined && env[s.name] !== '');
    let raw: Raw;
    let origin: Origin;
    let where: string;
    if (f) {
      raw = d.negates ? !(f.value as boolean) : f.value;
      origin = 'flag';
      where = d.type === 'boolean' ? `--${f.flag}` : `--${f.flag} ${show(f.value)}`;
    } else if (e) {
      const text = env[e.name]!;
      raw = e.map ? e.map(text) : text;
      origin = 'env';
      where = `${e.name}=${text}`;
      const bad = e.check?.(text);
      if (bad) throw new SettingsError(`${where}: ${bad}`);
    } else if (file.has(d.key)) {
      raw = file.get(d.key);
      origin = 'file';
      where = `config ${configFile}: ${d.key}`;
    } else {
      values[name] = d.default;
      origins[name] = 'default';
      continue;
    }
    const c = coerce(d, raw);
    if (!c.ok) throw new SettingsError(`${where}: ${c.why}`);
    values[name] = c.value;
    origins[name] = origin;
  }
  return { values: values as SettingValues, origins, configFile, help: Boolean(parsed.help) };
}
