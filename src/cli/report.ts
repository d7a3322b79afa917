/**
 * `clawmeter report daily|weekly|monthly|session|model|agent|channel|window`:
 * usage tables from the ledger (running an ingest cycle first unless --no-ingest;
 * beside a running serve it reads alongside), as an aligned table with totals on
 * a terminal, or --json (one object with rows and totals) or --csv for scripts.
 * Rows come from report-data.ts; this module parses flags and renders.
 */
import type { Filter } from '../query/index.js';
import { optionsHelp } from '../settings/help.js';
import { resolveSettings } from '../settings/resolve.js';
import { usageSettings } from '../settings/usage.js';
import { EXIT_HELP, UsageError, loggerFrom } from './args.js';
import { openForReading, reportTime, zoneOf } from './read-ledger.js';
import { REPORT_KINDS, buildReport, type Report, type ReportKind, type ReportRow } from './report-data.js';
import { csvLine, renderTable, type Column } from './table.js';
import type { Measures } from '../ledger/query-types.js';

export const REPORT_HELP = `Usage: clawmeter report <${REPORT_KINDS.join('|')}> [options]

Usage from the ledger: per local day, ISO week or month (--tz, DST-correct), per
session labels, model, agent or channel (largest cost first), or per rolling
window and provider with the provider-reported quota. Messages, errors, tokens
(input, output, cache read, cache write, total) and cost (with the part
clawmeter estimated). Runs an ingest cycle first unless --no-ingest; while a
'clawmeter serve' holds the ledger it reads alongside without ingesting.

Options:
${optionsHelp('report')}
${EXIT_HELP}`;

const FIRST: Record<ReportKind, string> = {
  daily: 'day', weekly: 'week (Mon)', monthly: 'month', session: 'agent · channel · chat · kind', model: 'model · provider', agent: 'agent', channel: 'channel', window: 'window · provider',
};

export function splitList(v: string[] | null | undefined): string[] | undefined {
  const out = (v ?? []).flatMap((x) => x.split(',')).map((x) => x.trim()).filter(Boolean);
  return out.length > 0 ? out : undefined;
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const usd = (n: number) => '$' + n.toFixed(2);

function cells(key: string, m: Measures): string[] {
  return [key, int(m.messages), int(m.errors), int(m.input), int(m.output), int(m.cacheRead), int(m.cacheWrite), int(m.totalTokens), usd(m.costUsd), usd(m.costEstimatedUsd)];
}

export function renderReportTable(r: Report, o: { width?: number; color: boolean }): string {
  const cols: Column[] = [
    { header: FIRST[r.report], keep: true },
    { header: 'messages', align: 'right', priority: 5 },
    { header: 'errors', align: 'right', priority: 4 },
    { header: 'input', align: 'right', priority: 3 },
    { header: 'output', align: 'right', priority: 3 },
    { header: 'cache read', align: 'right', priority: 2 },
    { header: 'cache write', align: 'right', priority: 1 },
    { header: 'total tokens', align: 'right', priority: 6 },
    { header: 'cost', align: 'right', keep: true },
    { header: 'estimated', align: 'right', priority: 2 },
  ];
  if (r.report === 'window') cols.push({ header: 'used (provider)', align: 'right', priority: 7 }, { header: 'resets', align: 'left', priority: 6 });
  const rows: string[][] = [];
  for (const row of r.rows) {
    const c = cells(row.key, row);
    if (r.report === 'window') c.push(row.usedRatio == null ? '–' : `${(100 * row.usedRatio).toFixed(1)}%`, row.resetsAtMs == null ? '–' : new Date(row.resetsAtMs).toISOString().slice(0, 16) + 'Z');
    rows.push(c);
    for (const b of row.breakdown ?? []) rows.push(cells(`  └ ${b.model}`, b));
  }
  if (rows.length === 0) return 'No usage in this range.\n';
  const footer = cells('Total', r.totals);
  if (r.report === 'window') footer.push('', '');
  const head = `${r.report} report · ${new Date(r.from).toISOString()} – ${new Date(r.to).toISOString()} · ${r.tz}\n`;
  const note = r.totals.costEstimatedUsd > 0 ? 'estimated: the part of the cost clawmeter priced from its pricing table (no cost in the transcript).\n' : '';
  return head + renderTable(cols, rows, { width: o.width, color: o.color, footer: r.report === 'window' ? undefined : footer }) + note;
}

const CSV_KEYS = ['messages', 'errors', 'input', 'output', 'cacheRead', 'cacheWrite', 'totalTokens', 'costUsd', 'costEstimatedUsd'] as const;

export function renderReportCsv(r: Report): string {
  // the window report adds what the provider reports for each row (empty when nothing)
  const win = r.report === 'window';
  const lines = [csvLine(['key', 'model', ...CSV_KEYS, ...(win ? ['usedRatio', 'resetsAtMs'] : [])])];
  const line = (key: string, model: string, m: Measures, extra: Array<number | string> = []) => lines.push(csvLine([key, model, ...CSV_KEYS.map((k) => m[k]), ...extra]));
  for (const row of r.rows) {
    line(row.key, row.dims?.model ?? '', row, win ? [row.usedRatio ?? '', row.resetsAtMs ?? ''] : []);
    for (const b of row.breakdown ?? []) line(row.key, b.model, b);
  }
  line('total', '', r.totals, win ? ['', ''] : []);
  return lines.join('\n') + '\n';
}

function jsonRow(r: ReportRow): Record<string, unknown> {
  const { key, ...rest } = r;
  return { key, ...rest };
}

export async function reportCommand(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [kind, ...rest] = argv;
  if (kind === undefined || kind === '--help' || kind === '-h' || kind === 'help') {
    process.stdout.write(REPORT_HELP);
    return kind === undefined ? 2 : 0;
  }
  if (!(REPORT_KINDS as readonly string[]).includes(kind)) throw new UsageError(`report ${kind.slice(0, 40)}: unknown report (one of ${REPORT_KINDS.join(', ')})`);
  const { values, help, origins } = resolveSettings('report', rest, env);
  if (help) {
    process.stdout.write(REPORT_HELP);
    return 0;
  }
  if (values.json && values.csv) throw new UsageError('--json and --csv: choose one');
  const log = loggerFrom({ ...values, logLevel: origins.logLevel === 'default' ? 'warn' : values.logLevel });
  const tz = zoneOf(values, env);
  const now = Date.now();
  const where: Filter = { agent: splitList(values.agent), provider: splitList(values.provider), model: splitList(values.model), channel: splitList(values.channel) };
  const l = await openForReading(values, env, log);
  try {
    const k = kind as ReportKind;
    const first = l.q.firstCallMs();
    const from = values.since ? reportTime('since', values.since, now, tz) : (first ?? now);
    const to = values.until && values.until !== 'now' ? reportTime('until', values.until, now, tz) : now + 1;
    if (!(to > from)) throw new UsageError('--since must be before --until');
    const periods = k === 'daily' || k === 'weekly' || k === 'monthly';
    const order = origins.order === 'default' ? (periods ? 'asc' : 'desc') : (values.order as 'asc' | 'desc');
    let report: Report;
    try {
      report = buildReport(l.q, { kind: k, from, to, tz, where, breakdown: Boolean(values.breakdown), order, windows: usageSettings(values).windows, nowMs: now });
    } catch (err) {
      if (err instanceof RangeError) throw new UsageError(err.message);
      throw err;
    }
    if (values.json) process.stdout.write(JSON.stringify({ ...report, generatedAtMs: now, read: l.mode, rows: report.rows.map(jsonRow) }, null, 2) + '\n');
    else if (values.csv) process.stdout.write(renderReportCsv(report));
    else {
      const tty = Boolean(process.stdout.isTTY);
      process.stdout.write(renderReportTable(report, { width: tty ? process.stdout.columns : undefined, color: tty && !env.NO_COLOR }));
    }
    return 0;
  } finally {
    l.close();
  }
}
