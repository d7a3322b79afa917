/**
 * The privacy rule for gateway log records before they leave the machine: logger
 * names with email-shaped parts hashed, and the message (the one content-bearing
 * field) dropped, or, with otel.captureContent.enabled, cut to MAX_BODY characters
 * with emails hashed and token-shaped strings and `key=`/`token=`/`Authorization:`
 * values replaced by `<redacted>`.
 */
import type { GatewayLogRecord } from '../model.js';
import { scrub } from './privacy.js';

export const MAX_BODY = 1024;
const TOKENISH = /\b(?:sk-[A-Za-z0-9_-]{6,}|rt-[A-Za-z0-9_-]{6,}|eyJ[A-Za-z0-9_.-]{10,}|[A-Za-z0-9_-]{32,})\b/g;
const SECRET_PAIR = /\b(access|refresh|key|token|secret|password|authorization)(["']?\s*[:=]\s*["']?)(?:Bearer\s+)?[^\s"',}]+/gi;

/** The bounded, redacted body a record may carry when content capture is on. */
export function redactedBody(message: string): string {
  return scrub(message.slice(0, MAX_BODY)).replace(SECRET_PAIR, '$1$2<redacted>').replace(TOKENISH, '<redacted>');
}

/** The record as it may be exported: message '' unless bodies are on (then redacted). */
export function exportableLogRecord(r: GatewayLogRecord, bodies: boolean): GatewayLogRecord {
  return { ...r, logger: scrub(r.logger), parents: r.parents.map(scrub), message: bodies ? redactedBody(r.message) : '' };
}
