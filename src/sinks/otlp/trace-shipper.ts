/**
 * Sends the ledger's calls as spans, each exactly once: reads calls not yet
 * exported (from the moment span export was enabled, or a backfill's --since),
 * forms runs (with the tool results of their session), samples root spans, exports a batch and records its calls as sent
 * only after the collector acknowledged it. A refused batch (the exporter already
 * retried 429/503 as Retry-After said) is not recorded and is tried again after a
 * back-off that doubles up to MAX_BACKOFF_MS. Sampled-out runs are recorded too:
 * the decision is made once.
 */
import { ExportResultCode } from '@opentelemetry/core';
import type { SpanExporter } from '@opentelemetry/sdk-trace';
import type { Ledger } from '../../ledger/ledger.js';
import type { Logger } from '../../util/log.js';
import { STALE_MS, attachTools, groupRuns, sampled, type Run } from './runs.js';
import { runSpans, type SpanOptions } from './spans.js';

export const MAX_BACKOFF_MS = 10 * 60_000;
const BATCH_CALLS = 2000;

export interface ShipResult {
  ok: boolean;
  spans: number;
  runs: number;
  sampledOut: number;
}

export class TraceShipper {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;
  private failures = 0;
  private stopped = false;

  constructor(
    private readonly ledger: Ledger,
    private readonly exporter: SpanExporter,
    private readonly o: SpanOptions & { sampleRate: number; log: Logger; url: string; now?: () => number },
  ) {}

  private now(): number {
    return this.o.now?.() ?? Date.now();
  }

  private exportBatch(spans: Parameters<SpanExporter['export']>[0]): Promise<string | null> {
    return new Promise((resolve) => this.exporter.export(spans, (r) => resolve(r.code === ExportResultCode.SUCCESS ? null : String(r.error?.message ?? 'failed').split('\n')[0])));
  }

  /** Exports every pending call with a time in [fromMs, untilMs), session by session; stops at the first refused batch. */
  async ship(fromMs: number, untilMs = Number.MAX_SAFE_INTEGER): Promise<ShipResult> {
    const total: ShipResult = { ok: true, spans: 0, runs: 0, sampledOut: 0 };
    let batch: Run[] = [];
    let calls = 0;
    const flush = async (): Promise<boolean> => {
      const keep = batch.filter((r) => sampled(r.traceId, this.o.sampleRate));
      const spans = keep.flatMap((r) => runSpans(r, this.o));
      if (spans.length > 0) {
        const err = await this.exportBatch(spans);
        if (err !== null) {
          this.o.log.limited(`otlp-traces\u0000${err}`, 'warn', 'OTLP traces export refused; retried later, nothing is marked sent', { url: this.o.url, error: err });
          total.ok = false;
          return false;
        }
      }
      this.ledger.spans.exports.markSent(batch.flatMap((r) => r.calls.map((c) => c.dedupeKey)), this.now());
      total.spans += spans.length;
      total.runs += keep.length;
      total.sampledOut += batch.length - keep.length;
      batch = [];
      calls = 0;
      return true;
    };
    for (const session of this.ledger.spans.pendingSessions(fromMs, untilMs)) {
      if (this.stopped) break;
      const runs = groupRuns(this.ledger.spans.pendingInSession(session, fromMs, untilMs), this.now());
      if (runs.length > 0) {
        const lastCalls = runs[runs.length - 1].calls;
        attachTools(runs, this.ledger.spans.tools.between(session, runs[0].calls[0].tsMs, lastCalls[lastCalls.length - 1].tsMs + STALE_MS));
      }
      for (const run of runs) {
        batch.push(run);
        calls += run.calls.length;
      }
      if (calls >= BATCH_CALLS && !(await flush())) return total;
    }
    if (batch.length > 0 && !this.stopped) await flush();
    return total;
  }

  /** Ships calls from the moment span export was first enabled, every intervalMs (backing off after failures). */
  start(intervalMs: number): void {
    const since = this.ledger.spans.exports.tracesSinceMs(this.now());
    const tick = async () => {
      this.timer = null;
      if (this.stopped) return;
      const run = this.ship(since);
      this.running = run;
      const r = await run.catch((err: Error) => {
        this.o.log.warn('OTLP traces export failed', { error: err.message.split('\n')[0] });
        return { ok: false };
      });
      this.running = null;
      this.failures = r.ok ? 0 : this.failures + 1;
      if (!this.stopped) this.timer = setTimeout(() => void tick(), Math.min(intervalMs * 2 ** this.failures, MAX_BACKOFF_MS));
    };
    this.timer = setTimeout(() => void tick(), 0);
  }

  async shutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    await this.exporter.shutdown();
  }
}
