/**
 * Cursors of the SQLite store source: the per-store cursor (file signature, rowid hint
 * watermark, deletion signals, last sweep) and the per-session cursor (last seq consumed),
 * their keys, and the signature/hash helpers that decide whether anything changed.
 */
import fs from 'node:fs';
import { createHash } from 'node:crypto';
import type { Cursor } from '../../model.js';

/** Persisted per store: what the last complete poll saw. */
export interface StoreCursor extends Cursor {
  v: 1;
  /** file signature (main file identity, size, mtime; WAL size and mtime) */
  sig: string;
  /** dev:ino of the main file */
  ino: string;
  /** max(rowid) of transcript_events when the last poll started (the hint watermark) */
  w: number | null;
  /** deletion signals (counts/max rowids of metadata, archive and rewrite tables) */
  del: string;
  /** epoch ms of the last full sweep */
  swept: number;
}

/** Persisted per session: the last seq consumed and the rewrite generation seen then. */
export interface SessionCursor extends Cursor {
  seq: number;
  gen?: string | null;
}

export function storeCursorKey(file: string): string {
  return `sqlite:${file}`;
}
export function sessionCursorPrefix(file: string): string {
  return `sqlite:${file}#`;
}

/**
 * The file signature of a store: if neither the main file nor its WAL changed, no
 * transaction committed since (writes go to the WAL, checkpoints to the main file).
 */
export function fileSignature(file: string): { sig: string; ino: string } {
  const s = fs.statSync(file, { bigint: true });
  let wal = '-';
  try {
    const w = fs.statSync(`${file}-wal`, { bigint: true });
    // An empty WAL (e.g. created by a reader) holds no data.
    if (w.size > 0n) wal = `${w.ino}:${w.size}:${w.mtimeNs}`;
  } catch {
    // no WAL: rollback-journal mode, or a cleanly closed WAL database
  }
  return { sig: `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}|${wal}`, ino: `${s.dev}:${s.ino}` };
}

export function hashOf(v: unknown): string {
  return createHash('sha1').update(JSON.stringify(v)).digest('base64url');
}
