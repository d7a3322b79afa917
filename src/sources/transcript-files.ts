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
import { cursorFor, cursorsByInode, lineBlocks, resumeOffset, tailPosition, unchanged, type TailCursor } from './tail.js';
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

interface FileCursor extends TailCursor {
  /** compressed archives are read whole once */
  done?: boolean;
  mtimeMs?: number;
}

const NL = 10;

export const IMPORT_ARCHIVE_DIR = 'session-sqlite-import-archive';

export function transcriptCursorKey(file: string): string {
  return `file:${file}`;
}

export class TranscriptFilesSource implements Source {
  readonly name = 'jsonl';
  get scope(): { stateDir: string; agent: string } {
    return this.agent;
  }
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

  /** Bytes past the committed cursors in this agent's transcripts (compressed size for archives not yet read). */
  pendingBytes(ctx: PollContext): number {
    let n = 0;
    for (const dir of this.dirs()) {
      for (const file of this.list(dir, ctx)?.keys() ?? []) {
        try {
          const st = fs.statSync(file);
          const cur = ctx.cursors.get(transcriptCursorKey(file)) as FileCursor | undefined;
          if (!cur || cur.ino !== st.ino) n += st.size;
          else if (!cur.done) n += Math.max(0, st.size - cur.offset);
        } catch {
          // gone: nothing to read
        }
      }
    }
    return n;
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
    const byInode = cursorsByInode(folders.flatMap((f) => f.known), allListed, ctx.cursors, (k) => k.slice(5));
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
    // A renamed file (live -> .reset.<ts>, or moved into the import archive) continues
    // from its old cursor; a compressed copy is a new file and is read whole.
    const cur = name.zstd
      ? (ctx.cursors.get(key) as FileCursor | undefined)
      : cursorFor<FileCursor>(key, st, ctx.cursors, byInode, adopted, cursorUpdates);
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
      // A replaced, truncated or rewritten file is read again from the start.
      const offset = resumeOffset(fd, st, cur);
      if (unchanged(st, cur, offset) && cursorUpdates.length === 0) return; // nothing new
      yield* this.readPlain(fd, file, st, offset, name.kind !== 'live', context, cursorUpdates, ctx);
    } finally {
      fs.closeSync(fd);
    }
  }

  /**
   * Reads a plain transcript from `startOffset`: complete lines only (a live file's
   * partial last line waits; an archive's last line needs no newline).
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
    let consumed = startOffset; // file offset after the last complete line
    let lineNo = 0;
    let records: TranscriptRecord[] = [];
    let bytes = 0;
    let lines = 0;
    const batch = (filesRead: number): SourceBatch => ({
      kind: 'transcript',
      context,
      records,
      cursors: [...pendingCursors.splice(0), [key, tailPosition(fd, st, consumed)]],
      bytesRead: bytes,
      linesRead: lines,
      filesRead,
    });
    const blocks = lineBlocks(fd, startOffset, {
      maxLine: this.maxLine,
      final: immutable,
      onTooLong: () => ctx.report({ reason: 'line_too_long', where: file, detail: `line longer than ${this.maxLine} bytes skipped` }),
    });
    for await (const block of blocks) {
      consumed += block.skippedBytes;
      bytes += block.skippedBytes;
      lineNo += block.skippedLines;
      lines += block.skippedLines;
      const view = block.view;
      let lineStart = 0;
      let nextCand = -2; // -2: not searched yet; -1: none in the rest of the block
      while (lineStart < view.length) {
        let nl = view.indexOf(NL, lineStart);
        if (nl === -1) nl = view.length; // the final line of an archive
        lineNo++;
        lines++;
        if (nl > lineStart) {
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
        lineStart = Math.min(nl + 1, view.length);
      }
      consumed += view.length;
      bytes += view.length;
      if (bytes >= this.batchBytes) {
        yield batch(0);
        records = [];
        bytes = 0;
        lines = 0;
      }
    }
    yield batch(1);
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
      // fzstd's errors carry a numeric code; only string codes are file system errors.
      const raw = (err as NodeJS.ErrnoException).code;
      const code = typeof raw === 'string' ? raw : undefined;
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
