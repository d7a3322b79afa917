/**
 * The /metrics body, rendered once per version of what it shows and kept as
 * bytes, plain and (on first demand) gzip. Many concurrent scrapers then cost a
 * buffer write each instead of a render and a compression each. A body is
 * re-rendered when the version changes (a ledger commit, an ingest cycle) or
 * when it is older than `maxAgeMs`, so clock-based gauges and the process
 * metrics are never staler than that.
 */
import zlib from 'node:zlib';
import type { MetricsFormat } from '../prometheus/negotiate.js';

export interface Body {
  plain: Buffer;
  gzip(): Buffer;
}

export class BodyCache {
  private entries = new Map<MetricsFormat, { version: string; at: number; plain: Buffer; gz: Buffer | null }>();
  renders = 0;

  constructor(
    private readonly render: (format: MetricsFormat) => string,
    private readonly version: () => string,
    private readonly maxAgeMs = 1000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** The body in one exposition format (each format is cached on its own). */
  get(format: MetricsFormat = 'text'): Body {
    const v = this.version();
    const t = this.now();
    let e = this.entries.get(format);
    if (!e || e.version !== v || t - e.at >= this.maxAgeMs) {
      e = { version: v, at: t, plain: Buffer.from(this.render(format), 'utf8'), gz: null };
      this.entries.set(format, e);
      this.renders++;
    }
    const entry = e;
    return {
      plain: entry.plain,
      gzip: () => (entry.gz ??= zlib.gzipSync(entry.plain, { level: 6 })),
    };
  }
}

/** True when an Accept-Encoding header accepts gzip (a q of 0 refuses it). */
export function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  for (const part of header.split(',')) {
    const [coding, ...params] = part.trim().toLowerCase().split(';');
    if (coding.trim() !== 'gzip' && coding.trim() !== '*') continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  }
  return false;
}
