/**
 * What every command that reads OpenClaw history sets up from its settings the
 * same way: the logger, the state directories (nothing found is an error here),
 * the usage settings, the data dir and, on a terminal, the progress bar.
 */
import type { SettingValues } from '../settings/spec.js';
import { usageSettings, type UsageSettings } from '../settings/usage.js';
import type { Logger } from '../util/log.js';
import { UsageError, defaultDataDir, loggerFrom, resolveStateDirs, usableDataDir } from './args.js';

export interface HistorySetup {
  log: Logger;
  stateDirs: string[];
  usage: UsageSettings;
  dataDir: string;
  /** stderr when it is a terminal and progress is wanted, else null */
  bar: NodeJS.WriteStream | null;
}

export function historySetup(values: SettingValues, env: NodeJS.ProcessEnv): HistorySetup {
  const log = loggerFrom(values);
  const found = resolveStateDirs(values.stateDir ?? [], env);
  if (!found.found) {
    throw new UsageError(`no OpenClaw state directory found (looked in ${found.looked.join(', ')}); pass --state-dir`);
  }
  return {
    log,
    stateDirs: found.stateDirs,
    usage: usageSettings(values),
    dataDir: usableDataDir(values.dataDir ?? defaultDataDir(env)),
    bar: values.progress !== false && process.stderr.isTTY && log.level !== 'silent' ? process.stderr : null,
  };
}
