/**
 * The rows of `clawmeter report` (docs/cli.md), as plain data from the query
 * API: per local day, ISO week or month of a time zone (DST-correct, empty periods
 * left out), per model, agent, channel or session labels, or per rolling window
 * and provider with the provider-reported quota. Every row and the totals carry
 * the same measures, so `--json` consumers can rely on them; the totals come from
 * one query over the whole range, never from adding the rows up.
 */
import { emptyMeasures, type Measures } from '../ledger/query-types.js';
import type { Dimension, Filter, GroupRow, LedgerQuery } from '../query/index.js';

export const REPORT_KINDS = ['daily', 'weekly', 'monthly', 'session', 'model', 'agent', 'channel', 'window'] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];

const MEASURE_KEYS = ['messages', 'errors', 'input', 'output', 'cacheRead', 'cacheWrite', 'totalTokens', 'costUsd', 'costEstimatedUsd'] as const;

export type ReportMeasures = Measures;

export interface ReportRow extends Measures {
  /** what the row is: a period label (2026-03-29, the Monday of a week, 2026-03), a model, an agent, ... */
  key: string;
  startMs?: number;
  endMs?: number;
  /** grouped dimension values (model reports also name the provider; session reports agent, channel, chat type, kind) */
  dims?: Partial<Record<Dimension, string>>;
  /** window reports: the rolling window and what the provider reports for it */
  window?: string;
  usedRatio?: number | null;
  resetsAtMs?: number | null;
  /** --breakdown: per model inside the period */
  breakdown?: Array<Measures & { model: string }>;
}

export interface Report {
  report: ReportKind;
  tz: string;
  from: number;
  to: number;
  rows: ReportRow[];
  totals: Measures;
}

export interface ReportOptions {
  kind: ReportKind;
  from: number;
  to: number;
  tz: string;
  where: Filter;
  breakdown: boolean;
  /** periods: asc oldest first; groups: asc smallest cost first (groups default to desc) */
  order: 'asc' | 'desc';
  windows: Array<{ name: string; ms: number }>;
  nowMs: number;
}

export function measuresOf(r: Measures): Measures {
  const m = emptyMeasures();
  for (const k of MEASURE_KEYS) m[k] = r[k];
  return m;
}

const GROUPS: Partial<Record<ReportKind, Dimension[]>> = {
  model: ['model', 'provider'],
  agent: ['agent'],
  channel: ['channel'],
  session: ['agent', 'channel', 'chatType', 'kind'],
};

const UNIT = { daily: 'day', weekly: 'week', monthly: 'month' } as const;

function byCost(a: Measures, b: Measures): number {
  return b.costUsd - a.costUsd || b.totalTokens - a.totalTokens;
}

export function buildReport(q: LedgerQuery, o: ReportOptions): Report {
  const { from, to, tz, where } = o;
  const totals = measuresOf(q.totals({ from, to, where })[0]);
  let rows: ReportRow[] = [];
  if (o.kind === 'daily' || o.kind === 'weekly' || o.kind === 'monthly') {
    const unit = UNIT[o.kind];
    const periods = q.calendarSeries({ from, to, unit, tz, where }).filter((r) => r.messages + r.errors > 0);
    const models = o.breakdown ? q.calendarSeries({ from, to, unit, tz, where, by: ['model'] }) : [];
    rows = periods.map((p) => {
      const row: ReportRow = { key: p.period, startMs: p.startMs, endMs: p.endMs, ...measuresOf(p) };
      if (o.breakdown) {
        row.breakdown = models
          .filter((m) => m.startMs === p.startMs)
          .map((m) => ({ model: m.model ?? '', ...measuresOf(m) }))
          .sort(byCost);
      }
      return row;
    });
    if (o.order === 'desc') rows.reverse();
  } else if (o.kind === 'window') {
    const quota = q.quotaView(o.nowMs).windows;
    // windows in the order of --windows; inside each, providers by cost (--order asc: smallest first)
    for (const w of o.windows) {
      const wFrom = Math.max(from, o.nowMs - w.ms);
      const wTo = Math.min(to, o.nowMs + 1);
      if (!(wTo > wFrom)) continue;
      const providers = q.totals({ from: wFrom, to: wTo, where, by: ['provider'] }).sort(byCost);
      if (o.order === 'asc') providers.reverse();
      for (const r of providers) {
        const reported = quota.filter((x) => x.provider === r.provider && x.windowMinutes * 60_000 === w.ms);
        const top = reported.sort((a, b) => b.usedRatio - a.usedRatio)[0];
        rows.push({
          key: `${w.name} ${r.provider}`,
          window: w.name,
          dims: { provider: r.provider },
          startMs: wFrom,
          endMs: wTo,
          usedRatio: top ? top.usedRatio : null,
          resetsAtMs: top ? top.resetsAtMs : null,
          ...measuresOf(r),
        });
      }
    }
  } else {
    const by = GROUPS[o.kind]!;
    rows = q.totals({ from, to, where, by }).map((r: GroupRow) => {
      const dims: Partial<Record<Dimension, string>> = {};
      for (const d of by) dims[d] = r[d] ?? '';
      return { key: by.map((d) => dims[d]).join(' · '), dims, ...measuresOf(r) };
    });
    rows.sort(byCost);
    if (o.order === 'asc') rows.reverse();
  }
  return { report: o.kind, tz, from, to, rows, totals };
}
