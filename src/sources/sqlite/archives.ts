/**
 * Archives kept inside the SQLite store: `session_transcript_archives` (reset/deleted
 * generations, zstd or identity) and cold archives stored in SQLite, each read once per
 * (session_id, generation) and handed over as transcript records.
 */
import type Database from 'better-sqlite3';
import { SOURCE } from '../../model.js';
import type { AgentDir, Cursor, PollContext, SourceBatch, TranscriptContext } from '../../model.js';
import { coldArchiveLines } from '../cold-envelope.js';
import { isZstdFrame, zstdDecompress } from '../zstd.js';
import { quoteIdent, type StoreSchema } from './schema.js';

/**
 * `session_transcript_archives` (reset/deleted generations, zstd or identity) and
 * cold archives stored in SQLite: each is read once per (session_id, generation).
 */
export function* readStoreArchives(
  db: Database.Database,
  schema: StoreSchema,
  ctx: PollContext,
  final: Array<[string, Cursor | null]>,
  file: string,
  agent: AgentDir,
  maxLineBytes: number,
): Iterable<SourceBatch> {
  const specs: Array<{ table: string; prefix: string; where: string }> = [
    { table: 'session_transcript_archives', prefix: `sqlite-archive:${file}#`, where: '' },
    { table: 'session_transcript_cold_archives', prefix: `sqlite-cold:${file}#`, where: `WHERE storage = 'sqlite' AND archive_blob IS NOT NULL` },
  ];
  for (const spec of specs) {
    const t = schema.tables.get(spec.table);
    const known = new Set(ctx.cursors.keysWithPrefix(spec.prefix));
    const ok = t && ['session_id', 'generation', 'archive_blob'].every((c) => t.columns.has(c)) && (spec.where === '' || t.columns.has('storage'));
    if (!ok) {
      if (t) ctx.report({ reason: 'schema_unknown', where: `${file}#${spec.table}`, detail: `${spec.table} lacks the columns clawmeter reads; skipped` });
      for (const k of known) final.push([k, null]);
      continue;
    }
    const keyCol = t.columns.has('session_key') ? 'session_key' : 'NULL';
    const encCol = t.columns.has('encoding') ? 'encoding' : 'NULL';
    const list = db
      .prepare(`SELECT session_id, generation, ${keyCol} AS session_key, ${encCol} AS encoding FROM ${quoteIdent(spec.table)} ${spec.where}`)
      .all() as Array<{ session_id: string; generation: string; session_key: string | null; encoding: string | null }>;
    const blob = db.prepare(`SELECT archive_blob FROM ${quoteIdent(spec.table)} WHERE session_id = ? AND generation = ?`).pluck();
    const present = new Set<string>();
    for (const a of list) {
      const ckey = `${spec.prefix}${a.session_id}#${a.generation}`;
      present.add(ckey);
      if (known.has(ckey)) continue;
      const where = `${file}#${spec.table}:${a.session_id}:${a.generation}`;
      const context: TranscriptContext = {
        stateDir: agent.stateDir,
        agent: agent.agent,
        sessionId: a.session_id,
        sessionKey: a.session_key,
        source: SOURCE.sqlite,
        where,
      };
      const raw = blob.get(a.session_id, a.generation) as Buffer | string | null | undefined;
      let data: Buffer | null = null;
      if (raw !== null && raw !== undefined) {
        const bytes = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw;
        const zstd = a.encoding === 'zstd' || (a.encoding !== 'identity' && isZstdFrame(bytes));
        if (zstd) {
          try {
            data = zstdDecompress(bytes);
          } catch (err) {
            ctx.report({ reason: 'decompress_failed', where, detail: `zstd decode of a store archive failed: ${(err as Error).message}` });
          }
        } else {
          data = bytes;
        }
      }
      const { records, lines } = data ? coldArchiveLines(data, where, maxLineBytes, ctx) : { records: [], lines: 0 }; // envelope or JSONL
      yield {
        kind: 'transcript',
        context,
        records,
        cursors: [[ckey, { done: true }]],
        bytesRead: data?.length ?? 0,
        linesRead: lines,
        filesRead: 1,
      };
    }
    for (const k of known) if (!present.has(k)) final.push([k, null]);
  }
}
