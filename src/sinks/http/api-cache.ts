/**
 * Rendered /api/v1/ answers, kept as bytes (plain and, on first demand, gzip),
 * keyed by (data version, path, normalized query), like the /metrics body cache.
 * 100 dashboards polling the same summary then cost one ledger query per version
 * instead of one per request.
 *
 * Freshness. Every entry belongs to one data version (the ledger's read model plus
 * the ingest cycle count, the same version /metrics renders on): when it changes
 * the whole cache is dropped. Answers also depend on the clock: `range=24h`,
 * `summary` (today, the rolling window) and `quota` are computed back from "now".
 * Without a new commit such an answer would drift out of its range for ever, so an
 * entry is also re-rendered once it is `maxAgeMs` old (or the clock went back):
 * no answer is ever staler than the last commit or `maxAgeMs`, whichever is
 * later. `sources/health` is live state and is never cached; only 200 answers are.
 *
 * Bounds: at most `maxEntries` answers and `maxBytes` (plain plus gzip) at once,
 * least recently used first out; an answer whose plain form is larger than an
 * eighth of `maxBytes` (a quarter, with room for its gzip form) is
 * served without being kept. The key holds every parameter, sorted by name (see
 * cacheKey), so a cache-busting `?_=123` costs one entry of the bounded cache.
 *
 * Each answer has a strong ETag (a hash of its bytes, suffixed per encoding) and
 * `Cache-Control: private, no-cache`: a browser may keep it and revalidate with
 * If-None-Match (a 304, see server.ts), a shared cache may not keep it.
 */
import crypto from 'node:crypto';
import zlib from 'node:zlib';
import { apiReply, type ApiDeps, type ApiReply } from '../api/handlers.js';

export interface ApiCacheLimits {
  maxEntries: number;
  maxBytes: number;
  maxAgeMs: number;
}

export interface CachedApiReply extends Omit<ApiReply, 'body'> {
  body: string | Buffer;
  gzip?: () => Buffer;
  etag?: string;
}

interface Entry {
  key: string;
  at: number;
  reply: ApiReply;
  plain: Buffer;
  gz: Buffer | null;
  etag: string;
  bytes: number;
}

/** Never cached: live ingest state, cheap to compute. */
const LIVE = new Set(['/api/v1/sources/health']);

/**
 * The cache key of a request: path plus every parameter, sorted by name (a stable
 * sort: the order of repeated values is kept, it orders `by`). Every parameter, not
 * only those the endpoints read today: a parameter added to an endpoint can never
 * be served an answer computed without it.
 */
export function cacheKey(path: string, params: URLSearchParams): string {
  const kept = new URLSearchParams(params);
  kept.sort();
  const q = kept.toString();
  return q ? `${path}?${q}` : path;
}

export class ApiCache {
  private version: string | null = null;
  private entries = new Map<string, Entry>();
  private bytes = 0;
  /** answers computed (a miss, a stale entry, or an uncacheable request) */
  renders = 0;
  /** answers served from the cache */
  hits = 0;

  constructor(
    private readonly api: ApiDeps,
    /** the data version; null: no caching (every request renders) */
    private readonly versionOf: (() => string) | null,
    private readonly limits: ApiCacheLimits,
  ) {}

  get size(): { entries: number; bytes: number } {
    return { entries: this.entries.size, bytes: this.bytes };
  }

  get(path: string, params: URLSearchParams): CachedApiReply {
    const now = (this.api.now ?? Date.now)();
    if (!this.versionOf || LIVE.has(path)) return this.render(path, params);
    const v = this.versionOf();
    if (v !== this.version) {
      this.entries.clear();
      this.bytes = 0;
      this.version = v;
    }
    const key = cacheKey(path, params);
    const e = this.entries.get(key);
    if (e && now >= e.at && now - e.at < this.limits.maxAgeMs) {
      this.hits++;
      this.entries.delete(key); // most recently used last
      this.entries.set(key, e);
      return this.replyOf(e);
    }
    if (e) this.drop(key, e);
    const reply = apiReply(this.api, path, params);
    this.renders++;
    if (reply.status !== 200) return reply;
    const plain = Buffer.from(reply.body, 'utf8');
    const etag = `"${crypto.createHash('sha1').update(plain).digest('base64url').slice(0, 22)}"`;
    const entry: Entry = { key, at: now, reply, plain, gz: null, etag, bytes: plain.length };
    if (plain.length * 2 <= this.limits.maxBytes / 4 && this.limits.maxEntries > 0) {
      this.entries.set(key, entry);
      this.bytes += entry.bytes;
      this.evict();
    }
    return this.replyOf(entry);
  }

  private render(path: string, params: URLSearchParams): CachedApiReply {
    this.renders++;
    return apiReply(this.api, path, params);
  }

  private replyOf(e: Entry): CachedApiReply {
    return {
      ...e.reply,
      body: e.plain,
      etag: e.etag,
      headers: { ...e.reply.headers, 'Cache-Control': 'private, no-cache' },
      gzip: () => {
        if (e.gz === null) {
          e.gz = zlib.gzipSync(e.plain, { level: 6 });
          // Counted when made; the entry may already have been evicted (then it is not ours to count).
          if (this.entries.get(e.key) === e) {
            e.bytes += e.gz.length;
            this.bytes += e.gz.length;
            this.evict();
          }
        }
        return e.gz;
      },
    };
  }

  private drop(key: string, e: Entry): void {
    this.entries.delete(key);
    this.bytes -= e.bytes;
  }

  private evict(): void {
    for (const [k, e] of this.entries) {
      if (this.entries.size <= this.limits.maxEntries && this.bytes <= this.limits.maxBytes) break;
      this.drop(k, e);
    }
  }
}
