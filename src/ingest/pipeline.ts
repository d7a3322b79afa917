/**
 * The one way to assemble ingestion: the per-agent sources of the state
 * directories, any extra sources (the quota poller), then the derived-state source
 * (model folding, messages-left estimates), with the pricing hook and the rolling
 * windows. `serve`, `ingest`, the bench and the tests all build it here, so they
 * write the same ledger.
 */
import type { CaptureSwitches } from './content-capture.js';
import type { Ledger } from '../ledger/ledger.js';
import type { Source } from '../model.js';
import { DerivedStateSource } from '../quota/derived.js';
import { defaultUsageSettings, type UsageSettings } from '../settings/usage.js';
import { sourcesFor } from '../sources/index.js';
import { Logger } from '../util/log.js';
import { Ingestor } from './cycle.js';
import type { IngestStats } from './stats.js';

export interface PipelineOptions {
  log?: Logger;
  stats?: IngestStats;
  usage?: UsageSettings;
  /** Sources added after the state directories' own (e.g. the quota poller's). */
  extraSources?: () => Source[];
  now?: () => number;
  /** A terminal for the progress bar of long cycles (else progress goes to the log). */
  progressBar?: NodeJS.WriteStream | null;
  /** otel.captureContent sub-keys (content kept for span export; off unless set). */
  capture?: CaptureSwitches;
}

export function createIngestor(ledger: Ledger, stateDirs: () => string[], opts: PipelineOptions = {}): Ingestor {
  const usage = opts.usage ?? defaultUsageSettings();
  const derived = new DerivedStateSource(ledger, {
    maxModels: usage.maxModels,
    maxAgents: usage.maxAgents,
    maxChannels: usage.maxChannels,
    rateCard: usage.rateCard,
  });
  return new Ingestor(ledger, () => [...sourcesFor(stateDirs()), ...(opts.extraSources?.() ?? []), derived], {
    log: opts.log ?? new Logger('warn'),
    stats: opts.stats,
    now: opts.now,
    windows: usage.windows,
    estimateCost: usage.pricing.estimator(),
    progressBar: opts.progressBar,
    capture: opts.capture,
  });
}
