/**
 * zstd decoding for archives and large SQLite events: node:zlib where the running
 * Node has it (>= 22.15 / 23.8), the pure-JS fzstd decoder otherwise (Node 20).
 * Archives are decoded as a stream (`zstdStream`) so memory stays bounded whatever
 * an archive decodes to; small SQLite events are decoded whole (`zstdDecompress`).
 */
import fs from 'node:fs';
import zlib from 'node:zlib';
import { Decompress, decompress as fzstdDecompress } from 'fzstd';

type ZstdSync = (buf: Uint8Array) => Buffer;
const native: ZstdSync | undefined = (zlib as unknown as { zstdDecompressSync?: ZstdSync }).zstdDecompressSync;
const nativeStream = (zlib as unknown as { createZstdDecompress?: () => NodeJS.ReadWriteStream }).createZstdDecompress;

/** Which decoder is in use, for logs and docs. */
export const zstdDecoder: 'node:zlib' | 'fzstd' = native ? 'node:zlib' : 'fzstd';

/** Largest window a frame may declare (zstd's own default decoder limit, 2^27). */
export const MAX_WINDOW_BYTES = 128 * 1024 * 1024;

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

/**
 * The window a zstd frame header declares (the memory a decoder needs), or null
 * when `buf` does not start with a complete frame header.
 */
export function frameWindowBytes(buf: Uint8Array): number | null {
  if (!isZstdFrame(buf) || buf.length < 6) return null;
  const flg = buf[4];
  const singleSegment = (flg >> 5) & 1;
  if (!singleSegment) {
    const wb = 2 ** (10 + (buf[5] >> 3));
    return wb + (wb / 8) * (buf[5] & 7);
  }
  // single segment: the window is the content size
  const fcf = flg >> 6;
  const dictBytes = [0, 1, 2, 4][flg & 3];
  const sizeBytes = fcf === 0 ? 1 : 1 << fcf;
  const at = 5 + dictBytes;
  if (buf.length < at + sizeBytes) return null;
  let size = 0;
  for (let i = sizeBytes - 1; i >= 0; i--) size = size * 256 + buf[at + i];
  return fcf === 1 ? size + 256 : size;
}

const READ_CHUNK = 1 << 20;

/**
 * Decoded chunks of the zstd file open at `fd`, as they come: at most about one
 * compressed read and its output are held at a time. Throws on corrupt input or a
 * frame whose window exceeds MAX_WINDOW_BYTES.
 */
export async function* zstdStream(fd: number): AsyncGenerator<Buffer> {
  const first = Buffer.allocUnsafe(READ_CHUNK);
  const n = fs.readSync(fd, first, 0, READ_CHUNK, 0);
  const window = frameWindowBytes(first.subarray(0, n));
  if (window !== null && window > MAX_WINDOW_BYTES) throw new Error(`frame window of ${window} bytes exceeds ${MAX_WINDOW_BYTES}`);
  if (nativeStream) {
    const input = fs.createReadStream('', { fd, autoClose: false, start: 0, highWaterMark: READ_CHUNK });
    const decoder = input.pipe(nativeStream());
    try {
      for await (const chunk of decoder as AsyncIterable<Buffer>) yield chunk;
    } finally {
      input.unpipe();
      input.destroy();
    }
    return;
  }
  let out: Buffer[] = [];
  const d = new Decompress((chunk) => {
    if (chunk.length > 0) out.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  });
  // fzstd decodes every complete block of a push at once, and a block of 4 bytes can
  // decode to 128 KiB: the compressed bytes are walked block by block (frameWalker)
  // and pushed at most BLOCKS_PER_PUSH blocks at a time, so one push yields at most
  // 4 MiB however dense the input; the walk also checks every frame's window.
  const walk = frameWalker();
  let pending: Buffer = first.subarray(0, n);
  let pos = n;
  let eof = n === 0;
  for (;;) {
    const cut = walk(pending, eof);
    if (cut > 0 || eof) {
      const final = eof && cut === pending.length;
      d.push(pending.subarray(0, cut), final);
      pending = pending.subarray(cut);
      if (out.length > 0) {
        const ready = out;
        out = [];
        yield* ready;
      }
      if (final) return;
      if (eof && cut === 0) throw new Error('truncated zstd frame');
      if (cut > 0) continue;
    }
    const next = Buffer.allocUnsafe(READ_CHUNK);
    const m = await readAt(fd, next, pos);
    pos += m;
    if (m === 0) eof = true;
    else pending = pending.length === 0 ? next.subarray(0, m) : Buffer.concat([pending, next.subarray(0, m)]);
  }
}

const BLOCKS_PER_PUSH = 32;

/**
 * A walker over the structure of a zstd stream (frame headers, block headers,
 * checksums, skippable frames) that decodes nothing: given the bytes not yet pushed,
 * it returns how many of them to push next (whole units, at most BLOCKS_PER_PUSH
 * blocks; 0 when more input is needed). Throws on a malformed header or a window
 * above MAX_WINDOW_BYTES.
 */
function frameWalker(): (buf: Buffer, eof: boolean) => number {
  let state: 'frame' | 'block' | 'checksum' = 'frame';
  let checksum = false;
  return (buf, eof) => {
    let at = 0;
    let blocks = 0;
    while (blocks < BLOCKS_PER_PUSH) {
      const rest = buf.length - at;
      if (state === 'frame') {
        if (rest < 8) break;
        const magic = buf.readUInt32LE(at);
        if ((magic & 0xfffffff0) === 0x184d2a50) {
          const len = 8 + buf.readUInt32LE(at + 4);
          if (rest < len) break;
          at += len;
          continue;
        }
        if (magic !== 0xfd2fb528) throw new Error('not a zstd frame');
        const flg = buf[at + 4];
        const ss = (flg >> 5) & 1;
        const fcf = flg >> 6;
        const headerLen = 5 + (ss ? 0 : 1) + [0, 1, 2, 4][flg & 3] + (fcf === 0 ? ss : 1 << fcf);
        if (rest < headerLen) break;
        const window = frameWindowBytes(buf.subarray(at, at + headerLen));
        if (window !== null && window > MAX_WINDOW_BYTES) throw new Error(`frame window of ${window} bytes exceeds ${MAX_WINDOW_BYTES}`);
        checksum = ((flg >> 2) & 1) === 1;
        at += headerLen;
        state = 'block';
      } else if (state === 'block') {
        if (rest < 3) break;
        const h = buf[at] | (buf[at + 1] << 8) | (buf[at + 2] << 16);
        const type = (h >> 1) & 3;
        if (type === 3) throw new Error('reserved zstd block type');
        const len = 3 + (type === 1 ? 1 : h >>> 3);
        if (rest < len) break;
        at += len;
        blocks++;
        if (h & 1) state = checksum ? 'checksum' : 'frame';
      } else {
        if (rest < 4) break;
        at += 4;
        state = 'frame';
      }
    }
    if (eof && at === buf.length && state !== 'frame') throw new Error('truncated zstd frame');
    return at;
  };
}

function readAt(fd: number, buf: Buffer, position: number): Promise<number> {
  return new Promise((resolve, reject) => fs.read(fd, buf, 0, buf.length, position, (err, n) => (err ? reject(err) : resolve(n))));
}
