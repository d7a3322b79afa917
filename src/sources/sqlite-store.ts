/**
 * Source adapter for OpenClaw's per-agent SQLite store (2026.7.2 and later),
 * `agents/<agent>/agent/openclaw-agent.sqlite`: transcripts (`transcript_events`,
 * plain `event_json` or zstd `event_zstd`), archives kept inside the store
 * (`session_transcript_archives`, sqlite-stored cold archives), session metadata
 * (`session_nodes`/`session_windows` or `sessions`/`session_entries`) and credentials
 * metadata (`auth_profile_store`/`auth_profile_state`).
 *
 * The store is live and OpenClaw is its only writer. clawmeter opens it read-only and
 * WAL-aware (never a copy of the main file, never a write lock), keeps every read
 * short (bounded `.all()` chunks, no statement open across a yield) so checkpoints are
 * never held back for long, and closes it at the end of each poll. A busy store is
 * reported and retried next cycle with the cursors untouched.
 *
 * Incremental reading (see docs/sources.md, "Cursor design"): the truth is one cursor
 * per session, the last `seq` consumed, read back through the (session_id, seq) primary
 * key. Which sessions to look at comes from a rowid hint (rows with rowid above the
 * last seen maximum, O(new rows)); because rowids can be reused after the rows with
 * the highest rowids are deleted, the hint is backed by gap detection (max(rowid)
 * went down, or the metadata/archive/rewrite tables show deletions) and by a periodic
 * full sweep that compares every session's max(seq) with its cursor.
 *
 * Rows only go through the one transcript-line parser (pre-filtered with the cheap
 * "assistant" substring test); identity and dedupe are the parser's and the ledger's,
 * so calls that also exist in the import archive or in delete archives count once.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { SOURCE } from '../model.js';
import type { AgentDir, Cursor, PollContext, Source, SourceBatch, TranscriptContext, TranscriptRecord } from '../model.js';
import { MODEL_CALL_MARKER, candidateText, isCustomMessage } from '../parse/transcript-line.js';
import { FAILED_RUN_MARKER } from '../parse/failed-run.js';
import { isRegularFile } from './safe-open.js';
import { zstdDecompress } from './zstd.js';
import { classifyStoreError, isStoreError } from './sqlite/errors.js';
import { probeSchema, type StoreSchema } from './sqlite/schema.js';
import { metadataSignature, readAuth, readSessions } from './sqlite/metadata.js';
import { readStoreArchives } from './sqlite/archives.js';
import { fileSignature, hashOf, sessionCursorPrefix, storeCursorKey, type SessionCursor, type StoreCursor } from './sqlite/cursors.js';
import { deletionSignals, readStatement, sessionKeyStatement, sweepSessions, toolResultOfRow, toolResultOfSmallRow, type EventRow } from './sqlite/queries.js';
export { sessionCursorPrefix, storeCursorKey } from './sqlite/cursors.js';

/** Where OpenClaw keeps an agent's store, relative to `agents/<agent>/`. */
export const STORE_RELATIVE = path.join('agent', 'openclaw-agent.sqlite');

export interface SqliteStoreOptions {
  /** SQLite busy timeout of the read-only connection (ms); kept small so a locked store is retried next cycle. */
  busyTimeoutMs?: number;
  /** A full consistency sweep of every session runs at least this often (ms). */
  sweepMs?: number;
  /** Event bytes per committed batch. */
  batchBytes?: number;
  /** Largest event kept (bytes); larger ones are skipped and reported. */
  maxLineBytes?: number;
}

const DEFAULTS = {
  busyTimeoutMs: 200,
  sweepMs: 5 * 60_000,
  // read without a pause: 8 MiB held the event loop 80-230 ms in a backfill, 2 MiB up to 65 ms;
  // 512 KiB instead of 1 MiB took the /metrics p99 during a 1 GB store backfill from 45-47 to 40-43 ms
  batchBytes: 512 * 1024,
  maxLineBytes: 32 * 1024 * 1024,
};

/** Above this many new rowids, a sweep (index seeks per session) is cheaper than the rowid hint (a pass over the new rows). */
const HINT_MAX_ROWS = 100_000;

/** Rows per query; adapted to the row size seen so that one query reads about a batch's bytes. */
const MAX_CHUNK_ROWS = 2048;
const MIN_CHUNK_ROWS = 16;
const FIRST_CHUNK_ROWS = 256;

export class SqliteStoreSource implements Source {
  readonly name = SOURCE.sqlite;
  get scope(): { stateDir: string; agent: string } {
    return this.agent;
  }
  private readonly o: Required<SqliteStoreOptions>;
  /** Rows the next query asks for (readSession), carried from session to session. */
  private chunkRows = FIRST_CHUNK_ROWS;

  constructor(
    private readonly agent: AgentDir,
    opts: SqliteStoreOptions = {},
  ) {
    const given = Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined));
    this.o = { ...DEFAULTS, ...given };
  }

  /** The store file this source reads. */
  file(): string {
    return this.agent.storeFile ?? path.join(this.agent.root, STORE_RELATIVE);
  }

  watchPaths(): string[] {
    const dir = path.dirname(this.file());
    return fs.existsSync(this.file()) ? [dir] : [];
  }

  *poll(ctx: PollContext): Iterable<SourceBatch> {
    const file = this.file();
    const storeKey = storeCursorKey(file);
    const prev = ctx.cursors.get(storeKey) as StoreCursor | undefined;
    let sig: { sig: string; ino: string };
    try {
      sig = fileSignature(file);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') {
        yield* this.forget(ctx);
        return;
      }
      ctx.report({ ...classifyStoreError(err, file), where: file });
      return;
    }
    if (!isRegularFile(file)) {
      // SQLite's open would block on a FIFO: only a regular file is a store.
      ctx.report({ reason: 'not_regular_file', where: file, detail: 'store is not a regular file; not opened' });
      return;
    }
    const now = ctx.nowMs();
    if (prev && prev.v === 1 && prev.sig === sig.sig && now - prev.swept < this.o.sweepMs) return; // nothing committed since

    let db: Database.Database;
    try {
      db = new Database(file, { readonly: true, fileMustExist: true, timeout: this.o.busyTimeoutMs });
    } catch (err) {
      ctx.report({ ...classifyStoreError(err, file), where: file });
      return;
    }
    try {
      // Larger page cache for this short-lived connection; a per-connection setting, not a write.
      db.pragma('cache_size = -8192');
      const schema = probeSchema(db);
      for (const t of schema.unusable) {
        ctx.report({ reason: 'schema_unknown', where: `${file}#${t}`, detail: `table ${t} lacks the columns clawmeter reads; skipped` });
      }
      if (!schema.events && schema.layout !== 'none' && !schema.unusable.includes('transcript_events')) {
        const v = `agent schema ${schema.schemaVersion ?? 'unknown'}${schema.appVersion ? `, OpenClaw ${schema.appVersion}` : ''}`;
        ctx.report({ reason: 'store_unsupported', where: file, detail: `store (${v}) has session tables but no transcript_events table; transcripts skipped` });
      }
      // The metadata signature misses an entry edited without an updated_at change: re-read it with every sweep.
      yield* this.sessions(db, schema, ctx, !prev || now - prev.swept >= this.o.sweepMs);
      yield* this.auth(db, schema, ctx);
      const final: Array<[string, Cursor | null]> = [];
      yield* readStoreArchives(db, schema, ctx, final, this.file(), this.agent, this.o.maxLineBytes);
      const tx = yield* this.transcripts(db, schema, ctx, prev, sig, now, final);
      const cursor: StoreCursor = { v: 1, sig: sig.sig, ino: sig.ino, w: tx.w, del: tx.del, swept: tx.swept };
      final.push([storeKey, cursor]);
      yield this.emptyBatch(final, file);
    } catch (err) {
      if (!isStoreError(err)) throw err;
      ctx.report({ ...classifyStoreError(err, file), where: file });
    } finally {
      db.close();
    }
  }

  // ---- sessions and credentials -------------------------------------------

  private *sessions(db: Database.Database, schema: StoreSchema, ctx: PollContext, force: boolean): Iterable<SourceBatch> {
    const key = `sqlite-sessions:${this.file()}`;
    const prev = ctx.cursors.get(key) as { sig: string; h: string } | undefined;
    const base = { kind: 'snapshot' as const, of: 'sessions' as const, stateDir: this.agent.stateDir, agent: this.agent.agent, source: SOURCE.sqlite };
    if (schema.layout === 'none') {
      if (prev) yield { ...base, rows: [], cursors: [[key, null]] };
      return;
    }
    const sig = metadataSignature(db, schema);
    if (prev && prev.sig === sig && !force) return;
    const sessions = readSessions(db, schema);
    const h = hashOf(sessions);
    if (prev && prev.h === h) {
      // Same list: only the signature moves on (no snapshot rewrite).
      if (prev.sig !== sig) yield this.emptyBatch([[key, { sig, h }]], this.file());
      return;
    }
    yield { ...base, rows: sessions, cursors: [[key, { sig, h }]] };
  }

  private *auth(db: Database.Database, schema: StoreSchema, ctx: PollContext): Iterable<SourceBatch> {
    const key = `sqlite-auth:${this.file()}`;
    const prev = ctx.cursors.get(key) as { h: string } | undefined;
    const profiles = readAuth(db, schema, ctx, this.file());
    const base = { kind: 'snapshot' as const, of: 'auth' as const, stateDir: this.agent.stateDir, agent: this.agent.agent, source: SOURCE.sqlite };
    if (profiles === null) {
      if (prev) yield { ...base, rows: [], cursors: [[key, null]] };
      return;
    }
    const h = hashOf(profiles);
    if (prev && prev.h === h) return;
    yield { ...base, rows: profiles, cursors: [[key, { h }]] };
  }

  // ---- transcript_events (archives inside the store: sqlite/archives.ts) ------

  /**
   * Reads what is new in transcript_events. Returns the values for the store cursor;
   * the per-session cursors travel with their batches, cursors of sessions that no
   * longer exist go to `final`.
   */
  private *transcripts(
    db: Database.Database,
    schema: StoreSchema,
    ctx: PollContext,
    prev: StoreCursor | undefined,
    sig: { sig: string; ino: string },
    now: number,
    final: Array<[string, Cursor | null]>,
  ): Generator<SourceBatch, { w: number | null; del: string; swept: number }> {
    const file = this.file();
    const prefix = sessionCursorPrefix(file);
    const ev = schema.events;
    if (!ev) {
      for (const k of ctx.cursors.keysWithPrefix(prefix)) final.push([k, null]);
      return { w: null, del: '', swept: now };
    }
    // Taken first: rows committed after this point are found by the next poll.
    const w = ev.hasRowid ? ((db.prepare(`SELECT max(rowid) FROM transcript_events`).pluck().get() as number | null) ?? 0) : null;
    const del = deletionSignals(db, schema);
    const full =
      !prev ||
      prev.v !== 1 ||
      w === null ||
      prev.w === null ||
      w < prev.w || // rows with the highest rowids were deleted: rowids may be reused below the watermark
      prev.del !== del || // sessions deleted, archived or rewritten
      prev.ino !== sig.ino || // store file replaced
      w - prev.w > HINT_MAX_ROWS || // many new rows: the sweep finds their sessions more cheaply than the hint
      now - prev.swept >= this.o.sweepMs;

    const wm = schema.tables.get('transcript_rewrite_watermarks');
    const hasGen = Boolean(wm && wm.columns.has('session_id') && wm.columns.has('generation'));
    const genOf = hasGen ? db.prepare(`SELECT generation FROM transcript_rewrite_watermarks WHERE session_id = ?`).pluck() : null;
    const maxSeqOf = db.prepare(`SELECT max(seq) FROM transcript_events WHERE session_id = ?`).pluck();
    const keyOf = sessionKeyStatement(db, schema);
    const read = readStatement(db, schema, ctx.toolOutputs === true);

    // Which sessions to look at, with their current max(seq) and rewrite generation.
    const candidates: Array<{ sid: string; maxSeq: number; gen: string | null | undefined }> = [];
    if (full) {
      const gens = new Map<string, string>();
      if (hasGen) {
        for (const r of db.prepare(`SELECT session_id, generation FROM transcript_rewrite_watermarks`).raw().all() as Array<[string, string]>) {
          gens.set(r[0], r[1]);
        }
      }
      const present = new Set<string>();
      for (const [sid, maxSeq] of sweepSessions(db)) {
        present.add(prefix + sid);
        candidates.push({ sid, maxSeq, gen: hasGen ? (gens.get(sid) ?? null) : undefined });
      }
      for (const k of ctx.cursors.keysWithPrefix(prefix)) if (!present.has(k)) final.push([k, null]);
    } else if (w! > prev!.w!) {
      const sids = db
        .prepare(`SELECT DISTINCT session_id FROM transcript_events WHERE rowid > ? AND rowid <= ?`)
        .pluck()
        .all(prev!.w, w) as string[];
      for (const sid of sids) {
        const maxSeq = maxSeqOf.get(sid) as number | null;
        if (maxSeq === null) continue;
        candidates.push({ sid, maxSeq, gen: genOf ? ((genOf.get(sid) as string | undefined) ?? null) : undefined });
      }
    }

    for (const c of candidates) {
      const ckey = prefix + c.sid;
      const cur = ctx.cursors.get(ckey) as SessionCursor | undefined;
      let from = cur ? cur.seq : -1;
      // Rewritten (new generation) or truncated/replaced (max(seq) went down): read it
      // again from the start; the ledger's identities keep that from recounting.
      if (cur && c.gen !== undefined && cur.gen !== undefined && cur.gen !== c.gen) from = -1;
      if (cur && c.maxSeq < cur.seq) from = -1;
      if (c.maxSeq <= from) {
        if (cur && c.gen !== undefined && cur.gen !== c.gen) final.push([ckey, { seq: cur.seq, gen: c.gen }]);
        continue;
      }
      const sessionKey = keyOf ? ((keyOf.get(c.sid) as string | undefined) ?? null) : null;
      yield* this.readSession(read, ctx, c.sid, sessionKey, from, c.gen);
    }
    return { w, del, swept: full ? now : prev!.swept };
  }

  /** Reads one session's rows with seq > from, in bounded chunks, one batch per chunk. */
  private *readSession(
    stmt: Database.Statement,
    ctx: PollContext,
    sid: string,
    sessionKey: string | null,
    from: number,
    gen: string | null | undefined,
  ): Iterable<SourceBatch> {
    const file = this.file();
    const ckey = sessionCursorPrefix(file) + sid;
    const where = `${file}#${sid}`;
    const context: TranscriptContext = { stateDir: this.agent.stateDir, agent: this.agent.agent, sessionId: sid, sessionKey, source: SOURCE.sqlite, where };
    let limit = this.chunkRows;
    let seq = from;
    let records: TranscriptRecord[] = [];
    let bytes = 0;
    let lines = 0;
    for (;;) {
      const rows = stmt.all(sid, seq, limit) as EventRow[];
      let chunkBytes = 0;
      for (const [s, small, z, octets, zbytes, bigCandidate, head, tail, nav] of rows) {
        seq = s;
        lines++;
        let event: Buffer | null = null;
        let n = 0;
        if (octets !== null) {
          // plain event_json: a small row whole, a larger one as its call-candidate bytes or tool cells (readStatement)
          n = octets;
          event = small === null ? bigCandidate : small.indexOf(MODEL_CALL_MARKER) !== -1 || isCustomMessage(small, 0, small.length) ? small : null;
        } else if (z === null) {
          // Compressed and not an assistant message (see readStatement): not decompressed, cannot be a call; maybe a tool result.
          chunkBytes += zbytes ?? 0;
          const t = toolResultOfRow(stmt, sid, s, 0, { head: null, tail: null, nav }, false);
          if (t) records.push(t);
          continue;
        } else {
          try {
            const buf = zstdDecompress(z);
            n = buf.length;
            event = n > this.o.maxLineBytes || (buf.indexOf(MODEL_CALL_MARKER) === -1 && !buf.includes(FAILED_RUN_MARKER)) ? null : buf;
          } catch (err) {
            ctx.report({ reason: 'decompress_failed', where: `${where}:${s}`, detail: `zstd decode of event_zstd failed: ${(err as Error).message}` });
          }
        }
        chunkBytes += n;
        if (n > this.o.maxLineBytes) {
          ctx.report({ reason: 'line_too_long', where: `${where}:${s}`, detail: `event longer than ${this.o.maxLineBytes} bytes skipped` });
          continue;
        }
        if (event !== null) {
          const ev = event;
          const c = candidateText(ev, 0, ev.length);
          records.push(c.cut ? { text: c.text, pos: s, full: () => ev.toString('utf8') } : { text: c.text, pos: s });
        } else if (small !== null || head !== null) {
          // tool spans (sqlite/tool-results.ts)
          const keep = ctx.toolOutputs === true;
          const t = small !== null ? toolResultOfSmallRow(small, s, keep) : toolResultOfRow(stmt, sid, s, n, { head, tail, nav: null }, keep);
          if (t) records.push(t);
        }
      }
      bytes += chunkBytes;
      const done = rows.length < limit;
      if (rows.length > 0) {
        // Aim for about a batch's bytes per query whatever the row size; the next session starts from it.
        const avg = chunkBytes / rows.length;
        limit = this.chunkRows = Math.max(MIN_CHUNK_ROWS, Math.min(MAX_CHUNK_ROWS, Math.floor(this.o.batchBytes / Math.max(1, avg))));
      }
      if (done || bytes >= this.o.batchBytes) {
        if (rows.length > 0 || done) {
          const cursor: SessionCursor = gen === undefined ? { seq } : { seq, gen };
          yield {
            kind: 'transcript',
            context,
            records,
            cursors: seq > from || gen !== undefined ? [[ckey, cursor]] : [],
            bytesRead: bytes,
            linesRead: lines,
            filesRead: 0,
          };
        }
        records = [];
        bytes = 0;
        lines = 0;
        if (done) return;
      }
    }
  }

  // ---- helpers -------------------------------------------------------------

  /** The store file is gone: its sessions are no longer listed and its cursors are dropped. */
  private *forget(ctx: PollContext): Iterable<SourceBatch> {
    const file = this.file();
    const base = { stateDir: this.agent.stateDir, agent: this.agent.agent, source: SOURCE.sqlite };
    const sk = `sqlite-sessions:${file}`;
    const ak = `sqlite-auth:${file}`;
    if (ctx.cursors.get(sk)) yield { kind: 'snapshot', of: 'sessions', ...base, rows: [], cursors: [[sk, null]] };
    if (ctx.cursors.get(ak)) yield { kind: 'snapshot', of: 'auth', ...base, rows: [], cursors: [[ak, null]] };
    const stale: Array<[string, Cursor | null]> = [];
    for (const p of [sessionCursorPrefix(file), `sqlite-archive:${file}#`, `sqlite-cold:${file}#`]) {
      for (const k of ctx.cursors.keysWithPrefix(p)) stale.push([k, null]);
    }
    if (ctx.cursors.get(storeCursorKey(file))) stale.push([storeCursorKey(file), null]);
    if (stale.length > 0) yield this.emptyBatch(stale, file);
  }

  private emptyBatch(cursors: Array<[string, Cursor | null]>, where: string): SourceBatch {
    const context = { stateDir: this.agent.stateDir, agent: this.agent.agent, sessionId: null, sessionKey: null, source: SOURCE.sqlite, where };
    return { kind: 'transcript', context, records: [], cursors, bytesRead: 0, linesRead: 0, filesRead: 0 };
  }
}
