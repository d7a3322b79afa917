/**
 * Builds the /metrics text from the ledger's in-memory read model, the ingest
 * stats and the process collector's last values. Reads no file and runs no query:
 * a scrape costs a walk over aggregates. Every family passes the label-length and
 * finite-value guard (labels.ts); the domain families then share the fair, sticky
 * --max-series cap (series-cap.ts).
 */
import type { Ledger, TotalsRow } from '../../ledger/ledger.js';
import type { IngestStats } from '../../ingest/stats.js';
import { INGEST_DURATION_BUCKETS } from '../../ingest/stats.js';
import { seedIndexKind } from '../../parse/session-kind.js';
import { foldersOf } from '../../quota/fold.js';
import { accountLabel, add, cleanSamples, list, max, min, scrub, type Acc } from './labels.js';
import { renderFamily, type Sample } from './exposition.js';
import { ProcessMetrics } from './process-metrics.js';
import { SeriesCap } from './series-cap.js';
import { LINE_SKIP_REASONS, METRICS, type MetricDef } from './metrics.js';
import { seedCounterFamilies } from './seed-families.js';
import { authInfoFamilies } from './families-auth.js';
import { failedRunFamilies } from './families-runs.js';
import { authFamilies, quotaFamilies, sessionFamilies, usageFamiliesOf } from './families.js';

export interface RenderOptions {
  version: string;
  demo: boolean;
  showAccountEmails: boolean;
  /** Cap on domain samples per scrape; self-metrics are always exported. */
  maxSeries: number;
  nowMs?: number;
  /** The process/Node.js collector (started by the caller); without one, values read once at construction. */
  processMetrics?: ProcessMetrics;
}

type Families = Array<[MetricDef, Sample[]]>;

/** The basename of a state dir path (never the full path), as a label value. */
function stateDirLabel(dir: string): string {
  const parts = dir.split(/[\\/]+/).filter(Boolean);
  return scrub(parts[parts.length - 1] ?? '') || 'unknown';
}

export class MetricsRenderer {
  private readonly cap: SeriesCap;
  private readonly invalid = { count: 0 };
  private readonly process: ProcessMetrics;

  constructor(
    private readonly ledger: Ledger,
    private readonly stats: IngestStats,
    private readonly opts: RenderOptions,
  ) {
    this.cap = new SeriesCap(opts.maxSeries);
    this.process = opts.processMetrics ?? new ProcessMetrics();
  }

  render(): string {
    const started = performance.now();
    const now = this.opts.nowMs ?? Date.now();
    const help = (d: MetricDef) => (this.opts.demo ? `DEMO DATA (generated, not your usage): ${d.help}` : d.help);
    const clean = (fams: Families): Families => fams.map(([d, samples]) => [d, cleanSamples(samples, this.invalid)]);
    const text = (fams: Families) => fams.map(([d, samples]) => renderFamily(d.name, d.type, help(d), samples)).join('');

    // Families that depend only on the ledger's read model are built once per ledger
    // version; those that depend on the clock (expiry in seconds, windows that have
    // reset, cooldowns that ended) are built on every scrape.
    const stable = this.stableFamilies(now);
    const input = { ledger: this.ledger, totals: stable.totals, nowMs: now, showAccountEmails: this.opts.showAccountEmails };
    const domain = clean([
      ...stable.seed,
      [METRICS.codexOauthExpiry, this.oauthExpiry(now)],
      ...stable.usage,
      ...failedRunFamilies(input),
      ...quotaFamilies(input),
      ...authFamilies(input),
      ...authInfoFamilies(input),
      ...stable.sessions,
    ]);
    const kept = this.cap.apply(domain.map(([d, samples]) => ({ name: d.name, samples })));
    let out = text(domain.map(([d], i) => [d, kept[i]]));
    const self = clean(this.selfFamilies());
    // The invalid-sample count includes what cleaning the self-metrics just found.
    for (const [d, samples] of self) if (d === METRICS.samplesInvalid && samples[0]) samples[0] = { ...samples[0], value: this.invalid.count };
    out += text(self);
    const ms = performance.now() - started;
    out += text([[METRICS.codexScrapeDuration, [{ labels: {}, value: Math.round(ms * 1000) / 1000 }]]]);
    return out;
  }

  private cache: {
    version: number;
    totals: TotalsRow[];
    seed: Array<[MetricDef, Sample[]]>;
    usage: Array<[MetricDef, Sample[]]>;
    sessions: Array<[MetricDef, Sample[]]>;
  } | null = null;

  private stableFamilies(now: number): NonNullable<MetricsRenderer['cache']> {
    const version = this.ledger.version;
    if (this.cache && this.cache.version === version && this.opts.nowMs === undefined) return this.cache;
    const totals = [...this.ledger.totals()];
    const input = { ledger: this.ledger, totals, nowMs: now, showAccountEmails: this.opts.showAccountEmails };
    this.cache = {
      version,
      totals,
      seed: this.seedFamilies(totals),
      usage: usageFamiliesOf(input),
      sessions: sessionFamilies(input),
    };
    return this.cache;
  }

  /** The original exporter's families that come from totals, sessions and the last call. */
  private seedFamilies(totals: TotalsRow[]): Array<[MetricDef, Sample[]]> {
    const fold = foldersOf((k) => this.ledger.get(k)).model;
    const kinds: Acc = new Map();
    for (const sess of this.ledger.activeSessions()) add(kinds, { kind: seedIndexKind(sess.sessionKey) }, 1);

    const last = this.ledger.lastCallTimestampMs();
    return [
      ...seedCounterFamilies(totals, fold),
      [METRICS.codexActiveSessions, list(kinds)],
      [METRICS.codexLastRun, last === null ? [] : [{ labels: {}, value: last / 1000 }]],
    ];
  }

  /** Seconds until each auth profile expires: one series per label set (several agents may share a profile). */
  private oauthExpiry(now: number): Sample[] {
    const expiry: Acc = new Map();
    for (const p of this.ledger.authProfiles()) {
      if (p.expiresMs === null) continue;
      const labels = {
        account: accountLabel(p.profileId, p.email, this.opts.showAccountEmails),
        plan: p.plan ?? 'unknown',
        provider: scrub(p.provider),
      };
      max(expiry, labels, Math.max(0, (p.expiresMs - now) / 1000));
    }
    return list(expiry);
  }

  /** Per-source health: one series per (adapter, agent, state dir basename); folded or colliding ones take the worst. */
  private sourceHealth(): [Sample[], Sample[]] {
    const fold = foldersOf((k) => this.ledger.get(k)).agent;
    const up: Acc = new Map();
    const last: Acc = new Map();
    for (const s of this.stats.sources.values()) {
      const labels = { adapter: scrub(s.adapter), agent: scrub(fold(s.agent)), state_dir: stateDirLabel(s.stateDir) };
      min(up, labels, s.up ? 1 : 0);
      if (s.lastSuccessMs !== null) min(last, labels, s.lastSuccessMs / 1000);
    }
    return [list(up), list(last)];
  }

  private selfFamilies(): Families {
    const st = this.stats;
    const lineReasons: Sample[] = [];
    const sourceReasons: Sample[] = [];
    for (const [reason, n] of [...st.issues.entries()].sort()) {
      (LINE_SKIP_REASONS.has(reason) ? lineReasons : sourceReasons).push({ labels: { reason }, value: n });
    }
    const hist: Sample[] = [];
    let cum = 0;
    INGEST_DURATION_BUCKETS.forEach((b, i) => {
      cum += st.durationBuckets[i];
      hist.push({ suffix: '_bucket', labels: { le: String(b) }, value: cum });
    });
    hist.push({ suffix: '_bucket', labels: { le: '+Inf' }, value: st.durationCount });
    hist.push({ suffix: '_sum', labels: {}, value: st.durationSum });
    hist.push({ suffix: '_count', labels: {}, value: st.durationCount });
    const one = (v: number): Sample[] => [{ labels: {}, value: v }];
    const [up, lastSuccess] = this.sourceHealth();
    return [
      [METRICS.buildInfo, [{ labels: { version: this.opts.version, node_version: process.version, mode: this.opts.demo ? 'demo' : 'live' }, value: 1 }]],
      [METRICS.lastIngestSuccess, st.lastSuccessMs === null ? [] : one(st.lastSuccessMs / 1000)],
      [METRICS.ingestCycles, [
        { labels: { result: 'degraded' }, value: st.cyclesDegraded },
        { labels: { result: 'failed' }, value: st.cyclesFailed },
        { labels: { result: 'ok' }, value: st.cyclesOk },
      ]],
      [METRICS.sourceUp, up],
      [METRICS.sourceLastSuccess, lastSuccess],
      [METRICS.ingestDuration, hist],
      [METRICS.filesRead, one(st.filesRead)],
      [METRICS.linesRead, one(st.linesRead)],
      [METRICS.bytesRead, one(st.bytesRead)],
      [METRICS.linesSkipped, lineReasons],
      [METRICS.sourceErrors, sourceReasons],
      [METRICS.callsIngested, one(st.callsInserted)],
      [METRICS.callsDuplicate, one(st.callsDuplicate)],
      [METRICS.ledgerCalls, one(this.ledger.callCount())],
      [METRICS.seriesDropped, one(this.cap.dropped)],
      [METRICS.samplesInvalid, one(this.invalid.count)],
      ...this.process.families(),
    ];
  }
}
