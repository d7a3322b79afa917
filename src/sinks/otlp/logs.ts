/**
 * Gateway log records as OTLP log records: severity, the logger as
 * `openclaw.logger` (and `openclaw.logger.parents`), `openclaw.log.level`, the code
 * location, and the trace context when the line carried one, so log lines join the
 * gateway's own spans. Records arrive privacy-applied
 * (src/labeling/log-redaction.ts); the body is sent only when content capture is on.
 */
import { TraceFlags } from '@opentelemetry/api';
import { ExportResultCode, millisToHrTime } from '@opentelemetry/core';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { GatewayLogRecord } from '../../model.js';

export class LogExport {
  private readonly exporter: OTLPLogExporter;

  constructor(
    private readonly o: { url: string; headers: Record<string, string>; resource: Resource; scope: { name: string; version?: string }; body: boolean; timeoutMs?: number },
  ) {
    this.exporter = new OTLPLogExporter({ url: o.url, headers: o.headers, timeoutMillis: o.timeoutMs ?? 30_000 });
  }

  toOtlp(r: GatewayLogRecord, observedMs: number): ReadableLogRecord {
    return {
      hrTime: millisToHrTime(r.timeMs),
      hrTimeObserved: millisToHrTime(observedMs),
      spanContext: r.traceId && r.spanId ? { traceId: r.traceId, spanId: r.spanId, traceFlags: r.traceFlags ?? TraceFlags.NONE } : undefined,
      severityNumber: r.severityNumber,
      severityText: r.severityText,
      body: this.o.body && r.message ? r.message : undefined,
      resource: this.o.resource,
      instrumentationScope: this.o.scope,
      attributes: {
        'openclaw.logger': r.logger,
        ...(r.parents.length ? { 'openclaw.logger.parents': r.parents } : {}),
        'openclaw.log.level': r.severityText.toLowerCase(),
        ...(r.codeLocation ? { 'openclaw.code.location': r.codeLocation } : {}),
        ...(r.codeFunction ? { 'code.function.name': r.codeFunction } : {}),
      },
      droppedAttributesCount: 0,
    };
  }

  /** Exports records; resolves to null when acknowledged, else the reason. */
  export(records: readonly GatewayLogRecord[], nowMs: number): Promise<string | null> {
    if (records.length === 0) return Promise.resolve(null);
    const out = records.map((r) => this.toOtlp(r, nowMs));
    return new Promise((resolve) =>
      this.exporter.export(out, (res) => resolve(res.code === ExportResultCode.SUCCESS ? null : String(res.error?.message ?? 'failed').split('\n')[0])),
    );
  }

  shutdown(): Promise<void> {
    return this.exporter.shutdown();
  }
}
