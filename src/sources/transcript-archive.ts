/**
 * Reading one zstd-compressed transcript archive (`….jsonl.zst`, `.deleted.<ts>….zst`,
 * `.imported-<ms>.zst`) for the transcript source. The archive is decoded as a
 * stream and its lines are split as the data arrives, so memory stays bounded
 * whatever it decodes to; a batch is handed on every `batchBytes` of decoded data.
 * Only the last batch carries the archive's `done` cursor: a crash before it commits
 * reads the archive again from its start (identities absorb the replay), after it
 * the archive is never read again. Past `maxArchiveBytes` decoded bytes the rest is
 * skipped and counted (`too_large`), and the archive is marked done.
 */
import fs from 'node:fs';
import { isUtf8 } from 'node:buffer';
import type { Cursor, PollContext, SourceBatch, TranscriptContext, TranscriptRecord } from '../model.js';
import { candidateText } from '../parse/transcript-line.js';
import { toolResultRecord } from '../parse/tool-result.js';
import { LineMarkers } from '../parse/line-markers.js';
import { openRegular } from './safe-open.js';
import type { TailCursor } from './tail.js';
import { zstdStream } from './zstd.js';

export interface ArchiveCursor extends TailCursor {
  /** compressed archives are read whole once */
  done?: boolean;
  mtimeMs?: number;
}

export interface ArchiveOptions {
  maxLine: number;
  batchBytes: number;
  maxArchiveBytes: number;
}

/** Default bound on what one archive may decode to (real archives are far smaller). */
export const MAX_ARCHIVE_BYTES = 4 * 1024 * 1024 * 1024;

const NL = 10;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** true when a stored archive cursor says this very file was read to its end. */
export function archiveDone(cur: ArchiveCursor | undefined, st: fs.Stats): boolean {
  return Boolean(cur && cur.done && cur.ino === st.ino && cur.size === st.size && cur.mtimeMs === st.mtimeMs);
}

/** Reads a compressed archive whole, as a stream, in batches. */
export async function* readArchive(
  file: string,
  key: string,
  opts: ArchiveOptions,
  context: TranscriptContext,
  pendingCursors: Array<[string, Cursor | null]>,
  ctx: PollContext,
): AsyncIterable<SourceBatch> {
  const o = openRegular(file);
  if (!o.ok) {
    ctx.report({ reason: o.reason, where: file, detail: o.reason === 'vanished' ? 'archive vanished while reading' : o.detail });
    if (pendingCursors.length) yield batchOf(context, [], pendingCursors.splice(0), 0, 0, 0);
    return;
  }
  const { fd, st } = o;
  const split = new LineSplitter(file, opts.maxLine, ctx);
  let decoded = 0;
  let bytes = 0;
  let failed = false;
  try {
    for await (const chunk of zstdStream(fd)) {
      let data = chunk;
      if (decoded + data.length > opts.maxArchiveBytes) {
        data = data.subarray(0, opts.maxArchiveBytes - decoded);
        split.push(data);
        decoded += data.length;
        bytes += data.length;
        ctx.report({ reason: 'too_large', where: file, detail: `archive decodes to more than ${opts.maxArchiveBytes} bytes; the rest is skipped` });
        split.truncated = true;
        break;
      }
      split.push(data);
      decoded += data.length;
      bytes += data.length;
      if (bytes >= opts.batchBytes) {
        // Calls so far, no cursor: a crash before the end re-reads the whole archive.
        yield batchOf(context, split.take(), pendingCursors.splice(0), bytes, split.takeLines(), 0);
        bytes = 0;
      }
    }
  } catch (err) {
    failed = true;
    // fzstd's errors carry a numeric code; only string codes are file system errors.
    const raw = (err as NodeJS.ErrnoException).code;
    const code = typeof raw === 'string' ? raw : undefined;
    if (code === 'ENOENT') ctx.report({ reason: 'vanished', where: file, detail: 'archive vanished while reading' });
    else if (code) ctx.report({ reason: 'unreadable', where: file, detail: `read failed (${code})` });
    else ctx.report({ reason: 'decompress_failed', where: file, detail: `zstd decode failed: ${(err as Error).message}` });
  } finally {
    fs.closeSync(fd);
  }
  if (failed) {
    // Calls decoded before the failure are kept; the archive is retried next cycle.
    yield batchOf(context, split.take(), pendingCursors.splice(0), bytes, split.takeLines(), 0);
    return;
  }
  split.end();
  const cursor: ArchiveCursor = { dev: st.dev, ino: st.ino, offset: st.size, size: st.size, head: '', headLen: 0, done: true, mtimeMs: st.mtimeMs };
  yield batchOf(context, split.take(), [...pendingCursors.splice(0), [key, cursor]], bytes, split.takeLines(), 1);
}

function batchOf(
  context: TranscriptContext,
  records: TranscriptRecord[],
  cursors: Array<[string, Cursor | null]>,
  bytesRead: number,
  linesRead: number,
  filesRead: number,
): SourceBatch {
  return { kind: 'transcript', context, records, cursors, bytesRead, linesRead, filesRead };
}

/**
 * Splits decoded data into candidate records as it arrives: a line may span chunks
 * (held back until its newline, up to `maxLine`), the final line needs no newline,
 * a leading byte-order mark is dropped, and invalid UTF-8 is counted per line but
 * logged once per archive.
 */
class LineSplitter {
  private carry: Buffer = Buffer.alloc(0);
  private skipping = false;
  private records: TranscriptRecord[] = [];
  private lines = 0;
  private lineNo = 0;
  private first = true;
  truncated = false;

  constructor(
    private readonly where: string,
    private readonly maxLine: number,
    private readonly ctx: PollContext,
  ) {}

  push(chunk: Buffer): void {
    let data = this.carry.length === 0 ? chunk : Buffer.concat([this.carry, chunk]);
    if (this.first) {
      if (data.length < BOM.length && BOM.subarray(0, data.length).equals(data)) {
        this.carry = data;
        return;
      }
      this.first = false;
      if (data.subarray(0, 3).equals(BOM)) data = data.subarray(3);
    }
    let start = 0;
    if (this.skipping) {
      const nl = data.indexOf(NL);
      if (nl === -1) {
        this.carry = Buffer.alloc(0);
        return;
      }
      this.skipping = false;
      this.countLine();
      start = nl + 1;
    }
    const last = data.lastIndexOf(NL);
    if (last >= start) {
      this.lines += scanLines(data, start, last + 1, this.where, this.maxLine, this.ctx, this.records, this.lineNo);
      this.lineNo = this.lines;
      start = last + 1;
    }
    this.carry = data.subarray(start);
    if (this.carry.length > this.maxLine) {
      this.ctx.report({ reason: 'line_too_long', where: this.where, detail: `line longer than ${this.maxLine} bytes skipped` });
      this.skipping = true;
      this.carry = Buffer.alloc(0);
    }
  }

  /** The end of the archive: its last line needs no newline (unless cut by the bound). */
  end(): void {
    if (this.skipping) this.countLine();
    else if (this.carry.length > 0 && !this.truncated) {
      const data = this.first && this.carry.equals(BOM.subarray(0, this.carry.length)) ? Buffer.alloc(0) : this.carry;
      this.lines += scanLines(data, 0, data.length, this.where, this.maxLine, this.ctx, this.records, this.lineNo);
      this.lineNo = this.lines;
    }
    this.carry = Buffer.alloc(0);
  }

  private countLine(): void {
    this.lines++;
    this.lineNo = this.lines;
  }

  take(): TranscriptRecord[] {
    return this.records.splice(0);
  }

  private reported = 0;
  takeLines(): number {
    const n = this.lines - this.reported;
    this.reported = this.lines;
    return n;
  }
}

/**
 * Candidate records of the lines in `data[from, to)` (the last one needs no newline);
 * returns the number of lines. Line positions continue from `lineNo`.
 */
export function scanLines(
  data: Buffer,
  from: number,
  to: number,
  where: string,
  maxLine: number,
  ctx: PollContext,
  records: TranscriptRecord[],
  lineNo = 0,
): number {
  let lines = 0;
  let start = from;
  let badUtf8 = 0;
  let firstBad = 0;
  const markers = new LineMarkers(data); // one marker search serves many lines
  while (start < to) {
    let nl = data.indexOf(NL, start);
    if (nl === -1 || nl > to) nl = to;
    lines++;
    if (nl - start > maxLine) {
      ctx.report({ reason: 'line_too_long', where, detail: `line longer than ${maxLine} bytes skipped` });
    } else if (nl > start && markers.candidate(start, nl)) {
      if (!isUtf8(data.subarray(start, nl))) {
        badUtf8++;
        if (firstBad === 0) firstBad = lineNo + lines;
      }
      const c = candidateText(data, start, nl);
      const s = start;
      const e = nl;
      const pos = lineNo + lines;
      records.push(c.cut ? { text: c.text, pos, full: () => data.toString('utf8', s, e) } : { text: c.text, pos });
    } else if (nl > start && markers.toolResult(start, nl)) {
      const r = toolResultRecord(data, start, nl, lineNo + lines, ctx.toolOutputs); // tool spans: the fields only, the output not decoded unless asked for
      if (r) records.push(r);
    }
    start = nl + 1;
  }
  reportInvalidUtf8(ctx, where, badUtf8, firstBad);
  return lines;
}

/**
 * Invalid UTF-8 is counted once per line but reported under the file's name (one log
 * key per file and reason, not one per line).
 */
export function reportInvalidUtf8(ctx: PollContext, where: string, count: number, firstLine: number): void {
  for (let i = 0; i < count; i++) {
    ctx.report({ reason: 'invalid_utf8', where, detail: `lines that are not valid UTF-8 (first: line ${firstLine}); parsed with replacement characters` });
  }
}
