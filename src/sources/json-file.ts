/**
 * Helper for sources that read one small JSON file whole when it changes
 * (sessions.json, auth-profiles.json, auth-state.json). Only a regular file of at
 * most SIDE_FILE_MAX_BYTES is read (see safe-open.ts).
 */
import fs from 'node:fs';
import type { Cursor, PollContext } from '../model.js';
import { readRegularFile } from './safe-open.js';

export interface JsonFileCursor extends Cursor {
  ino: number;
  size: number;
  mtimeMs: number;
}

export type JsonFileRead =
  | { state: 'unchanged' }
  | { state: 'missing'; hadCursor: boolean }
  | { state: 'failed' }
  | { state: 'changed'; value: unknown; cursor: JsonFileCursor };

/** Reads `file` when its identity (inode, size, mtime) differs from the cursor. */
export function readJsonIfChanged(file: string, cursorKey: string, ctx: PollContext): JsonFileRead {
  const prev = ctx.cursors.get(cursorKey) as JsonFileCursor | undefined;
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { state: 'missing', hadCursor: Boolean(prev) };
    ctx.report({ reason: 'unreadable', where: file, detail: `stat failed (${code})` });
    return { state: 'failed' };
  }
  if (prev && prev.ino === st.ino && prev.size === st.size && prev.mtimeMs === st.mtimeMs) return { state: 'unchanged' };
  if (!st.isFile()) {
    // A FIFO would block the read for good, a device (/dev/zero) never ends: refused.
    ctx.report({ reason: 'not_regular_file', where: file, detail: 'not a regular file; not read' });
    return { state: 'failed' };
  }
  const r = readRegularFile(file);
  if (!r.ok) {
    ctx.report({ reason: r.reason, where: file, detail: r.detail });
    return { state: 'failed' };
  }
  st = r.st;
  const text = r.data.toString('utf8');
  try {
    return { state: 'changed', value: JSON.parse(text), cursor: { ino: st.ino, size: st.size, mtimeMs: st.mtimeMs } };
  } catch {
    // Possibly caught mid-write by a non-atomic writer: report and retry next cycle.
    ctx.report({ reason: 'malformed_json', where: file, detail: 'not valid JSON; previous contents kept' });
    return { state: 'failed' };
  }
}

export function asRecord(v: unknown): Record<string, unknown> | null {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}
