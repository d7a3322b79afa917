/**
 * The labels a call gets from its transcript's session (agent, session kind,
 * channel, chat type, source) and, when the transcript has no cost, the pricing
 * table's estimate. Used by the ingest cycle for every parsed call.
 */
import type { LedgerCall, ParsedCall, SessionInfo, TranscriptContext } from '../model.js';
import { sessionInfoFromEntry } from '../parse/session-info.js';

/** Session labels for every call of one transcript (`lookup` finds the session index entry). */
export function callLabeler(
  ctx: TranscriptContext,
  lookup: (ctx: TranscriptContext) => SessionInfo | undefined,
  estimate: ((call: ParsedCall) => number | null) | undefined,
): (c: ParsedCall) => LedgerCall & { costEstimated?: boolean } {
  let info = ctx.sessionId ? lookup(ctx) : undefined;
  if (!info && ctx.sessionKey && ctx.sessionId) info = sessionInfoFromEntry(ctx.sessionKey, { sessionId: ctx.sessionId }) ?? undefined;
  const labels = {
    agent: ctx.agent,
    compatKind: info?.compatKind ?? 'unknown',
    kind: info?.kind ?? 'unknown',
    channel: info?.channel ?? 'unknown',
    chatType: info?.chatType ?? 'unknown',
    source: ctx.source,
  };
  return (c) => {
    let costUsd = c.costUsd;
    let costEstimated = false;
    if (estimate && (costUsd === null || costUsd === 0) && c.stopReason !== 'error') {
      const e = estimate(c);
      if (e !== null && e > 0) {
        costUsd = e;
        costEstimated = true;
      }
    }
    return {
      dedupeKey: c.dedupeKey,
      tsMs: c.tsMs,
      provider: c.provider,
      model: c.model,
      input: c.input,
      output: c.output,
      cacheRead: c.cacheRead,
      cacheWrite: c.cacheWrite,
      costUsd,
      stopReason: c.stopReason,
      errorCategory: c.errorCategory,
      latencyMs: c.latencyMs,
      agent: labels.agent,
      compatKind: labels.compatKind,
      kind: labels.kind,
      channel: labels.channel,
      chatType: labels.chatType,
      source: labels.source,
      costEstimated,
      ...(c.alias ? { alias: c.alias } : {}),
    };
  };
}
