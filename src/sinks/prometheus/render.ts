/**
 * The /metrics exposition: a thin consumer of the metric model
 * (src/metrics/collector.ts). Points become samples, the domain families share
 * the fair, sticky --max-series cap (series-cap.ts; self-metrics are always
 * exported), and the result is written as text 0.0.4 (the original exporter's
 * byte layout, the default) or OpenMetrics 1.0 (openmetrics.ts), as negotiated.
 * Reads no file and runs no query.
 */
import type { Ledger } from '../../ledger/ledger.js';
import type { IngestStats } from '../../ingest/stats.js';
import { MetricsCollector } from '../../metrics/collector.js';
import { family, single, type MetricFamily } from '../../metrics/points.js';
import type { ProcessMetrics } from '../../metrics/process.js';
import { METRICS, type MetricDef } from '../../metrics/table.js';
import { renderFamily, type Sample } from './exposition.js';
import type { MetricsFormat } from './negotiate.js';
import { OM_EOF, renderOmFamily } from './openmetrics.js';
import { samplesOf } from './samples.js';
import { SeriesCap } from './series-cap.js';

export interface RenderOptions {
  version: string;
  demo: boolean;
  showAccountEmails: boolean;
  /** Cap on domain samples per scrape; self-metrics are always exported. */
  maxSeries: number;
  nowMs?: number;
  /** The process/Node.js collector (started by the caller); without one, values read once at construction. */
  processMetrics?: ProcessMetrics;
}

export class MetricsRenderer {
  private readonly cap: SeriesCap;
  private readonly collector: MetricsCollector;

  constructor(ledger: Ledger, stats: IngestStats, private readonly opts: RenderOptions) {
    this.cap = new SeriesCap(opts.maxSeries);
    this.collector = new MetricsCollector(ledger, stats, opts);
  }

  render(format: MetricsFormat = 'text'): string {
    const started = performance.now();
    const help = (d: MetricDef) => (this.opts.demo ? `DEMO DATA (generated, not your usage): ${d.help}` : d.help);
    const text = (fams: Array<[MetricFamily, Sample[]]>) =>
      fams
        .map(([f, samples]) =>
          format === 'openmetrics' ? renderOmFamily(f.def, help(f.def), samples, f.startMs) : renderFamily(f.def.name, f.def.type, help(f.def), samples),
        )
        .join('');

    const domain = this.collector.domain().filter((f) => !f.def.otlpOnly);
    const kept = this.cap.apply(domain.map((f) => ({ name: f.def.name, samples: samplesOf(f.points) })));
    let out = text(domain.map((f, i) => [f, kept[i]]));
    out += text(this.collector.self(this.cap.dropped).map((f) => [f, samplesOf(f.points)]));
    const ms = performance.now() - started;
    const scrape = family(METRICS.codexScrapeDuration, single(Math.round(ms * 1000) / 1000));
    out += text([[scrape, samplesOf(scrape.points)]]);
    return format === 'openmetrics' ? out + OM_EOF : out;
  }
}
