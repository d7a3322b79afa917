/**
 * Parser of Codex rollout event logs (`rollout-*.jsonl`, Codex's own format): the
 * call-counting rules for `event_msg` / `token_count` and the rate-limit snapshots they
 * carry. The rollout source (`src/sources/codex-rollouts.ts`) only tails files and hands
 * lines here; what the parser carries between reads (`RolloutState`) lives in its cursor.
 *
 * - **Calls.** Every `token_count` whose cumulative `total_token_usage` moved is one
 *   model response; its `last_token_usage` is the call's usage (Codex input includes
 *   cached input, so input = input_tokens - cached_input_tokens and cache_read =
 *   cached_input_tokens; output includes reasoning). A repeated snapshot (same total)
 *   is not a call.
 * - **Turn-final identity.** A turn's latest call is held back (`pending`) until the turn
 *   ends (`task_complete`, `turn_aborted`, the next turn, or the source's stale timeout)
 *   and is then emitted under `codexTurnIdentity(thread, turn)`, the identity the
 *   transcript parser gives OpenClaw's mirror row of the same call. Every other call
 *   gets its own identity (thread + cumulative totals).
 * - **Turnless rollouts** (older Codex, no turn ids): turns are segments between
 *   `task_started` and `task_complete`. A segment's latest call is held back the same
 *   way and then emitted under its own identity with the alias
 *   `codexUsageAlias(thread, usage)`, which the mirror row carries too: the ledger
 *   counts the pair once (src/ledger/call-aliases.ts).
 * - **Quota.** Per limit id the latest usable `rate_limits` snapshot is kept in the state.
 */
import type { ParsedCall } from '../model.js';
import { callIdentity, codexTurnIdentity, toEpochMs } from './transcript-line.js';
import { safeToken } from './session-kind.js';
import { parseRateLimits, type LimitObs } from './codex-rate-limits.js';
import { codexUsageAlias } from './codex-alias.js';

/** Provider label for ChatGPT-subscription Codex usage (calls and quota). */
export const CODEX_PROVIDER = 'openai-codex';

const SNIFF_BYTES = 512;
const MARKERS = ['session_meta', 'turn_context', 'token_count', 'task_started', 'task_complete', 'turn_aborted'].map((s) =>
  Buffer.from(s),
);

function asRecord(v: unknown): Record<string, unknown> | null {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

interface PendingCall {
  call: ParsedCall;
  turn: string;
}

/** What the parser carries between reads of one rollout (persisted in its cursor). */
export interface RolloutState {
  thread: string | null;
  modelProvider: string | null;
  model: string | null;
  turn: string | null;
  /** Turns whose final identity was used already (bounded: last few). */
  finalTurns: string[];
  /** Last cumulative total_token_usage, as "in/cached/out/reasoning/total". */
  prevTotal: string | null;
  pending: PendingCall | null;
  /** Turnless rollouts: the latest call of the running segment (absent in cursors written before). */
  segment?: ParsedCall | null;
  limits: Record<string, LimitObs>;
}

/** Whether the state holds a call back until its turn or segment ends. */
export function holdsCall(state: RolloutState): boolean {
  return state.pending !== null || (state.segment ?? null) !== null;
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function str(v: unknown): string | null {
  return typeof v === 'string' && v.length > 0 ? v : null;
}

/** Cache-write input tokens of a Codex usage object (0.160+: `cache_write_input_tokens` / `cacheWriteInputTokens`). */
function cacheWriteOf(o: Record<string, unknown>): number {
  return Math.max(0, num(o.cache_write_input_tokens) ?? 0, num(o.cacheWriteInputTokens) ?? 0);
}

export function emptyState(): RolloutState {
  return { thread: null, modelProvider: null, model: null, turn: null, finalTurns: [], prevTotal: null, pending: null, limits: {} };
}

/** Whether a line (bytes start..end of buf) can matter to the parser: a marker within its first bytes. */
export function sniff(buf: Buffer, start: number, end: number): boolean {
  const stop = Math.min(end, start + SNIFF_BYTES);
  for (const m of MARKERS) {
    const i = buf.indexOf(m, start);
    if (i !== -1 && i + m.length <= stop) return true;
  }
  return false;
}

/** Applies rollout events to a state; emits finished calls. */
export class RolloutParser {
  readonly calls: ParsedCall[] = [];
  /** Lines that looked like events but are not JSON objects (the source counts them). */
  malformed = 0;
  constructor(
    readonly state: RolloutState,
    private readonly fallbackThread: string,
    private readonly fallbackMs: number,
  ) {}

  private thread(): string {
    return this.state.thread ?? this.fallbackThread;
  }

  private provider(): string {
    const p = this.state.modelProvider;
    return p === null || p.toLowerCase() === 'openai' ? CODEX_PROVIDER : safeToken(p);
  }

  /**
   * Commits the held call of a turnless segment as its last call: its identity is
   * its own, and it carries the usage alias of OpenClaw's mirror row of the turn.
   */
  private closeSegment(): void {
    const c = this.state.segment ?? null;
    if (!c) return;
    this.state.segment = null;
    this.calls.push({ ...c, alias: codexUsageAlias(this.thread(), c, 'rollout') });
  }

  /** Commits the pending call as its turn's final call (`null`: whatever turn or segment is open). */
  closeTurn(turn: string | null): void {
    if (turn === null) this.closeSegment();
    const p = this.state.pending;
    if (!p || (turn !== null && p.turn !== turn)) return;
    this.state.pending = null;
    if (this.state.finalTurns.includes(p.turn)) {
      this.calls.push(p.call); // the turn's final identity is taken: keep the call's own
      return;
    }
    this.state.finalTurns.push(p.turn);
    if (this.state.finalTurns.length > 8) this.state.finalTurns.shift();
    this.calls.push({ ...p.call, dedupeKey: codexTurnIdentity(this.thread(), p.turn) });
  }

  private startTurn(turn: string | null): void {
    if (!turn || turn === this.state.turn) return;
    this.closeTurn(null);
    this.state.turn = turn;
  }

  line(text: string): void {
    let e: Record<string, unknown> | null;
    try {
      e = asRecord(JSON.parse(text));
    } catch {
      this.malformed++; // no call counted from it; the source reports it as malformed_json
      return;
    }
    if (!e) {
      this.malformed++;
      return;
    }
    const payload = asRecord(e.payload);
    if (!payload) return;
    switch (e.type) {
      case 'session_meta':
        if (this.state.thread === null && str(payload.id)) this.state.thread = payload.id as string;
        if (this.state.modelProvider === null && str(payload.model_provider)) this.state.modelProvider = payload.model_provider as string;
        return;
      case 'turn_context':
        this.startTurn(str(payload.turn_id));
        if (str(payload.model)) this.state.model = payload.model as string;
        return;
      case 'event_msg':
        break;
      default:
        return;
    }
    switch (payload.type) {
      case 'task_started':
        if (!str(payload.turn_id)) this.closeSegment(); // older Codex: turns are only bracketed by task events
        this.startTurn(str(payload.turn_id));
        return;
      case 'task_complete':
      case 'turn_aborted':
        this.closeSegment();
        this.closeTurn(str(payload.turn_id));
        return;
      case 'token_count':
        break;
      default:
        return;
    }
    const ts = toEpochMs(e.timestamp) ?? this.fallbackMs;
    const rl = parseRateLimits(payload.rate_limits, ts);
    if (rl) {
      const prev = this.state.limits[rl.limit];
      if (!prev || prev.observedAtMs <= rl.obs.observedAtMs) this.state.limits[rl.limit] = rl.obs;
    }
    this.tokenCount(asRecord(payload.info), ts);
  }

  private tokenCount(info: Record<string, unknown> | null, ts: number): void {
    if (!info) return;
    const total = asRecord(info.total_token_usage);
    const last = asRecord(info.last_token_usage);
    const n = (o: Record<string, unknown> | null, k: string) => Math.max(0, num(o?.[k]) ?? 0);
    let totalKey: string | null = null;
    if (total) {
      totalKey = ['input_tokens', 'cached_input_tokens', 'output_tokens', 'reasoning_output_tokens', 'total_tokens']
        .map((k) => n(total, k))
        .join('/');
      // Codex 0.160+: cache writes; appended only when present so older cursors compare equal.
      if (cacheWriteOf(total) > 0) totalKey += `/${cacheWriteOf(total)}`;
      if (totalKey === this.state.prevTotal) return; // repeated snapshot, not a new response
    }
    let inTok: number;
    let cached: number;
    let out: number;
    let written: number;
    if (last) {
      inTok = n(last, 'input_tokens');
      cached = Math.max(n(last, 'cached_input_tokens'), n(last, 'cache_read_input_tokens'));
      out = n(last, 'output_tokens');
      written = cacheWriteOf(last);
    } else if (total && this.state.prevTotal === null) {
      inTok = n(total, 'input_tokens');
      cached = n(total, 'cached_input_tokens');
      out = n(total, 'output_tokens');
      written = cacheWriteOf(total);
    } else if (total && this.state.prevTotal !== null) {
      const [pi, pc, po, , , pw] = this.state.prevTotal.split('/').map(Number);
      inTok = Math.max(0, n(total, 'input_tokens') - pi);
      cached = Math.max(0, n(total, 'cached_input_tokens') - pc);
      out = Math.max(0, n(total, 'output_tokens') - po);
      written = Math.max(0, cacheWriteOf(total) - (pw || 0));
    } else {
      return;
    }
    if (totalKey !== null) this.state.prevTotal = totalKey;
    cached = Math.min(cached, inTok);
    written = Math.min(written, inTok - cached); // like cached input, written input is part of input_tokens
    if (inTok + out === 0) return;
    const provider = this.provider();
    const model = this.state.model ?? 'unknown';
    const input = inTok - cached - written;
    const call: ParsedCall = {
      dedupeKey: callIdentity({
        responseId: null,
        entryId: `codex-rollout:${this.thread()}`,
        messageTs: totalKey ?? `${ts}`,
        provider,
        model,
        input,
        output: out,
        cacheRead: cached,
        cacheWrite: written,
      }),
      tsMs: ts,
      provider,
      model,
      input,
      output: out,
      cacheRead: cached,
      cacheWrite: written,
      costUsd: null,
      stopReason: 'stop',
      errorCategory: null,
      latencyMs: null,
    };
    if (this.state.turn === null) {
      // No turn ids (older Codex): the segment's latest call is held back; it pairs with the mirror by usage.
      if (this.state.segment) this.calls.push(this.state.segment);
      this.state.segment = call;
      return;
    }
    if (this.state.pending) {
      // A newer response of the same turn exists, so the pending one was not the last.
      this.calls.push(this.state.pending.call);
    }
    this.state.pending = { call, turn: this.state.turn };
  }
}
