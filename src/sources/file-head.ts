/**
 * A tailed file's identity beyond its inode: a hash of its first bytes, so a file
 * rewritten in place (same inode, new content) is noticed and read again.
 */
import fs from 'node:fs';
import { createHash } from 'node:crypto';

/** How many leading bytes identify a file's content. */
export const HEAD_BYTES = 256;

export function headHash(buf: Buffer): string {
  return createHash('sha1').update(buf).digest('base64url');
}

/** The first `len` bytes of an open file (fewer if it is shorter). */
export function readHead(fd: number, len: number): Buffer {
  const b = Buffer.alloc(len);
  const n = fs.readSync(fd, b, 0, len, 0);
  return b.subarray(0, n);
}

/** true when the file still starts with the bytes a cursor recorded. */
export function headMatches(fd: number, cursor: { head: string; headLen: number }): boolean {
  return headHash(readHead(fd, cursor.headLen)) === cursor.head;
}
