/**
 * Session specs of the demo generator: what one transcript will hold (kind, keys, window,
 * budget, traps), what writing it returned, the shared context, and turn planning.
 */
import { type ModelInfo, TOOLS, TOOL_WEIGHTS, type ToolKind } from './catalog.js';
import { Rng } from './rng.js';
import { Truth } from './truth.js';

// ---------------------------------------------------------------------------
// Sessions

export type ChatType = 'direct' | 'group' | 'channel';

export interface SessionSpec {
  agent: string;
  kind: string;
  /** sessions.json keys pointing at this session (empty for archives). */
  keys: string[];
  sessionId: string;
  fileName: string;
  channel: string | null;
  chatType: ChatType | null;
  peer: string | null;
  label: string | null;
  winStart: number;
  winEnd: number;
  weight: number;
  budget: number;
  model: ModelInfo;
  parentSession?: string;
  /** Lines copied verbatim from the parent after the header (fork/successor). */
  copiedFrom?: SessionSpec;
  capturePrefix?: boolean;
  captureTail?: boolean;
  captureSamples?: boolean;
  junkLines?: boolean;
  dupBranch?: boolean;
  /** delivery-mirror rows after replies (channel-delivered sessions). */
  mirror?: boolean;
  /** also write a *.trajectory.jsonl sidecar from this session's samples. */
  trajectory?: boolean;
  lock?: boolean;
  /** .bak.<ts> prefix copy of this session */
  bak?: boolean;
  /** <sid>.checkpoint.<uuid>.jsonl prefix copy of this session */
  checkpoint?: boolean;
  archive?: 'reset' | 'deleted';
  archiveAtMs?: number;
  extra?: Record<string, unknown>;
  result?: SessionResult;
}

export interface SessionResult {
  prefix: Buffer[];
  tail: Buffer[];
  samples: Buffer[];
  firstMs: number;
  lastMs: number;
  lastRunInput: number;
  lastRunOutput: number;
  lastRunCacheRead: number;
  lastRunCacheWrite: number;
  lastPrompt: number;
  costSum: number;
  model: ModelInfo;
  compactions: number;
  aborted: boolean;
  bytes: number;
}

export interface Ctx {
  rng: Rng;
  truth: Truth;
  syntheticRows: boolean;
  duplicates: boolean;
  junk: boolean;
  nowMs: number;
  /** fingerprints of generated calls without responseId (to keep them unique) */
  fingerprints: Set<string>;
  sessionsDir: string;
}

export interface CallPlan {
  kind: 'tool' | 'final' | 'error' | 'aborted';
  tools: { tool: ToolKind; len: number }[];
  textLen: number;
  thinkLen: number;
}

export const PREFIX_CAP = 600_000;

/** Plans one turn; `cap` bounds single text sizes so tiny budgets still get small turns. */
export function planTurn(rng: Rng, cap: number): { calls: CallPlan[]; bytes: number } {
  const n = rng.weighted([1, 2, 3, 4], [30, 30, 22, 18]);
  const calls: CallPlan[] = [];
  let bytes = 600;
  for (let i = 0; i < n; i++) {
    if (rng.chance(0.03)) {
      calls.push({ kind: 'error', tools: [], textLen: 0, thinkLen: 0 });
      bytes += 700;
      if (rng.chance(0.35)) break; // gave up after the error
    }
    const last = i === n - 1;
    if (!last) {
      const nt = rng.chance(0.2) ? 2 : 1;
      const tools: { tool: ToolKind; len: number }[] = [];
      for (let k = 0; k < nt; k++) {
        const tool = rng.weighted(TOOLS, TOOL_WEIGHTS);
        const raw = tool.skew > 0 ? Math.round(tool.min + (tool.max - tool.min) * Math.pow(rng.float(), tool.skew)) : rng.logInt(tool.min, tool.max);
        const len = Math.min(raw, Math.max(tool.min, cap));
        tools.push({ tool, len });
        bytes += len + 330;
      }
      const thinkLen = rng.chance(0.5) ? Math.min(rng.logInt(60, 700), cap) : 0;
      const textLen = rng.chance(0.25) ? rng.logInt(30, 250) : 0;
      calls.push({ kind: 'tool', tools, textLen, thinkLen });
      bytes += 1100 + thinkLen + textLen;
    } else {
      const aborted = rng.chance(0.015);
      const thinkLen = rng.chance(0.4) ? Math.min(rng.logInt(60, 900), cap) : 0;
      const textLen = Math.min(rng.logInt(40, aborted ? 300 : 2000), cap);
      calls.push({ kind: aborted ? 'aborted' : 'final', tools: [], textLen, thinkLen });
      bytes += 1000 + thinkLen + textLen;
    }
  }
  return { calls, bytes };
}
