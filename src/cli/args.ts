/**
 * What every command shares besides its settings (src/settings/): the usage error
 * (exit 2, one line), exit codes, the data and state directory checks, and the
 * logger the settings ask for.
 */
import fs from 'node:fs';
import { discoverStateDirs, hasAgents, isDir, nearbyStateDir } from '../sources/discover.js';
import { LOG_FORMATS, LOG_LEVELS, Logger, type Level, type LogFormat } from '../util/log.js';

export { UsageError, defaultDataDir, usableDataDir } from './data-dir.js';
import { UsageError } from './data-dir.js';

/** Exit codes of every command (listed in `clawmeter --help` and the README). */
export const EXIT = { ok: 0, sourceFailed: 1, usage: 2 } as const;
export const EXIT_HELP = `Exit codes:
  0    success
  1    some source could not be read (ingest), or an unexpected internal error
  2    bad flags, settings or paths, an unusable or locked ledger (one line on stderr says why)
  128+N  ingest or ledger rebuild stopped by signal N after committing what was read (130 SIGINT,
         143 SIGTERM); serve exits 0 after a clean stop
`;

/** Explicit --state-dir values must be readable directories. */
export function checkStateDirs(dirs: string[]): void {
  for (const d of dirs) {
    let st: fs.Stats;
    try {
      st = fs.statSync(d);
    } catch (err) {
      throw new UsageError(`--state-dir ${d}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such directory' : 'not readable'}`);
    }
    if (!st.isDirectory()) throw new UsageError(`--state-dir ${d}: not a directory`);
    try {
      fs.accessSync(d, fs.constants.R_OK | fs.constants.X_OK);
    } catch {
      throw new UsageError(`--state-dir ${d}: not readable`);
    }
  }
}

export function logLevel(v: string | undefined): Level {
  if (v === undefined) return 'info';
  if ((LOG_LEVELS as readonly string[]).includes(v)) return v as Level;
  throw new UsageError(`--log-level ${v}: expected debug, info, warn, error or silent`);
}

export function logFormat(v: string | undefined): LogFormat {
  if (v === undefined) return 'logfmt';
  if ((LOG_FORMATS as readonly string[]).includes(v)) return v as LogFormat;
  throw new UsageError(`--log-format ${v}: expected logfmt or json`);
}

/** The logger the common settings ask for. */
export function loggerFrom(values: { logLevel?: string | null; logFormat?: string | null }): Logger {
  return new Logger(logLevel(values.logLevel ?? undefined), undefined, logFormat(values.logFormat ?? undefined));
}

/**
 * The state directories a command reads, from flags, environment or the home
 * defaults (see sources/discover.ts). A configured path (flag or environment) that
 * is not a state directory is an error naming a nearby one that is, never a reason
 * to read nothing or to fall back to demo data. `found` is false only when nothing
 * was configured and no default state directory exists.
 */
export function resolveStateDirs(flags: string[], env: NodeJS.ProcessEnv): { stateDirs: string[]; found: boolean; looked: string[] } {
  checkStateDirs(flags);
  const d = discoverStateDirs({ flags, env });
  if (d.origin === 'home') return { stateDirs: d.stateDirs, found: d.stateDirs.length > 0, looked: d.looked };
  const what = (dir: string) =>
    d.origin === 'flag' ? `--state-dir ${dir}` : d.origin === 'OPENCLAW_STATE_DIR' ? `OPENCLAW_STATE_DIR=${dir}` : `OPENCLAW_HOME=${env.OPENCLAW_HOME}`;
  if (d.origin === 'flag') {
    for (const dir of d.stateDirs) if (!hasAgents(dir)) throw new UsageError(notStateDir(what(dir), dir));
    return { stateDirs: d.stateDirs, found: true, looked: d.looked };
  }
  if (d.stateDirs.length === 0) {
    const dir = d.looked[d.looked.length - 1];
    const shown = d.origin === 'OPENCLAW_HOME' ? d.looked[0] : dir;
    if (!isDir(shown)) throw new UsageError(`${what(shown)}: no such directory`);
    throw new UsageError(notStateDir(what(shown), shown));
  }
  return { stateDirs: d.stateDirs, found: true, looked: d.looked };
}

function notStateDir(what: string, dir: string): string {
  const near = nearbyStateDir(dir);
  return `${what}: no agents/ in ${dir}, so it is not an OpenClaw state directory${near ? `; did you mean ${near}?` : ''}`;
}
