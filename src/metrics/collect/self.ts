/**
 * clawmeter's own health families (clawmeter_*): build info, ingest cycles,
 * per-source health, read counters, the ingest-duration histogram, from the
 * ingest stats, the ledger's call count and whether it can be written. Their cumulative start is the process
 * start (the stats are this process's). Labels are bounded: source names, agent
 * folder names (folded), a state dir's basename (never the full path), and the
 * fixed skip reasons.
 */
import type { IngestStats } from '../../ingest/stats.js';
import { INGEST_DURATION_BUCKETS } from '../../ingest/stats.js';
import type { Ledger } from '../../ledger/ledger.js';
import { LEDGER_WRITE_REASONS } from '../../ledger/write-health.js';
import { foldersOf } from '../../labeling/fold.js';
import { scrub } from '../../labeling/privacy.js';
import { list, min, type Acc } from '../accumulate.js';
import { family, histogramPoint, single, type MetricFamily, type NumberPoint } from '../points.js';
import { LINE_SKIP_REASONS, METRICS } from '../table.js';

export interface SelfInput {
  ledger: Ledger;
  stats: IngestStats;
  version: string;
  demo: boolean;
  /** Unix ms the process started */
  startMs: number;
  /** points the sink's series cap left out, over its lifetime */
  seriesDropped: number;
  /** points the guard left out, over the collector's lifetime */
  pointsInvalid: number;
}

/** The basename of a state dir path (never the full path), as a label value. */
function stateDirLabel(dir: string): string {
  const parts = dir.split(/[\\/]+/).filter(Boolean);
  return scrub(parts[parts.length - 1] ?? '') || 'unknown';
}

/** Per-source health: one series per (source, agent, state dir basename); folded or colliding ones take the worst. */
function sourceHealth(input: SelfInput): [NumberPoint[], NumberPoint[]] {
  const fold = foldersOf((k) => input.ledger.get(k)).agent;
  const up: Acc = new Map();
  const last: Acc = new Map();
  for (const s of input.stats.sources.values()) {
    const labels = { source: scrub(s.source), agent: scrub(fold(s.agent)), state_dir: stateDirLabel(s.stateDir) };
    min(up, labels, s.up ? 1 : 0);
    if (s.lastSuccessMs !== null) min(last, labels, s.lastSuccessMs / 1000);
  }
  return [list(up), list(last)];
}

export function selfFamilies(input: SelfInput): MetricFamily[] {
  const st = input.stats;
  const start = input.startMs;
  const lineReasons: NumberPoint[] = [];
  const sourceReasons: NumberPoint[] = [];
  for (const [reason, n] of [...st.issues.entries()].sort()) {
    (LINE_SKIP_REASONS.has(reason) ? lineReasons : sourceReasons).push({ labels: { reason }, value: n });
  }
  const [up, lastSuccess] = sourceHealth(input);
  const sum = (d: (typeof METRICS)[keyof typeof METRICS], v: number) => family(d, single(v), start);
  return [
    family(METRICS.buildInfo, [{ labels: { version: input.version, node_version: process.version, mode: input.demo ? 'demo' : 'live' }, value: 1 }]),
    family(METRICS.lastIngestSuccess, single(st.lastSuccessMs === null ? null : st.lastSuccessMs / 1000)),
    family(METRICS.ingestCycles, [
      { labels: { result: 'degraded' }, value: st.cyclesDegraded },
      { labels: { result: 'failed' }, value: st.cyclesFailed },
      { labels: { result: 'ok' }, value: st.cyclesOk },
    ], start),
    family(METRICS.sourceUp, up),
    family(METRICS.sourceLastSuccess, lastSuccess),
    family(METRICS.ingestDuration, [histogramPoint({}, INGEST_DURATION_BUCKETS, st.durationBuckets, st.durationCount, st.durationSum)], start),
    sum(METRICS.filesRead, st.filesRead),
    sum(METRICS.linesRead, st.linesRead),
    sum(METRICS.bytesRead, st.bytesRead),
    family(METRICS.linesSkipped, lineReasons, start),
    family(METRICS.sourceErrors, sourceReasons, start),
    sum(METRICS.callsIngested, st.callsInserted),
    sum(METRICS.callsDuplicate, st.callsDuplicate),
    family(METRICS.ledgerCalls, single(input.ledger.callCount())),
    family(METRICS.ledgerWritable, single(input.ledger.writeHealth.view.writable ? 1 : 0)),
    family(METRICS.ledgerWriteErrors, LEDGER_WRITE_REASONS.map((reason) => ({ labels: { reason }, value: input.ledger.writeHealth.view.errors[reason] })), start),
    sum(METRICS.seriesDropped, input.seriesDropped),
    sum(METRICS.samplesInvalid, input.pointsInvalid),
  ];
}
