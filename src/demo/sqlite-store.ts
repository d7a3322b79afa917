/**
 * Builds OpenClaw-shaped per-agent SQLite stores for tests and the benchmark:
 *
 * - the newer layout (agent schema 23, as written by OpenClaw 2026.9.6): the DDL of the
 *   tables clawmeter reads is taken from the real schema dump in
 *   `test/fixtures/openclaw-real/v2026.9.6-sqlite/openclaw-agent.schema.sql`;
 * - the older 2026.7.2-beta layout: a `sessions` root table, `session_entries(entry_json)`
 *   and `transcript_events` (shape inferred from OpenClaw's database-first design notes,
 *   not from a real file);
 * - `migrateStateDir`, which converts a JSONL-era state directory the way
 *   `openclaw doctor --fix` in 2026.9 does (see docs/sources.md).
 *
 * Writing needs better-sqlite3's bundled SQLite (the schema's CHECK constraints use JSON
 * functions newer than many system sqlite3 builds). Large events are stored in
 * `event_zstd` like OpenClaw does; the zstd frames come from node:zlib when the running
 * Node has a compressor, otherwise they are valid zstd frames made of raw (stored) blocks,
 * or real compressed frames from the `zstd` CLI when asked for (`zstd: 'cli'`).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { zstdDecompress } from '../sources/zstd.js';

export type StoreLayout = 'v23' | 'beta';
export type ZstdMode = 'auto' | 'raw' | 'cli';

/** The real schema dump this module takes the newer layout's DDL from. */
export const REAL_SCHEMA_SQL = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../test/fixtures/openclaw-real/v2026.9.6-sqlite/openclaw-agent.schema.sql',
);

/** Tables of the newer layout that the generator creates (the ones clawmeter reads, plus FK targets). */
const V23_TABLES = [
  'schema_meta',
  'conversations',
  'session_nodes',
  'session_windows',
  'transcript_events',
  'transcript_rewrite_watermarks',
  'session_transcript_archives',
  'session_transcript_cold_archives',
  'auth_profile_store',
  'auth_profile_state',
];

const BETA_DDL = `
CREATE TABLE IF NOT EXISTS schema_meta (
  meta_key TEXT NOT NULL PRIMARY KEY, role TEXT NOT NULL, schema_version INTEGER NOT NULL, agent_id TEXT,
  app_version TEXT, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL) STRICT;
CREATE TABLE IF NOT EXISTS sessions (
  session_id TEXT NOT NULL PRIMARY KEY, session_key TEXT NOT NULL, session_scope TEXT NOT NULL DEFAULT 'conversation',
  account_id TEXT, primary_conversation_id TEXT, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL) STRICT;
CREATE INDEX IF NOT EXISTS idx_sessions_key ON sessions(session_key, updated_at DESC);
CREATE TABLE IF NOT EXISTS session_routes (
  session_key TEXT NOT NULL PRIMARY KEY, session_id TEXT NOT NULL, updated_at INTEGER NOT NULL) STRICT;
CREATE TABLE IF NOT EXISTS session_entries (
  session_key TEXT NOT NULL PRIMARY KEY, entry_json TEXT NOT NULL, updated_at INTEGER NOT NULL) STRICT;
CREATE TABLE IF NOT EXISTS transcript_events (
  session_id TEXT NOT NULL, seq INTEGER NOT NULL, event_json TEXT NOT NULL, created_at INTEGER NOT NULL,
  PRIMARY KEY (session_id, seq)) STRICT;
CREATE TABLE IF NOT EXISTS auth_profile_store (store_key TEXT NOT NULL PRIMARY KEY, store_json TEXT NOT NULL, updated_at INTEGER NOT NULL) STRICT;
CREATE TABLE IF NOT EXISTS auth_profile_state (state_key TEXT NOT NULL PRIMARY KEY, state_json TEXT NOT NULL, updated_at INTEGER NOT NULL) STRICT;
`;

/** CREATE TABLE / CREATE INDEX statements of the wanted tables, from the real schema dump. */
export function v23Ddl(schemaFile = REAL_SCHEMA_SQL): string {
  const text = fs.readFileSync(schemaFile, 'utf8');
  const out: string[] = [];
  for (const raw of text.split(/;\s*\n/)) {
    const stmt = raw.trim();
    const t = /^CREATE TABLE\s+"?([A-Za-z0-9_]+)"?\s*\(/.exec(stmt);
    if (t && V23_TABLES.includes(t[1])) out.push(stmt.replace(/^CREATE TABLE/, 'CREATE TABLE IF NOT EXISTS'));
    const i = /^CREATE (UNIQUE )?INDEX\s+([A-Za-z0-9_]+)\s+ON\s+([A-Za-z0-9_]+)\s*\(/.exec(stmt);
    if (i && V23_TABLES.includes(i[3])) out.push(stmt.replace(/^CREATE (UNIQUE )?INDEX/, (m) => `${m} IF NOT EXISTS`));
  }
  return out.join(';\n') + ';\n';
}

// ---------------------------------------------------------------------------
// zstd frames

type ZstdCompress = (b: Uint8Array, o?: unknown) => Buffer;
const nativeCompress: ZstdCompress | undefined = (zlib as unknown as { zstdCompressSync?: ZstdCompress }).zstdCompressSync;

/** A valid zstd frame holding `data` in raw (uncompressed) blocks. */
export function zstdRawFrame(data: Uint8Array): Buffer {
  const n = data.length;
  const parts: Buffer[] = [Buffer.from([0x28, 0xb5, 0x2f, 0xfd])];
  // Frame header: single segment, content size of 1, 2, 4 or 8 bytes.
  let fcs: Buffer;
  let flag: number;
  if (n < 256) {
    flag = 0;
    fcs = Buffer.from([n]);
  } else if (n < 65536 + 256) {
    flag = 1;
    fcs = Buffer.alloc(2);
    fcs.writeUInt16LE(n - 256);
  } else if (n < 2 ** 32) {
    flag = 2;
    fcs = Buffer.alloc(4);
    fcs.writeUInt32LE(n);
  } else {
    flag = 3;
    fcs = Buffer.alloc(8);
    fcs.writeBigUInt64LE(BigInt(n));
  }
  parts.push(Buffer.from([(flag << 6) | 0x20]), fcs);
  const BLOCK = 128 * 1024;
  let off = 0;
  do {
    const size = Math.min(BLOCK, n - off);
    const last = off + size >= n ? 1 : 0;
    const h = (size << 3) | (0 << 1) | last; // Raw_Block
    parts.push(Buffer.from([h & 0xff, (h >> 8) & 0xff, (h >> 16) & 0xff]), Buffer.from(data.buffer, data.byteOffset + off, size));
    off += size;
  } while (off < n);
  return Buffer.concat(parts);
}

/** Compresses many buffers with the zstd CLI in one process (real frames on any Node). */
export function zstdCompressManyCli(bufs: Buffer[], level = 3): Buffer[] {
  if (bufs.length === 0) return [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clawmeter-zstd-'));
  try {
    const names = bufs.map((b, i) => {
      const f = path.join(dir, `${i}`);
      fs.writeFileSync(f, b);
      return f;
    });
    const r = spawnSync('zstd', ['-q', `-${level}`, '--rm', '-f', ...names], { stdio: ['ignore', 'ignore', 'pipe'] });
    if (r.status !== 0) throw new Error(`zstd CLI failed: ${r.error?.message ?? r.stderr?.toString()}`);
    return names.map((f) => fs.readFileSync(`${f}.zst`));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export function zstdFrame(data: Uint8Array, mode: ZstdMode = 'auto'): Buffer {
  if (mode === 'cli') return zstdCompressManyCli([Buffer.from(data)])[0];
  if (mode === 'auto' && nativeCompress) return nativeCompress(data);
  return zstdRawFrame(data);
}

// ---------------------------------------------------------------------------
// Store writer

export interface StoreOptions {
  layout?: StoreLayout;
  agentId?: string;
  appVersion?: string;
  /** WAL (default, as OpenClaw) or a rollback journal */
  journal?: 'wal' | 'delete';
  /** Events longer than this many bytes go to event_zstd (newer layout). Default 2048. */
  zstdThreshold?: number;
  zstd?: ZstdMode;
  /** Override the schema dump the newer layout's DDL comes from. */
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

function hex32(seed: string): string {
  return createHash('sha256').update(seed).digest('hex').slice(0, 32);
}

/**
 * A navigation_json for event_zstd rows shaped like OpenClaw 2026.9.6's (entry type, ids,
 * and for messages the role), satisfying the schema-23 CHECK.
 */
export function navigationJson(line: string, bytes: number): string {
  let head: Record<string, unknown> = { type: 'unknown' };
  try {
    const e = JSON.parse(line) as { type?: unknown; id?: unknown; parentId?: unknown; timestamp?: unknown; message?: { role?: unknown } };
    head = { type: typeof e.type === 'string' ? e.type : 'unknown', id: e.id ?? null, parentId: e.parentId ?? null, timestamp: e.timestamp ?? null };
    if (e.type === 'message' && e.message && typeof e.message.role === 'string') head.message = { role: e.message.role };
  } catch {
    // keep "unknown"
  }
  const n = Math.min(bytes, 4194304);
  return JSON.stringify({
    version: 1,
    report: { kind: 'canonical', hasParentId: head.parentId !== null, entry: head },
    navigation: head,
    reset: head,
    model: head,
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

// ---------------------------------------------------------------------------
// Doctor migration (JSONL era -> SQLite era), as openclaw doctor --fix does in 2026.9

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
