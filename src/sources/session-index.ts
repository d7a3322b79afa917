/**
 * Source adapter for the file-era session index, `agents/<agent>/sessions/sessions.json`:
 * session key -> session id, channel, chat type and kind. Token fields in it are
 * per-run snapshots and are ignored.
 */
import path from 'node:path';
import type { AgentDir, PollContext, SessionInfo, Source, SourceBatch } from '../model.js';
import { channelOf, chatTypeOf, seedSessionKind, sessionKindOf } from '../parse/session-kind.js';
import { asRecord, readJsonIfChanged } from './json-file.js';

/** Session infos from a parsed sessions.json object (also used for SQLite entry_json rows). */
export function sessionInfoFromEntry(key: string, entry: unknown, active = true): SessionInfo | null {
  const e = asRecord(entry);
  if (!e || typeof e.sessionId !== 'string' || !e.sessionId) return null;
  return {
    sessionKey: key,
    sessionId: e.sessionId,
    seedKind: seedSessionKind(key, e),
    kind: sessionKindOf(key, e),
    channel: channelOf(key, e),
    chatType: chatTypeOf(key, e),
    updatedAtMs: typeof e.updatedAt === 'number' ? e.updatedAt : null,
    active,
  };
}

export class SessionIndexSource implements Source {
  readonly name = 'sessions.json';
  constructor(private readonly agent: AgentDir) {}

  private file(): string {
    return path.join(this.agent.root, 'sessions', 'sessions.json');
  }

  *poll(ctx: PollContext): Iterable<SourceBatch> {
    const file = this.file();
    const key = `index:${file}`;
    const r = readJsonIfChanged(file, key, ctx);
    const base = { kind: 'sessions' as const, stateDir: this.agent.stateDir, agent: this.agent.agent, origin: 'sessions.json' };
    if (r.state === 'missing') {
      // Gone (e.g. moved by the SQLite migration): the index no longer lists sessions.
      if (r.hadCursor) yield { ...base, sessions: [], cursors: [[key, null]] };
      return;
    }
    if (r.state !== 'changed') return;
    const obj = asRecord(r.value);
    if (!obj) {
      ctx.report({ reason: 'not_an_object', where: file, detail: 'sessions.json is not an object; previous contents kept' });
      return;
    }
    const sessions: SessionInfo[] = [];
    for (const [k, v] of Object.entries(obj)) {
      const info = sessionInfoFromEntry(k, v);
      if (info) sessions.push(info);
    }
    yield { ...base, sessions, cursors: [[key, r.cursor]] };
  }
}
