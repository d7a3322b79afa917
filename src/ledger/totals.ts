/**
 * Totals arithmetic: the key of a dimension combination and how one call adds to
 * its row. Used by commits and by the rebuild from the calls table, so both apply
 * exactly the same rules.
 */
import { LATENCY_BUCKETS_SECONDS } from './buckets.js';
import type { CommitCall, StoredCallRow, TotalsRow } from './types.js';
import { callSource } from './source-names.js';

type Dims = Pick<TotalsRow, 'agent' | 'compatKind' | 'kind' | 'channel' | 'chatType' | 'provider' | 'model' | 'errorCategory'>;

export function dimsKey(c: Dims): string {
  return `${c.agent}\u0000${c.compatKind}\u0000${c.kind}\u0000${c.channel}\u0000${c.chatType}\u0000${c.provider}\u0000${c.model}\u0000${c.errorCategory}`;
}

export function callDimsKey(c: CommitCall): string {
  return dimsKey({ ...c, errorCategory: c.errorCategory ?? '' });
}

export function emptyTotals(c: CommitCall): TotalsRow {
  return {
    agent: c.agent,
    compatKind: c.compatKind,
    kind: c.kind,
    channel: c.channel,
    chatType: c.chatType,
    provider: c.provider,
    model: c.model,
    errorCategory: c.errorCategory ?? '',
    messages: 0,
    input: 0,
    output: 0,
    cacheRead: 0,
    cacheWrite: 0,
    costUsd: 0,
    costEstimatedUsd: 0,
    latencyCount: 0,
    latencySumSeconds: 0,
    latencyBuckets: new Array(LATENCY_BUCKETS_SECONDS.length).fill(0),
  };
}

export function cloneTotals(t: TotalsRow): TotalsRow {
  return { ...t, latencyBuckets: t.latencyBuckets.slice() };
}

export function addCall(t: TotalsRow, c: CommitCall): void {
  t.messages += 1;
  t.input += c.input;
  t.output += c.output;
  t.cacheRead += c.cacheRead;
  t.cacheWrite += c.cacheWrite;
  if (c.costUsd !== null) {
    t.costUsd += c.costUsd;
    if (c.costEstimated) t.costEstimatedUsd += c.costUsd;
  }
  if (c.latencyMs !== null) {
    const s = c.latencyMs / 1000;
    t.latencyCount += 1;
    t.latencySumSeconds += s;
    const i = LATENCY_BUCKETS_SECONDS.findIndex((b) => s <= b);
    if (i >= 0) t.latencyBuckets[i] += 1;
  }
}

/** A stored call in the form commits use, so rebuilds and replays add it by the same rules. */
export function callFromRow(r: StoredCallRow): CommitCall {
  return {
    dedupeKey: '',
    tsMs: r.ts_ms,
    agent: r.agent,
    compatKind: r.seed_kind,
    kind: r.kind,
    channel: r.channel,
    chatType: r.chat_type,
    provider: r.provider,
    model: r.model,
    input: r.input,
    output: r.output,
    cacheRead: r.cache_read,
    cacheWrite: r.cache_write,
    costUsd: r.cost_usd,
    costEstimated: r.cost_estimated === 1,
    stopReason: r.stop_reason,
    errorCategory: r.error_category,
    latencyMs: r.latency_ms,
    source: callSource(r.source ?? ''),
  };
}

/**
 * Ledgers written before the "compat" naming stored the original exporter's
 * session kind as `seedKind` in their JSON rows (totals, session rows); reading
 * one renames the field, so old ledgers keep their labels.
 */
export function withCompatKind<T extends { compatKind?: string }>(row: T): T {
  const legacy = row as T & { seedKind?: string };
  if (legacy.compatKind === undefined && legacy.seedKind !== undefined) {
    legacy.compatKind = legacy.seedKind;
    delete legacy.seedKind;
  }
  return row;
}
