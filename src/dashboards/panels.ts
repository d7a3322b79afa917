/**
 * Typed building blocks for Grafana dashboard JSON (schema 38): panels, rows,
 * targets, thresholds and template variables, plus a layout helper that places
 * panels on the 24-column grid. Plain typed objects instead of
 * @grafana/grafana-foundation-sdk: the dashboards use a handful of panel kinds
 * and the JSON must be stable byte for byte (a test compares it with the
 * committed files), which a small builder we own keeps simple.
 *
 * Every query selects through SEL, so the datasource, job and instance
 * variables apply to every panel; no datasource uid is hard-coded.
 */

/** The datasource every panel and target uses: the `datasource` template variable. */
export const DS = { type: 'prometheus', uid: '${datasource}' } as const;

/** Label matchers every selector starts with: one dashboard serves many hosts. */
export const SEL = 'job=~"$job", instance=~"$instance"';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export interface Target {
  expr: string;
  legendFormat?: string;
  /** table panels: an instant query in table format */
  instant?: boolean;
}

export interface ThresholdStep {
  color: string;
  value: number | null;
}

export interface PanelSpec {
  kind: 'stat' | 'gauge' | 'timeseries' | 'bargauge' | 'table';
  title: string;
  description?: string;
  w: number;
  h: number;
  unit?: string;
  decimals?: number;
  min?: number;
  max?: number;
  thresholds?: ThresholdStep[];
  targets: Target[];
  /** extra `options` merged over the kind's defaults */
  options?: { [k: string]: Json };
  /** extra `fieldConfig.defaults` merged over the kind's defaults */
  defaults?: { [k: string]: Json };
  overrides?: Json[];
  transformations?: Json[];
}

export interface RowSpec {
  row: string;
  panels: PanelSpec[];
}

export function steps(...s: Array<[string, number | null]>): ThresholdStep[] {
  return s.map(([color, value]) => ({ color, value }));
}

const REDUCE_LAST = { calcs: ['lastNotNull'], fields: '', values: false };

function kindOptions(p: PanelSpec): { [k: string]: Json } {
  switch (p.kind) {
    case 'stat':
      return { colorMode: 'value', graphMode: 'area', justifyMode: 'auto', orientation: 'auto', reduceOptions: REDUCE_LAST, textMode: 'auto' };
    case 'gauge':
      return { orientation: 'auto', showThresholdLabels: false, showThresholdMarkers: true, reduceOptions: REDUCE_LAST };
    case 'bargauge':
      return { displayMode: 'gradient', orientation: 'horizontal', showUnfilled: true, reduceOptions: REDUCE_LAST };
    case 'timeseries':
      return { legend: { displayMode: 'list', placement: 'bottom', showLegend: true }, tooltip: { mode: 'multi', sort: 'desc' } };
    case 'table':
      return { showHeader: true };
  }
}

function kindDefaults(p: PanelSpec): { [k: string]: Json } {
  if (p.kind === 'timeseries') {
    return { color: { mode: 'palette-classic' }, custom: { drawStyle: 'line', fillOpacity: 25, lineWidth: 2, stacking: { mode: 'none' } } };
  }
  if (p.kind === 'table') return { custom: { align: 'auto', cellOptions: { type: 'auto' } } };
  return {};
}

function target(t: Target, i: number): { [k: string]: Json } {
  const out: { [k: string]: Json } = { datasource: DS, expr: t.expr, refId: String.fromCharCode(65 + i) };
  if (t.legendFormat !== undefined) out.legendFormat = t.legendFormat;
  if (t.instant) {
    out.format = 'table';
    out.instant = true;
    out.range = false;
  }
  return out;
}

function panelJson(p: PanelSpec, id: number, x: number, y: number): { [k: string]: Json } {
  const defaults: { [k: string]: Json } = { ...kindDefaults(p) };
  if (p.unit !== undefined) defaults.unit = p.unit;
  if (p.decimals !== undefined) defaults.decimals = p.decimals;
  if (p.min !== undefined) defaults.min = p.min;
  if (p.max !== undefined) defaults.max = p.max;
  if (p.thresholds) defaults.thresholds = { mode: 'absolute', steps: p.thresholds as unknown as Json[] };
  Object.assign(defaults, p.defaults ?? {});
  const out: { [k: string]: Json } = {
    type: p.kind,
    id,
    title: p.title,
  };
  if (p.description) out.description = p.description;
  out.datasource = DS;
  out.gridPos = { h: p.h, w: p.w, x, y };
  out.options = { ...kindOptions(p), ...(p.options ?? {}) };
  out.fieldConfig = { defaults, overrides: p.overrides ?? [] };
  out.targets = p.targets.map(target);
  if (p.transformations) out.transformations = p.transformations;
  return out;
}

/**
 * Lays rows out top to bottom, panels left to right, wrapping at 24 columns.
 * Rows get ids 100, 200, …; panels of row r get ids r*100+1, … so ids are stable
 * when a panel is added to another row.
 */
export function layout(rows: RowSpec[]): Json[] {
  const out: Json[] = [];
  let y = 0;
  rows.forEach((r, ri) => {
    const rowId = (ri + 1) * 100;
    out.push({ type: 'row', id: rowId, title: r.row, collapsed: false, gridPos: { h: 1, w: 24, x: 0, y }, panels: [] });
    y += 1;
    let x = 0;
    let lineH = 0;
    r.panels.forEach((p, pi) => {
      if (x + p.w > 24) {
        y += lineH;
        x = 0;
        lineH = 0;
      }
      out.push(panelJson(p, rowId + pi + 1, x, y));
      x += p.w;
      lineH = Math.max(lineH, p.h);
    });
    y += lineH;
  });
  return out;
}

export interface VariableSpec {
  name: string;
  label: string;
  /** a label_values() query, or a textbox default */
  query?: string;
  textbox?: string;
  multi?: boolean;
  /** default selection when not "All" */
  current?: string;
}

/** Template variables: the datasource first, then query variables over it. */
export function templating(vars: VariableSpec[]): Json {
  const list: Json[] = [
    {
      name: 'datasource',
      label: 'Prometheus',
      type: 'datasource',
      query: 'prometheus',
      refresh: 1,
      current: {},
      hide: 0,
      includeAll: false,
      multi: false,
      options: [],
      regex: '',
    },
  ];
  for (const v of vars) {
    if (v.textbox !== undefined) {
      list.push({
        name: v.name,
        label: v.label,
        type: 'textbox',
        query: v.textbox,
        current: { selected: false, text: v.textbox, value: v.textbox },
        hide: 0,
        options: [{ selected: true, text: v.textbox, value: v.textbox }],
      });
      continue;
    }
    const cur = v.current ?? '$__all';
    list.push({
      name: v.name,
      label: v.label,
      type: 'query',
      datasource: DS,
      definition: v.query ?? '',
      query: { query: v.query ?? '', refId: `${v.name}-var` },
      refresh: 2,
      includeAll: true,
      allValue: '.*',
      multi: v.multi ?? true,
      current: cur === '$__all' ? { selected: true, text: ['All'], value: ['$__all'] } : { selected: true, text: [cur], value: [cur] },
      hide: 0,
      options: [],
      regex: '',
      sort: 1,
    });
  }
  return { list };
}

export interface DashboardSpec {
  uid: string;
  title: string;
  description: string;
  tags: string[];
  /** file name under deploy/grafana/ */
  file: string;
  variables: VariableSpec[];
  rows: RowSpec[];
}

export function dashboardJson(d: DashboardSpec): Json {
  return {
    annotations: { list: [] },
    description: d.description,
    editable: true,
    fiscalYearStartMonth: 0,
    graphTooltip: 1,
    id: null,
    links: [],
    liveNow: false,
    panels: layout(d.rows),
    refresh: '30s',
    schemaVersion: 38,
    tags: d.tags,
    templating: templating(d.variables),
    time: { from: 'now-6h', to: 'now' },
    timepicker: {},
    timezone: '',
    title: d.title,
    uid: d.uid,
    version: 1,
  };
}

/** Every query of a dashboard, with the panel it belongs to (for tests and docs). */
export function queriesOf(d: DashboardSpec): Array<{ panel: string; expr: string; instant: boolean }> {
  const out: Array<{ panel: string; expr: string; instant: boolean }> = [];
  for (const r of d.rows) for (const p of r.panels) for (const t of p.targets) out.push({ panel: p.title, expr: t.expr, instant: !!t.instant });
  for (const v of d.variables) if (v.query) out.push({ panel: `variable ${v.name}`, expr: v.query, instant: true });
  return out;
}
