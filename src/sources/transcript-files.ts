/**
 * Source adapter for file-era transcripts: `agents/<agent>/sessions/*.jsonl`, topic
 * and fork files, `.reset.`/`.deleted.` archives (plain or zstd) and OpenClaw's
 * SQLite import archive. It tails: a file is read from its last committed byte
 * offset, a partial last line waits for its newline, a rewritten file is read again
 * (the ledger's identities keep that from recounting), and a renamed file keeps its
 * cursor through its inode.
 */
import fs from 'node:fs';
import path from 'node:path';
import { isUtf8 } from 'node:buffer';
import { HEAD_BYTES, headHash, headMatches, readHead } from './file-head.js';
import type { AgentDir, Cursor, PollContext, Source, SourceBatch, TranscriptContext, TranscriptRecord } from '../model.js';
import { MODEL_CALL_MARKER, candidateText, mightBeModelCall } from '../parse/transcript-line.js';
import { classifyTranscriptName, type TranscriptName } from './transcript-names.js';
import { zstdDecompress } from './zstd.js';

export interface TranscriptFileOptions {
  /** Longest line kept, in bytes; longer lines are skipped and counted. */
  maxLineBytes?: number;
  /** Bytes of input per committed batch. */
  batchBytes?: number;
  /** Read the agent's session-sqlite-import-archive folder too (deduplicated by identity). */
  includeImportArchive?: boolean;
}

interface FileCursor extends Cursor {
  dev: number;
  ino: number;
  /** byte offset after the last complete line consumed */
  offset: number;
  /** size seen when the cursor was written */
  size: number;
  /** hash of the first headLen bytes, to notice in-place rewrites */
  head: string;
  headLen: number;
  /** compressed archives are read whole once */
  done?: boolean;
  mtimeMs?: number;
}

const READ_CHUNK = 1 << 20;
const NL = 10;

export const IMPORT_ARCHIVE_DIR = 'session-sqlite-import-archive';

/** fs.read at a position, as a promise (runs on libuv's thread pool). */
function readAt(fd: number, buf: Buffer, position: number): Promise<number> {
  return new Promise((resolve, reject) => fs.read(fd, buf, 0, buf.length, position, (err, n) => (err ? reject(err) : resolve(n))));
}

export function transcriptCursorKey(file: string): string {
  return `file:${file}`;
}



export class TranscriptFilesSource implements Source {
  readonly name = 'jsonl';
  private readonly maxLine: number;
  private readonly batchBytes: number;
  private readonly includeImport: boolean;

  constructor(
    private readonly agent: AgentDir,
    opts: TranscriptFileOptions = {},
  ) {
    this.maxLine = opts.maxLineBytes ?? 32 * 1024 * 1024;
    this.batchBytes = opts.batchBytes ?? 2 * 1024 * 1024;
    this.includeImport = opts.includeImportArchive ?? true;
  }

  private dirs(): string[] {
    const d = [path.join(this.agent.root, 'sessions')];
    if (this.includeImport) {
      d.push(path.join(this.agent.root, IMPORT_ARCHIVE_DIR), path.join(this.agent.root, 'sessions', IMPORT_ARCHIVE_DIR));
    }
    return d;
  }

  watchPaths(): string[] {
    return this.dirs().filter((d) => fs.existsSync(d));
  }

  async *poll(ctx: PollContext): AsyncIterable<SourceBatch> {
    // List every folder first, so a file moved between the agent's folders (the
    // SQLite migration moves live transcripts into the import archive) keeps its
    // cursor through its inode instead of being read again.
    const folders: Array<{ dir: string; listed: Map<string, TranscriptName>; known: string[] }> = [];
    for (const dir of this.dirs()) {
      const listed = this.list(dir, ctx);
      if (!listed) continue; // unreadable: keep its cursors, the folder may come back
      // Only this folder's own files (not those of a sub-folder such as the import archive).
      const known = ctx.cursors.keysWithPrefix(transcriptCursorKey(dir + path.sep)).filter((k) => path.dirname(k.slice(5)) === dir);
      folders.push({ dir, listed, known });
    }
    const allListed = new Set(folders.flatMap((f) => [...f.listed.keys()]));
    // Cursors of files no longer at their path, by inode, to follow renames and moves.
    const byInode = new Map<string, string>();
    for (const f of folders) {
      for (const k of f.known) {
        const c = ctx.cursors.get(k) as FileCursor | undefined;
        if (c && !allListed.has(k.slice(5))) byInode.set(`${c.dev}:${c.ino}`, k);
      }
    }
    const adopted = new Set<string>();
    for (const f of folders) {
      for (const [file, name] of f.listed) yield* this.pollFile(file, name, ctx, byInode, adopted);
    }
    // Forget cursors of files that are gone (and were not renamed or moved).
    for (const f of folders) {
      const gone: Array<[string, null]> = [];
      for (const k of f.known) if (!f.listed.has(k.slice(5)) && !adopted.has(k)) gone.push([k, null]);
      if (gone.length === 0) continue;
      yield {
        kind: 'transcript',
        context: { stateDir: this.agent.stateDir, agent: this.agent.agent, sessionId: null, sessionKey: null, source: 'jsonl', where: f.dir },
        records: [],
        cursors: gone,
        bytesRead: 0,
        linesRead: 0,
        filesRead: 0,
      };
    }
  }

  /** The countable transcripts of one folder; null when it cannot be listed. */
  private list(dir: string, ctx: PollContext): Map<string, TranscriptName> | null {
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') {
        ctx.report({ reason: 'unreadable', where: dir, detail: `cannot list directory (${code})` });
        return null;
      }
      names = [];
    }
    const listed = new Map<string, TranscriptName>();
    for (const n of names) {
      const c = classifyTranscriptName(n);
      if (c && (c.kind !== 'imported' || dir.endsWith(IMPORT_ARCHIVE_DIR))) listed.set(path.join(dir, n), c);
    }
    return listed;
  }

  private async *pollFile(
    file: string,
    name: TranscriptName,
    ctx: PollContext,
    byInode: Map<string, string>,
    adopted: Set<string>,
  ): AsyncIterable<SourceBatch> {
    const key = transcriptCursorKey(file);
    let st: fs.Stats;
    try {
      st = fs.statSync(file);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      ctx.report({ reason: code === 'ENOENT' ? 'vanished' : 'unreadable', where: file, detail: `stat failed (${code})` });
      return;
    }
    if (!st.isFile()) return;
    const cursorUpdates: Array<[string, Cursor | null]> = [];
    let cur = ctx.cursors.get(key) as FileCursor | undefined;
    if (!cur) {
      const oldKey = byInode.get(`${st.dev}:${st.ino}`);
      if (oldKey && !name.zstd) {
        // Renamed (e.g. live file became .reset.<ts>): continue from the old offset.
        cur = ctx.cursors.get(oldKey) as FileCursor;
        adopted.add(oldKey);
        byInode.delete(`${st.dev}:${st.ino}`);
        cursorUpdates.push([oldKey, null]);
      }
    }
    const context = {
      stateDir: this.agent.stateDir,
      agent: this.agent.agent,
      sessionId: name.sessionId,
      sessionKey: null,
      source: 'jsonl',
      where: file,
    };

    if (name.zstd) {
      if (cur && cur.done && cur.ino === st.ino && cur.size === st.size && cur.mtimeMs === st.mtimeMs) {
        if (cursorUpdates.length) yield emptyBatch(context, cursorUpdates);
        return;
      }
      yield* this.readCompressed(file, st, context, cursorUpdates, ctx);
      return;
    }

    let fd: number;
    try {
      fd = fs.openSync(file, 'r');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      ctx.report({ reason: code === 'ENOENT' ? 'vanished' : 'unreadable', where: file, detail: `open failed (${code})` });
      if (cursorUpdates.length) yield emptyBatch(context, cursorUpdates);
      return;
    }
    try {
      let offset = 0;
      if (cur) {
        const sameFile = cur.ino === st.ino && cur.dev === st.dev;
        let headOk = false;
        if (sameFile && st.size >= cur.offset && cur.headLen <= st.size) {
          headOk = headMatches(fd, cur);
        }
        if (sameFile && headOk) offset = cur.offset;
        // else: replaced, truncated or rewritten in place; read it again from the start.
      }
      if (cur && offset === cur.offset && st.size === cur.size && cursorUpdates.length === 0 && cur.ino === st.ino) {
        return; // nothing new
      }
      yield* this.readPlain(fd, file, st, offset, name.kind !== 'live', context, cursorUpdates, ctx);
    } finally {
      fs.closeSync(fd);
    }
  }

  /**
   * Reads a plain transcript from `startOffset`: complete lines only (a live file's
   * partial last line waits; an archive's last line needs no newline). One read is
   * always in flight ahead of the parsing, so disk reads overlap the CPU work.
   */
  private async *readPlain(
    fd: number,
    file: string,
    st: fs.Stats,
    startOffset: number,
    immutable: boolean,
    context: TranscriptContext,
    pendingCursors: Array<[string, Cursor | null]>,
    ctx: PollContext,
  ): AsyncIterable<SourceBatch> {
    const key = transcriptCursorKey(file);
    let carry: Buffer = Buffer.alloc(0); // a partial line left from the previous chunk
    let consumed = startOffset; // file offset after the last complete line
    let lineNo = 0;
    let skipping = false; // inside an over-long line, discarding until its newline
    let records: TranscriptRecord[] = [];
    let bytes = 0;
    let lines = 0;
    let sinceBatch = 0;
    let head: Buffer | null = null;

    const makeCursor = (): FileCursor => {
      if (!head || head.length < Math.min(HEAD_BYTES, consumed)) head = readHead(fd, Math.min(HEAD_BYTES, consumed));
      return {
        dev: st.dev,
        ino: st.ino,
        offset: consumed,
        size: Math.max(consumed, st.size),
        head: headHash(head),
        headLen: head.length,
      };
    };

    // Every chunk gets a fresh buffer: records keep referencing their bytes (for the
    // fallback decode) until the batch commits.
    let pos = startOffset;
    const readChunk = (at: number) => {
      const buf = Buffer.allocUnsafe(READ_CHUNK);
      return readAt(fd, buf, at).then((n) => buf.subarray(0, n));
    };
    let next = readChunk(pos);
    try {
      for (;;) {
        const chunk = await next;
        pos += chunk.length;
        const eof = chunk.length === 0;
        if (!eof) next = readChunk(pos);
        const view = carry.length === 0 ? chunk : eof ? carry : Buffer.concat([carry, chunk]);
        const end = view.length;
        let lineStart = 0;
        let nextCand = -2; // -2: not searched yet; -1: none in the rest of the view
        for (;;) {
          let nl = view.indexOf(NL, lineStart);
          if (nl === -1) {
            if (eof && immutable && lineStart < end && !skipping) nl = end; // final line of an archive without newline
            else break;
          }
          lineNo++;
          lines++;
          if (skipping) {
            skipping = false;
          } else if (nl > lineStart) {
            // One search finds the next candidate for many lines: most lines are skipped unparsed.
            if (nextCand !== -1 && nextCand < lineStart) nextCand = view.indexOf(MODEL_CALL_MARKER, lineStart);
            if (nextCand !== -1 && nextCand < nl) {
              const slice = view.subarray(lineStart, nl);
              if (!isUtf8(slice)) {
                ctx.report({ reason: 'invalid_utf8', where: `${file}:${lineNo}`, detail: 'line is not valid UTF-8; parsed with replacement characters' });
              }
              const c = candidateText(view, lineStart, nl);
              records.push(c.cut ? { text: c.text, pos: lineNo, full: () => slice.toString('utf8') } : { text: c.text, pos: lineNo });
            }
          }
          const lineBytes = Math.min(nl + 1, end) - lineStart;
          consumed += lineBytes;
          bytes += lineBytes;
          sinceBatch += lineBytes;
          lineStart = Math.min(nl + 1, end);
          if (lineStart >= end) break;
        }
        carry = view.subarray(lineStart);
        if (skipping || carry.length > this.maxLine) {
          // An over-long line: drop what there is of it and skip to its newline.
          if (!skipping) ctx.report({ reason: 'line_too_long', where: file, detail: `line longer than ${this.maxLine} bytes skipped` });
          skipping = true;
          consumed += carry.length;
          carry = Buffer.alloc(0);
        }
        if (eof) break;
        if (sinceBatch >= this.batchBytes) {
          yield {
            kind: 'transcript',
            context,
            records,
            cursors: [...pendingCursors.splice(0), [key, makeCursor()]],
            bytesRead: bytes,
            linesRead: lines,
            filesRead: 0,
          };
          records = [];
          bytes = 0;
          lines = 0;
          sinceBatch = 0;
        }
      }
    } finally {
      // Never leave a read in flight on a descriptor the caller is about to close.
      await next.catch(() => undefined);
    }
    yield {
      kind: 'transcript',
      context,
      records,
      cursors: [...pendingCursors.splice(0), [key, makeCursor()]],
      bytesRead: bytes,
      linesRead: lines,
      filesRead: 1,
    };
  }

  private *readCompressed(
    file: string,
    st: fs.Stats,
    context: TranscriptContext,
    pendingCursors: Array<[string, Cursor | null]>,
    ctx: PollContext,
  ): Iterable<SourceBatch> {
    const key = transcriptCursorKey(file);
    let data: Buffer;
    try {
      data = zstdDecompress(fs.readFileSync(file));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') ctx.report({ reason: 'vanished', where: file, detail: 'archive vanished while reading' });
      else if (code) ctx.report({ reason: 'unreadable', where: file, detail: `read failed (${code})` });
      else ctx.report({ reason: 'decompress_failed', where: file, detail: `zstd decode failed: ${(err as Error).message}` });
      if (pendingCursors.length) yield emptyBatch(context, pendingCursors);
      return;
    }
    const { records, lines } = splitLines(data, file, this.maxLine, ctx);
    const cursor: FileCursor = {
      dev: st.dev,
      ino: st.ino,
      offset: st.size,
      size: st.size,
      head: '',
      headLen: 0,
      done: true,
      mtimeMs: st.mtimeMs,
    };
    yield {
      kind: 'transcript',
      context,
      records,
      cursors: [...pendingCursors, [key, cursor]],
      bytesRead: data.length,
      linesRead: lines,
      filesRead: 1,
    };
  }
}

/** Splits a whole decoded transcript into candidate records (final line needs no newline). */
export function splitLines(
  data: Buffer,
  where: string,
  maxLine: number,
  ctx: PollContext,
): { records: TranscriptRecord[]; lines: number } {
  const records: TranscriptRecord[] = [];
  let lines = 0;
  let start = 0;
  while (start < data.length) {
    let nl = data.indexOf(NL, start);
    if (nl === -1) nl = data.length;
    lines++;
    if (nl - start > maxLine) {
      ctx.report({ reason: 'line_too_long', where, detail: `line longer than ${maxLine} bytes skipped` });
    } else if (nl > start && mightBeModelCall(data, start, nl)) {
      const c = candidateText(data, start, nl);
      const s = start;
      const e = nl;
      records.push(c.cut ? { text: c.text, pos: lines, full: () => data.toString('utf8', s, e) } : { text: c.text, pos: lines });
    }
    start = nl + 1;
  }
  return { records, lines };
}

function emptyBatch(
  context: TranscriptContext,
  cursors: Array<[string, Cursor | null]>,
): SourceBatch {
  return { kind: 'transcript', context, records: [], cursors, bytesRead: 0, linesRead: 0, filesRead: 0 };
}
