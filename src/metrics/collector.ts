/**
 * The metric model's entry point for live outputs: every family of the metric
 * table as neutral points, from the ledger's in-memory read model, the ingest
 * stats and the process collector's last values. Reads no file and runs no query:
 * a collection costs a walk over aggregates. Every point passes the label-length
 * and finite-value guard (guard.ts) here, once, whatever the sink.
 *
 * Families that depend only on the read model are collected once per ledger
 * version; those that depend on the clock (expiry in seconds, windows that have
 * reset, cooldowns that ended) on every call.
 */
import type { Ledger, TotalsRow } from '../ledger/ledger.js';
import type { IngestStats } from '../ingest/stats.js';
import { cleanFamilies } from './guard.js';
import type { MetricFamily } from './points.js';
import { ProcessMetrics } from './process.js';
import { authFamilies, authInfoFamilies } from './collect/auth.js';
import { compatStableFamilies, oauthExpiryFamily } from './collect/compat.js';
import type { CollectInput } from './collect/input.js';
import { METRICS } from './table.js';
import { quotaFamilies } from './collect/quota.js';
import { failedRunFamilies, runDurationFamilies } from './collect/runs.js';
import { selfFamilies } from './collect/self.js';
import { sessionFamilies } from './collect/sessions.js';
import { usageFamiliesOf } from './collect/usage.js';

export interface CollectorOptions {
  version: string;
  demo: boolean;
  showAccountEmails: boolean;
  /** a fixed clock (tests); without it, Date.now() and the per-version cache */
  nowMs?: number;
  /** The process/Node.js collector (started by the caller); without one, values read once at construction. */
  processMetrics?: ProcessMetrics;
}

interface Stable {
  version: number;
  totals: TotalsRow[];
  compat: MetricFamily[];
  usage: MetricFamily[];
  sessions: MetricFamily[];
  runs: MetricFamily[];
}

export class MetricsCollector {
  /** points the guard left out, over this collector's lifetime */
  readonly invalid = { count: 0 };
  private readonly process: ProcessMetrics;
  private cache: Stable | null = null;

  constructor(
    private readonly ledger: Ledger,
    private readonly stats: IngestStats,
    private readonly opts: CollectorOptions,
  ) {
    this.process = opts.processMetrics ?? new ProcessMetrics();
  }

  /** The ledger-derived families (the ones an output may cap), guarded, in table order of exposition. */
  domain(): MetricFamily[] {
    const now = this.opts.nowMs ?? Date.now();
    const stable = this.stable(now);
    const input = this.input(stable.totals, now);
    return cleanFamilies(
      [
        ...stable.compat,
        oauthExpiryFamily(input),
        ...stable.usage,
        ...failedRunFamilies(input),
        ...stable.runs,
        ...quotaFamilies(input),
        ...authFamilies(input),
        ...authInfoFamilies(input),
        ...stable.sessions,
      ],
      this.invalid,
    );
  }

  /** clawmeter's own and the process families, guarded; `seriesDropped` is the output's cap count. */
  self(seriesDropped: number): MetricFamily[] {
    const own = selfFamilies({
      ledger: this.ledger,
      stats: this.stats,
      version: this.opts.version,
      demo: this.opts.demo,
      startMs: this.process.startMs,
      seriesDropped,
      pointsInvalid: this.invalid.count,
    });
    const guarded = cleanFamilies([...own, ...this.process.families()], this.invalid);
    // The invalid-point count must include what guarding the self families just found.
    const inv = guarded.find((f) => f.def === METRICS.samplesInvalid);
    if (inv && inv.points[0] && 'value' in inv.points[0]) inv.points[0] = { ...inv.points[0], value: this.invalid.count };
    return guarded;
  }

  private input(totals: TotalsRow[], nowMs: number): CollectInput {
    return {
      ledger: this.ledger,
      totals,
      nowMs,
      showAccountEmails: this.opts.showAccountEmails,
      startMs: this.ledger.firstCallTimestampMs(),
    };
  }

  private stable(now: number): Stable {
    const version = this.ledger.version;
    if (this.cache && this.cache.version === version && this.opts.nowMs === undefined) return this.cache;
    const totals = [...this.ledger.totals()];
    const input = this.input(totals, now);
    this.cache = { version, totals, compat: compatStableFamilies(input), usage: usageFamiliesOf(input), sessions: sessionFamilies(input), runs: runDurationFamilies(input) };
    return this.cache;
  }
}
