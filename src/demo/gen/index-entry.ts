/**
 * sessions.json entries of the demo generator: one index entry per session key, as OpenClaw
 * writes them.
 */
import { Rng } from './rng.js';
import type { SessionSpec } from './session-spec.js';

// ---------------------------------------------------------------------------
// sessions.json

export function indexEntry(spec: SessionSpec, key: string, rng: Rng): Record<string, unknown> {
  const r = spec.result!;
  const e: Record<string, unknown> = {
    sessionId: spec.sessionId,
    updatedAt: r.lastMs + rng.int(10, 300),
    sessionStartedAt: r.firstMs,
    lastInteractionAt: r.lastMs,
    sessionFile: spec.fileName,
  };
  if (spec.chatType) e.chatType = spec.chatType;
  if (spec.channel) {
    e.channel = spec.channel;
    const origin: Record<string, unknown> = { provider: spec.channel, surface: spec.channel, chatType: spec.chatType ?? 'direct' };
    if (spec.channel !== 'webchat') {
      origin.accountId = 'default';
      if (spec.peer) {
        origin.from = `${spec.channel}:${spec.peer}`;
        origin.to = spec.chatType === 'direct' ? `${spec.channel}:bot` : `${spec.channel}:${spec.peer}`;
      }
    }
    e.origin = origin;
    if (spec.peer) {
      e.lastChannel = spec.channel;
      e.lastTo = `${spec.channel}:${spec.peer}`;
    }
  }
  if (spec.kind === 'cron') {
    e.label = `Cron: ${spec.label}`;
    if (key.includes(':run:')) {
      e.status = 'done';
      e.startedAt = r.firstMs;
      e.endedAt = r.lastMs;
      e.runtimeMs = r.lastMs - r.firstMs;
    }
  }
  if (spec.kind === 'subagent') {
    e.status = 'done';
    e.startedAt = r.firstMs;
    e.endedAt = r.lastMs;
  }
  if (spec.extra) Object.assign(e, spec.extra);
  Object.assign(e, {
    model: r.model.model,
    modelProvider: r.model.provider,
    lastActivityAt: r.lastMs,
    contextTokens: r.model.contextTokens,
    agentHarnessId: 'openclaw',
    abortedLastRun: r.aborted,
    inputTokens: r.lastRunInput,
    outputTokens: r.lastRunOutput,
    totalTokens: r.lastPrompt,
    totalTokensFresh: true,
    cacheRead: r.lastRunCacheRead,
    cacheWrite: r.lastRunCacheWrite,
    estimatedCostUsd: Math.round(r.costSum * 1e6) / 1e6,
  });
  if (r.compactions > 0) e.compactionCount = r.compactions;
  return e;
}
