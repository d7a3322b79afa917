/**
 * Opening input files safely: only regular files are read. A FIFO, socket or device
 * (a `sessions.json` that is a named pipe, a transcript linked to `/dev/zero`) would
 * block a plain `open`/`read` for good or never end, so every source opens through
 * here: `open(O_RDONLY | O_NONBLOCK)` (never blocks, whatever the file is), then
 * `fstat` on the descriptor (no race with a swap between stat and open), and a
 * non-regular file is refused with a reason the caller counts and logs. Side files
 * read whole (session index, auth files, trajectory heads) are also size-bounded.
 */
import fs from 'node:fs';
import type { SkipReason } from '../model.js';

/** Largest side file (sessions.json, auth files) read whole, in bytes. */
export const SIDE_FILE_MAX_BYTES = 64 * 1024 * 1024;

export type Opened =
  | { ok: true; fd: number; st: fs.Stats }
  | { ok: false; reason: SkipReason; detail: string; missing: boolean };

/** Opens `file` for reading if it is a regular file (following symlinks). Never blocks. */
export function openRegular(file: string): Opened {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const missing = code === 'ENOENT' || code === 'ENOTDIR';
    return { ok: false, reason: missing ? 'vanished' : 'unreadable', detail: `open failed (${code})`, missing };
  }
  let st: fs.Stats;
  try {
    st = fs.fstatSync(fd);
  } catch (err) {
    fs.closeSync(fd);
    return { ok: false, reason: 'unreadable', detail: `stat failed (${(err as NodeJS.ErrnoException).code})`, missing: false };
  }
  if (!st.isFile()) {
    fs.closeSync(fd);
    return { ok: false, reason: 'not_regular_file', detail: `not a regular file (${fileType(st)}); not read`, missing: false };
  }
  return { ok: true, fd, st };
}

/** `true` for a path that is (or links to) a regular file; no open, so nothing can block. */
export function isRegularFile(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

export type ReadWhole = { ok: true; data: Buffer; st: fs.Stats } | { ok: false; reason: SkipReason; detail: string; missing: boolean };

/**
 * Reads a regular file whole, refusing one larger than `maxBytes` (checked on the
 * descriptor's size and again while reading, in case it grows).
 */
export function readRegularFile(file: string, maxBytes = SIDE_FILE_MAX_BYTES): ReadWhole {
  const o = openRegular(file);
  if (!o.ok) return o;
  try {
    if (o.st.size > maxBytes) return tooLarge(o.st.size, maxBytes);
    let buf = Buffer.allocUnsafe(Math.min(maxBytes + 1, Math.max(o.st.size + 1, 4096)));
    let n = 0;
    for (;;) {
      if (n === buf.length) {
        if (n > maxBytes) return tooLarge(n, maxBytes);
        const bigger = Buffer.allocUnsafe(Math.min(maxBytes + 1, n * 2)); // it grew while being read
        buf.copy(bigger, 0, 0, n);
        buf = bigger;
      }
      const r = fs.readSync(o.fd, buf, n, buf.length - n, n);
      if (r === 0) break;
      n += r;
    }
    if (n > maxBytes) return tooLarge(n, maxBytes);
    return { ok: true, data: buf.subarray(0, n), st: o.st };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { ok: false, reason: code === 'ENOENT' ? 'vanished' : 'unreadable', detail: `read failed (${code})`, missing: false };
  } finally {
    fs.closeSync(o.fd);
  }
}

function tooLarge(size: number, max: number): ReadWhole {
  return { ok: false, reason: 'too_large', detail: `larger than ${max} bytes (${size}+); not read`, missing: false };
}

function fileType(st: fs.Stats): string {
  if (st.isFIFO()) return 'FIFO';
  if (st.isCharacterDevice()) return 'character device';
  if (st.isBlockDevice()) return 'block device';
  if (st.isSocket()) return 'socket';
  if (st.isDirectory()) return 'directory';
  return 'special file';
}
