/**
 * Per-source health for one ingest cycle: which source (one adapter of one agent)
 * failed and why, so `clawmeter_source_up`, `/readyz` and the cycle result tell the
 * truth. A source is down when its poll threw, or when it reported that an input
 * it is responsible for could not be read (an unreadable file or folder, an
 * undecodable or oversized archive, a FIFO or device where a file should be, a
 * store that cannot be opened or is not understood).
 * Transient conditions that the next cycle retries by design (a file that vanished
 * mid-read, a store busy for a moment, a side file caught mid-write) and per-line
 * skips do not take a source down.
 */
import type { SkipReason, Source } from '../model.js';
import type { IngestStats, SourceHealth } from './stats.js';

/** Reasons that mean part of the history could not be read at all. */
export const DOWN_REASONS: ReadonlySet<SkipReason | string> = new Set([
  'unreadable',
  'decompress_failed',
  'not_regular_file',
  'too_large',
  'store_unavailable',
  'store_unsupported',
]);

export type CycleResult = 'ok' | 'degraded' | 'failed';

export function sourceKey(stateDir: string, agent: string, source: string): string {
  return `${stateDir}\u0000${agent}\u0000${source}`;
}

/** Tracks one cycle's sources and folds the outcome into the process-wide stats. */
export class CycleHealth {
  private failedSources = 0;
  private polled = 0;
  private failures = new Map<string, string>(); // source key -> first reason this cycle
  private current: { key: string; scope: Source['scope']; name: string } | null = null;
  private polledKeys = new Set<string>();

  constructor(private readonly stats: IngestStats) {}

  begin(source: Source): void {
    const scope = source.scope;
    this.current = { key: scope ? sourceKey(scope.stateDir, scope.agent, source.name) : `\u0000\u0000${source.name}`, scope, name: source.name };
    this.polled++;
    this.polledKeys.add(this.current.key);
  }

  /** A reported issue; only DOWN_REASONS mark the current source down. */
  issue(reason: string, detail: string): void {
    if (!this.current || !DOWN_REASONS.has(reason)) return;
    if (!this.failures.has(this.current.key)) this.failures.set(this.current.key, `${reason}: ${detail}`);
  }

  /** The poll threw. */
  failed(message: string): void {
    if (!this.current) return;
    this.failures.set(this.current.key, `poll failed: ${message}`);
  }

  /** The current source's poll ended (normally or not). */
  end(nowMs: number): void {
    const c = this.current;
    if (!c) return;
    this.current = null;
    const reason = this.failures.get(c.key) ?? null;
    if (reason !== null) this.failedSources++;
    if (!c.scope) return; // global sources (derived state, the quota poller) have no per-source series
    const prev = this.stats.sources.get(c.key);
    const h: SourceHealth = prev ?? { stateDir: c.scope.stateDir, agent: c.scope.agent, source: c.name, up: true, lastSuccessMs: null, reason: null };
    h.up = reason === null;
    h.reason = reason;
    if (reason === null) h.lastSuccessMs = nowMs;
    this.stats.sources.set(c.key, h);
  }

  /** Forgets sources that were not polled in a complete cycle (their agent or state dir is gone). */
  prune(): void {
    for (const k of this.stats.sources.keys()) if (!this.polledKeys.has(k)) this.stats.sources.delete(k);
  }

  result(extraFailure: boolean): CycleResult {
    const failed = this.failedSources + (extraFailure ? 1 : 0);
    if (failed === 0) return 'ok';
    return failed >= this.polled && this.polled > 0 ? 'failed' : 'degraded';
  }

  /** One line per failed source, for logs and `ingest`'s summary. */
  reasons(): string[] {
    return [...this.failures.entries()].map(([k, r]) => {
      const [, agent, source] = k.split('\u0000');
      return agent ? `${source} of agent ${agent}: ${r}` : `${source}: ${r}`;
    });
  }
}
