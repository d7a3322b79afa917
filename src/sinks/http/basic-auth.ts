/**
 * HTTP basic authentication against the web config's bcrypt hashes. bcrypt
 * itself is bcryptjs; this module adds what exporter-toolkit does around it:
 * an unknown user is checked against a dummy hash of the highest configured cost
 * (so the answer takes as long as for a known user with a wrong password), and a
 * successful check is remembered under an HMAC of user, password and hash with a
 * per-process random key (bounded, so a busy scraper does not pay the bcrypt cost
 * on every scrape and the cache keeps no password). The cost in each hash is
 * honoured: bcrypt reads it from the hash.
 */
import crypto from 'node:crypto';
import bcrypt from 'bcryptjs';

const CACHE_MAX = 256;

export interface Credentials {
  user: string;
  password: string;
}

/** The user and password of an `Authorization: Basic ...` header, or null. */
export function parseBasicAuth(header: string | undefined): Credentials | null {
  if (!header) return null;
  const m = /^Basic[ \t]+([A-Za-z0-9+/=]{1,4096})[ \t]*$/i.exec(header);
  if (!m) return null;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export class BasicAuth {
  private readonly users: Map<string, string>;
  /** The hash an unknown user is checked against ('' without users: nothing is checked, and a start pays no bcrypt). */
  private readonly dummy: string;
  private readonly hmacKey = crypto.randomBytes(32);
  /** HMAC -> true, insertion-ordered for eviction. */
  private readonly good = new Map<string, true>();

  constructor(users: Record<string, string>) {
    this.users = new Map(Object.entries(users));
    const costs = [...this.users.values()].map((h) => Number(h.slice(4, 6)));
    this.dummy = costs.length > 0 ? bcrypt.hashSync(crypto.randomBytes(16).toString('hex'), Math.max(...costs)) : '';
  }

  get enabled(): boolean {
    return this.users.size > 0;
  }

  /** True when the credentials match a configured user. Never throws. */
  async check(c: Credentials | null): Promise<boolean> {
    if (!c || this.users.size === 0) return false;
    const hash = this.users.get(c.user);
    const key = crypto.createHmac('sha256', this.hmacKey).update(c.user).update('\0').update(c.password).update('\0').update(hash ?? '').digest('base64');
    if (hash !== undefined && this.good.has(key)) return true;
    let ok: boolean;
    try {
      // Same work for an unknown user as for a known one.
      ok = await bcrypt.compare(c.password, hash ?? this.dummy);
    } catch {
      ok = false;
    }
    if (!ok || hash === undefined) return false;
    if (this.good.size >= CACHE_MAX) this.good.delete(this.good.keys().next().value as string);
    this.good.set(key, true);
    return true;
  }
}
