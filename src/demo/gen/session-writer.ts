import path from 'node:path';
import { COMMANDS, ERRORS, FILE_PATHS, MODELS, MODEL_WEIGHTS, ModelInfo, QUERIES, SENDERS, ToolKind, URLS, USER_PROMPTS, WORKSPACE, ZERO_USAGE } from './catalog.js';
import { BAD_UTF8, Out, iso } from './out.js';
import { CallPlan, Ctx, PREFIX_CAP, SessionResult, SessionSpec, planTurn } from './session-spec.js';
import { B62, WORDS, poolRange, pools } from './text-pools.js';
import { Usage, makeUsage } from './truth.js';

export class SessionWriter {
  private ids = new Set<string>();
  private lastId: string | null = null;
  private prefix: Buffer[] = [];
  private prefixBytes = 0;
  private prevTurn: Buffer[] = [];
  private curTurn: Buffer[] = [];
  private samples: Buffer[] = [];
  private model: ModelInfo;
  private context: number;
  private pendingTok = 0;
  private pendingCallIds: string[] = [];
  private lastRun = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };
  private lastPrompt = 0;
  private costSum = 0;
  private compactions = 0;
  private aborted = false;
  private firstMs = 0;
  private lastMs = 0;
  private out: Out;
  private lastCallLine: { line: Buffer; parentId: string | null; entryMs: number } | null = null;
  private dupDone = false;
  private junkDone = { malformed: false, utf8: false, blank: false };

  constructor(
    private readonly spec: SessionSpec,
    private readonly ctx: Ctx,
  ) {
    this.model = spec.model;
    this.context = ctx.rng.int(9000, 16000);
    this.out = new Out(path.join(ctx.sessionsDir, spec.fileName));
  }

  private newId(): string {
    const rng = this.ctx.rng;
    for (;;) {
      const id = rng.hex8();
      if (!this.ids.has(id)) {
        this.ids.add(id);
        return id;
      }
    }
  }

  private parentJson(): string {
    return this.lastId === null ? 'null' : `"${this.lastId}"`;
  }

  /** Ends the current line; returns a copy of it when `keep` (or a capture) asks for it. */
  private endLine(ms: number, keep = false): Buffer | null {
    const spec = this.spec;
    const wantPrefix = spec.capturePrefix === true && this.prefixBytes < PREFIX_CAP;
    const line = this.out.end(keep || wantPrefix || spec.captureTail === true);
    if (line) {
      if (wantPrefix) {
        this.prefix.push(line);
        this.prefixBytes += line.length + 1;
      }
      if (spec.captureTail) this.curTurn.push(line);
    }
    if (ms > this.lastMs) this.lastMs = ms;
    if (!this.firstMs) this.firstMs = ms;
    return line;
  }

  /** Writes the common entry head and makes the entry the new leaf. */
  private begin(type: string, ms: number, id: string = this.newId()): void {
    this.out.s(`{"type":"${type}","id":"${id}","parentId":${this.parentJson()},"timestamp":"${iso(ms)}",`);
    this.lastId = id;
  }

  private simple(type: string, ms: number, body: string): void {
    this.begin(type, ms);
    this.out.s(body + '}');
    this.endLine(ms);
  }

  /** Copies `len` bytes of a text pool (valid JSON string content) into the current line. */
  private text(pool: Buffer, len: number): number {
    const [s, e] = poolRange(this.ctx.rng, pool, len);
    this.out.b(pool, s, e);
    return e - s;
  }

  private custom(customType: string, ms: number, data: string): void {
    const id = this.newId();
    this.out.s(`{"type":"custom","customType":"${customType}","data":${data},"id":"${id}","parentId":${this.parentJson()},"timestamp":"${iso(ms)}"}`);
    this.lastId = id;
    this.endLine(ms);
  }

  private header(ms: number): void {
    const parent = this.spec.parentSession ? `,"parentSession":${JSON.stringify(this.spec.parentSession)}` : '';
    this.out.s(`{"type":"session","version":3,"id":"${this.spec.sessionId}","timestamp":"${iso(ms)}","cwd":"${WORKSPACE}"${parent}}`);
    this.endLine(ms);
  }

  private modelSetup(ms: number, thinking: boolean): number {
    const rng = this.ctx.rng;
    const m = this.model;
    this.simple('model_change', ms, `"provider":"${m.provider}","modelId":"${m.model}"`);
    ms += 1;
    if (thinking) {
      this.simple('thinking_level_change', ms, `"thinkingLevel":"${rng.pick(['off', 'low', 'low', 'medium', 'high'])}"`);
    }
    ms += rng.int(50, 250);
    this.custom('model-snapshot', ms, `{"timestamp":${ms},"provider":"${m.provider}","modelApi":"${m.api}","modelId":"${m.model}"}`);
    return ms;
  }

  /** Writes the whole session and returns what the index and copies need. */
  run(): SessionResult {
    const { spec, ctx } = this;
    const rng = ctx.rng;
    const winLen = Math.max(60_000, spec.winEnd - spec.winStart);
    let t = spec.winStart;

    this.header(t);
    if (spec.copiedFrom?.result) {
      // Fork / compaction successor: parent tail copied verbatim (same ids, timestamps, responseIds).
      let last: string | null = null;
      for (const l of spec.copiedFrom.result.tail) {
        this.out.b(l, 0, l.length);
        this.out.end(false);
        const mm = /^\{"type":"[a-z_]+","(?:customType":"[^"]*","data":\{[^}]*\},")?id":"([0-9a-f]{8})"/.exec(l.toString('latin1', 0, 400));
        if (mm) {
          last = mm[1];
          this.ids.add(mm[1]);
        }
      }
      this.lastId = last;
      t += rng.int(200, 2000);
    }
    t = this.modelSetup(t + rng.int(5, 20), true);

    const budget = spec.budget;
    let turn = 0;
    for (;;) {
      const plan = planTurn(rng, Math.max(500, Math.floor(budget / 4)));
      const written = this.out.size();
      if (turn > 0) {
        const remaining = budget - written;
        if (remaining <= 0 || remaining < plan.bytes / 2) break;
      }
      // Time slot of this turn, proportional to its share of the byte budget, never past the window.
      const slotStart = spec.winStart + (Math.min(written, budget) / budget) * winLen;
      const gap = Math.min((plan.bytes / budget) * winLen, Math.max(0, spec.winStart + winLen - slotStart));
      const turnStart = Math.floor(Math.max(t + 1 + Math.min(gap * 0.05, rng.int(500, 5000)), slotStart + rng.float() * gap * 0.1));
      t = this.turn(plan, turnStart, gap * 0.8, turn);
      turn++;
    }
    this.out.close();

    return {
      prefix: this.prefix,
      // what a fork copies: the last one or two turns (never the header)
      tail: this.prevTurn.concat(this.curTurn).filter((l) => l.length > 0 && !l.toString('latin1', 0, 20).startsWith('{"type":"session"')),
      samples: this.samples,
      firstMs: this.firstMs,
      lastMs: this.lastMs,
      lastRunInput: this.lastRun.input,
      lastRunOutput: this.lastRun.output,
      lastRunCacheRead: this.lastRun.cacheRead,
      lastRunCacheWrite: this.lastRun.cacheWrite,
      lastPrompt: this.lastPrompt,
      costSum: this.costSum,
      model: this.model,
      compactions: this.compactions,
      aborted: this.aborted,
      bytes: this.out.size(),
    };
  }

  private userMessage(ms: number): void {
    const rng = this.ctx.rng;
    const spec = this.spec;
    let head = '';
    if (spec.chatType === 'group' || spec.chatType === 'channel') {
      const who = rng.pick(SENDERS);
      head = `[${spec.channel} ${who} (@${who.toLowerCase()}${rng.int(1, 99)})] @claw `;
    } else if (spec.kind === 'cron') {
      head = `[cron:${spec.label ?? 'job'}] Run the scheduled task: `;
    } else if (spec.kind === 'hook') {
      head = `Hook payload received (gmail): subject \\"${rng.pick(WORDS)} ${rng.pick(WORDS)}\\" — `;
    } else if (spec.kind === 'subagent') {
      head = '[Subagent task] ';
    }
    const prompt = head + rng.pick(USER_PROMPTS);
    const asArray = rng.chance(0.5);
    this.begin('message', ms);
    this.out.s(`"message":{"role":"user","content":${asArray ? '[{"type":"text","text":"' : '"'}${prompt}`);
    let len = prompt.length;
    if (rng.chance(0.3)) {
      this.out.s(' ');
      len += this.text(pools().prose, rng.logInt(40, 600));
    }
    this.out.s(`${asArray ? '"}]' : '"'},"timestamp":${ms - rng.int(20, 900)}}}`);
    this.endLine(ms);
    this.pendingTok += Math.ceil(len / 4) + rng.int(5, 40);
  }

  /** Deliberate junk lines (once per session that asks for them). */
  private maybeJunk(ms: number, turn: number): void {
    if (!this.spec.junkLines || !this.ctx.junk) return;
    const j = this.junkDone;
    const out = this.out;
    if (!j.blank && turn >= 1) {
      this.endLine(ms); // empty line
      j.blank = true;
    } else if (!j.malformed && turn >= 2) {
      // A row cut off mid-write (crash), followed by further valid rows.
      const m = this.model;
      out.s(
        `{"type":"message","id":"${this.ctx.rng.hex8()}","parentId":${this.parentJson()},"timestamp":"${iso(ms)}","message":{"role":"assistant",` +
          `"content":[{"type":"text","text":"Sure, here is the plan"}],"api":"${m.api}","provider":"${m.provider}","model":"${m.model}","usage":{"input":12,"out`,
      );
      this.endLine(ms);
      j.malformed = true;
    } else if (!j.utf8 && turn >= 3) {
      // A user row with invalid UTF-8 bytes inside its text.
      this.begin('message', ms);
      out.s('"message":{"role":"user","content":"forwarded text: ');
      out.b(BAD_UTF8, 0, BAD_UTF8.length);
      out.s(` (garbled attachment name)","timestamp":${ms - 120}}}`);
      this.endLine(ms);
      j.utf8 = true;
    }
  }

  private turn(plan: { calls: CallPlan[]; bytes: number }, start: number, maxDur: number, turnNo: number): number {
    const { ctx, spec } = this;
    const rng = ctx.rng;
    if (spec.captureTail) {
      this.prevTurn = this.curTurn;
      this.curTurn = [];
    }

    // sessions_history duplicate: an earlier assistant row re-written on a sibling branch
    // with a fresh entry id but the same responseId and message.timestamp.
    if (spec.dupBranch && ctx.duplicates && !this.dupDone && turnNo >= 2 && this.lastCallLine) {
      const src = this.lastCallLine;
      const dupMs = Math.max(src.entryMs + 1, Math.floor((this.lastMs + start) / 2));
      const id = this.newId();
      const line = src.line
        .toString('utf8')
        .replace(
          /^\{"type":"message","id":"[0-9a-f]{8}","parentId":(null|"[0-9a-f]{8}"),"timestamp":"[^"]+"/,
          () => `{"type":"message","id":"${id}","parentId":${src.parentId === null ? 'null' : `"${src.parentId}"`},"timestamp":"${iso(dupMs)}"`,
        );
      this.out.s(line);
      this.endLine(dupMs);
      this.dupDone = true;
      this.lastCallLine = null;
    }

    // Natural durations, scaled down to fit the time slot.
    const lat: number[] = [];
    const toolDur: number[] = [];
    let natural = 300;
    for (const c of plan.calls) {
      const l = c.kind === 'error' ? rng.int(200, 30000) : rng.int(1200, 9000) + c.textLen * 8 + c.thinkLen * 4;
      lat.push(l);
      natural += l + 100;
      const td = c.kind === 'tool' ? rng.int(50, 6000) : 0;
      toolDur.push(td);
      natural += td + 20;
    }
    const scale = Math.min(1, maxDur / natural);
    const sc = (x: number): number => Math.max(1, Math.floor(x * scale));

    let t = start;
    this.maybeJunk(t, turnNo);
    if (turnNo > 0 && rng.chance(0.012)) {
      // occasional model switch mid-session (same provider family mostly)
      const same = MODELS.filter((m) => m.provider === this.model.provider && m.model !== this.model.model);
      this.model = same.length && rng.chance(0.7) ? rng.pick(same) : rng.weighted(MODELS, MODEL_WEIGHTS);
      t = this.modelSetup(t, false) + 5;
    } else if (turnNo > 0 && rng.chance(0.01)) {
      this.simple('thinking_level_change', t, `"thinkingLevel":"${rng.pick(['off', 'low', 'medium', 'high'])}"`);
      t += 3;
    }
    this.userMessage(t);
    t += sc(rng.int(20, 300));

    this.lastRun = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };
    for (let i = 0; i < plan.calls.length; i++) {
      const c = plan.calls[i];
      const msgTs = t;
      t += sc(lat[i]);
      this.assistant(c, msgTs, t);
      if (c.kind === 'tool') {
        t += sc(toolDur[i]) + 1;
        for (const tc of c.tools) this.toolResult(tc, t++);
        t += 1;
      }
    }
    this.aborted = plan.calls[plan.calls.length - 1].kind === 'aborted';

    if (ctx.syntheticRows && spec.mirror && rng.chance(0.5)) {
      t += rng.int(40, 900);
      this.synthetic('delivery-mirror', t, null, 'stop', '');
    }
    if (ctx.syntheticRows && rng.chance(0.01)) {
      t += rng.int(40, 900);
      const aborted = rng.chance(0.5);
      const extra = aborted ? `,"openclawAbort":{"aborted":true,"origin":"rpc","runId":"${rng.uuid()}"}` : '';
      this.synthetic(
        'gateway-injected',
        t,
        aborted ? 'Run aborted by operator.' : 'Note injected via chat.inject: ' + rng.pick(USER_PROMPTS),
        aborted ? 'aborted' : 'stop',
        extra,
      );
    }
    if (rng.chance(0.5)) {
      t += rng.int(5, 60);
      this.custom('openclaw:bootstrap-context:full', t, `{"timestamp":${t},"runId":"${rng.uuid()}","sessionId":"${spec.sessionId}"}`);
    }
    if (this.context > 130_000) this.compaction(t + rng.int(100, 3000));
    return t;
  }

  private compaction(ms: number): void {
    const rng = this.ctx.rng;
    const kept = this.lastId ?? '00000000';
    this.begin('compaction', ms);
    this.out.s('"summary":"');
    this.text(pools().prose, rng.logInt(800, 4000));
    this.out.s(`","firstKeptEntryId":"${kept}","tokensBefore":${this.context}}`);
    this.endLine(ms);
    this.context = rng.int(12000, 30000);
    this.compactions++;
  }

  /** provider "openclaw" bookkeeping row (not a model call); text null = a pool slice */
  private synthetic(model: string, ms: number, text: string | null, stop: string, extra: string): void {
    const rng = this.ctx.rng;
    this.begin('message', ms);
    this.out.s('"message":{"role":"assistant","content":[{"type":"text","text":"');
    if (text === null) this.text(pools().prose, rng.logInt(40, 600));
    else this.out.s(text);
    this.out.s(
      `"}],"api":"openai-responses","provider":"openclaw","model":"${model}","usage":${ZERO_USAGE},"stopReason":"${stop}","timestamp":${ms - 1}${extra}}}`,
    );
    this.endLine(ms);
  }

  private toolResult(tc: { tool: ToolKind; len: number }, ms: number): void {
    const rng = this.ctx.rng;
    const tool = tc.tool;
    this.begin('message', ms);
    this.out.s(
      `"message":{"role":"toolResult","toolCallId":"${this.pendingCallIds.shift() ?? 'call_unknown'}","toolName":"${tool.name}","content":[{"type":"text","text":"`,
    );
    let details = '';
    let len: number;
    if (tool.name === 'write' || tool.name === 'edit') {
      const text =
        tool.name === 'write'
          ? `Successfully wrote ${rng.int(100, 20000)} bytes to ${rng.pick(FILE_PATHS)}`
          : `Successfully replaced 1 block(s) in ${rng.pick(FILE_PATHS)}.`;
      this.out.s(text);
      len = text.length;
    } else {
      len = this.text(pools()[tool.pool], tc.len);
      if (tool.name === 'exec') {
        details = `,"details":{"status":"completed","exitCode":${rng.chance(0.9) ? 0 : 1},"durationMs":${rng.int(20, 9000)},"cwd":"${WORKSPACE}"}`;
      }
    }
    this.out.s(`"}]${details},"isError":${rng.chance(0.02)},"timestamp":${ms - 1}}}`);
    this.endLine(ms);
    this.pendingTok += Math.ceil(len / 4);
  }

  private writeToolCall(tool: ToolKind, m: ModelInfo): void {
    const rng = this.ctx.rng;
    const out = this.out;
    let id: string;
    if (m.provider === 'anthropic') id = `toolu_01${rng.chars(22, B62)}`;
    else if (m.provider === 'openai-codex') id = `call_${rng.chars(24, B62)}|fc_${rng.hex(48)}`;
    else id = `call_${rng.hex(24)}`;
    this.pendingCallIds.push(id);
    const completions = m.api === 'openai-completions';
    const p = pools();
    // Arguments with bulk text are written straight from the pools, except where the
    // completions API also stores them re-encoded as partialArgs.
    const bulk = (pool: Buffer, len: number): string | null => {
      if (!completions) {
        this.text(pool, len);
        return null;
      }
      const [s, e] = poolRange(rng, pool, len);
      return pool.toString('utf8', s, e);
    };
    out.s(`{"type":"toolCall","id":"${id}","name":"${tool.name}","arguments":`);
    let args: string;
    switch (tool.name) {
      case 'read':
        args = `{"path":"${rng.pick(FILE_PATHS)}"}`;
        break;
      case 'exec':
        args = `{"command":"${rng.pick(COMMANDS)}","timeout":${rng.pick([60, 120, 300])}}`;
        break;
      case 'browser':
        args = `{"action":"snapshot","url":"${rng.pick(URLS)}"}`;
        break;
      case 'web_fetch':
        args = `{"url":"${rng.pick(URLS)}","extractMode":"markdown"}`;
        break;
      case 'web_search':
      case 'memory_search':
        args = `{"query":"${rng.pick(QUERIES)}"}`;
        break;
      case 'write': {
        const head = `{"path":"${rng.pick(FILE_PATHS)}","content":"`;
        if (!completions) out.s(head);
        const body = bulk(p.prose, rng.logInt(100, 1500));
        if (body === null) {
          out.s('"}}');
          return;
        }
        args = `${head}${body}"}`;
        break;
      }
      default: {
        const head = `{"path":"${rng.pick(FILE_PATHS)}","edits":[{"oldText":"`;
        if (!completions) out.s(head);
        const oldText = bulk(p.code, rng.logInt(30, 400));
        if (!completions) out.s('","newText":"');
        const newText = bulk(p.code, rng.logInt(30, 600));
        if (oldText === null || newText === null) {
          out.s('"}]}}');
          return;
        }
        args = `${head}${oldText}","newText":"${newText}"}]}`;
      }
    }
    const partial = completions ? `,"partialArgs":${JSON.stringify(args)}` : '';
    out.s(`${args}${partial}}`);
  }

  private responseId(m: ModelInfo): string {
    const rng = this.ctx.rng;
    if (m.provider === 'anthropic') return `msg_01${rng.chars(22, B62)}`;
    if (m.provider === 'openai-codex') return `resp_${rng.hex(48)}`;
    return `gen-${1790000000 + rng.int(0, 9999999)}-${rng.chars(20, B62)}`;
  }

  private usageFor(c: CallPlan): Usage {
    const rng = this.ctx.rng;
    const m = this.model;
    const newTok = Math.min(5000, Math.max(1, this.pendingTok + rng.int(1, 200)));
    this.pendingTok = 0;
    let output =
      c.kind === 'tool' ? rng.logInt(20, 500) : c.kind === 'aborted' ? rng.logInt(10, 200) : rng.logInt(10, 2000);
    output = Math.max(output, Math.ceil((c.textLen + c.thinkLen) / 5));
    let input: number;
    let cacheRead: number;
    let cacheWrite = 0;
    let reasoning: number | null = null;
    const cached = Math.min(100_000, this.context);
    if (m.provider === 'anthropic') {
      if (rng.chance(0.05)) {
        // cache miss / expired TTL
        input = Math.min(5000, newTok + rng.int(500, 4000));
        cacheRead = 0;
        cacheWrite = Math.min(100_000, cached);
      } else {
        input = rng.int(1, 40);
        cacheRead = cached;
        cacheWrite = newTok;
      }
    } else {
      input = newTok;
      cacheRead = rng.chance(0.04) ? 0 : m.provider === 'openrouter' ? cached - (cached % 64) : cached - (cached % 256);
      if (m.provider === 'openai-codex') reasoning = c.thinkLen > 0 ? Math.min(output, Math.ceil(c.thinkLen / 3)) : 0;
    }
    if (c.kind === 'aborted' && rng.chance(0.4)) {
      input = 0;
      output = 0;
      cacheRead = 0;
      cacheWrite = 0;
    }
    this.context += newTok + output;
    const u = makeUsage(m, input, output, cacheRead, cacheWrite, reasoning);
    this.lastRun.input += input;
    this.lastRun.output += output;
    this.lastRun.cacheRead += cacheRead;
    this.lastRun.cacheWrite += cacheWrite;
    this.lastPrompt = input + cacheRead + cacheWrite;
    this.costSum += u.costTotal;
    return u;
  }

  private assistant(c: CallPlan, msgTs: number, entryMs: number): void {
    const { ctx, spec } = this;
    const rng = ctx.rng;
    const m = this.model;
    const out = this.out;
    const parentId = this.lastId;

    if (c.kind === 'error') {
      const choices = ERRORS.filter((e) => !e.providers || e.providers.includes(m.provider));
      const e = rng.pick(choices);
      let extra = `,"errorMessage":"${e.message}"`;
      if (rng.chance(0.6)) {
        if (e.code) extra += `,"errorCode":"${e.code}"`;
        if (e.type) extra += `,"errorType":"${e.type}"`;
        if (e.code || e.type) {
          extra += `,"errorBody":${JSON.stringify(JSON.stringify({ message: e.message, type: e.type ?? 'error', code: e.code ?? null }))}`;
        }
      }
      this.begin('message', entryMs, this.uniqueFingerprintId(msgTs, m, '0|0|0|0'));
      out.s(
        `"message":{"role":"assistant","content":[],"api":"${m.api}","provider":"${m.provider}","model":"${m.model}","usage":${ZERO_USAGE},"stopReason":"error","timestamp":${msgTs}${extra}}}`,
      );
      this.endLine(entryMs);
      ctx.truth.call(spec.agent, m, entryMs, null);
      return;
    }

    const u = this.usageFor(c);
    const stop = c.kind === 'tool' ? 'toolUse' : c.kind === 'aborted' ? 'aborted' : rng.chance(0.01) ? 'length' : 'stop';
    // ~8% of calls (and most aborted ones) carry no responseId: identity falls back to a fingerprint.
    const withRid = c.kind === 'aborted' ? rng.chance(0.3) : !rng.chance(0.08);
    const id = withRid ? this.newId() : this.uniqueFingerprintId(msgTs, m, `${u.input}|${u.output}|${u.cacheRead}|${u.cacheWrite}`);
    const ridJson = withRid ? `,"responseId":"${this.responseId(m)}"` : '';

    this.begin('message', entryMs, id);
    out.s('"message":{"role":"assistant","content":[');
    const p = pools();
    let first = true;
    if (c.thinkLen > 0) {
      out.s('{"type":"thinking","thinking":"');
      this.text(p.prose, c.thinkLen);
      if (m.provider === 'anthropic') {
        out.s('","thinkingSignature":"');
        this.text(p.b64, rng.logInt(150, 600));
        out.s('"}');
      } else if (m.provider === 'openai-codex') {
        out.s(`","thinkingSignature":"{\\"type\\":\\"reasoning\\",\\"id\\":\\"rs_${rng.hex(48)}\\",\\"encrypted_content\\":\\"gAAAAA`);
        this.text(p.b64, rng.logInt(200, 900));
        out.s('\\",\\"summary\\":[]}"}');
      } else out.s('"}');
      first = false;
    }
    if (c.textLen > 0) {
      out.s(first ? '{"type":"text","text":"' : ',{"type":"text","text":"');
      this.text(p.prose, c.textLen);
      out.s(m.provider === 'openai-codex' ? `","textSignature":"{\\"v\\":1,\\"id\\":\\"msg_${rng.hex(48)}\\"}"}` : '"}');
      first = false;
    }
    for (const tc of c.tools) {
      if (!first) out.s(',');
      this.writeToolCall(tc.tool, m);
      first = false;
    }
    out.s(
      `],"api":"${m.api}","provider":"${m.provider}","model":"${m.model}","usage":${u.json},"stopReason":"${stop}","timestamp":${msgTs}${ridJson}}}`,
    );
    const keepForDup = withRid && spec.dupBranch === true && !this.dupDone;
    const keepSample = spec.captureSamples === true && this.samples.length < 12;
    const line = this.endLine(entryMs, keepForDup || keepSample);
    ctx.truth.call(spec.agent, m, entryMs, u);
    if (line && keepForDup) this.lastCallLine = { line, parentId, entryMs };
    if (line && keepSample) this.samples.push(line);
  }

  /** Entry id whose fallback fingerprint (id, message.timestamp, provider, model, usage) is globally unique. */
  private uniqueFingerprintId(msgTs: number, m: ModelInfo, usage: string): string {
    for (;;) {
      const id = this.newId();
      const fp = `${id}|${msgTs}|${m.provider}|${m.model}|${usage}`;
      if (!this.ctx.fingerprints.has(fp)) {
        this.ctx.fingerprints.add(fp);
        return id;
      }
    }
  }
}
