/**
 * Output of the demo generator: buffered 0600 files, joined lines and the ISO/archive/fork
 * timestamp formats written into names and rows.
 */
import fs from 'node:fs';

// ---------------------------------------------------------------------------
// Output

export const NL = 10;
export const BAD_UTF8 = Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xa0, 0xa1]);

export function writeAll(fd: number, buf: Buffer, start: number, end: number): void {
  let off = start;
  while (off < end) off += fs.writeSync(fd, buf, off, end - off);
}

/**
 * One output file (mode 0600) assembled in a large byte buffer: small JSON pieces are
 * encoded in place, bulk text is copied from the pools, and complete lines are written
 * with writeSync in multi-megabyte chunks.
 */
export class Out {
  private fd: number;
  private buf: Buffer;
  private pos = 0;
  private lineStart = 0;
  private flushed = 0;

  constructor(file: string, cap = 8 << 20) {
    this.fd = fs.openSync(file, 'wx', 0o600);
    this.buf = Buffer.allocUnsafe(cap);
  }

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    // write the complete lines, keep the partial one at the front
    if (this.lineStart > 0) {
      writeAll(this.fd, this.buf, 0, this.lineStart);
      this.flushed += this.lineStart;
      this.buf.copy(this.buf, 0, this.lineStart, this.pos);
      this.pos -= this.lineStart;
      this.lineStart = 0;
    }
    if (this.pos + n > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
      this.buf.copy(bigger, 0, 0, this.pos);
      this.buf = bigger;
    }
  }

  /** Appends a string (UTF-8). */
  s(str: string): void {
    this.room(str.length * 3);
    this.pos += this.buf.write(str, this.pos, 'utf8');
  }

  /** Appends raw bytes. */
  b(src: Buffer, start: number, end: number): void {
    this.room(end - start);
    src.copy(this.buf, this.pos, start, end);
    this.pos += end - start;
  }

  /** Terminates the current line; returns a copy of it (without the newline) when asked. */
  end(copy: boolean): Buffer | null {
    const line = copy ? Buffer.from(this.buf.subarray(this.lineStart, this.pos)) : null;
    this.room(1);
    this.buf[this.pos++] = NL;
    this.lineStart = this.pos;
    return line;
  }

  /** Bytes written so far, including the buffered ones. */
  size(): number {
    return this.flushed + this.pos;
  }

  close(): void {
    writeAll(this.fd, this.buf, 0, this.pos);
    this.flushed += this.pos;
    this.pos = 0;
    this.lineStart = 0;
    fs.closeSync(this.fd);
  }
}

export function writeFile600(file: string, data: string | Buffer): number {
  const fd = fs.openSync(file, 'wx', 0o600);
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  writeAll(fd, buf, 0, buf.length);
  fs.closeSync(fd);
  return buf.length;
}

/** Lines (without newlines) joined into one newline-terminated buffer. */
export function joinLines(lines: Buffer[]): Buffer {
  const parts: Buffer[] = [];
  const nl = Buffer.from('\n');
  for (const l of lines) parts.push(l, nl);
  return Buffer.concat(parts);
}

let isoMin = NaN;
let isoHead = '';
export const PAD2 = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
export const PAD3 = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));

/** new Date(ms).toISOString() for integer ms, with the per-minute part cached. */
export function iso(ms: number): string {
  const min = Math.floor(ms / 60_000);
  if (min !== isoMin) {
    isoMin = min;
    isoHead = new Date(min * 60_000).toISOString().slice(0, 17);
  }
  const r = ms - min * 60_000;
  const sec = Math.floor(r / 1000);
  return `${isoHead}${PAD2[sec]}.${PAD3[r - sec * 1000]}Z`;
}

/** Archive suffix timestamp: ISO with ':' replaced by '-' (2026-11-21T17-21-18.764Z). */
export function archiveTs(ms: number): string {
  return iso(ms).replace(/:/g, '-');
}

/** Fork/successor file prefix: ISO with ':' and '.' replaced by '-' (2026-08-05T01-47-31-793Z). */
export function forkTs(ms: number): string {
  return iso(ms).replace(/[:.]/g, '-');
}
