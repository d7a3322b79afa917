/**
 * Tailing append-only line files, shared by the transcript and Codex rollout
 * sources: which persisted position a file resumes from (following renames and
 * moves by inode, noticing rewrites by the hash of its first bytes and of the bytes
 * just before the committed offset), and reading its complete lines from there with
 * one read always in flight ahead of the caller.
 *
 * Crash safety: a cursor committed in the middle of a file records `size` = its own
 * offset, so a resume never takes a half-read file for an unchanged one; only the
 * batch that reached the end of the file records the size seen there.
 */
import fs from 'node:fs';
import type { Cursor, CursorReader } from '../model.js';
import { HEAD_BYTES, headHash, headMatches, readHead } from './file-head.js';

/** What every tailed file's cursor records. */
export interface TailCursor extends Cursor {
  dev: number;
  ino: number;
  /** byte offset after the last complete line consumed */
  offset: number;
  /** end of the bytes examined when the cursor was written: `offset` mid-file, the size seen at the end */
  size: number;
  /** hash of the first headLen bytes, to notice in-place rewrites */
  head: string;
  headLen: number;
  /** hash of the tailLen bytes just before `offset` (the last line consumed), to notice rewrites past the head */
  tail?: string;
  tailLen?: number;
}

/**
 * Cursors of files that are no longer at their path, by inode (`dev:ino` → key):
 * a file found under a new name with that inode was renamed or moved.
 */
export function cursorsByInode(known: string[], listed: Set<string>, cursors: CursorReader, pathOf: (key: string) => string): Map<string, string> {
  const byInode = new Map<string, string>();
  for (const k of known) {
    const c = cursors.get(k) as TailCursor | undefined;
    if (c && !listed.has(pathOf(k))) byInode.set(`${c.dev}:${c.ino}`, k);
  }
  return byInode;
}

/**
 * The cursor a file continues from: its own, else that of the file it was renamed
 * from (whose key is then queued for deletion in `pending` and marked adopted).
 */
export function cursorFor<C extends TailCursor>(
  key: string,
  st: fs.Stats,
  cursors: CursorReader,
  byInode: Map<string, string>,
  adopted: Set<string>,
  pending: Array<[string, Cursor | null]>,
): C | undefined {
  const own = cursors.get(key) as C | undefined;
  if (own) return own;
  const id = `${st.dev}:${st.ino}`;
  const oldKey = byInode.get(id);
  if (!oldKey) return undefined;
  adopted.add(oldKey);
  byInode.delete(id);
  pending.push([oldKey, null]);
  return cursors.get(oldKey) as C;
}

/** Where to resume: the cursor's offset if it is still the same, not shortened file, else 0. */
export function resumeOffset(fd: number, st: fs.Stats, cur: TailCursor | undefined): number {
  if (!cur || cur.ino !== st.ino || cur.dev !== st.dev) return 0;
  if (st.size < cur.offset || cur.headLen > st.size) return 0;
  if (!headMatches(fd, cur)) return 0;
  if (cur.tail !== undefined && cur.tailLen !== undefined && headHash(readAt0(fd, cur.offset - cur.tailLen, cur.tailLen)) !== cur.tail) return 0;
  return cur.offset;
}

/** true when nothing was appended or changed since the cursor was written. */
export function unchanged(st: fs.Stats, cur: TailCursor | undefined, offset: number): boolean {
  return cur !== undefined && offset === cur.offset && st.size === cur.size && cur.ino === st.ino;
}

/**
 * The position part of a cursor for a file read up to `consumed`. `seenEnd` is the
 * end of what was examined: `consumed` for a batch in the middle of the file, and
 * `consumed` + the held-back partial line for the batch that reached the end.
 */
export function tailPosition(fd: number, st: fs.Stats, consumed: number, seenEnd: number = consumed): TailCursor {
  const head = readHead(fd, Math.min(HEAD_BYTES, consumed));
  const tailLen = Math.min(HEAD_BYTES, consumed);
  const tail = readAt0(fd, consumed - tailLen, tailLen);
  return {
    dev: st.dev,
    ino: st.ino,
    offset: consumed,
    size: Math.max(consumed, seenEnd),
    head: headHash(head),
    headLen: head.length,
    tail: headHash(tail),
    tailLen: tail.length,
  };
}

/** `len` bytes at `position` (fewer if the file is shorter). */
function readAt0(fd: number, position: number, len: number): Buffer {
  const b = Buffer.alloc(len);
  const n = len === 0 ? 0 : fs.readSync(fd, b, 0, len, position);
  return b.subarray(0, n);
}

/** A run of complete lines read from a file. */
export interface LineBlock {
  /** Complete lines, each ending with a newline (the last one of a final file may not). */
  view: Buffer;
  /** Bytes of over-long lines dropped before `view` (consumed, not returned). */
  skippedBytes: number;
  /** Over-long lines that ended in this block. */
  skippedLines: number;
  /** Bytes of an incomplete last line held back (waiting for its newline). */
  partial: number;
}

const READ_CHUNK = 1 << 20;
const NL = 10;
const EMPTY = Buffer.alloc(0);

function readInto(fd: number, buf: Buffer, offset: number, length: number, position: number): Promise<number> {
  return new Promise((resolve, reject) => fs.read(fd, buf, offset, length, position, (err, n) => (err ? reject(err) : resolve(n))));
}

/**
 * Complete lines from `start` to the end of the file, a block per read. A partial
 * last line waits for its newline unless `final` (an archive: its last line needs
 * none). A line longer than `maxLine` is dropped whole and `onTooLong` is called.
 *
 * Two read buffers take turns (issue 9: a fresh 1 MiB buffer per read cost a
 * quarter of a cold ingest in garbage collection): the next read is in flight into
 * one while the caller works on a block of the other, so a block's bytes are valid
 * only until the caller asks for the next block; callers copy what they keep. The
 * partial last line is copied to the front of the other buffer before the read
 * behind it starts; a buffer grows (doubling, so a long line costs O(n) copying
 * in total) when the partial line leaves it less than half a chunk.
 */
export async function* lineBlocks(
  fd: number,
  start: number,
  opts: { maxLine: number; final: boolean; onTooLong: () => void },
): AsyncGenerator<LineBlock> {
  let pos = start;
  const bufs = [Buffer.allocUnsafe(READ_CHUNK), Buffer.allocUnsafe(READ_CHUNK)];
  let which = 0;
  let target = bufs[0];
  let head = 0; // bytes of the carried partial line at the front of `target`
  let skipping = false;
  let next = readInto(fd, target, 0, target.length, pos);
  try {
    for (;;) {
      const n = await next;
      pos += n;
      const eof = n === 0;
      let data = target.subarray(0, head + n);
      let skippedBytes = 0;
      let skippedLines = 0;
      if (skipping) {
        const nl = data.indexOf(NL);
        if (nl === -1) {
          skippedBytes = data.length;
          data = EMPTY;
        } else {
          skippedBytes = nl + 1;
          skippedLines = 1;
          skipping = false;
          data = data.subarray(nl + 1);
        }
      }
      const last = data.lastIndexOf(NL);
      let view = last === -1 ? EMPTY : data.subarray(0, last + 1);
      let carry = data.subarray(last + 1);
      if (eof && opts.final && carry.length > 0 && !skipping) {
        view = data;
        carry = EMPTY;
      }
      if (carry.length > opts.maxLine) {
        opts.onTooLong();
        skipping = true;
        skippedBytes += carry.length;
        carry = EMPTY;
      }
      if (!eof) {
        which ^= 1;
        const b = bufs[which];
        if (b.length < carry.length + READ_CHUNK / 2) bufs[which] = Buffer.allocUnsafe(Math.max(2 * carry.length, READ_CHUNK + carry.length));
        else if (b.length > READ_CHUNK && carry.length < READ_CHUNK / 2) bufs[which] = Buffer.allocUnsafe(READ_CHUNK); // after a long line
        target = bufs[which];
        carry.copy(target, 0);
        head = carry.length;
        // Behind a partial line, read no further than one byte past maxLine: a longer
        // line is then always noticed (and dropped) before it is complete.
        const room = target.length - head;
        next = readInto(fd, target, head, head > 0 ? Math.min(room, Math.max(1, opts.maxLine + 1 - head)) : room, pos);
      }
      yield { view, skippedBytes, skippedLines, partial: carry.length };
      if (eof) return;
    }
  } finally {
    // Never leave a read in flight on a descriptor the caller is about to close.
    await next.catch(() => undefined);
  }
}
