/**
 * zstd frames for the demo's SQLite stores: node:zlib's compressor when the running Node has
 * one, else valid frames of raw (stored) blocks built by hand (no compressor needed to read
 * them back), or real frames from the `zstd` CLI when asked for.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { spawnSync } from 'node:child_process';

export type ZstdMode = 'auto' | 'raw' | 'cli';

type ZstdCompress = (b: Uint8Array, o?: unknown) => Buffer;
const nativeCompress: ZstdCompress | undefined = (zlib as unknown as { zstdCompressSync?: ZstdCompress }).zstdCompressSync;

/** A valid zstd frame holding `data` in raw (uncompressed) blocks. */
export function zstdRawFrame(data: Uint8Array): Buffer {
  const n = data.length;
  const parts: Buffer[] = [Buffer.from([0x28, 0xb5, 0x2f, 0xfd])];
  // Frame header: single segment, content size of 1, 2, 4 or 8 bytes.
  let fcs: Buffer;
  let flag: number;
  if (n < 256) {
    flag = 0;
    fcs = Buffer.from([n]);
  } else if (n < 65536 + 256) {
    flag = 1;
    fcs = Buffer.alloc(2);
    fcs.writeUInt16LE(n - 256);
  } else if (n < 2 ** 32) {
    flag = 2;
    fcs = Buffer.alloc(4);
    fcs.writeUInt32LE(n);
  } else {
    flag = 3;
    fcs = Buffer.alloc(8);
    fcs.writeBigUInt64LE(BigInt(n));
  }
  parts.push(Buffer.from([(flag << 6) | 0x20]), fcs);
  const BLOCK = 128 * 1024;
  let off = 0;
  do {
    const size = Math.min(BLOCK, n - off);
    const last = off + size >= n ? 1 : 0;
    const h = (size << 3) | (0 << 1) | last; // Raw_Block
    parts.push(Buffer.from([h & 0xff, (h >> 8) & 0xff, (h >> 16) & 0xff]), Buffer.from(data.buffer, data.byteOffset + off, size));
    off += size;
  } while (off < n);
  return Buffer.concat(parts);
}

/** Compresses many buffers with the zstd CLI in one process (real frames on any Node). */
export function zstdCompressManyCli(bufs: Buffer[], level = 3): Buffer[] {
  if (bufs.length === 0) return [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clawmeter-zstd-'));
  try {
    const names = bufs.map((b, i) => {
      const f = path.join(dir, `${i}`);
      fs.writeFileSync(f, b);
      return f;
    });
    const r = spawnSync('zstd', ['-q', `-${level}`, '--rm', '-f', ...names], { stdio: ['ignore', 'ignore', 'pipe'] });
    if (r.status !== 0) throw new Error(`zstd CLI failed: ${r.error?.message ?? r.stderr?.toString()}`);
    return names.map((f) => fs.readFileSync(`${f}.zst`));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export function zstdFrame(data: Uint8Array, mode: ZstdMode = 'auto'): Buffer {
  if (mode === 'cli') return zstdCompressManyCli([Buffer.from(data)])[0];
  if (mode === 'auto' && nativeCompress) return nativeCompress(data);
  return zstdRawFrame(data);
}
