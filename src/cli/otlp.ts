/**
 * Starts the OTLP export for `serve`: the OTLP sink (metrics from its own
 * metric-model collector over the open ledger, spans from the ledger) and, when
 * logs are on, the gateway log pump. Logs one start-up line naming the endpoints
 * (never the headers), and says which captureContent sub-keys keep content for
 * span export (response, tool input and output text) and which have nothing to send.
 */
import type { Ledger } from '../ledger/ledger.js';
import type { IngestStats } from '../ingest/stats.js';
import { GatewayLogPump } from '../ingest/gateway-logs.js';
import { MetricsCollector } from '../metrics/collector.js';
import type { ProcessMetrics } from '../metrics/process.js';
import type { OtelConfig } from '../settings/otel.js';
import { SCOPE } from '../sinks/otlp/metric-producer.js';
import { LogExport } from '../sinks/otlp/logs.js';
import { OtlpSink, SHUTDOWN_WAIT_MS, bounded } from '../sinks/otlp/sink.js';
import { DEFAULT_GATEWAY_LOG, GatewayLogSource } from '../sources/gateway-log.js';
import type { Logger } from '../util/log.js';
import { version } from './version.js';

export interface OtlpDeps {
  ledger: Ledger;
  stats: IngestStats;
  processMetrics: ProcessMetrics;
  log: Logger;
  demo: boolean;
  showAccountEmails: boolean;
  /** export interval below the 1000 ms minimum (tests) */
  intervalMs?: number;
}

export interface OtlpHandle {
  sink: OtlpSink;
  logs: GatewayLogPump | null;
  shutdown(): Promise<void>;
}

export function startOtlp(config: OtelConfig, d: OtlpDeps): OtlpHandle {
  const c = config.captureContent;
  if (c.inputMessages || c.systemPrompt) {
    d.log.warn('otel.captureContent.inputMessages and .systemPrompt have no effect: transcripts as clawmeter reads them carry no user prompt or system prompt text to export (docs/otlp.md)');
  }
  if (c.outputMessages || c.toolInputs || c.toolOutputs) {
    d.log.warn('otel.captureContent: response, tool input and/or tool output text of calls ingested from now on is kept (bounded, redacted) and sent on spans', {
      outputMessages: c.outputMessages, toolInputs: c.toolInputs, toolOutputs: c.toolOutputs,
    });
  }
  const collector = new MetricsCollector(d.ledger, d.stats, { version: version(), demo: d.demo, showAccountEmails: d.showAccountEmails, processMetrics: d.processMetrics });
  const sink = new OtlpSink({ config, collector, log: d.log, version: version(), instanceKey: d.ledger.file, demo: d.demo, ledger: d.ledger, intervalMs: d.intervalMs });
  sink.start();
  let logs: GatewayLogPump | null = null;
  if (config.signals.logs && !d.demo) {
    const file = config.logFile ?? DEFAULT_GATEWAY_LOG;
    const out = new LogExport({ url: config.endpoints.logs, headers: config.headers, resource: sink.resource, scope: { ...SCOPE, version: version() }, body: c.enabled });
    logs = new GatewayLogPump(d.ledger, new GatewayLogSource(file), out, d.log, c.enabled);
    logs.start(d.intervalMs ?? config.flushIntervalMs);
    d.log.info('OTLP log export started', { file, url: config.endpoints.logs, bodies: c.enabled });
  }
  return {
    sink,
    logs,
    shutdown: async () => {
      await Promise.all([
        bounded(logs?.shutdown(), SHUTDOWN_WAIT_MS, () => d.log.warn('OTLP logs: stopped with an export in flight; it is sent again next time')),
        sink.shutdown(),
      ]);
    },
  };
}
