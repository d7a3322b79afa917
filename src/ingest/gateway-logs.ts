/**
 * Wires the gateway log source to the OTLP log export: every interval, reads what
 * was appended to OpenClaw's log file(s), exports it, and commits the file's cursor
 * to the ledger only after the collector acknowledged, so no record is lost or
 * sent twice across refusals and restarts (a refused chunk is read and sent again;
 * back-off doubles up to 10 minutes). Records pass the log privacy rule
 * (src/labeling/log-redaction.ts) here, before any sink. Malformed lines are counted and logged.
 */
import type { Ledger } from '../ledger/ledger.js';
import { exportableLogRecord } from '../labeling/log-redaction.js';
import type { GatewayLogRecord } from '../model.js';
import { GatewayLogSource, logCursorKey, type LogCursor } from '../sources/gateway-log.js';
import type { Logger } from '../util/log.js';

const MAX_BACKOFF_MS = 10 * 60_000;

/** Where records go (the OTLP sink's LogExport): null when acknowledged, else why not. */
export interface LogRecordSink {
  export(records: readonly GatewayLogRecord[], nowMs: number): Promise<string | null>;
  shutdown(): Promise<void>;
}

export class GatewayLogPump {
  exported = 0;
  malformed = 0;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;
  private failures = 0;
  private stopped = false;

  constructor(
    private readonly ledger: Ledger,
    private readonly source: GatewayLogSource,
    private readonly out: LogRecordSink,
    private readonly log: Logger,
    /** otel.captureContent.enabled: records keep a redacted body */
    private readonly bodies = false,
    private readonly now: () => number = Date.now,
  ) {}

  /** Reads and exports everything appended so far; false at the first refused chunk. */
  async pumpOnce(): Promise<boolean> {
    for (const file of this.source.files(this.now())) {
      for (;;) {
        const key = logCursorKey(file);
        const chunk = this.source.read(file, this.ledger.get(key) as LogCursor | undefined);
        if (!chunk) break;
        if (chunk.malformed > 0) {
          this.malformed += chunk.malformed;
          this.log.limited(`otel-log-malformed\u0000${file}`, 'warn', 'gateway log lines skipped (not log JSON)', { file, lines: chunk.malformed });
        }
        const err = await this.out.export(chunk.records.map((r) => exportableLogRecord(r, this.bodies)), this.now());
        if (err !== null) {
          this.log.limited(`otlp-logs\u0000${err}`, 'warn', 'OTLP logs export refused; retried later', { error: err });
          return false;
        }
        const prev = this.ledger.get(key) as LogCursor | undefined;
        if (!prev || prev.ino !== chunk.cursor.ino || prev.offset !== chunk.cursor.offset) this.ledger.commit({ cursors: [[key, { ...chunk.cursor }]] });
        this.exported += chunk.records.length;
        if (!chunk.more || this.stopped) break;
      }
    }
    return true;
  }

  start(intervalMs: number): void {
    const tick = async () => {
      this.timer = null;
      if (this.stopped) return;
      const run = this.pumpOnce().catch((e: Error) => {
        this.log.warn('gateway log export failed', { error: e.message.split('\n')[0] });
        return false;
      });
      this.running = run;
      const ok = await run;
      this.running = null;
      this.failures = ok ? 0 : this.failures + 1;
      if (!this.stopped) this.timer = setTimeout(() => void tick(), Math.min(intervalMs * 2 ** this.failures, MAX_BACKOFF_MS));
    };
    this.timer = setTimeout(() => void tick(), 0);
  }

  async shutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    await this.out.shutdown();
  }
}
