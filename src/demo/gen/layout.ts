/**
 * Layout of one agent in the demo generator: which sessions of which kinds, channels and
 * archives it gets, with their time windows and byte weights.
 */
import { MODELS, MODEL_WEIGHTS, type ModelInfo, SENDERS } from './catalog.js';
import type { ResolvedOptions } from './options.js';
import { archiveTs } from './out.js';
import { Rng } from './rng.js';
import type { Ctx, SessionSpec } from './session-spec.js';
import { ALNUM_LOWER } from './text-pools.js';

// ---------------------------------------------------------------------------
// Layout of one agent

export function peerId(rng: Rng, channel: string): string {
  switch (channel) {
    case 'whatsapp':
    case 'signal':
      return `+1555${rng.digits(7)}`;
    case 'telegram':
      return rng.chance(0.5) ? rng.digits(rng.int(8, 10)) : `${rng.pick(SENDERS).toLowerCase()}_${rng.chars(4, ALNUM_LOWER)}`;
    default:
      return rng.digits(17);
  }
}

export interface Layout {
  specs: SessionSpec[];
}

export function layoutAgent(agent: string, agentIndex: number, ctx: Ctx, opts: ResolvedOptions): Layout {
  const rng = ctx.rng;
  const now = opts.nowMs;
  const D = opts.days * 86_400_000;
  const S = now - D;
  const E = now - 3 * 60_000;
  const scale = Math.max(1, opts.targetBytes / (8 * 1024 * 1024));
  const lg = Math.log2(scale);
  const specs: SessionSpec[] = [];
  const pickModel = (): ModelInfo => rng.weighted(MODELS, MODEL_WEIGHTS);
  const a = agent.toLowerCase();
  const primaryChannel = agentIndex === 0 ? 'telegram' : 'webchat';

  const add = (s: Omit<SessionSpec, 'budget' | 'agent' | 'model'> & { model?: ModelInfo }): SessionSpec => {
    const spec: SessionSpec = { agent, budget: 0, model: s.model ?? pickModel(), ...s } as SessionSpec;
    specs.push(spec);
    return spec;
  };
  const window = (minLen: number, maxLen: number): [number, number] => {
    const len = Math.min(D * 0.9, minLen + rng.float() * (maxLen - minLen));
    const start = S + rng.float() * (E - S - len);
    return [Math.floor(start), Math.floor(start + len)];
  };
  const mainSplit = Math.floor(S + D * (0.3 + rng.float() * 0.1));

  // main: previous generation (reset archive) and the live one
  if (opts.archives) {
    const sid = rng.uuid();
    add({
      kind: 'main', keys: [], sessionId: sid, fileName: '', channel: primaryChannel, chatType: 'direct', peer: null, label: null,
      winStart: S + rng.int(0, 3_600_000), winEnd: mainSplit - 20 * 60_000, weight: 10, archive: 'reset', archiveAtMs: mainSplit,
      mirror: primaryChannel !== 'webchat',
    });
  }
  const mainSid = rng.uuid();
  add({
    kind: 'main', keys: [`agent:${a}:main`], sessionId: mainSid, fileName: '', channel: primaryChannel, chatType: 'direct', peer: null,
    label: null, winStart: opts.archives ? mainSplit + 60_000 : S + rng.int(0, 3_600_000), winEnd: E - rng.int(0, 20 * 60_000),
    weight: 28, junkLines: true, dupBranch: true, captureSamples: true, trajectory: true, lock: true, mirror: primaryChannel !== 'webchat',
  });

  // direct messages on several channels
  const nDirect = Math.min(14, 2 + Math.floor(lg * 1.5));
  for (let i = 0; i < nDirect; i++) {
    const channel = i === 0 ? 'telegram' : rng.pick(['telegram', 'telegram', 'whatsapp', 'signal']);
    const peer = peerId(rng, channel);
    const [ws, we] = window(D * 0.2, D * 0.9);
    add({
      kind: 'direct', keys: [`agent:${a}:${channel}:direct:${peer}`.toLowerCase()], sessionId: rng.uuid(), fileName: '', channel,
      chatType: 'direct', peer, label: null, winStart: ws, winEnd: we, weight: 18 / nDirect, mirror: true,
      capturePrefix: i === 0, checkpoint: i === 0,
    });
  }

  // discord group (fork parent), slack channel (bak source)
  const guild = rng.digits(18);
  const [dgs, dge] = window(D * 0.3, D * 0.6);
  const discord = add({
    kind: 'group', keys: [`agent:${a}:discord:group:${guild}`], sessionId: rng.uuid(), fileName: '', channel: 'discord',
    chatType: 'group', peer: guild, label: null, winStart: dgs, winEnd: Math.min(dge, E - D * 0.15), weight: 8, mirror: true,
    captureTail: true, dupBranch: true,
  });
  const slackId = `c0${rng.chars(9, ALNUM_LOWER)}`;
  const [scs, sce] = window(D * 0.2, D * 0.8);
  add({
    kind: 'channel', keys: [`agent:${a}:slack:channel:${slackId}`], sessionId: rng.uuid(), fileName: '', channel: 'slack',
    chatType: 'channel', peer: slackId, label: null, winStart: scs, winEnd: sce, weight: 6, mirror: true, capturePrefix: true, bak: true,
  });

  if (opts.duplicates) {
    // Telegram forum topic
    const tg = `-100${rng.digits(10)}`;
    const topic = rng.int(2, 400);
    const sid = rng.uuid();
    const [ts, te] = window(D * 0.1, D * 0.5);
    add({
      kind: 'topic', keys: [`agent:${a}:telegram:group:${tg}:topic:${topic}`], sessionId: sid, fileName: `${sid}-topic-${topic}.jsonl`,
      channel: 'telegram', chatType: 'group', peer: tg, label: null, winStart: ts, winEnd: te, weight: 4, mirror: true,
    });
    // thread fork of the discord group: copies the parent's tail, then continues
    const forkSid = rng.uuid();
    const thread = rng.digits(18);
    add({
      kind: 'fork', keys: [`agent:${a}:discord:group:${guild}:thread:${thread}`], sessionId: forkSid, fileName: '', channel: 'discord',
      chatType: 'group', peer: guild, label: null, winStart: 0, winEnd: 0, weight: 3, mirror: true, copiedFrom: discord,
      model: discord.model, extra: { parentSessionKey: `agent:${a}:discord:group:${guild}`, forkedFromParent: true },
    });
  }

  // cron jobs: daily isolated runs; older runs are reaped into .deleted archives
  const jobs = agentIndex === 0 ? ['nightly-digest', 'inbox-triage'] : ['weekly-report'];
  for (const job of jobs) {
    const hour = rng.int(1, 23);
    const runs: number[] = [];
    // the reaper also deletes .deleted archives after a while: keep about a week of runs
    for (let d = Math.min(opts.days, 7); d >= 0; d--) {
      const ts = Math.floor(now - d * 86_400_000 - (now % 86_400_000) + hour * 3_600_000 + rng.int(0, 120_000));
      if (ts > S && ts < E - 20 * 60_000) runs.push(ts);
    }
    if (runs.length === 0) runs.push(E - 30 * 60_000);
    const model = pickModel();
    runs.forEach((ts, idx) => {
      const latest = idx === runs.length - 1;
      const sid = rng.uuid();
      const len = rng.int(2 * 60_000, 12 * 60_000);
      // isolated runs are reaped (renamed to .deleted) after cron.sessionRetention (24h)
      const reapAt = ts + 24 * 3_600_000 + rng.int(60_000, 3_600_000);
      const reaped = !latest && reapAt < now - 60_000;
      if (reaped && !opts.archives) return;
      const keys = reaped ? [] : [`agent:${a}:cron:${job}:run:${sid}`];
      if (latest) keys.unshift(`agent:${a}:cron:${job}`);
      add({
        kind: 'cron', keys, sessionId: sid, fileName: '', channel: null, chatType: null, peer: null, label: job,
        winStart: ts, winEnd: Math.min(ts + len, E), weight: 12 / (runs.length * jobs.length), model,
        archive: reaped ? 'deleted' : undefined, archiveAtMs: reaped ? reapAt : undefined,
      });
    });
  }

  // subagents (one deleted), hooks
  const nSub = Math.min(12, 1 + Math.floor(lg));
  for (let i = 0; i < nSub + (opts.archives ? 1 : 0); i++) {
    const deleted = i === nSub;
    const [ws] = window(D * 0.01, D * 0.05);
    const len = rng.int(5 * 60_000, 90 * 60_000);
    const archiveAtMs = ws + len + rng.int(60_000, 600_000);
    add({
      kind: 'subagent', keys: deleted ? [] : [`agent:${a}:subagent:${rng.uuid()}`], sessionId: rng.uuid(), fileName: '', channel: null,
      chatType: null, peer: null, label: null, winStart: ws, winEnd: Math.min(ws + len, E), weight: 7 / (nSub + 1),
      archive: deleted ? 'deleted' : undefined, archiveAtMs: Math.min(archiveAtMs, now - 60_000),
      extra: { spawnedBy: `agent:${a}:main`, spawnDepth: 1, subagentRole: 'worker' },
    });
  }
  for (let i = 0; i < 2; i++) {
    const [ws] = window(D * 0.01, D * 0.02);
    add({
      kind: 'hook', keys: [i === 0 ? `agent:${a}:hook:${rng.uuid()}` : `agent:${a}:hook:gmail:${rng.hex(16)}`], sessionId: rng.uuid(),
      fileName: '', channel: null, chatType: null, peer: null, label: null, winStart: ws, winEnd: Math.min(ws + rng.int(60_000, 900_000), E),
      weight: 1,
    });
  }
  if (opts.archives) {
    // a Control UI thread the user deleted
    const [ws, we] = window(D * 0.05, D * 0.2);
    add({
      kind: 'dashboard', keys: [], sessionId: rng.uuid(), fileName: '', channel: 'webchat', chatType: 'direct', peer: null, label: null,
      winStart: ws, winEnd: we, weight: 2, archive: 'deleted', archiveAtMs: we + rng.int(60_000, 7_200_000),
    });
  }

  for (const s of specs) {
    if (!s.fileName) s.fileName = `${s.sessionId}.jsonl`;
    if (s.archive) {
      s.archiveAtMs = Math.min(s.archiveAtMs ?? s.winEnd + 60_000, now - 1000);
      s.fileName += `.${s.archive}.${archiveTs(s.archiveAtMs)}`;
    }
  }
  return { specs };
}
