/**
 * Source adapter for the Codex rollouts OpenClaw's Codex harness writes under each
 * agent: `agent/codex-home/` (the per-agent CODEX_HOME), `agent/cli-auth/codex/<profile>/`
 * (CLI-backend runs) and the older `agent/harness-auth/codex/<hash>/`. Each of those
 * is a Codex home whose `sessions/YYYY/MM/DD/rollout-*.jsonl` and
 * `archived_sessions/rollout-*.jsonl` files are Codex's own event logs.
 *
 * Two things come out of them:
 *
 * - **Quota.** Every `event_msg` / `token_count` carries `rate_limits`
 *   (`limit_id`, `primary` / `secondary` with `used_percent`, `window_minutes`,
 *   `resets_at`, and `plan_type`). Per limit id the latest *usable* snapshot (at
 *   least one window with a number) wins; its windows are named by duration
 *   (300 min -> `5h`, 10080 min -> `7d`), never by slot, and a window absent from
 *   that snapshot is not exported any more. Each Codex home is its own account
 *   (`account`: `default` for `codex-home`, else a hash of the home's path under
 *   the agent). One `quota` batch per agent
 *   (source `codex-rollouts`) replaces the previous one when the result changes.
 *
 * - **Calls.** Every `token_count` whose cumulative `total_token_usage` moved is
 *   one model response. The counting rules live in the rollout parser,
 *   `src/parse/codex-rollout.ts`; this source only tails the files, hands their
 *   lines to it and persists its state in each file's cursor.
 *
 * Mirror dedupe. OpenClaw also mirrors the final assistant message of each Codex
 * turn into its own transcript, with `idempotencyKey`
 * `codex-app-server:<thread>:<turn>:assistant` and (per third-party parsers) the
 * usage of the turn's last model response. So the rollout's *last* call of each
 * turn and the transcript's mirror row are the same call. Both get the same
 * identity, `codexTurnIdentity(thread, turn)`: the rollout holds a turn's latest
 * call back (in its cursor) until the turn ends (`task_complete`,
 * `turn_aborted`, the next turn, or an hour without writes) and commits it under
 * that identity; the ingest cycle gives the mirror row the same identity
 * (the transcript parser recognises the mirror's idempotencyKey). Whichever is read first is counted, the other is a
 * duplicate. Every other call of the turn exists only in the rollout and gets
 * its own identity (thread + cumulative totals), so rollout-only usage is
 * counted exactly once across re-reads, renames into `archived_sessions/` and
 * copies of the same thread in several homes. Rollouts without turn ids pair with
 * the mirror by a usage alias instead (see the rollout parser).
 */
import fs from 'node:fs';
import path from 'node:path';
import { isDir } from './discover.js';
import { cursorFor, cursorsByInode, lineBlocks, resumeOffset, tailPosition, unchanged, type TailCursor } from './tail.js';
import { SOURCE } from '../model.js';
import type { AgentDir, Cursor, ParsedCall, PollContext, QuotaObservation, Source, SourceBatch, TranscriptContext } from '../model.js';
import { shortHash } from '../parse/transcript-line.js';
import type { LimitObs } from '../parse/codex-rate-limits.js';
import { CODEX_PROVIDER, RolloutParser, emptyState, holdsCall, sniff, type RolloutState } from '../parse/codex-rollout.js';
import { openRegular } from './safe-open.js';
import { DEFAULT_ACCOUNT, quotaAccount } from '../labeling/privacy.js';

export { parseRateLimits, windowName } from '../parse/codex-rate-limits.js';
export { CODEX_PROVIDER } from '../parse/codex-rollout.js';

export interface CodexRolloutOptions {
  /** Longest line kept, in bytes. */
  maxLineBytes?: number;
  /** Bytes of input per committed batch. */
  batchBytes?: number;
  /** A turn without an end marker is closed after this long without writes. */
  staleTurnMs?: number;
}

interface RolloutCursor extends TailCursor {
  mtimeMs: number;
  state: RolloutState;
}

const NL = 10;
const ROLLOUT_NAME = /^rollout-.*\.jsonl$/;

export function rolloutCursorKey(file: string): string {
  return `rollout:${file}`;
}

/** Thread id from a rollout file name (`rollout-<ts>-<uuid>.jsonl`), for files without session_meta. */
function threadFromName(file: string): string {
  const m = /([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.jsonl$/i.exec(file);
  return m ? m[1].toLowerCase() : `file-${shortHash(path.basename(file), 12)}`;
}

function listDir(dir: string): fs.Dirent[] {
  try {
    return fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}

export class CodexRolloutsSource implements Source {
  readonly name = SOURCE.codexRollouts;
  get scope(): { stateDir: string; agent: string } {
    return this.agent;
  }
  private readonly maxLine: number;
  private readonly batchBytes: number;
  private readonly staleTurnMs: number;

  constructor(
    private readonly agent: AgentDir,
    opts: CodexRolloutOptions = {},
  ) {
    this.maxLine = opts.maxLineBytes ?? 32 * 1024 * 1024;
    this.batchBytes = opts.batchBytes ?? 8 * 1024 * 1024;
    this.staleTurnMs = opts.staleTurnMs ?? 3600_000;
  }

  private agentDir(): string {
    return path.join(this.agent.root, 'agent');
  }

  /** Codex homes under the agent. */
  homes(): string[] {
    const base = this.agentDir();
    const out: string[] = [];
    const home = path.join(base, 'codex-home');
    if (isDir(home)) out.push(home);
    for (const parent of [path.join(base, 'cli-auth', 'codex'), path.join(base, 'harness-auth', 'codex')]) {
      for (const d of listDir(parent).sort((a, b) => (a.name < b.name ? -1 : 1))) {
        if (d.isDirectory()) out.push(path.join(parent, d.name));
      }
    }
    return out;
  }

  /**
   * The quota account of a rollout: each Codex home is logged in on its own, so its
   * path under the agent (`cli-auth/codex/<profile>`, `harness-auth/codex/<hash>`)
   * names the account, hashed; the agent's own `codex-home` is `default`.
   */
  accountOf(file: string): string {
    const parts = path.relative(this.agentDir(), file).split(path.sep);
    if (parts[0] === 'codex-home' || parts.length < 3) return DEFAULT_ACCOUNT;
    return quotaAccount(parts.slice(0, 3).join('/'));
  }

  /** Every rollout file of the agent, sorted. */
  files(): string[] {
    const out: string[] = [];
    const walk = (dir: string, depth: number) => {
      for (const d of listDir(dir)) {
        const p = path.join(dir, d.name);
        if (d.isDirectory() && depth > 0) walk(p, depth - 1);
        else if (d.isFile() && ROLLOUT_NAME.test(d.name)) out.push(p);
      }
    };
    for (const h of this.homes()) {
      walk(path.join(h, 'sessions'), 4);
      walk(path.join(h, 'archived_sessions'), 4);
    }
    return out.sort();
  }

  watchPaths(): string[] {
    const dirs = new Set<string>();
    for (const h of this.homes()) {
      for (const sub of ['sessions', 'archived_sessions']) if (isDir(path.join(h, sub))) dirs.add(path.join(h, sub));
    }
    // The newest day folder of each home, where Codex is appending now.
    const byHome = new Map<string, string>();
    for (const f of this.files()) {
      const d = path.dirname(f);
      const h = d.split(`${path.sep}sessions${path.sep}`)[0];
      if (!byHome.has(h) || d > byHome.get(h)!) byHome.set(h, d);
    }
    for (const d of byHome.values()) dirs.add(d);
    return [...dirs].sort();
  }

  private context(file: string): TranscriptContext {
    return { stateDir: this.agent.stateDir, agent: this.agent.agent, sessionId: null, sessionKey: null, source: SOURCE.codexRollouts, where: file };
  }

  async *poll(ctx: PollContext): AsyncIterable<SourceBatch> {
    const prefix = rolloutCursorKey(this.agentDir() + path.sep);
    const files = this.files();
    const listed = new Set(files);
    const known = ctx.cursors.keysWithPrefix(prefix);
    const byInode = cursorsByInode(known, listed, ctx.cursors, (k) => k.slice('rollout:'.length));
    const adopted = new Set<string>();
    const states = new Map<string, RolloutState>();
    for (const file of files) yield* this.pollFile(file, ctx, byInode, adopted, states);
    const gone: Array<[string, null]> = [];
    for (const k of known) if (!listed.has(k.slice('rollout:'.length)) && !adopted.has(k)) gone.push([k, null]);
    if (gone.length > 0) {
      yield { kind: 'transcript', context: this.context(this.agentDir()), records: [], calls: [], cursors: gone, bytesRead: 0, linesRead: 0, filesRead: 0 };
    }
    const q = this.quotaBatch(files, ctx, states);
    if (q) yield q;
  }

  /** The agent's quota snapshot: per limit id, the newest usable report across its rollouts. */
  private quotaBatch(files: string[], ctx: PollContext, states: Map<string, RolloutState>): SourceBatch | null {
    const best = new Map<string, { account: string; limit: string; obs: LimitObs }>();
    for (const f of files) {
      const st = states.get(f) ?? (ctx.cursors.get(rolloutCursorKey(f)) as RolloutCursor | undefined)?.state;
      const account = this.accountOf(f);
      for (const [limit, obs] of Object.entries(st?.limits ?? {})) {
        const k = `${account}\u0000${limit}`;
        const cur = best.get(k);
        if (!cur || obs.observedAtMs > cur.obs.observedAtMs) best.set(k, { account, limit, obs });
      }
    }
    const observations: QuotaObservation[] = [];
    for (const [, { account, limit, obs }] of [...best.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      for (const w of obs.windows) {
        observations.push({
          provider: CODEX_PROVIDER,
          limit,
          window: w.window,
          windowMinutes: w.windowMinutes,
          usedRatio: w.usedRatio,
          resetsAtMs: w.resetsAtMs,
          observedAtMs: obs.observedAtMs,
          plan: obs.plan,
          // Absent for the default home, so a single-home agent's snapshot (and its cursor hash) is as before.
          ...(account === DEFAULT_ACCOUNT ? {} : { account }),
        });
      }
    }
    const key = `rollout-quota:${this.agent.root}`;
    const prev = ctx.cursors.get(key) as { hash?: string } | undefined;
    const hash = shortHash(JSON.stringify(observations));
    if (prev?.hash === hash || (!prev && observations.length === 0)) return null;
    return {
      kind: 'snapshot',
      of: 'quota',
      stateDir: this.agent.stateDir,
      agent: this.agent.agent,
      source: SOURCE.codexRollouts,
      rows: observations,
      cursors: [[key, observations.length === 0 ? null : { hash }]],
    };
  }

  private async *pollFile(
    file: string,
    ctx: PollContext,
    byInode: Map<string, string>,
    adopted: Set<string>,
    states: Map<string, RolloutState>,
  ): AsyncIterable<SourceBatch> {
    const key = rolloutCursorKey(file);
    let st: fs.Stats;
    try {
      st = fs.statSync(file);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      ctx.report({ reason: code === 'ENOENT' ? 'vanished' : 'unreadable', where: file, detail: `stat failed (${code})` });
      return;
    }
    const pendingCursors: Array<[string, Cursor | null]> = [];
    // A rollout moved into archived_sessions/ continues where the old path stopped.
    const cur = cursorFor<RolloutCursor>(key, st, ctx.cursors, byInode, adopted, pendingCursors);
    // Only a regular file is read (a FIFO named like a rollout would block the open for good).
    const o = openRegular(file);
    if (!o.ok) {
      ctx.report({ reason: o.reason, where: file, detail: o.detail });
      if (cur) states.set(file, cur.state);
      return;
    }
    const fd = o.fd;
    st = o.st;
    try {
      const offset = resumeOffset(fd, st, cur);
      const state = cur && offset > 0 ? (JSON.parse(JSON.stringify(cur.state)) as RolloutState) : emptyState();
      const stale = st.mtimeMs < ctx.nowMs() - this.staleTurnMs;
      if (cur && unchanged(st, cur, offset) && pendingCursors.length === 0) {
        // Nothing new. Close a turn that never got its end marker once the file went quiet.
        if (stale && holdsCall(state)) {
          const parser = new RolloutParser(state, threadFromName(file), st.mtimeMs);
          parser.closeTurn(null);
          yield this.batch(file, [...parser.calls], [[key, { ...cur, state }]], 0, 0, 0);
        }
        states.set(file, state);
        return;
      }
      yield* this.read(fd, file, st, offset, state, stale, pendingCursors, ctx);
      states.set(file, state);
    } finally {
      fs.closeSync(fd);
    }
  }

  private batch(
    file: string,
    calls: ParsedCall[],
    cursors: Array<[string, Cursor | null]>,
    bytes: number,
    lines: number,
    files: number,
  ): SourceBatch {
    return { kind: 'transcript', context: this.context(file), records: [], calls, cursors, bytesRead: bytes, linesRead: lines, filesRead: files };
  }

  /** Reads complete lines from `start`, parsing the ones that matter; batches by size. */
  private async *read(
    fd: number,
    file: string,
    st: fs.Stats,
    start: number,
    state: RolloutState,
    stale: boolean,
    pendingCursors: Array<[string, Cursor | null]>,
    ctx: PollContext,
  ): AsyncIterable<SourceBatch> {
    const key = rolloutCursorKey(file);
    const parser = new RolloutParser(state, threadFromName(file), st.mtimeMs);
    let consumed = start;
    let bytes = 0;
    let lines = 0;
    let partial = 0;
    // Mid-file cursors record size = offset, so a resume after a crash reads on from there.
    const cursor = (atEnd = false): RolloutCursor => ({
      ...tailPosition(fd, st, consumed, atEnd ? consumed + partial : consumed),
      mtimeMs: st.mtimeMs,
      state: JSON.parse(JSON.stringify(state)) as RolloutState,
    });
    // An over-long line is a response item (tool output, image), never a token count: dropped quietly.
    for await (const block of lineBlocks(fd, start, { maxLine: this.maxLine, final: false, onTooLong: () => undefined })) {
      const view = block.view;
      lines += block.skippedLines;
      // A byte-order mark at the start of the file is not part of the first line.
      let lineStart = consumed === 0 && view.length >= 3 && view[0] === 0xef && view[1] === 0xbb && view[2] === 0xbf ? 3 : 0;
      while (lineStart < view.length) {
        const nl = view.indexOf(NL, lineStart);
        lines++;
        if (nl > lineStart && sniff(view, lineStart, nl)) parser.line(view.toString('utf8', lineStart, nl));
        lineStart = nl + 1;
      }
      consumed += block.skippedBytes + view.length;
      bytes += block.skippedBytes + view.length;
      partial = block.partial;
      if (bytes >= this.batchBytes) {
        yield this.batch(file, parser.calls.splice(0), [...pendingCursors.splice(0), [key, cursor()]], bytes, lines, 0);
        bytes = 0;
        lines = 0;
      }
    }
    if (stale && holdsCall(state) && partial === 0) parser.closeTurn(null);
    // Event lines that are not JSON objects: counted (and logged once per file), never counted as calls.
    for (let i = 0; i < parser.malformed; i++) ctx.report({ reason: 'malformed_json', where: file, detail: 'rollout line is not a JSON object; skipped' });
    yield this.batch(file, parser.calls.splice(0), [...pendingCursors.splice(0), [key, cursor(true)]], bytes, lines, 1);
  }
}
