/**
 * Neutral points as Prometheus samples: a sum or gauge point is one sample; a
 * histogram point becomes its cumulative `_bucket` samples (`le` per bound, then
 * `+Inf`), `_sum` and `_count`. Conversions are cached per point list, since the
 * metric model reuses its lists while the ledger is unchanged (and the series cap
 * caches its keys per sample list).
 */
import { isHistogram, type Point } from '../../metrics/points.js';
import type { Sample } from './exposition.js';

const cache = new WeakMap<Point[], Sample[]>();

export function samplesOf(points: Point[]): Sample[] {
  let out = cache.get(points);
  if (out) return out;
  out = [];
  for (const p of points) {
    if (!isHistogram(p)) {
      out.push({ labels: p.labels, value: p.value });
      continue;
    }
    let cum = 0;
    p.bounds.forEach((b, i) => {
      cum += p.counts[i];
      out!.push({ suffix: '_bucket', labels: { ...p.labels, le: String(b) }, value: cum });
    });
    out.push({ suffix: '_bucket', labels: { ...p.labels, le: '+Inf' }, value: p.count });
    out.push({ suffix: '_sum', labels: p.labels, value: p.sum });
    out.push({ suffix: '_count', labels: p.labels, value: p.count });
  }
  cache.set(points, out);
  return out;
}
