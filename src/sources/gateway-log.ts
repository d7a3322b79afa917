/**
 * OpenClaw's JSON log file as a source of log records for the OTLP export:
 * `logging.file`, default `/tmp/openclaw/openclaw-YYYY-MM-DD.log` (rolled daily,
 * YYYY-MM-DD the local date), tailed from a byte offset per file (the cursor the
 * caller commits after the collector acknowledged). Only complete lines are read; a
 * file that shrank or was replaced (another inode) is read again from its start;
 * yesterday's file is finished before today's. Lines that are not log JSON are
 * counted and skipped.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseGatewayLogLine, type GatewayLogRecord } from '../parse/gateway-log-line.js';
import { openRegular } from './safe-open.js';

export const DEFAULT_GATEWAY_LOG = '/tmp/openclaw/openclaw-YYYY-MM-DD.log';
const DATE = 'YYYY-MM-DD';
const MAX_LINE = 1024 * 1024;

export interface LogCursor {
  ino: number;
  offset: number;
}

export interface LogChunk {
  file: string;
  records: GatewayLogRecord[];
  malformed: number;
  cursor: LogCursor;
  /** more complete lines wait past this chunk */
  more: boolean;
}

function localDate(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

export function logCursorKey(file: string): string {
  return `otel-log:${path.resolve(file)}`;
}

export class GatewayLogSource {
  constructor(private readonly pattern: string = DEFAULT_GATEWAY_LOG) {}

  /** The files to read now, oldest first: yesterday's and today's for a dated pattern. */
  files(nowMs: number): string[] {
    if (!this.pattern.includes(DATE)) return [this.pattern];
    return [localDate(nowMs - 86_400_000), localDate(nowMs)].map((d) => this.pattern.replace(DATE, d));
  }

  /** Up to maxBytes of complete lines of `file` after `cursor`; null when the file is not there (or not a regular file). */
  read(file: string, cursor: LogCursor | undefined, maxBytes = 1024 * 1024): LogChunk | null {
    const o = openRegular(file);
    if (!o.ok) return null;
    try {
      const ino = o.st.ino;
      let offset = cursor && cursor.ino === ino && cursor.offset <= o.st.size ? cursor.offset : 0;
      const want = Math.min(o.st.size - offset, maxBytes);
      const buf = Buffer.alloc(Math.max(0, want));
      const got = want > 0 ? fs.readSync(o.fd, buf, 0, want, offset) : 0;
      const records: GatewayLogRecord[] = [];
      let malformed = 0;
      let start = 0;
      for (let nl = buf.indexOf(10, 0); nl !== -1 && nl < got; nl = buf.indexOf(10, start)) {
        const line = buf.toString('utf8', start, nl).trim();
        start = nl + 1;
        if (!line) continue;
        const r = parseGatewayLogLine(line);
        if (r) records.push(r);
        else malformed++;
      }
      if (start === 0 && got >= maxBytes && maxBytes >= MAX_LINE) {
        // one line longer than a chunk: skip it whole, counted
        start = got;
        malformed++;
      }
      offset += start;
      return { file, records, malformed, cursor: { ino, offset }, more: offset < o.st.size && start > 0 };
    } finally {
      fs.closeSync(o.fd);
    }
  }
}
