/**
 * Source adapter for the file-era session index, `agents/<agent>/sessions/sessions.json`:
 * session key -> session id, channel, chat type and kind. Token fields in it are
 * per-run snapshots and are ignored.
 */
import fs from 'node:fs';
import path from 'node:path';
import { SOURCE } from '../model.js';
import type { AgentDir, PollContext, SessionInfo, Source, SourceBatch } from '../model.js';
import { sessionInfoFromEntry } from '../parse/session-info.js';
import { asRecord, readJsonIfChanged } from './json-file.js';
import { openRegular } from './safe-open.js';

export class SessionIndexSource implements Source {
  readonly name = SOURCE.sessionsJson;
  get scope(): { stateDir: string; agent: string } {
    return this.agent;
  }
  constructor(private readonly agent: AgentDir) {}

  private file(): string {
    return path.join(this.agent.root, 'sessions', 'sessions.json');
  }

  *poll(ctx: PollContext): Iterable<SourceBatch> {
    const file = this.file();
    const key = `index:${file}`;
    const r = readJsonIfChanged(file, key, ctx);
    const base = { kind: 'snapshot' as const, of: 'sessions' as const, stateDir: this.agent.stateDir, agent: this.agent.agent, source: SOURCE.sessionsJson };
    if (r.state === 'missing') {
      // Gone (e.g. moved by the SQLite migration): the index no longer lists sessions.
      if (r.hadCursor) yield { ...base, rows: [], cursors: [[key, null]] };
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
    yield { ...base, rows: sessions, cursors: [[key, r.cursor]] };
  }
}

const TRAJECTORY_RE = /^(.+)\.trajectory\.jsonl$/;
const HEAD_BYTES = 8192;

/**
 * Session keys of sessions that already left sessions.json (reset, deleted, rolled
 * over): the first event of each `<sessionId>.trajectory.jsonl` sidecar names its
 * session key. Each sidecar is read once, only its first line. The sessions it
 * yields are inactive (they label calls; they are not active sessions).
 */
export class TrajectoryKeysSource implements Source {
  readonly name = SOURCE.trajectoryKeys;
  get scope(): { stateDir: string; agent: string } {
    return this.agent;
  }
  constructor(private readonly agent: AgentDir) {}

  *poll(ctx: PollContext): Iterable<SourceBatch> {
    const dir = path.join(this.agent.root, 'sessions');
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch {
      return;
    }
    const sessions: SessionInfo[] = [];
    const cursors: Array<[string, { done: true } | null]> = [];
    for (const n of names) {
      const m = TRAJECTORY_RE.exec(n);
      if (!m) continue;
      const file = path.join(dir, n);
      const key = `trajectory:${file}`;
      if (ctx.cursors.get(key)) continue;
      cursors.push([key, { done: true }]);
      const info = readTrajectoryHead(file);
      if (info && info.sessionId === m[1]) sessions.push(info);
    }
    if (cursors.length === 0) return;
    yield { kind: 'snapshot', of: 'sessions', stateDir: this.agent.stateDir, agent: this.agent.agent, source: SOURCE.trajectoryKeys, rows: sessions, cursors };
  }
}

function readTrajectoryHead(file: string): SessionInfo | null {
  const o = openRegular(file); // a FIFO or device named like a sidecar is not read
  if (!o.ok) return null;
  const fd = o.fd;
  try {
    const buf = Buffer.alloc(HEAD_BYTES);
    const n = fs.readSync(fd, buf, 0, HEAD_BYTES, 0);
    const nl = buf.subarray(0, n).indexOf(10);
    if (nl === -1) return null;
    const first = asRecord(JSON.parse(buf.toString('utf8', 0, nl)));
    if (!first || typeof first.sessionKey !== 'string' || typeof first.sessionId !== 'string') return null;
    return sessionInfoFromEntry(first.sessionKey, { sessionId: first.sessionId }, false);
  } catch {
    return null;
  } finally {
    fs.closeSync(fd);
  }
}
