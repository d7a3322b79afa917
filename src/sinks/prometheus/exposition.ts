/**
 * Prometheus text exposition format 0.0.4. A family renders as `# HELP`, `# TYPE`
 * and its samples, families one after another without blank lines and labels in
 * the order given (callers sort them), which is the layout of the original
 * exporter, so its families stay byte-compatible.
 */
export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export type Labels = Record<string, string>;

export interface Sample {
  /** Suffix appended to the family name (_bucket, _sum, _count) or ''. */
  suffix?: string;
  labels: Labels;
  value: number;
}

const NEEDS_ESCAPE = /[\\"\n]/;

export function escapeLabelValue(v: string): string {
  if (!NEEDS_ESCAPE.test(v)) return v; // nearly every value: one scan instead of three replaces
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

export function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

export function renderLabels(labels: Labels): string {
  const keys = Object.keys(labels);
  if (keys.length === 0) return '';
  let s = '{';
  for (let i = 0; i < keys.length; i++) {
    if (i > 0) s += ',';
    s += `${keys[i]}="${escapeLabelValue(labels[keys[i]])}"`;
  }
  return s + '}';
}

export function renderFamily(name: string, type: string, help: string, samples: Sample[]): string {
  let out = `# HELP ${name} ${escapeHelp(help)}\n# TYPE ${name} ${type}\n`;
  for (const s of samples) out += `${name}${s.suffix ?? ''}${renderLabels(s.labels)} ${formatValue(s.value)}\n`;
  return out;
}
