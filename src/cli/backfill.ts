/**
 * `clawmeter backfill`: the ledger's history as OpenMetrics with timestamps, for
 * `promtool tsdb create-blocks-from openmetrics`, so a fresh Prometheus shows the
 * past on day one. The seam rules (same job/instance labels as the live scrape,
 * --until before the first live sample) are in docs/grafana.md.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Ledger } from '../ledger/ledger.js';
import { callTimeRange, historySteps } from '../ledger/history.js';
import { DEFAULT_WINDOWS, parseWindow, type WindowSpec } from '../ledger/windows.js';
import { foldersOf } from '../labeling/fold.js';
import { historyFamilies } from '../metrics/collect/history.js';
import { renderStep } from '../sinks/prometheus/openmetrics.js';
import { samplesOf } from '../sinks/prometheus/samples.js';
import { UsageError, defaultDataDir, parse } from './args.js';

export const BACKFILL_HELP = `Usage: clawmeter backfill --instance HOST:PORT [options]

Write the ledger's history as OpenMetrics with timestamps, to load into Prometheus with
  promtool tsdb create-blocks-from openmetrics FILE DATA_DIR
(see docs/grafana.md for the procedure and the seam rules).

Options:
  --data-dir DIR       the ledger to read (default: $XDG_STATE_HOME/clawmeter)
  --since TIME         first step: ISO time, Unix seconds, or a duration back from now (30d, 12h);
                       default: the ledger's first call
  --until TIME         last step (same forms; default: now). Must be before the first live scrape.
  --step DURATION      time between samples (default 1m; s, m, h)
  --job NAME           job label of the live scrape (default clawmeter)
  --instance ADDR      instance label of the live scrape (the scraped HOST:PORT; required)
  --label NAME=VALUE   another target label the live scrape adds (repeatable)
  --windows LIST       rolling windows as in serve (default 5h,7d)
  --out FILE           write here instead of stdout
  -h, --help           show this help
`;

const DUR = /^(\d+(?:\.\d+)?)(s|m|h|d|w)$/;
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

function durationMs(s: string): number | null {
  const m = DUR.exec(s);
  return m ? Number(m[1]) * UNIT_MS[m[2]] : null;
}

export function parseTime(flag: string, v: string, nowMs: number): number {
  if (v === 'now') return nowMs;
  const d = durationMs(v);
  if (d !== null) return nowMs - d;
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v) * 1000;
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new UsageError(`--${flag} ${v}: expected an ISO time, Unix seconds, 'now' or a duration such as 30d`);
  return t;
}

const LABEL = /^([a-zA-Z_][a-zA-Z0-9_]*)=(.*)$/;

export async function backfill(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { values } = parse(argv, {
    'data-dir': { type: 'string' },
    since: { type: 'string' },
    until: { type: 'string' },
    step: { type: 'string' },
    job: { type: 'string' },
    instance: { type: 'string' },
    label: { type: 'string', multiple: true },
    windows: { type: 'string' },
    out: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(BACKFILL_HELP);
    return 0;
  }
  if (!values.instance) throw new UsageError('--instance is required: the HOST:PORT Prometheus scrapes for this clawmeter');
  const extra: Record<string, string> = { job: values.job ?? 'clawmeter', instance: values.instance };
  for (const l of values.label ?? []) {
    const m = LABEL.exec(l);
    if (!m || m[1].startsWith('__')) throw new UsageError(`--label ${l}: expected NAME=VALUE`);
    extra[m[1]] = m[2];
  }
  const stepMs = durationMs(values.step ?? '1m');
  if (stepMs === null || stepMs < 1000) throw new UsageError(`--step ${values.step}: expected a duration of at least 1s such as 1m`);
  let windows: WindowSpec[] = DEFAULT_WINDOWS;
  if (values.windows !== undefined) {
    const parsed = values.windows.split(',').map((s) => parseWindow(s));
    if (parsed.length === 0 || parsed.some((w) => w === null)) throw new UsageError(`--windows ${values.windows}: expected durations such as 5h,7d`);
    windows = parsed as WindowSpec[];
  }
  const dataDir = path.resolve(values['data-dir'] ?? defaultDataDir(env));
  if (!fs.existsSync(path.join(dataDir, 'ledger.sqlite'))) throw new UsageError(`--data-dir ${dataDir}: no ledger there (run clawmeter serve or ingest first)`);

  const now = Date.now();
  const ledger = Ledger.open(dataDir);
  try {
    const range = callTimeRange(ledger);
    const untilMs = values.until ? parseTime('until', values.until, now) : now;
    let sinceMs = values.since ? parseTime('since', values.since, now) : range ? range.firstMs : untilMs;
    sinceMs = Math.ceil(sinceMs / stepMs) * stepMs; // aligned steps
    if (sinceMs > untilMs) throw new UsageError('--since is after --until');
    if ((untilMs - sinceMs) / stepMs > 5_000_000) throw new UsageError('too many steps: use a larger --step or a shorter range');
    const fold = foldersOf((k) => ledger.get(k));
    const fd = values.out ? fs.openSync(values.out, 'w') : 1;
    let buf = '';
    let steps = 0;
    const flush = () => {
      fs.writeSync(fd, buf);
      buf = '';
    };
    try {
      for (const step of historySteps(ledger, { sinceMs, untilMs, stepMs, windows })) {
        buf += renderStep(historyFamilies(step, fold).map((f) => [f.def, samplesOf(f.points)]), step.tsMs, extra);
        steps++;
        if (buf.length > 1 << 20) flush();
      }
      buf += '# EOF\n';
      flush();
    } finally {
      if (values.out) fs.closeSync(fd);
    }
    if (values.out) {
      process.stderr.write(
        `clawmeter: wrote ${steps} steps from ${new Date(sinceMs).toISOString()} to ${new Date(untilMs).toISOString()} into ${values.out}\n`,
      );
    }
    return 0;
  } finally {
    ledger.close();
  }
}
