/**
 * The OTLP sink: OTLP/HTTP protobuf export of the metric model (and, when the
 * span and log parts are given, of spans and log records) to the endpoints the
 * otel settings resolved. `start()` begins periodic export every
 * `flushIntervalMs`; `shutdown()` sends what is pending and stops. The SDK's
 * exporters retry 429/502/503/504 with back-off and honour Retry-After; a failed
 * export is logged once per kind of failure (never with headers) and the next
 * one carries the full cumulative totals again.
 */
import os from 'node:os';
import crypto from 'node:crypto';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader, type PushMetricExporter, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import type { Ledger } from '../../ledger/ledger.js';
import type { MetricsCollector } from '../../metrics/collector.js';
import type { OtelConfig } from '../../settings/otel.js';
import type { Logger } from '../../util/log.js';
import { ModelMetricProducer, SCOPE } from './metric-producer.js';
import { TraceShipper } from './trace-shipper.js';

export const SHUTDOWN_WAIT_MS = 5000;
/**
 * Deadline of one span export, retries included. Stopping waits for the verdict of
 * an export in flight (at most this, plus a margin), so an acknowledged batch is
 * always recorded as sent before the process ends.
 */
export const SPAN_EXPORT_TIMEOUT_MS = 10_000;

/** Waits for `p` at most `ms`; `late` runs when it did not settle in time. */
export async function bounded(p: Promise<unknown> | undefined, ms: number, late: () => void): Promise<void> {
  if (!p) return;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), ms)));
  const r = await Promise.race([p.then(() => 'done' as const), timeout]);
  clearTimeout(timer);
  if (r === 'late') late();
}

export interface OtlpSinkOptions {
  config: OtelConfig;
  collector: MetricsCollector;
  /** The ledger spans are read from and their export recorded in (traces only). */
  ledger?: Ledger;
  log: Logger;
  version: string;
  /** Identifies this ledger's streams across restarts (cumulative streams must keep their identity). */
  instanceKey: string;
  demo?: boolean;
  /** Export interval override below the settings' 1000 ms minimum (tests only). */
  intervalMs?: number;
  /** Per-export timeout (default 30 s: covers the exporter's retries with Retry-After). */
  timeoutMs?: number;
}

/** The resource every signal carries: service name and version, a stable instance id, demo flag. */
export function otlpResource(o: Pick<OtlpSinkOptions, 'config' | 'version' | 'instanceKey' | 'demo'>): Resource {
  const id = crypto.createHash('sha256').update(`${os.hostname()}\u0000${o.instanceKey}`).digest('hex').slice(0, 16);
  return resourceFromAttributes({
    'service.name': o.config.serviceName,
    'service.version': o.version,
    'service.instance.id': id,
    'telemetry.sdk.language': 'nodejs',
    ...(o.demo ? { 'clawmeter.demo': true } : {}),
  });
}

/** Logs failed exports (rate-limited, one line, no headers) and passes results through. */
export class LoggedMetricExporter implements PushMetricExporter {
  failures = 0;
  successes = 0;
  constructor(
    private readonly inner: OTLPMetricExporter,
    private readonly log: Logger,
    private readonly url: string,
  ) {}

  export(metrics: ResourceMetrics, done: (r: ExportResult) => void): void {
    this.inner.export(metrics, (r) => {
      if (r.code === ExportResultCode.SUCCESS) this.successes++;
      else {
        this.failures++;
        const why = String(r.error?.message ?? 'failed').split('\n')[0];
        this.log.limited(`otlp-metrics\u0000${why}`, 'warn', 'OTLP metrics export failed; the next export carries the full totals', { url: this.url, error: why });
      }
      done(r);
    });
  }
  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }
  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}

export class OtlpSink {
  readonly resource: Resource;
  private meterProvider: MeterProvider | null = null;
  private reader: PeriodicExportingMetricReader | null = null;
  metricExporter: LoggedMetricExporter | null = null;
  traces: TraceShipper | null = null;

  constructor(private readonly o: OtlpSinkOptions) {
    this.resource = otlpResource(o);
  }

  start(): void {
    const c = this.o.config;
    const interval = this.o.intervalMs ?? c.flushIntervalMs;
    // The reader wants timeout <= interval; a Retry-After longer than what is left of it ends the attempt.
    const timeout = Math.min(this.o.timeoutMs ?? 30_000, interval);
    if (c.signals.metrics) {
      const inner = new OTLPMetricExporter({ url: c.endpoints.metrics, headers: c.headers, timeoutMillis: timeout });
      this.metricExporter = new LoggedMetricExporter(inner, this.o.log, c.endpoints.metrics);
      this.reader = new PeriodicExportingMetricReader({
        exporter: this.metricExporter,
        exportIntervalMillis: interval,
        exportTimeoutMillis: timeout,
        metricProducers: [new ModelMetricProducer(this.o.collector)],
      });
      this.meterProvider = new MeterProvider({ resource: this.resource, readers: [this.reader] });
    }
    if (c.signals.traces && this.o.ledger) {
      this.traces = this.traceShipper(this.o.ledger);
      this.traces.start(interval);
    }
    this.o.log.info('OTLP export started', {
      metrics: c.signals.metrics ? c.endpoints.metrics : 'off',
      traces: this.traces ? c.endpoints.traces : 'off',
      sampleRate: c.sampleRate,
      intervalMs: interval,
    });
  }

  /** Exports the metrics now; false when the export failed (it was logged). */
  async flushMetrics(): Promise<boolean> {
    const e = this.metricExporter;
    if (!e || !this.reader) return false;
    const failed = e.failures;
    try {
      await this.reader.forceFlush(); // the reader reports a failed export to the global error handler, not here
    } catch {
      return false;
    }
    return e.failures === failed;
  }

  /** A shipper of the ledger's calls as spans to the traces endpoint (also used by `otel backfill`). */
  traceShipper(ledger: Ledger): TraceShipper {
    const c = this.o.config;
    const exporter = new OTLPTraceExporter({ url: c.endpoints.traces, headers: c.headers, timeoutMillis: this.spanTimeoutMs() });
    const capture = c.captureContent;
    const on = { output_messages: capture.outputMessages, tool_inputs: capture.toolInputs, tool_outputs: capture.toolOutputs };
    return new TraceShipper(ledger, exporter, {
      resource: this.resource,
      scope: { ...SCOPE, version: this.o.version },
      genAiLatest: c.genAiLatest,
      // captured content is sent only while its sub-key is (still) on
      ...(on.output_messages || on.tool_inputs || on.tool_outputs ? { content: (key: string, kind: keyof typeof on) => (on[kind] ? ledger.spans.content.text(key, kind) : null) } : {}),
      sampleRate: c.sampleRate,
      log: this.o.log,
      url: c.endpoints.traces,
    });
  }

  private spanTimeoutMs(): number {
    return Math.min(this.o.timeoutMs ?? SPAN_EXPORT_TIMEOUT_MS, SPAN_EXPORT_TIMEOUT_MS);
  }

  /**
   * Stops exporting. A span batch in flight is waited for until the exporter's own
   * deadline has given its verdict: acknowledged, its calls are recorded as sent
   * before this resolves (so a restart never sends it again); refused or timed
   * out, it is not recorded and goes out next time. A metrics export in flight gets
   * up to SHUTDOWN_WAIT_MS (metrics lose nothing: the next start sends the full totals).
   */
  async shutdown(): Promise<void> {
    const traces = this.traces;
    const provider = this.meterProvider;
    this.traces = null;
    this.meterProvider = null;
    this.reader = null;
    await Promise.all([
      bounded(traces?.shutdown(), this.spanTimeoutMs() + SHUTDOWN_WAIT_MS, () => this.o.log.warn('OTLP traces: stopped with an export in flight past its deadline; it is sent again next time')),
      bounded(
        provider?.shutdown().catch((err: Error) => this.o.log.warn('OTLP metrics shutdown failed', { error: err.message.split('\n')[0] })),
        SHUTDOWN_WAIT_MS,
        () => this.o.log.warn('OTLP metrics: stopped without the final export (the next start sends the full totals)'),
      ),
    ]);
  }
}
