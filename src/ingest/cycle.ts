/**
 * One ingest cycle: every source is polled for what is new since its cursors, its
 * lines go through the one transcript-line parser, calls get their session labels,
 * and each batch (events plus the cursor that produced them) commits to the ledger
 * in one transaction. Between batches the loop yields to the event loop so scrapes
 * stay fast during a large backfill.
 */
import type { CommitBatch, CommitResult, Ledger } from '../ledger/ledger.js';
import type { Cursor, LedgerCall, ParsedCall, PollContext, Source, SourceBatch, SourceIssue, TranscriptContext } from '../model.js';
import type { LedgerFailedRun } from '../ledger/failed-runs.js';
import { LedgerWriteError } from '../ledger/write-health.js';
import { parseCandidate } from '../parse/candidate.js';
import { SpanStaging } from './span-staging.js';
import type { CaptureSwitches } from './content-capture.js';
import { Logger } from '../util/log.js';
import { IngestStats } from './stats.js';
import { CycleHealth, type CycleResult } from './health.js';
import { Progress } from './progress.js';
import { callLabeler } from './labels.js';

export interface IngestOptions {
  log?: Logger;
  stats?: IngestStats;
  now?: () => number;
  /** Estimates a call's cost when the transcript has none (pricing table); null = unknown. */
  estimateCost?: (call: ParsedCall) => number | null;
  /** Rolling windows recomputed after each cycle. */
  windows?: Array<{ name: string; ms: number }>;
  /** A terminal to draw a progress bar on during long cycles (else progress goes to the log). */
  progressBar?: NodeJS.WriteStream | null;
  /** otel.captureContent sub-keys: content kept for span export (off unless set). */
  capture?: CaptureSwitches;
}

export interface CycleSummary {
  batches: number;
  inserted: number;
  duplicates: number;
  durationSeconds: number;
  result: CycleResult;
  /** One line per source that failed this cycle. */
  failures: string[];
  /** true when stop() cut the cycle short (what was read is committed). */
  interrupted: boolean;
}

/**
 * Calls (or transcript batches) staged before one commit. A commit rewrites most
 * leaves of the random-key dedupe index, so fewer, larger commits write far less
 * (issue 9); they are inserted in slices of COMMIT_SLICE calls with the event loop
 * let in between (Ledger.commitInSteps), so scrapes keep answering meanwhile.
 */
const STAGE_CALLS = 10_000;
const STAGE_BATCHES = 2_000;
const COMMIT_SLICE = 250;
/** The first commit of a cycle holds this many calls, each next one twice as many up to STAGE_CALLS (early progress is durable soon). */
const FIRST_STAGE_CALLS = 2_000;

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export class Ingestor {
  readonly stats: IngestStats;
  readonly log: Logger;
  private readonly now: () => number;
  private running: Promise<CycleSummary> | null = null;
  private rerun = false;
  private stopping = false;

  constructor(
    private readonly ledger: Ledger,
    private readonly sources: () => Source[],
    private readonly opts: IngestOptions = {},
  ) {
    this.stats = opts.stats ?? new IngestStats();
    this.stats.ledgerHealth = () => ledger.writeHealth.view;
    this.log = opts.log ?? new Logger('warn');
    this.now = opts.now ?? Date.now;
    this.spanStage = new SpanStaging(opts.capture);
  }

  /** Runs a cycle; if one is already running, runs exactly one more after it. */
  trigger(): Promise<CycleSummary> {
    if (this.running) {
      this.rerun = true;
      return this.running;
    }
    this.running = this.loop().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async loop(): Promise<CycleSummary> {
    let s = await this.cycle();
    while (this.rerun && !this.stopping) {
      this.rerun = false;
      s = await this.cycle();
    }
    return s;
  }

  /**
   * Stops at the next batch boundary: what is staged commits, no further batch is
   * read and no new cycle starts. Resolves when the running cycle (if any) is done.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.whenIdle();
  }

  /** Resolves when no cycle is running (does not start one). */
  async whenIdle(): Promise<void> {
    while (this.running) await this.running.catch(() => undefined);
  }

  /** Recomputes rolling windows (time moves even without new calls). */
  refreshWindows(): void {
    if (this.opts.windows && this.opts.windows.length > 0) this.ledger.refreshWindows(this.opts.windows, this.now());
  }

  private async cycle(): Promise<CycleSummary> {
    const started = performance.now();
    const summary: CycleSummary = { batches: 0, inserted: 0, duplicates: 0, durationSeconds: 0, result: 'ok', failures: [], interrupted: false };
    if (this.stopping) return { ...summary, interrupted: true };
    const health = new CycleHealth(this.stats);
    this.stageLimit = FIRST_STAGE_CALLS;
    const sources = this.sources();
    const progress = new Progress({
      log: this.log,
      bar: this.opts.progressBar ?? null,
      remainingBytes: () => this.remainingBytes(sources),
    });
    this.progress = progress;
    let ledgerFailed = false;
    for (const source of sources) {
      if (this.stopping) break;
      health.begin(source);
      const ctx = this.pollContext(source, health);
      try {
        for await (const batch of source.poll(ctx)) {
          summary.batches++;
          const r = this.stage(batch) ?? (this.stageFull() ? await this.flushInSteps() : null);
          if (r) {
            summary.inserted += r.inserted;
            summary.duplicates += r.duplicates;
          }
          // let scrapes (and signals) in between batches
          await yieldToLoop();
          if (this.stopping) break; // leaving the loop closes the source's generator
        }
        const r = await this.flushInSteps();
        summary.inserted += r.inserted;
        summary.duplicates += r.duplicates;
      } catch (err) {
        this.discardStage();
        if (err instanceof LedgerWriteError) {
          // The ledger, not the source, failed: the source is not blamed, readiness and
          // clawmeter_ledger_* say so, and the same input is read again next cycle.
          ledgerFailed = true;
          this.log.limited(`ledger\u0000${err.reason}`, 'error', 'ledger write failed; will retry next cycle', { reason: err.reason, error: err.message });
        } else {
          health.failed((err as Error).message);
          this.log.limited(`poll\u0000${source.name}\u0000${source.scope?.agent ?? ''}`, 'error', 'source failed; will retry next cycle', {
            source: source.name,
            agent: source.scope?.agent,
            error: (err as Error).message,
          });
        }
      }
      health.end(this.now());
    }
    progress.done();
    this.progress = null;
    summary.interrupted = this.stopping;
    let windowsFailed = false;
    try {
      this.refreshWindows();
    } catch (err) {
      windowsFailed = true;
      this.log.limited('windows', 'error', 'window refresh failed', { error: (err as Error).message });
    }
    if (!summary.interrupted) health.prune();
    // A commit that failed stored nothing of its batch: the cycle failed, whatever was read.
    summary.result = ledgerFailed ? 'failed' : health.result(windowsFailed);
    summary.failures = health.reasons();
    if (windowsFailed) summary.failures.push('window refresh failed');
    if (ledgerFailed) summary.failures.push(`ledger write failed: ${this.ledger.writeHealth.view.lastError?.message ?? ''}`);
    summary.durationSeconds = (performance.now() - started) / 1000;
    this.stats.observeDuration(summary.durationSeconds);
    if (summary.result === 'failed') this.stats.cyclesFailed++;
    else if (summary.result === 'degraded') this.stats.cyclesDegraded++;
    else if (!summary.interrupted) {
      this.stats.cyclesOk++;
      this.stats.lastSuccessMs = this.now();
    }
    if (!summary.interrupted) this.stats.cyclesCompleted++;
    const fields = {
      calls: summary.inserted,
      duplicates: summary.duplicates,
      batches: summary.batches,
      result: summary.result,
      seconds: summary.durationSeconds.toFixed(3),
      interrupted: summary.interrupted || undefined,
    };
    if (summary.inserted > 0) this.log.info('ingested', fields);
    else this.log.debug('cycle', fields);
    return summary;
  }

  private progress: Progress | null = null;

  /** The sources' own estimate of bytes left to read (for progress); 0 where they cannot tell. */
  private remainingBytes(sources: Source[]): number {
    const ctx: PollContext = { cursors: this.ledger, nowMs: this.now, report: () => undefined };
    let n = 0;
    for (const s of sources) {
      try {
        n += s.pendingBytes?.(ctx) ?? 0;
      } catch {
        // an estimate only
      }
    }
    return n;
  }

  private discardStage(): void {
    this.stagedFailedRuns = [];
    this.spanStage.clear();
    this.staged = [];
    this.stagedCalls = [];
    this.stagedCursors = [];
  }

  private pollContext(source: Source, health: CycleHealth): PollContext {
    return {
      cursors: this.ledger,
      nowMs: this.now,
      toolOutputs: this.opts.capture?.toolOutputs === true,
      report: (issue: SourceIssue) => {
        this.stats.countIssue(issue.reason);
        health.issue(issue.reason, issue.detail);
        // Rate-limited per input and reason (a line number does not make a new input).
        this.log.limited(`${issue.reason}\u0000${inputOf(issue.where)}`, 'warn', issue.detail, {
          source: source.name,
          reason: issue.reason,
          where: issue.where,
        });
      },
    };
  }

  private stagedCalls: LedgerCall[] = [];
  private stagedCursors: Array<[string, Cursor | null]> = [];
  private staged: SourceBatch[] = [];
  /** Turns that never reached a model, found in the staged batches (not calls; own ledger table). */
  private stagedFailedRuns: LedgerFailedRun[] = [];
  /** What the OTLP traces need of each staged call (src/parse/span-facts.ts). */
  private readonly spanStage: SpanStaging;

  /**
   * Transcript batches are parsed at once and staged; staged batches commit together
   * (calls plus all their cursors, in one transaction) once enough calls are
   * waiting, because one SQLite commit per small file costs more than the inserts.
   * Other batches flush the stage first, then commit on their own.
   * Returns the commit result when something was committed.
   */
  private stage(batch: SourceBatch): { inserted: number; duplicates: number } | null {
    if (batch.kind !== 'transcript') {
      const flushed = this.flush();
      const r = this.apply(batch);
      return { inserted: flushed.inserted + r.inserted, duplicates: flushed.duplicates + r.duplicates };
    }
    this.parseInto(batch, this.stagedCalls);
    for (const c of batch.cursors) this.stagedCursors.push(c);
    // Parsed: keep only what flush() reads, so the records (and the read blocks their
    // lazy full-line decoders point into) can be collected before the commit.
    this.staged.push({ ...batch, records: [], calls: undefined });
    return null;
  }

  /** true when enough is staged for one commit. */
  private stageFull(): boolean {
    return this.stagedCalls.length >= this.stageLimit || this.staged.length >= STAGE_BATCHES;
  }

  /** Calls staged before the next commit (see FIRST_STAGE_CALLS); reset at each cycle. */
  private stageLimit = FIRST_STAGE_CALLS;

  /** Commits what is staged, all at once (a small stage, or before another kind of batch). */
  private flush(): { inserted: number; duplicates: number } {
    const take = this.takeStage();
    return take ? this.committed(take, this.ledger.commit(take.batch)) : { inserted: 0, duplicates: 0 };
  }

  /** Commits what is staged in one transaction, letting the event loop in between slices of calls. */
  private async flushInSteps(): Promise<{ inserted: number; duplicates: number }> {
    const take = this.takeStage();
    if (!take) return { inserted: 0, duplicates: 0 };
    this.stageLimit = Math.min(STAGE_CALLS, this.stageLimit * 2);
    return this.committed(take, await this.ledger.commitInSteps(take.batch, yieldToLoop, COMMIT_SLICE));
  }

  /** Empties the stage into one commit batch (null when nothing is staged). */
  private takeStage(): { batch: CommitBatch; batches: SourceBatch[] } | null {
    if (this.staged.length === 0) return null;
    const calls = this.stagedCalls;
    const cursors = this.stagedCursors;
    const batches = this.staged;
    this.stagedCalls = [];
    this.stagedCursors = [];
    this.staged = [];
    const failedRuns = this.stagedFailedRuns;
    const spans = this.spanStage.take();
    this.stagedFailedRuns = [];
    return { batch: { calls, cursors, failedRuns, ...spans }, batches };
  }

  /** Stats, logs and progress of a commit of staged batches. */
  private committed(take: { batch: CommitBatch; batches: SourceBatch[] }, res: CommitResult): { inserted: number; duplicates: number } {
    const { batches } = take;
    const calls = take.batch.calls ?? [];
    // Calls that skip the line parser (rollouts) are bounded by the ledger itself.
    for (let i = 0; i < (res.rejected ?? 0); i++) this.stats.countIssue('implausible_usage');
    for (const b of batches) {
      if (b.kind !== 'transcript') continue;
      this.stats.filesRead += b.filesRead;
      this.stats.linesRead += b.linesRead;
      this.stats.bytesRead += b.bytesRead;
    }
    this.stats.callsInserted += res.inserted;
    this.stats.callsDuplicate += res.duplicates;
    if (this.log.enabled('debug')) {
      const inputs = [...new Set(batches.map((b) => (b.kind === 'transcript' ? b.context.where : '')))].filter(Boolean);
      this.log.debug('committed', { inputs: inputs.length, first: inputs[0], calls: calls.length, inserted: res.inserted, duplicates: res.duplicates });
    }
    let bytes = 0;
    for (const b of batches) if (b.kind === 'transcript') bytes += b.bytesRead;
    this.progress?.committed(bytes, res.inserted);
    return res;
  }

  /** Runs the transcript parser over a batch's records and labels the calls. */
  private parseInto(batch: Extract<SourceBatch, { kind: 'transcript' }>, calls: LedgerCall[]): void {
    const label = callLabeler(batch.context, (c) => this.ledger.lookupSession(c.stateDir, c.agent, c.sessionId ?? ''), this.opts.estimateCost);
    for (const rec of batch.records) {
      if (this.spanStage.toolResult(rec, batch.context)) continue;
      const { result: r, failedRun: failed } = parseCandidate(rec);
      if (failed) this.stagedFailedRuns.push({ ...failed, agent: batch.context.agent, channel: this.channelOf(batch.context) });
      if (r.kind === 'call') {
        calls.push(label(r.call));
        this.spanStage.call(rec, r.call, r.ids, batch.context);
      } else if (r.kind === 'ignored') this.spanStage.ignored(rec, batch.context);
      else if (r.kind === 'malformed') {
        this.stats.countIssue(r.why);
        this.log.limited(`${r.why}\u0000${batch.context.where}`, 'warn', 'line skipped', {
          reason: r.why,
          where: `${batch.context.where}:${rec.pos}`,
        });
      }
    }
    for (const c of batch.calls ?? []) calls.push(label(c));
  }

  /** Parses and commits one batch on its own (no staging). */
  apply(batch: SourceBatch): { inserted: number; duplicates: number } {
    switch (batch.kind) {
      case 'transcript': {
        this.staged.push(batch);
        this.stagedCursors.push(...batch.cursors);
        this.parseInto(batch, this.stagedCalls);
        return this.flush();
      }
      case 'snapshot': {
        // One kind for sessions, auth and quota: the ledger's snapshot module keeps each by source.
        const snap = { stateDir: batch.stateDir, agent: batch.agent, source: batch.source };
        this.ledger.commit({ [batch.of]: { ...snap, rows: batch.rows }, cursors: batch.cursors });
        return { inserted: 0, duplicates: 0 };
      }
      case 'state':
        this.ledger.commit({ cursors: batch.cursors });
        return { inserted: 0, duplicates: 0 };
    }
  }

  private channelOf(ctx: TranscriptContext): string {
    return (ctx.sessionId ? this.ledger.lookupSession(ctx.stateDir, ctx.agent, ctx.sessionId)?.channel : undefined) ?? 'unknown';
  }
}

/** The input a report is about, without a trailing line or row number (for rate limiting). */
function inputOf(where: string): string {
  return where.replace(/:\d+$/, '');
}
