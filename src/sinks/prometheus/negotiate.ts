/**
 * Content negotiation of /metrics from the scraper's Accept header: OpenMetrics
 * 1.0.0 when the client prefers it (Prometheus asks for
 * `application/openmetrics-text;version=1.0.0;q=0.5,...,text/plain;version=0.0.4;q=0.3,*\/*;q=0.2`),
 * else the text format 0.0.4 (the default: no header, `*\/*`, text/plain, an
 * OpenMetrics version we do not write, or anything unparsable). Highest q wins;
 * on a tie, the range listed first. Hand-written: a few lines of RFC 9110 media
 * ranges, not worth a dependency.
 */
export type MetricsFormat = 'text' | 'openmetrics';

export const OPENMETRICS_CONTENT_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8';

interface Range {
  type: string;
  params: Map<string, string>;
  q: number;
}

function parseRange(part: string): Range | null {
  const [media, ...rest] = part.split(';');
  const type = media.trim().toLowerCase();
  if (!/^[a-z0-9!#$&^_.+*-]+\/[a-z0-9!#$&^_.+*-]+$/.test(type)) return null;
  const params = new Map<string, string>();
  let q = 1;
  for (const p of rest) {
    const eq = p.indexOf('=');
    if (eq < 0) continue;
    const k = p.slice(0, eq).trim().toLowerCase();
    const v = p.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
    if (k === 'q') {
      const n = Number(v);
      q = Number.isFinite(n) && v !== '' ? Math.min(1, Math.max(0, n)) : 0;
    } else params.set(k, v);
  }
  return { type, params, q };
}

function formatOf(r: Range): MetricsFormat | null {
  const version = r.params.get('version');
  if (r.type === 'application/openmetrics-text') return version === undefined || version === '1.0.0' ? 'openmetrics' : null;
  if (r.type === 'text/plain') return version === undefined || version === '0.0.4' ? 'text' : null;
  if (r.type === 'text/*' || r.type === '*/*') return 'text';
  return null;
}

/** The format to answer a request with this Accept header. */
export function negotiate(accept: string | undefined): MetricsFormat {
  if (!accept) return 'text';
  let best: MetricsFormat = 'text';
  let bestQ = -1;
  for (const part of accept.slice(0, 4096).split(',')) {
    const r = parseRange(part);
    if (!r || r.q <= 0) continue;
    const f = formatOf(r);
    if (f !== null && r.q > bestQ) {
      best = f;
      bestQ = r.q;
    }
  }
  return best;
}
