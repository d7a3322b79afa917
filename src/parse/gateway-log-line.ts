/**
 * One line of OpenClaw's JSON log file (`logging.file`, tslog's JSON layout, as a
 * real 2026.9.6 gateway writes it): `time`, `_meta.logLevelId`/`logLevelName`,
 * `_meta.name` (the logger: "openclaw" or `{"subsystem":"gateway"}`),
 * `_meta.parentNames`, `_meta.path.fileNameWithLine` / `method` (code location),
 * the rendered `message`, and top-level `traceId`/`spanId`/`traceFlags` when the
 * line was logged inside a diagnostic trace. Only these fields are kept: the
 * numbered argument objects, host names, file paths and session ids are dropped.
 * `message` is the one content-bearing field; callers decide whether it leaves.
 */
import type { GatewayLogRecord } from '../model.js';

export type { GatewayLogRecord };

/** tslog level ids: 0 silly, 1 trace, 2 debug, 3 info, 4 warn, 5 error, 6 fatal. */
const SEVERITY = [1, 1, 5, 9, 13, 17, 21];
const TEXT = ['TRACE', 'TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'];

function str(v: unknown, max = 200): string | null {
  return typeof v === 'string' && v !== '' ? v.slice(0, max) : null;
}

/** `{"subsystem":"gateway"}` reads as `gateway`; other names as written (bounded). */
function loggerName(v: unknown): string {
  const s = str(v);
  if (!s) return 'openclaw';
  if (s.startsWith('{')) {
    try {
      const o = JSON.parse(s) as Record<string, unknown>;
      const sub = str(o.subsystem) ?? str(o.module);
      if (sub) return sub;
    } catch {
      // not JSON: keep the text
    }
  }
  return s;
}

export function parseGatewayLogLine(line: string): GatewayLogRecord | null {
  let d: unknown;
  try {
    d = JSON.parse(line);
  } catch {
    return null;
  }
  if (!d || typeof d !== 'object' || Array.isArray(d)) return null;
  const o = d as Record<string, unknown>;
  const meta = (o._meta && typeof o._meta === 'object' ? o._meta : {}) as Record<string, unknown>;
  const timeMs = Date.parse(String(o.time ?? meta.date ?? ''));
  if (!Number.isFinite(timeMs)) return null;
  const id = typeof meta.logLevelId === 'number' && meta.logLevelId >= 0 && meta.logLevelId <= 6 ? Math.floor(meta.logLevelId) : 3;
  const p = (meta.path && typeof meta.path === 'object' ? meta.path : {}) as Record<string, unknown>;
  const traceId = typeof o.traceId === 'string' && /^[0-9a-f]{32}$/.test(o.traceId) && !/^0+$/.test(o.traceId) ? o.traceId : null;
  const spanId = traceId && typeof o.spanId === 'string' && /^[0-9a-f]{16}$/.test(o.spanId) ? o.spanId : null;
  const flags = typeof o.traceFlags === 'string' && /^[0-9a-f]{2}$/.test(o.traceFlags) ? parseInt(o.traceFlags, 16) : null;
  return {
    timeMs,
    severityNumber: SEVERITY[id],
    severityText: str(meta.logLevelName, 16) ?? TEXT[id],
    logger: loggerName(meta.name),
    parents: Array.isArray(meta.parentNames) ? meta.parentNames.filter((x): x is string => typeof x === 'string').map(loggerName).slice(0, 8) : [],
    codeLocation: str(p.fileNameWithLine),
    codeFunction: str(p.method),
    traceId,
    spanId: traceId ? spanId : null,
    traceFlags: traceId && spanId ? flags : null,
    message: typeof o.message === 'string' ? o.message : '',
  };
}
