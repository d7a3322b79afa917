/**
 * Gateway log records as OTLP log records: severity, the logger as
 * `openclaw.logger` (and `openclaw.logger.parents`), `openclaw.log.level`, the code
 * location, and the trace context when the line carried one, so log lines join the
 * gateway's own spans. The body (the rendered message) is withheld unless
 * otel.captureContent.enabled is true; then it is bounded to MAX_BODY characters,
 * email-shaped parts are hashed and token-shaped strings replaced.
 */
import { TraceFlags } from '@opentelemetry/api';
import { ExportResultCode, millisToHrTime } from '@opentelemetry/core';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { scrub } from '../../labeling/privacy.js';
import type { GatewayLogRecord } from '../../parse/gateway-log-line.js';

export const MAX_BODY = 1024;
const TOKENISH = /\b(?:sk-[A-Za-z0-9_-]{6,}|rt-[A-Za-z0-9_-]{6,}|eyJ[A-Za-z0-9_.-]{10,}|[A-Za-z0-9_-]{32,})\b/g;
const SECRET_PAIR = /\b(access|refresh|key|token|secret|password|authorization)(["']?\s*[:=]\s*["']?)(?:Bearer\s+)?[^\s"',}]+/gi;

/** The bounded, redacted body a record may carry when content capture is on. */
export function redactedBody(message: string): string {
  return scrub(message.slice(0, MAX_BODY)).replace(SECRET_PAIR, '$1$2<redacted>').replace(TOKENISH, '<redacted>');
}

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
      body: this.o.body ? redactedBody(r.message) : undefined,
      resource: this.o.resource,
      instrumentationScope: this.o.scope,
      attributes: {
        'openclaw.logger': scrub(r.logger),
        ...(r.parents.length ? { 'openclaw.logger.parents': r.parents.map(scrub) } : {}),
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
