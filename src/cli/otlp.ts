/**
 * Starts the OTLP sink for `serve`: its own metric-model collector over the open
 * ledger, the resolved otel settings, one start-up line naming the endpoints (never
 * the headers), and a warning when content capture is asked for (clawmeter keeps
 * no content, so none can be exported).
 */
import type { Ledger } from '../ledger/ledger.js';
import type { IngestStats } from '../ingest/stats.js';
import { MetricsCollector } from '../metrics/collector.js';
import type { ProcessMetrics } from '../metrics/process.js';
import type { OtelConfig } from '../settings/otel.js';
import { OtlpSink } from '../sinks/otlp/sink.js';
import type { Logger } from '../util/log.js';
import { version } from './version.js';

export interface OtlpDeps {
  ledger: Ledger;
  stats: IngestStats;
  processMetrics: ProcessMetrics;
  log: Logger;
  demo: boolean;
  showAccountEmails: boolean;
}

export function startOtlp(config: OtelConfig, d: OtlpDeps): OtlpSink {
  if (Object.values(config.captureContent).some(Boolean)) {
    d.log.warn('otel.captureContent ignored: clawmeter stores no prompt, response, tool or system prompt text, so none is exported');
  }
  const collector = new MetricsCollector(d.ledger, d.stats, { version: version(), demo: d.demo, showAccountEmails: d.showAccountEmails, processMetrics: d.processMetrics });
  const sink = new OtlpSink({ config, collector, log: d.log, version: version(), instanceKey: d.ledger.file, demo: d.demo, ledger: d.ledger });
  sink.start();
  return sink;
}
