/**
 * Builds the /metrics text from the ledger's in-memory read model and the ingest
 * stats. Reads no file and runs no query: a scrape costs a walk over aggregates.
 */
import type { Ledger, TotalsRow } from '../../ledger/ledger.js';
import type { IngestStats } from '../../ingest/stats.js';
import { INGEST_DURATION_BUCKETS } from '../../ingest/stats.js';
import { seedIndexKind } from '../../parse/session-kind.js';
import { FOLD_KEY, modelFolder, type FoldState } from '../../quota/derived.js';
import { accountLabel, add, list, max, scrub, type Acc } from './labels.js';
import { renderFamily, type Sample } from './exposition.js';
import { LINE_SKIP_REASONS, METRICS, type MetricDef } from './metrics.js';
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
}

/**
 * Counts samples against the --max-series cap. A histogram series (its _bucket,
 * _sum and _count samples) is kept or dropped whole; once a series does not fit,
 * the rest of the family is dropped too, so what is kept is a stable prefix.
 */
export class SeriesBudget {
  dropped = 0;
  private used = 0;
  constructor(private readonly max: number) {}
  take(samples: Sample[]): Sample[] {
    const room = Math.max(0, this.max - this.used);
    if (samples.length <= room) {
      this.used += samples.length;
      return samples;
    }
    const kept: Sample[] = [];
    let i = 0;
    while (i < samples.length) {
      let j = i + 1;
      const key = seriesKey(samples[i]);
      while (j < samples.length && seriesKey(samples[j]) === key) j++;
      if (this.used + (j - i) > this.max) break;
      for (let k = i; k < j; k++) kept.push(samples[k]);
      this.used += j - i;
      i = j;
    }
    this.dropped += samples.length - kept.length;
    return kept;
  }
}

/** The series a sample belongs to: its labels without the histogram's `le`. */
function seriesKey(s: Sample): string {
  let k = '';
  for (const [n, v] of Object.entries(s.labels)) if (n !== 'le') k += `${n}=${v}\u0000`;
  return k;
}

export class MetricsRenderer {
  private droppedTotal = 0;

  constructor(
    private readonly ledger: Ledger,
    private readonly stats: IngestStats,
    private readonly opts: RenderOptions,
  ) {}

  render(): string {
    const started = performance.now();
    const now = this.opts.nowMs ?? Date.now();
    const budget = new SeriesBudget(this.opts.maxSeries);
    const help = (d: MetricDef) => (this.opts.demo ? `DEMO DATA (generated, not your usage): ${d.help}` : d.help);
    const fam = (d: MetricDef, samples: Sample[], capped = true) =>
      renderFamily(d.name, d.type, help(d), capped ? budget.take(samples) : samples);
    const families = (list: Array<[MetricDef, Sample[]]>) => list.map(([d, samples]) => fam(d, samples)).join('');

    // Families that depend only on the ledger's read model are built once per ledger
    // version; those that depend on the clock (expiry in seconds, windows that have
    // reset, cooldowns that ended) are built on every scrape.
    const stable = this.stableFamilies(now);
    const input = { ledger: this.ledger, totals: stable.totals, nowMs: now, showAccountEmails: this.opts.showAccountEmails };
    let out = families(stable.seed);
    out += fam(METRICS.codexOauthExpiry, this.oauthExpiry(now));
    out += families(stable.usage);
    out += families(failedRunFamilies(input));
    out += families(quotaFamilies(input));
    out += families(authFamilies(input));
    out += families(authInfoFamilies(input));
    out += families(stable.sessions);
    out += this.selfFamilies(budget, fam);
    const ms = performance.now() - started;
    out += fam(METRICS.codexScrapeDuration, [{ labels: {}, value: Math.round(ms * 1000) / 1000 }], false);
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
    const messages: Acc = new Map();
    const tok = { input: new Map() as Acc, output: new Map() as Acc, cacheRead: new Map() as Acc, cacheWrite: new Map() as Acc };
    const errors: Acc = new Map();
    const fold = modelFolder(this.ledger.get(FOLD_KEY) as FoldState | undefined);
    for (const t of totals) {
      const model = scrub(fold(t.model));
      const provider = scrub(t.provider);
      if (t.errorCategory) {
        add(errors, { model, provider, reason: t.errorCategory }, t.messages);
        continue;
      }
      add(messages, { model, provider, session_kind: t.seedKind }, t.messages);
      const pm = { model, provider };
      add(tok.input, pm, t.input);
      add(tok.output, pm, t.output);
      add(tok.cacheRead, pm, t.cacheRead);
      add(tok.cacheWrite, pm, t.cacheWrite);
    }

    const kinds: Acc = new Map();
    for (const sess of this.ledger.activeSessions()) add(kinds, { kind: seedIndexKind(sess.sessionKey) }, 1);

    const last = this.ledger.lastCallTimestampMs();
    return [
      [METRICS.codexMessages, list(messages)],
      [METRICS.codexInputTokens, list(tok.input)],
      [METRICS.codexOutputTokens, list(tok.output)],
      [METRICS.codexCacheReadTokens, list(tok.cacheRead)],
      [METRICS.codexCacheWriteTokens, list(tok.cacheWrite)],
      [METRICS.codexErrors, list(errors)],
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

  private selfFamilies(budget: SeriesBudget, fam: (d: MetricDef, s: Sample[], capped?: boolean) => string): string {
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
    this.droppedTotal += budget.dropped;
    const cpu = process.cpuUsage();
    const one = (v: number): Sample[] => [{ labels: {}, value: v }];
    return [
      fam(METRICS.buildInfo, [{ labels: { version: this.opts.version, node_version: process.version, mode: this.opts.demo ? 'demo' : 'live' }, value: 1 }], false),
      fam(METRICS.lastIngestSuccess, st.lastSuccessMs === null ? [] : one(st.lastSuccessMs / 1000), false),
      fam(METRICS.ingestCycles, [
        { labels: { result: 'failed' }, value: st.cyclesFailed },
        { labels: { result: 'ok' }, value: st.cyclesOk },
      ], false),
      fam(METRICS.ingestDuration, hist, false),
      fam(METRICS.filesRead, one(st.filesRead), false),
      fam(METRICS.linesRead, one(st.linesRead), false),
      fam(METRICS.bytesRead, one(st.bytesRead), false),
      fam(METRICS.linesSkipped, lineReasons, false),
      fam(METRICS.sourceErrors, sourceReasons, false),
      fam(METRICS.callsIngested, one(st.callsInserted), false),
      fam(METRICS.callsDuplicate, one(st.callsDuplicate), false),
      fam(METRICS.ledgerCalls, one(this.ledger.callCount()), false),
      fam(METRICS.residentMemory, one(process.memoryUsage.rss()), false),
      fam(METRICS.cpuSeconds, one((cpu.user + cpu.system) / 1e6), false),
      fam(METRICS.seriesDropped, one(this.droppedTotal), false),
    ].join('');
  }
}
