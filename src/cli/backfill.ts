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
import { foldersOf } from '../labeling/fold.js';
import { historyFamilies } from '../metrics/collect/history.js';
import { renderStep } from '../sinks/prometheus/openmetrics.js';
import { samplesOf } from '../sinks/prometheus/samples.js';
import { UsageError, defaultDataDir } from './args.js';
import { optionsHelp } from '../settings/help.js';
import { resolveSettings } from '../settings/resolve.js';
import { usageSettings } from '../settings/usage.js';

export const BACKFILL_HELP = `Usage: clawmeter backfill --instance HOST:PORT [options]

Write the ledger's history as OpenMetrics with timestamps, to load into Prometheus with
  promtool tsdb create-blocks-from openmetrics FILE DATA_DIR
(see docs/grafana.md for the procedure and the seam rules).

Options:
${optionsHelp('backfill')}`;

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
  const { values, help } = resolveSettings('backfill', argv, env);
  if (help) {
    process.stdout.write(BACKFILL_HELP);
    return 0;
  }
  if (!values.instance) throw new UsageError('--instance is required: the HOST:PORT Prometheus scrapes for this clawmeter');
  const extra: Record<string, string> = { job: values.job!, instance: values.instance };
  for (const l of values.label ?? []) {
    const m = LABEL.exec(l)!; // validated by the spec
    extra[m[1]] = m[2];
  }
  const stepMs = durationMs(values.step!)!;
  if (stepMs < 1000) throw new UsageError(`--step ${values.step}: expected a duration of at least 1s such as 1m`);
  const windows = usageSettings({ windows: values.windows }).windows;
  const dataDir = path.resolve(values.dataDir ?? defaultDataDir(env));
  if (!fs.existsSync(path.join(dataDir, 'ledger.sqlite'))) throw new UsageError(`--data-dir ${dataDir}: no ledger there (run clawmeter serve or ingest first)`);

  const now = Date.now();
  const ledger = Ledger.open(dataDir);
  try {
    const range = callTimeRange(ledger);
    const untilMs = parseTime('until', values.until!, now);
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
