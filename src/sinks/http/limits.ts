/**
 * The HTTP endpoint's bounds, in one place: header and URL size, the timeouts
 * that stop a slow or idle client from holding a connection, the connection cap,
 * how stale a cached /metrics body or API answer may get, and how much the API
 * answer cache may hold. Also what counts as a loopback
 * address (for the "no auth on a public address" warning and for hiding file
 * system paths from remote clients on the landing page).
 */
import net from 'node:net';

export interface HttpLimits {
  /** request line plus headers; larger gets 431 */
  maxHeaderBytes: number;
  /** request target; longer gets 414 */
  maxUrlBytes: number;
  /** time to receive the complete headers */
  headersTimeoutMs: number;
  /** time to receive the complete request */
  requestTimeoutMs: number;
  /** idle time between requests on a keep-alive connection */
  keepAliveTimeoutMs: number;
  /** a connection with no traffic either way for this long is closed (a client that stops reading) */
  idleTimeoutMs: number;
  /** how often Node checks the header and request timeouts */
  checkIntervalMs: number;
  /** open connections at once; more are closed on accept */
  maxConnections: number;
  /** a cached /metrics body is re-rendered after this long even without new data */
  bodyMaxAgeMs: number;
  /** a cached /api/v1/ answer is re-rendered after this long even without new data (ranges back from "now" move) */
  apiMaxAgeMs: number;
  /** API answers kept at once */
  apiCacheEntries: number;
  /** bytes of API answers (plain plus gzip) kept at once */
  apiCacheBytes: number;
}

export const DEFAULT_LIMITS: HttpLimits = {
  maxHeaderBytes: 8 * 1024,
  maxUrlBytes: 2048,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 65_000,
  idleTimeoutMs: 120_000,
  checkIntervalMs: 1_000,
  maxConnections: 1024,
  bodyMaxAgeMs: 1_000,
  apiMaxAgeMs: 2_000,
  apiCacheEntries: 256,
  apiCacheBytes: 16 * 1024 * 1024,
};

/** 127.0.0.0/8, ::1 and IPv4-mapped loopback. */
export function isLoopbackAddress(addr: string | undefined): boolean {
  if (!addr) return false;
  const a = addr.startsWith('::ffff:') ? addr.slice(7) : addr;
  if (net.isIPv4(a)) return a.startsWith('127.');
  return a === '::1';
}

/** A --listen host that only this machine can reach (a name other than localhost counts as public). */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || isLoopbackAddress(host);
}
