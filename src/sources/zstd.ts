/**
 * zstd decoding for archives and large SQLite events: node:zlib where the running
 * Node has it (>= 22.15 / 23.8), the pure-JS fzstd decoder otherwise (Node 20).
 */
import zlib from 'node:zlib';
import { decompress as fzstdDecompress } from 'fzstd';

type ZstdSync = (buf: Uint8Array) => Buffer;
const native: ZstdSync | undefined = (zlib as unknown as { zstdDecompressSync?: ZstdSync }).zstdDecompressSync;

/** Which decoder is in use, for logs and docs. */
export const zstdDecoder: 'node:zlib' | 'fzstd' = native ? 'node:zlib' : 'fzstd';

/** Decompresses one zstd frame sequence; throws on corrupt input. */
export function zstdDecompress(buf: Uint8Array): Buffer {
  if (native) return native(buf);
  const out = fzstdDecompress(buf);
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
}

/** true when the bytes start with the zstd frame magic number. */
export function isZstdFrame(buf: Uint8Array): boolean {
  return buf.length >= 4 && buf[0] === 0x28 && buf[1] === 0xb5 && buf[2] === 0x2f && buf[3] === 0xfd;
}
