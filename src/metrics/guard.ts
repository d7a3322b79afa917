/**
 * The last guard every point passes before any sink sees it, applied once here:
 * label values are length-bounded (src/labeling/privacy.ts), and a point whose
 * value is not a finite number (NaN, ±Inf: a counter the ledger could not hold,
 * or a histogram with such a count or sum) is left out and counted, never output.
 */
import { MAX_LABEL_LENGTH, boundLabel } from '../labeling/privacy.js';
import { isHistogram, type Labels, type MetricFamily, type Point } from './points.js';

function finite(p: Point): boolean {
  if (!isHistogram(p)) return Number.isFinite(p.value);
  return Number.isFinite(p.sum) && Number.isFinite(p.count) && p.counts.every(Number.isFinite);
}

function bounded(labels: Labels): Labels | null {
  for (const n in labels) {
    if (labels[n].length > MAX_LABEL_LENGTH) {
      const out: Labels = {};
      for (const k in labels) out[k] = boundLabel(labels[k]);
      return out;
    }
  }
  return null;
}

/** The points with labels bounded and non-finite ones dropped (counted in `invalid`); the same array when nothing changed. */
export function cleanPoints<P extends Point>(points: P[], invalid: { count: number }): P[] {
  let out: P[] | null = null;
  for (let i = 0; i < points.length; i++) {
    const p = points[i];
    let fixed: P | null = p;
    if (!finite(p)) {
      invalid.count++;
      fixed = null;
    } else {
      const labels = bounded(p.labels);
      if (labels) fixed = { ...p, labels };
    }
    if (fixed !== p && out === null) out = points.slice(0, i);
    if (out !== null && fixed !== null) out.push(fixed);
  }
  return out ?? points;
}

/** Every family guarded; families whose points did not change keep their arrays (callers cache by identity). */
export function cleanFamilies(families: MetricFamily[], invalid: { count: number }): MetricFamily[] {
  return families.map((f) => {
    const points = cleanPoints(f.points, invalid);
    return points === f.points ? f : { ...f, points };
  });
}
