/**
 * Helper for sources that read one small JSON file whole when it changes
 * (sessions.json, auth-profiles.json, auth-state.json).
 */
import fs from 'node:fs';
import type { Cursor, PollContext } from '../model.js';

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
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    ctx.report({ reason: code === 'ENOENT' ? 'vanished' : 'unreadable', where: file, detail: `read failed (${code})` });
    return { state: 'failed' };
  }
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
