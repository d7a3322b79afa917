/**
 * Ground truth of the demo generator: the counts a correct reader must report, accumulated
 * while calls are written, and the usage objects those calls carry.
 */
import type { ModelInfo } from './catalog.js';

export interface GroundTruth {
  /** Model calls that must be counted (non-error + error), each exactly once. */
  calls: number;
  /** Non-error calls (stopReason != "error"; "aborted" counts as a message). */
  messages: number;
  /** Calls with stopReason "error". */
  errors: number;
  /** Token sums over non-error calls. */
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  /** Sum of usage.cost.total over non-error calls. */
  costUsd: number;
  /** Key `${provider}/${model}`. */
  byProviderModel: Record<
    string,
    { messages: number; errors: number; input: number; output: number; cacheRead: number; cacheWrite: number }
  >;
  byAgent: Record<string, { messages: number; errors: number }>;
  /** Bytes of counted transcript files (live, topic, fork, .reset., .deleted.). */
  bytes: number;
  /** Number of counted transcript files. */
  files: number;
  /** Newest call timestamp (entry ISO timestamp), epoch ms. */
  lastCallMs: number;
  /** Entries written to sessions.json (all agents). */
  sessions: number;
}

// ---------------------------------------------------------------------------
// Ground truth accumulator

export class Truth {
  t: GroundTruth = {
    calls: 0,
    messages: 0,
    errors: 0,
    input: 0,
    output: 0,
    cacheRead: 0,
    cacheWrite: 0,
    costUsd: 0,
    byProviderModel: {},
    byAgent: {},
    bytes: 0,
    files: 0,
    lastCallMs: 0,
    sessions: 0,
  };

  call(agent: string, m: ModelInfo, entryMs: number, u: Usage | null): void {
    const t = this.t;
    const key = `${m.provider}/${m.model}`;
    const pm = (t.byProviderModel[key] ??= { messages: 0, errors: 0, input: 0, output: 0, cacheRead: 0, cacheWrite: 0 });
    const ag = (t.byAgent[agent] ??= { messages: 0, errors: 0 });
    t.calls++;
    if (entryMs > t.lastCallMs) t.lastCallMs = entryMs;
    if (!u) {
      t.errors++;
      pm.errors++;
      ag.errors++;
      return;
    }
    t.messages++;
    pm.messages++;
    ag.messages++;
    t.input += u.input;
    t.output += u.output;
    t.cacheRead += u.cacheRead;
    t.cacheWrite += u.cacheWrite;
    pm.input += u.input;
    pm.output += u.output;
    pm.cacheRead += u.cacheRead;
    pm.cacheWrite += u.cacheWrite;
    t.costUsd += u.costTotal;
  }
}

export interface Usage {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  costTotal: number;
  json: string;
}

export function makeUsage(m: ModelInfo, input: number, output: number, cacheRead: number, cacheWrite: number, reasoning: number | null): Usage {
  const p = m.price;
  const ci = (input * p.input) / 1e6;
  const co = (output * p.output) / 1e6;
  const cr = (cacheRead * p.cacheRead) / 1e6;
  const cw = (cacheWrite * p.cacheWrite) / 1e6;
  const total = ci + co + cr + cw;
  const totalTokens = input + output + cacheRead + cacheWrite;
  const rs = reasoning === null ? '' : `"reasoningTokens":${reasoning},`;
  const json =
    `{"input":${input},"output":${output},"cacheRead":${cacheRead},"cacheWrite":${cacheWrite},${rs}` +
    `"totalTokens":${totalTokens},"cost":{"input":${ci},"output":${co},"cacheRead":${cr},"cacheWrite":${cw},"total":${total}}}`;
  return { input, output, cacheRead, cacheWrite, costTotal: total, json };
}
