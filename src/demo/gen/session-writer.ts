/**
 * The demo generator's session writer: one whole transcript (header, model setup, turns of
 * user messages and model calls, junk lines, duplicate branches, compactions) and what the
 * index and copies need from it.
 */
import { MODELS, MODEL_WEIGHTS, SENDERS, USER_PROMPTS } from './catalog.js';
import { CallWriter } from './call-rows.js';
import { BAD_UTF8, iso } from './out.js';
import { type CallPlan, type SessionResult, planTurn } from './session-spec.js';
import { WORDS, pools } from './text-pools.js';

export class SessionWriter extends CallWriter {
  private compactions = 0;
  private aborted = false;
  private junkDone = { malformed: false, utf8: false, blank: false };

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
}
