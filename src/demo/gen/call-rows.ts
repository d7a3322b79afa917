/**
 * Model-call rows of the demo generator's transcript writer: assistant messages (usage,
 * errors, response ids, tool calls), tool results and provider "openclaw" bookkeeping
 * rows, each counted into the ground truth as it is written.
 */
import { COMMANDS, ERRORS, FILE_PATHS, type ModelInfo, QUERIES, type ToolKind, URLS, WORKSPACE, ZERO_USAGE } from './catalog.js';
import { EntryWriter } from './entry-writer.js';
import type { CallPlan, Ctx, SessionSpec } from './session-spec.js';
import { B62, poolRange, pools } from './text-pools.js';
import { type Usage, makeUsage } from './truth.js';

export class CallWriter extends EntryWriter {
  protected model: ModelInfo;
  protected context: number;
  protected pendingTok = 0;
  protected pendingCallIds: string[] = [];
  protected lastRun = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };
  protected lastPrompt = 0;
  protected costSum = 0;
  protected lastCallLine: { line: Buffer; parentId: string | null; entryMs: number } | null = null;
  protected dupDone = false;

  constructor(spec: SessionSpec, ctx: Ctx) {
    super(spec, ctx);
    this.model = spec.model;
    this.context = ctx.rng.int(9000, 16000);
  }

  /** provider "openclaw" bookkeeping row (not a model call); text null = a pool slice */
  protected synthetic(model: string, ms: number, text: string | null, stop: string, extra: string): void {
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

  protected toolResult(tc: { tool: ToolKind; len: number }, ms: number): void {
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

  protected writeToolCall(tool: ToolKind, m: ModelInfo): void {
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

  protected responseId(m: ModelInfo): string {
    const rng = this.ctx.rng;
    if (m.provider === 'anthropic') return `msg_01${rng.chars(22, B62)}`;
    if (m.provider === 'openai-codex') return `resp_${rng.hex(48)}`;
    return `gen-${1790000000 + rng.int(0, 9999999)}-${rng.chars(20, B62)}`;
  }

  protected usageFor(c: CallPlan): Usage {
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

  protected assistant(c: CallPlan, msgTs: number, entryMs: number): void {
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
  protected uniqueFingerprintId(msgTs: number, m: ModelInfo, usage: string): string {
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
