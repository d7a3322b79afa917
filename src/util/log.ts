/**
 * Minimal structured logger: one line per event on stderr, logfmt (default) or
 * JSON (`--log-format json`). `limited()` logs a key at most once per interval and
 * says how many repeats it held back, so a problem that repeats per line or per
 * cycle (a bad file, a store that stays locked) cannot flood the log. Callers
 * never pass secrets or transcript text.
 */
export type Level = 'debug' | 'info' | 'warn' | 'error' | 'silent';
export type LogFormat = 'logfmt' | 'json';
export const LOG_LEVELS: readonly Level[] = ['debug', 'info', 'warn', 'error', 'silent'];
export const LOG_FORMATS: readonly LogFormat[] = ['logfmt', 'json'];
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/** How long a rate-limited key stays quiet after it logged. */
export const LOG_REPEAT_MS = 10 * 60_000;

function fmt(v: unknown): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return /^[A-Za-z0-9_./:@+-]+$/.test(s) ? s : JSON.stringify(s);
}

export class Logger {
  private limits = new Map<string, { at: number; held: number }>();
  constructor(
    public level: Level = 'info',
    private readonly write: (line: string) => void = (l) => process.stderr.write(l + '\n'),
    public format: LogFormat = 'logfmt',
    private readonly now: () => number = Date.now,
  ) {}

  enabled(level: Exclude<Level, 'silent'>): boolean {
    return ORDER[level] >= ORDER[this.level];
  }

  log(level: Exclude<Level, 'silent'>, msg: string, fields: Record<string, unknown> = {}): void {
    if (!this.enabled(level)) return;
    const ts = new Date(this.now()).toISOString();
    if (this.format === 'json') {
      const o: Record<string, unknown> = { ts, level, msg };
      for (const [k, v] of Object.entries(fields)) if (v !== undefined) o[k] = v;
      this.write(JSON.stringify(o));
      return;
    }
    let line = `ts=${ts} level=${level} msg=${fmt(msg)}`;
    for (const [k, v] of Object.entries(fields)) if (v !== undefined) line += ` ${k}=${fmt(v)}`;
    this.write(line);
  }
  debug(msg: string, f?: Record<string, unknown>): void {
    this.log('debug', msg, f);
  }
  info(msg: string, f?: Record<string, unknown>): void {
    this.log('info', msg, f);
  }
  warn(msg: string, f?: Record<string, unknown>): void {
    this.log('warn', msg, f);
  }
  error(msg: string, f?: Record<string, unknown>): void {
    this.log('error', msg, f);
  }

  /**
   * Logs `key` at most once per `everyMs`; the next line logged for it carries
   * `repeated=N`, the occurrences held back in between. Returns true when it logged.
   */
  limited(key: string, level: Exclude<Level, 'silent'>, msg: string, f: Record<string, unknown> = {}, everyMs = LOG_REPEAT_MS): boolean {
    const now = this.now();
    const cur = this.limits.get(key);
    if (cur && now - cur.at < everyMs) {
      cur.held++;
      return false;
    }
    if (this.limits.size > 10_000) this.limits.clear(); // bounded: at worst some repeats are logged again
    this.limits.set(key, { at: now, held: 0 });
    this.log(level, msg, cur && cur.held > 0 ? { ...f, repeated: cur.held } : f);
    return true;
  }

  /** Logs only the first time `key` is seen (a rate limit with an endless interval). */
  once(key: string, level: Exclude<Level, 'silent'>, msg: string, f?: Record<string, unknown>): boolean {
    return this.limited(key, level, msg, f, Infinity);
  }
}
