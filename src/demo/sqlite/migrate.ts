/**
 * The doctor migration of the demo (JSONL era -> SQLite era), as `openclaw doctor --fix`
 * does in 2026.9: converts a generated JSONL-era state directory into per-agent stores.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { StoreLayout } from './ddl.js';
import { OpenClawStore, hex32 } from './store.js';
import type { ZstdMode } from './zstd-frames.js';

export interface MigrationOptions {
  nowMs?: number;
  /**
   * Insert the imported rows of all sessions of an agent in timestamp order (the layout of
   * a store OpenClaw wrote live) instead of session by session (what the doctor import
   * writes). Default false.
   */
  interleave?: boolean;
  layout?: StoreLayout;
  zstd?: ZstdMode;
  journal?: 'wal' | 'delete';
}

export interface MigrationReport {
  agents: Record<
    string,
    { sessions: number; importedFiles: number; events: number; movedFiles: string[]; leftInPlace: string[]; store: string }
  >;
  manifest: string;
}

export const IMPORT_ARCHIVE = 'session-sqlite-import-archive';

/** Live transcript names in a JSONL-era sessions folder (not archives, copies or sidecars). */
function isLiveTranscript(name: string): boolean {
  if (!name.endsWith('.jsonl')) return false;
  if (name.includes('.checkpoint.') || name.includes('.trajectory')) return false;
  return true;
}

function sanitizeKey(key: string): string {
  return key.replace(/:/g, '_');
}

/**
 * Converts every agent of a JSONL-era state directory into the SQLite era:
 * - each transcript referenced by `sessions.json` is imported line by line
 *   (byte-for-byte, valid JSON lines only) into `transcript_events` and moved to
 *   `agents/<agent>/session-sqlite-import-archive/<key with ':' -> '_'>.<sid>.jsonl.imported-<ms>`;
 * - its trajectory sidecars move there too;
 * - `sessions.json` entries become `session_nodes`/`session_windows` rows and the file moves to
 *   `.../legacy-store.sessions.json.imported-<ms>`;
 * - live transcripts no entry references are archived unimported
 *   (`unreferenced.<name>.imported-<ms>`);
 * - `.reset.`/`.deleted.` archives, `.bak.` copies and checkpoints stay where they are;
 * - `auth-profiles.json`/`auth-state.json` are imported into the auth tables and renamed
 *   `<name>.imported-<ms>`;
 * - a manifest goes to `<state>/session-sqlite-migration-runs/`.
 */
export function migrateStateDir(stateDir: string, opts: MigrationOptions = {}): MigrationReport {
  const nowMs = opts.nowMs ?? Date.now();
  const report: MigrationReport = { agents: {}, manifest: '' };
  const moves: Array<{ kind: string; source: string; destination: string }> = [];
  const agentsDir = path.join(stateDir, 'agents');
  for (const agent of fs.readdirSync(agentsDir).sort()) {
    const root = path.join(agentsDir, agent);
    if (!fs.statSync(root).isDirectory()) continue;
    const sessionsDir = path.join(root, 'sessions');
    const archiveDir = path.join(root, IMPORT_ARCHIVE);
    const storeFile = path.join(root, 'agent', 'openclaw-agent.sqlite');
    const r = { sessions: 0, importedFiles: 0, events: 0, movedFiles: [] as string[], leftInPlace: [] as string[], store: storeFile };
    report.agents[agent] = r;
    const store = OpenClawStore.create(storeFile, { layout: opts.layout, agentId: agent, zstd: opts.zstd, journal: opts.journal });
    try {
      const move = (from: string, toName: string, kind: string) => {
        fs.mkdirSync(archiveDir, { recursive: true, mode: 0o700 });
        const to = path.join(archiveDir, toName);
        fs.renameSync(from, to);
        moves.push({ kind, source: path.relative(stateDir, from), destination: path.relative(stateDir, to) });
        r.movedFiles.push(toName);
      };
      let index: Record<string, Record<string, unknown>> = {};
      const indexFile = path.join(sessionsDir, 'sessions.json');
      if (fs.existsSync(indexFile)) index = JSON.parse(fs.readFileSync(indexFile, 'utf8')) as typeof index;
      const names = fs.existsSync(sessionsDir) ? fs.readdirSync(sessionsDir).sort() : [];
      const imported = new Map<string, string>(); // file name -> session id
      const windows = new Set<string>();
      const pending: Array<Array<{ sessionId: string; line: string; createdAt: number }>> = [];
      for (const key of Object.keys(index).sort()) {
        const entry = index[key];
        const sid = typeof entry?.sessionId === 'string' ? entry.sessionId : null;
        if (!sid) continue;
        r.sessions++;
        const file = path.basename(typeof entry.sessionFile === 'string' && entry.sessionFile ? entry.sessionFile : `${sid}.jsonl`);
        const { sessionFile: _drop, ...rest } = entry;
        void _drop;
        const ts = typeof entry.sessionStartedAt === 'number' ? entry.sessionStartedAt : typeof entry.updatedAt === 'number' ? entry.updatedAt : nowMs;
        const chatType = entry.chatType === 'direct' || entry.chatType === 'group' || entry.chatType === 'channel' ? entry.chatType : null;
        store.upsertSession({
          sessionKey: key,
          sessionId: sid,
          entry: rest,
          chatType,
          channel: typeof entry.channel === 'string' ? entry.channel : null,
          createdAt: ts,
          reason: 'initial',
        });
        windows.add(sid);
        const full = path.join(sessionsDir, file);
        if (imported.has(file) || !isLiveTranscript(file) || !fs.existsSync(full)) continue;
        const lines = fs
          .readFileSync(full, 'utf8')
          .split('\n')
          .filter((l) => {
            if (!l.trim()) return false;
            try {
              const v = JSON.parse(l);
              return v !== null && typeof v === 'object' && !Array.isArray(v);
            } catch {
              return false;
            }
          });
        const rows = lines.map((line) => {
          let at = ts;
          try {
            const t = Date.parse((JSON.parse(line) as { timestamp?: string }).timestamp ?? '');
            if (Number.isFinite(t)) at = t;
          } catch {
            // keep the session's time
          }
          return { sessionId: sid, line, createdAt: at };
        });
        if (opts.interleave) pending.push(rows);
        else store.appendRows(rows);
        r.events += lines.length;
        r.importedFiles++;
        imported.set(file, sid);
        move(full, `${sanitizeKey(key)}.${sid}.jsonl.imported-${nowMs}`, 'transcript');
        for (const side of [`${sid}.trajectory.jsonl`, `${sid}.trajectory-path.json`]) {
          const p = path.join(sessionsDir, side);
          if (fs.existsSync(p)) move(p, `${sanitizeKey(key)}.${side}.imported-${nowMs}`, 'trajectory');
        }
      }
      if (pending.length > 0) {
        let chunk: Array<{ sessionId: string; line: string; createdAt: number }> = [];
        for (const row of mergeByTime(pending)) {
          chunk.push(row);
          if (chunk.length >= 20_000) {
            store.appendRows(chunk);
            chunk = [];
          }
        }
        store.appendRows(chunk);
      }
      for (const name of names) {
        const full = path.join(sessionsDir, name);
        if (!fs.existsSync(full) || name === 'sessions.json') continue;
        if (isLiveTranscript(name) && !imported.has(name)) move(full, `unreferenced.${name}.imported-${nowMs}`, 'unreferenced-transcript');
        else if (!imported.has(name)) r.leftInPlace.push(name);
      }
      if (fs.existsSync(indexFile)) move(indexFile, `legacy-store.sessions.json.imported-${nowMs}`, 'session-index');
      // Credentials
      const authDir = path.join(root, 'agent');
      const readJson = (f: string): unknown | null => (fs.existsSync(f) ? JSON.parse(fs.readFileSync(f, 'utf8')) : null);
      const authStore = readJson(path.join(authDir, 'auth-profiles.json'));
      const authState = readJson(path.join(authDir, 'auth-state.json'));
      if (authStore !== null || authState !== null) {
        store.setAuth(authStore, authState, nowMs);
        for (const n of ['auth-profiles.json', 'auth-state.json']) {
          const p = path.join(authDir, n);
          if (fs.existsSync(p)) {
            fs.renameSync(p, `${p}.imported-${nowMs}`);
            moves.push({ kind: 'auth', source: path.relative(stateDir, p), destination: path.relative(stateDir, `${p}.imported-${nowMs}`) });
          }
        }
      }
    } finally {
      store.close();
    }
  }
  const runs = path.join(stateDir, 'session-sqlite-migration-runs');
  fs.mkdirSync(runs, { recursive: true });
  report.manifest = path.join(runs, `session-sqlite-${nowMs}-${hex32(`run:${nowMs}`).slice(0, 8)}.json`);
  fs.writeFileSync(report.manifest, JSON.stringify({ createdAt: nowMs, moves }, null, 2));
  return report;
}

/**
 * Merges per-session row lists by the time of each list's next row, keeping every
 * session's own order (a binary heap over the sessions' heads).
 */
function* mergeByTime<T extends { createdAt: number }>(lists: T[][]): Iterable<T> {
  const pos = lists.map(() => 0);
  const heap: number[] = [];
  const key = (l: number) => lists[l][pos[l]].createdAt;
  const less = (a: number, b: number) => key(a) < key(b) || (key(a) === key(b) && a < b);
  const up = (i: number) => {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(heap[i], heap[p])) break;
      [heap[i], heap[p]] = [heap[p], heap[i]];
      i = p;
    }
  };
  const down = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && less(heap[l], heap[m])) m = l;
      if (r < heap.length && less(heap[r], heap[m])) m = r;
      if (m === i) return;
      [heap[i], heap[m]] = [heap[m], heap[i]];
      i = m;
    }
  };
  lists.forEach((l, i) => {
    if (l.length > 0) {
      heap.push(i);
      up(heap.length - 1);
    }
  });
  while (heap.length > 0) {
    const l = heap[0];
    yield lists[l][pos[l]++];
    if (pos[l] >= lists[l].length) {
      const last = heap.pop()!;
      if (heap.length > 0) {
        heap[0] = last;
        down(0);
      }
    } else {
      down(0);
    }
  }
}
