/**
 * Minimal structured logger: one logfmt line per event on stderr. `once()` logs a
 * given key only the first time (per process), for per-file problems that would
 * otherwise repeat every cycle. Callers never pass secrets or transcript text.
 */
export type Level = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

function fmt(v: unknown): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return /^[A-Za-z0-9_./:@+-]+$/.test(s) ? s : JSON.stringify(s);
}

export class Logger {
  private seen = new Set<string>();
  constructor(
    public level: Level = 'info',
    private readonly write: (line: string) => void = (l) => process.stderr.write(l + '\n'),
  ) {}

  log(level: Exclude<Level, 'silent'>, msg: string, fields: Record<string, unknown> = {}): void {
    if (ORDER[level] < ORDER[this.level]) return;
    let line = `ts=${new Date().toISOString()} level=${level} msg=${fmt(msg)}`;
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
  /** Logs only the first time `key` is seen. Returns true when it logged. */
  once(key: string, level: Exclude<Level, 'silent'>, msg: string, f?: Record<string, unknown>): boolean {
    if (this.seen.has(key)) return false;
    this.seen.add(key);
    this.log(level, msg, f);
    return true;
  }
}
