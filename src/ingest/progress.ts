/**
 * Progress of a long ingest cycle (a first start over a large history): a log line
 * every few seconds once the cycle has run for a while (bytes and calls done, of
 * the total found, rate and ETA), and on a terminal a one-line bar redrawn in place.
 * The total is asked of the sources only when the first report is due, so short
 * cycles (every poll after the first) pay nothing for it.
 */
import type { Logger } from '../util/log.js';

export interface ProgressOptions {
  log: Logger;
  /** First report after this long, then one per interval. */
  afterMs?: number;
  everyMs?: number;
  /** Where to draw a bar (a TTY stream), or null for log lines only. */
  bar?: NodeJS.WriteStream | null;
  /** Bytes still to read, by the sources' own estimate (committed cursors vs file sizes). */
  remainingBytes: () => number;
  now?: () => number;
}

const MB = 1024 * 1024;

export class Progress {
  private readonly started: number;
  private bytes = 0;
  private calls = 0;
  private total: number | null = null;
  private nextAt: number;
  private drew = false;
  private readonly now: () => number;

  constructor(private readonly opts: ProgressOptions) {
    this.now = opts.now ?? Date.now;
    this.started = this.now();
    this.nextAt = this.started + (opts.afterMs ?? 3000);
  }

  /** Adds what one commit brought, and reports when a report is due. */
  committed(bytes: number, calls: number): void {
    this.bytes += bytes;
    this.calls += calls;
    const now = this.now();
    if (now < this.nextAt) return;
    this.nextAt = now + (this.opts.everyMs ?? (this.opts.bar ? 250 : 5000));
    if (this.total === null) this.total = this.bytes + Math.max(0, this.opts.remainingBytes());
    this.report(now);
  }

  private report(now: number): void {
    const secs = Math.max(0.001, (now - this.started) / 1000);
    const rate = this.bytes / secs;
    const total = Math.max(this.total ?? 0, this.bytes);
    const left = total - this.bytes;
    const eta = rate > 0 ? Math.round(left / rate) : null;
    const pct = total > 0 ? Math.min(99, Math.floor((100 * this.bytes) / total)) : null;
    if (this.opts.bar) {
      const width = 24;
      const fill = pct === null ? 0 : Math.round((pct / 100) * width);
      const line =
        `\r[${'#'.repeat(fill)}${'-'.repeat(width - fill)}] ${pct ?? '?'}% ` +
        `${(this.bytes / MB).toFixed(0)}/${(total / MB).toFixed(0)} MB, ${this.calls.toLocaleString('en-US')} calls, ` +
        `${(rate / MB).toFixed(0)} MB/s${eta === null ? '' : `, ETA ${eta}s`}   `;
      this.opts.bar.write(line);
      this.drew = true;
      return;
    }
    this.opts.log.info('ingest progress', {
      mb_done: Number((this.bytes / MB).toFixed(1)),
      mb_total: Number((total / MB).toFixed(1)),
      percent: pct ?? undefined,
      calls: this.calls,
      mb_per_s: Number((rate / MB).toFixed(1)),
      eta_s: eta ?? undefined,
    });
  }

  /** Clears the bar (if one was drawn). */
  done(): void {
    if (this.drew && this.opts.bar) this.opts.bar.write('\r\x1b[K');
    this.drew = false;
  }
}
