/**
 * OpenMetrics 1.0 text: the live scrape when the scraper asks for it, and
 * `clawmeter backfill`'s steps with timestamps. Against the text format 0.0.4:
 * a counter family is named without `_total` in `# HELP`/`# TYPE` (its samples
 * keep it), `# UNIT` is written when the family name ends with the unit (as
 * OpenMetrics requires; otherwise it is left out), counters and histograms get a
 * `_created` sample per series from the metric model's start time, HELP escapes
 * double quotes too, and the exposition ends with `# EOF`.
 */
import type { MetricDef } from '../../metrics/table.js';
import { sorted } from '../../metrics/accumulate.js';
import { formatValue, renderLabels, type Labels, type Sample } from './exposition.js';
import { seriesKey } from './series-cap.js';

export function escapeOmHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

/** OpenMetrics names a counter family without its `_total` suffix. */
export function familyName(d: MetricDef): string {
  return d.type === 'counter' && d.name.endsWith('_total') ? d.name.slice(0, -'_total'.length) : d.name;
}

/** The `# UNIT` of a family: its unit token when the family name ends with it, else null. */
export function omUnit(d: MetricDef): string | null {
  if (d.unit === '1') return null;
  const unit = d.unit.toLowerCase();
  return familyName(d).endsWith(`_${unit}`) ? unit : null;
}

function sampleName(d: MetricDef, s: Sample): string {
  if (d.type === 'counter') return `${familyName(d)}_total`;
  return d.name + (s.suffix ?? '');
}

function header(d: MetricDef, help: string, unit: boolean): string {
  const name = familyName(d);
  let out = `# HELP ${name} ${escapeOmHelp(help)}\n# TYPE ${name} ${d.type}\n`;
  const u = unit ? omUnit(d) : null;
  if (u !== null) out += `# UNIT ${name} ${u}\n`;
  return out;
}

/**
 * One family of the live scrape. With a start time, every series of a counter or
 * histogram ends with its `_created` sample (a histogram series is its
 * consecutive samples with the same labels but `le`).
 */
export function renderOmFamily(d: MetricDef, help: string, samples: Sample[], startMs: number | null): string {
  let out = header(d, help, true);
  const created = startMs !== null && d.type !== 'gauge' ? ` ${formatValue(Math.floor(startMs) / 1000)}\n` : null;
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i];
    out += `${sampleName(d, s)}${renderLabels(s.labels)} ${formatValue(s.value)}\n`;
    if (created === null) continue;
    const next = samples[i + 1];
    if (next !== undefined && seriesKey(next) === seriesKey(s)) continue;
    const labels = { ...s.labels };
    delete labels.le;
    out += `${familyName(d)}_created${renderLabels(labels)}${created}`;
  }
  return out;
}

export const OM_EOF = '# EOF\n';

/**
 * One backfill step as OpenMetrics lines (without the final `# EOF`). Samples keep
 * the collectors' label order; the extra labels are merged in and the set sorted.
 * Empty families are left out, and no `# UNIT` or `_created` is written.
 */
export function renderStep(families: Array<[MetricDef, Sample[]]>, tsMs: number, extra: Labels): string {
  const ts = (tsMs / 1000).toFixed(3);
  let out = '';
  for (const [d, samples] of families) {
    if (samples.length === 0) continue;
    out += header(d, d.help, false);
    for (const s of samples) out += `${sampleName(d, s)}${renderLabels(sorted({ ...s.labels, ...extra }))} ${formatValue(s.value)} ${ts}\n`;
  }
  return out;
}
