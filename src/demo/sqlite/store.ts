/**
 * Writer of OpenClaw-shaped per-agent SQLite stores for tests, the demo and the benchmark:
 * sessions (nodes/windows or the beta entries/routes), transcript events (large ones in
 * event_zstd, as OpenClaw does), resets, rollovers, deletes with zstd archives, and auth.
 * Writing needs better-sqlite3's bundled SQLite (the schema's CHECK constraints use JSON
 * functions newer than many system sqlite3 builds).
 */
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import { zstdDecompress } from '../../sources/zstd.js';
import { BETA_DDL, v23Ddl, type StoreLayout } from './ddl.js';
import { zstdCompressManyCli, zstdFrame, type ZstdMode } from './zstd-frames.js';

export interface StoreOptions {
  layout?: StoreLayout;
  agentId?: string;
  appVersion?: string;
  /** WAL (default, as OpenClaw) or a rollback journal */
  journal?: 'wal' | 'delete';
  /** Events longer than this many bytes go to event_zstd (newer layout). Default 2048. */
  zstdThreshold?: number;
  zstd?: ZstdMode;
  /** Take the newer layout's DDL from this schema dump instead of the shipped one. */
  schemaFile?: string;
}

export interface SessionSpec {
  sessionKey: string;
  sessionId: string;
  /** SessionEntry JSON (sessions.json-shaped); sessionId is set from `sessionId`. */
  entry?: Record<string, unknown>;
  chatType?: 'direct' | 'group' | 'channel' | null;
  channel?: string | null;
  createdAt?: number;
  reason?: string | null;
  previousSessionId?: string | null;
  /** make this session id the key's current one (default true) */
  current?: boolean;
}

function isoArchiveTs(ms: number): string {
  return new Date(ms).toISOString().replace(/:/g, '-');
}

/** A stable 32-hex-digit id derived from a seed string. */
export function hex32(seed: string): string {
  return createHash('sha256').update(seed).digest('hex').slice(0, 32);
}

/**
 * A navigation_json for event_zstd rows shaped like OpenClaw 2026.9.6's (entry type, ids,
 * and for messages the role), satisfying the schema-23 CHECK.
 */
export function navigationJson(line: string, bytes: number): string {
  let head: Record<string, unknown> = { type: 'unknown' };
  let model: Record<string, unknown> = head;
  try {
    const e = JSON.parse(line) as { type?: unknown; id?: unknown; parentId?: unknown; timestamp?: unknown; message?: Record<string, unknown> };
    head = { type: typeof e.type === 'string' ? e.type : 'unknown', id: e.id ?? null, parentId: e.parentId ?? null, timestamp: e.timestamp ?? null };
    model = head;
    if (e.type === 'message' && e.message && typeof e.message.role === 'string') {
      head.message = { role: e.message.role };
      // as 2026.9.6 writes it: the model entry keeps a tool result's fields, its output emptied
      const m = e.message;
      if (m.role === 'toolResult') model = { ...head, message: { role: m.role, toolCallId: m.toolCallId, toolName: m.toolName, isError: m.isError, timestamp: m.timestamp, content: [] } };
    }
  } catch {
    // keep "unknown"
  }
  const n = Math.min(bytes, 4194304);
  return JSON.stringify({
    version: 1,
    report: { kind: 'canonical', hasParentId: head.parentId !== null, entry: head },
    navigation: head,
    reset: head,
    model,
    modelBytes: n,
    modelWithoutCheckpointBytes: n,
    withoutCustomDataBytes: n,
  });
}

export class OpenClawStore {
  readonly layout: StoreLayout;
  readonly db: Database.Database;
  private readonly zstdThreshold: number;
  private readonly zstdMode: ZstdMode;
  private readonly nextSeq = new Map<string, number>();
  private readonly stmts: Record<string, Database.Statement>;

  private constructor(
    readonly file: string,
    db: Database.Database,
    layout: StoreLayout,
    opts: StoreOptions,
  ) {
    this.db = db;
    this.layout = layout;
    this.zstdThreshold = opts.zstdThreshold ?? 2048;
    this.zstdMode = opts.zstd ?? 'auto';
    this.stmts = this.prepare();
  }

  /** Creates (or opens and completes) a store at `file` in the given layout. */
  static create(file: string, opts: StoreOptions = {}): OpenClawStore {
    const layout = opts.layout ?? 'v23';
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const db = new Database(file);
    db.pragma(`journal_mode = ${opts.journal === 'delete' ? 'DELETE' : 'WAL'}`);
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.exec(layout === 'v23' ? v23Ddl(opts.schemaFile) : BETA_DDL);
    const now = Date.now();
    db.prepare(
      `INSERT INTO schema_meta (meta_key, role, schema_version, agent_id, app_version, created_at, updated_at)
       VALUES ('primary', 'agent', ?, ?, ?, ?, ?) ON CONFLICT (meta_key) DO NOTHING`,
    ).run(layout === 'v23' ? 23 : 4, opts.agentId ?? 'main', opts.appVersion ?? (layout === 'v23' ? '2026.9.6' : '2026.7.2-beta.1'), now, now);
    return new OpenClawStore(file, db, layout, opts);
  }

  /** Opens an existing generated store for writing (layout detected). */
  static open(file: string, opts: StoreOptions = {}): OpenClawStore {
    const db = new Database(file, { fileMustExist: true });
    db.pragma('foreign_keys = ON');
    const has = (t: string) => Boolean(db.prepare(`SELECT 1 FROM sqlite_master WHERE name = ?`).get(t));
    const layout: StoreLayout = has('session_windows') ? 'v23' : 'beta';
    return new OpenClawStore(file, db, layout, opts);
  }

  private prepare(): Record<string, Database.Statement> {
    const d = this.db;
    if (this.layout === 'v23') {
      return {
        node: d.prepare(`INSERT INTO session_nodes (session_key, current_session_id, entry_json, entry_valid, updated_at, created_at)
          VALUES (@key, @sid, @entry, 1, @now, @now)
          ON CONFLICT (session_key) DO UPDATE SET current_session_id = excluded.current_session_id, entry_json = excluded.entry_json, updated_at = excluded.updated_at`),
        nodeKeep: d.prepare(`INSERT INTO session_nodes (session_key, current_session_id, entry_json, entry_valid, updated_at, created_at)
          VALUES (@key, @sid, @entry, 1, @now, @now) ON CONFLICT (session_key) DO NOTHING`),
        window: d.prepare(`INSERT INTO session_windows (session_id, session_key, previous_session_id, reason, created_at, updated_at, chat_type, channel)
          VALUES (@sid, @key, @prev, @reason, @now, @now, @chatType, @channel)
          ON CONFLICT (session_id) DO UPDATE SET updated_at = excluded.updated_at`),
        watermark: d.prepare(`INSERT INTO transcript_rewrite_watermarks (session_id, generation, updated_at) VALUES (?, ?, ?)
          ON CONFLICT (session_id) DO UPDATE SET generation = excluded.generation, updated_at = excluded.updated_at`),
        event: d.prepare(`INSERT INTO transcript_events (session_id, seq, event_json, created_at, event_zstd, event_utf8_bytes, navigation_json)
          VALUES (?, ?, ?, ?, ?, ?, ?)`),
        touch: d.prepare(`UPDATE session_windows SET updated_at = ?, transcript_updated_at = ? WHERE session_id = ?`),
        maxSeq: d.prepare(`SELECT max(seq) FROM transcript_events WHERE session_id = ?`).pluck(),
        keyOf: d.prepare(`SELECT session_key FROM session_windows WHERE session_id = ?`).pluck(),
      };
    }
    return {
      node: d.prepare(`INSERT INTO session_entries (session_key, entry_json, updated_at) VALUES (@key, @entry, @now)
        ON CONFLICT (session_key) DO UPDATE SET entry_json = excluded.entry_json, updated_at = excluded.updated_at`),
      nodeKeep: d.prepare(`INSERT INTO session_entries (session_key, entry_json, updated_at) VALUES (@key, @entry, @now)
        ON CONFLICT (session_key) DO NOTHING`),
      route: d.prepare(`INSERT INTO session_routes (session_key, session_id, updated_at) VALUES (@key, @sid, @now)
        ON CONFLICT (session_key) DO UPDATE SET session_id = excluded.session_id, updated_at = excluded.updated_at`),
      window: d.prepare(`INSERT INTO sessions (session_id, session_key, created_at, updated_at) VALUES (@sid, @key, @now, @now)
        ON CONFLICT (session_id) DO UPDATE SET updated_at = excluded.updated_at`),
      event: d.prepare(`INSERT INTO transcript_events (session_id, seq, event_json, created_at) VALUES (?, ?, ?, ?)`),
      touch: d.prepare(`UPDATE sessions SET updated_at = ? WHERE session_id = ?`),
      maxSeq: d.prepare(`SELECT max(seq) FROM transcript_events WHERE session_id = ?`).pluck(),
      keyOf: d.prepare(`SELECT session_key FROM sessions WHERE session_id = ?`).pluck(),
    };
  }

  /** Adds or updates a session: its node/entry row and its window (generation) row. */
  upsertSession(s: SessionSpec): void {
    const now = s.createdAt ?? Date.now();
    const entry = JSON.stringify({ ...(s.entry ?? {}), sessionId: s.sessionId, updatedAt: (s.entry?.updatedAt as number) ?? now });
    const p = { key: s.sessionKey, sid: s.sessionId, entry, now };
    this.db.transaction(() => {
      (s.current === false ? this.stmts.nodeKeep : this.stmts.node).run(p);
      if (this.layout === 'v23') {
        this.stmts.window.run({
          ...p,
          prev: s.previousSessionId ?? null,
          reason: s.reason ?? null,
          chatType: s.chatType ?? null,
          channel: s.channel ?? null,
        });
        this.stmts.watermark.run(s.sessionId, hex32(`gen:${s.sessionId}`), now);
      } else {
        this.stmts.window.run(p);
        if (s.current !== false) this.stmts.route.run(p);
      }
    })();
  }

  /** Appends transcript lines to a session (seq continues); large events go to event_zstd. */
  appendEvents(sessionId: string, lines: string[], createdAt: number | ((line: string, i: number) => number) = Date.now()): void {
    this.appendRows(lines.map((line, i) => ({ sessionId, line, createdAt: typeof createdAt === 'function' ? createdAt(line, i) : createdAt })));
  }

  /**
   * Appends rows of possibly many sessions in the given order (each session's seq
   * continues), in one transaction: interleaved rows give the physical layout of a store
   * OpenClaw wrote live, where concurrent sessions' events alternate.
   */
  appendRows(rows: Array<{ sessionId: string; line: string; createdAt: number }>): void {
    if (rows.length === 0) return;
    const texts = rows.map((r) => {
      const bytes = Buffer.from(r.line, 'utf8');
      return { ...r, bytes, z: this.layout === 'v23' && bytes.length > this.zstdThreshold };
    });
    const frames = new Map<number, Buffer>();
    const big = texts.map((t, i) => [t, i] as const).filter(([t]) => t.z);
    if (big.length > 0) {
      if (this.zstdMode === 'cli') {
        const out = zstdCompressManyCli(big.map(([t]) => t.bytes));
        big.forEach(([, i], j) => frames.set(i, out[j]));
      } else {
        for (const [t, i] of big) frames.set(i, zstdFrame(t.bytes, this.zstdMode));
      }
    }
    this.db.transaction(() => {
      const last = new Map<string, number>();
      texts.forEach((t, i) => {
        const seq = this.seqAfter(t.sessionId);
        if (this.layout === 'v23') {
          const z = frames.get(i);
          if (z) this.stmts.event.run(t.sessionId, seq, null, t.createdAt, z, t.bytes.length, navigationJson(t.line, t.bytes.length));
          else this.stmts.event.run(t.sessionId, seq, t.line, t.createdAt, null, t.bytes.length, null);
        } else {
          this.stmts.event.run(t.sessionId, seq, t.line, t.createdAt);
        }
        this.nextSeq.set(t.sessionId, seq + 1);
        last.set(t.sessionId, Math.max(last.get(t.sessionId) ?? 0, t.createdAt));
      });
      for (const [sid, ts] of last) {
        if (this.layout === 'v23') this.stmts.touch.run(ts, ts, sid);
        else this.stmts.touch.run(ts, sid);
      }
    })();
  }

  private seqAfter(sessionId: string): number {
    let n = this.nextSeq.get(sessionId);
    if (n === undefined) {
      const m = this.stmts.maxSeq.get(sessionId) as number | null;
      n = m === null ? 0 : m + 1;
    }
    return n;
  }

  /** A reset in place (2026.9): a reset event appended to the same session. */
  resetInPlace(sessionId: string, reason: 'reset' | 'idle' = 'reset', nowMs = Date.now()): void {
    const id = createHash('sha1').update(`${sessionId}:${nowMs}`).digest('hex').slice(0, 8);
    this.appendEvents(sessionId, [JSON.stringify({ type: 'reset', reason, id, parentId: null, timestamp: new Date(nowMs).toISOString() })], nowMs);
  }

  /** An idle rollover: a new session id (generation) for the key; the old one stays, inactive. */
  rollover(sessionKey: string, newSessionId: string, entry: Record<string, unknown> = {}, nowMs = Date.now()): void {
    this.upsertSession({ sessionKey, sessionId: newSessionId, entry, createdAt: nowMs });
  }

  /**
   * Deletes a session key the way 2026.9 does: every generation of the key is written
   * as a zstd archive row and as `sessions/<sid>.jsonl.deleted.<ts>.<generation>.zst`,
   * then its rows are removed. Returns the archive file names.
   */
  deleteSession(sessionKey: string, agentRoot: string, nowMs = Date.now()): string[] {
    const sids =
      this.layout === 'v23'
        ? (this.db.prepare(`SELECT session_id FROM session_windows WHERE session_key = ? ORDER BY created_at, session_id`).pluck().all(sessionKey) as string[])
        : (this.db.prepare(`SELECT session_id FROM sessions WHERE session_key = ? ORDER BY created_at, session_id`).pluck().all(sessionKey) as string[]);
    const names: string[] = [];
    const sessionsDir = path.join(agentRoot, 'sessions');
    fs.mkdirSync(sessionsDir, { recursive: true });
    this.db.transaction(() => {
      for (const sid of sids) {
        const text = this.transcriptText(sid);
        const gen = hex32(`archive:${sid}:${nowMs}`);
        const blob = zstdFrame(Buffer.from(text, 'utf8'), this.zstdMode === 'cli' ? 'cli' : this.zstdMode);
        const name = `${sid}.jsonl.deleted.${isoArchiveTs(nowMs)}${this.layout === 'v23' ? `.${gen}` : ''}.zst`;
        if (this.layout === 'v23') {
          this.db
            .prepare(
              `INSERT INTO session_transcript_archives (session_id, generation, session_key, reason, encoding, archive_blob, archive_sha256,
                 archive_name, created_at, published_at) VALUES (?, ?, ?, 'deleted', 'zstd', ?, ?, ?, ?, ?)`,
            )
            .run(sid, gen, sessionKey, blob, createHash('sha256').update(blob).digest('hex'), name, nowMs, nowMs + 50);
        }
        fs.writeFileSync(path.join(sessionsDir, name), blob, { mode: 0o600 });
        names.push(name);
        this.db.prepare(`DELETE FROM transcript_events WHERE session_id = ?`).run(sid);
        this.nextSeq.delete(sid);
      }
      if (this.layout === 'v23') {
        // Cascades to the windows (and their watermarks) of the key.
        this.db.prepare(`DELETE FROM session_nodes WHERE session_key = ?`).run(sessionKey);
        this.db.prepare(`DELETE FROM session_windows WHERE session_key = ?`).run(sessionKey);
      } else {
        this.db.prepare(`DELETE FROM session_entries WHERE session_key = ?`).run(sessionKey);
        this.db.prepare(`DELETE FROM session_routes WHERE session_key = ?`).run(sessionKey);
        this.db.prepare(`DELETE FROM sessions WHERE session_key = ?`).run(sessionKey);
      }
    })();
    return names;
  }

  /** The whole transcript of a session as JSONL text (zstd rows decoded). */
  transcriptText(sessionId: string): string {
    const cols = this.layout === 'v23' ? 'event_json, event_zstd' : 'event_json, NULL';
    const rows = this.db.prepare(`SELECT ${cols} FROM transcript_events WHERE session_id = ? ORDER BY seq`).raw().all(sessionId) as Array<
      [string | null, Buffer | null]
    >;
    return rows.map(([j, z]) => (j !== null ? j : z ? decodeFrame(z) : '')).join('\n') + (rows.length ? '\n' : '');
  }

  /** Writes credentials rows (store_key/state_key 'primary'). */
  setAuth(store: unknown | null, state: unknown | null, nowMs = Date.now()): void {
    if (store !== null) {
      this.db
        .prepare(`INSERT INTO auth_profile_store (store_key, store_json, updated_at) VALUES ('primary', ?, ?)
          ON CONFLICT (store_key) DO UPDATE SET store_json = excluded.store_json, updated_at = excluded.updated_at`)
        .run(JSON.stringify(store), nowMs);
    }
    if (state !== null) {
      this.db
        .prepare(`INSERT INTO auth_profile_state (state_key, state_json, updated_at) VALUES ('primary', ?, ?)
          ON CONFLICT (state_key) DO UPDATE SET state_json = excluded.state_json, updated_at = excluded.updated_at`)
        .run(JSON.stringify(state), nowMs);
    }
  }

  /** Session key of a session id (from the windows / sessions table). */
  keyOf(sessionId: string): string | null {
    return (this.stmts.keyOf.get(sessionId) as string | undefined) ?? null;
  }

  /** Checkpoints the WAL into the main file (as OpenClaw's writer does from time to time). */
  checkpoint(mode: 'PASSIVE' | 'FULL' | 'RESTART' | 'TRUNCATE' = 'TRUNCATE'): unknown {
    return this.db.pragma(`wal_checkpoint(${mode})`);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

function decodeFrame(z: Buffer): string {
  return zstdDecompress(z).toString('utf8');
}
