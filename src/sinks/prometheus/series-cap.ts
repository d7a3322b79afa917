/**
 * The --max-series cap on domain samples per scrape, fair across families and
 * stable across scrapes.
 *
 * - Fair: half the cap is reserved in equal shares, one per capped family
 *   (`floor(max / (2 * families))` samples each), so a family always keeps at least
 *   its share whatever the others hold; the other half is a shared pool, handed out
 *   one series at a time, round robin across the families that want more.
 * - Stable: the renderer remembers which series each family exported last time and
 *   keeps them whatever comes new; only newcomers are dropped when there is no room.
 *   A series that stops existing is forgotten (if it comes back it is a newcomer).
 *   Since the remembered series fit the cap when they were admitted, they still do.
 *
 * A histogram series (its _bucket, _sum and _count samples) is kept or dropped
 * whole. Within a family, newcomers are admitted in sample (label) order.
 */
import type { Sample } from './exposition.js';

interface Series {
  key: string;
  size: number;
}

/** The series a sample belongs to: its labels without the histogram's `le`. */
export function seriesKey(s: Sample): string {
  let k = '';
  for (const n in s.labels) if (n !== 'le') k += `${n}=${s.labels[n]}\u0000`;
  return k;
}

export interface CappedFamily {
  name: string;
  samples: Sample[];
}

/** Series keys of a sample list; cached per list (the renderer reuses lists while the ledger is unchanged). */
const keyCache = new WeakMap<Sample[], string[]>();
function keysOf(samples: Sample[]): string[] {
  let keys = keyCache.get(samples);
  if (!keys) {
    keys = samples.map(seriesKey);
    keyCache.set(samples, keys);
  }
  return keys;
}

export class SeriesCap {
  /** samples left out, over the renderer's lifetime */
  dropped = 0;
  /**
   * Per family, what it exported last time: its series keys, or, after an uncapped
   * scrape, its sample list, whose keys are only computed when a later scrape has to
   * cap (an uncapped scrape, the common case, then builds no key at all).
   */
  private exported = new Map<string, Set<string> | Sample[]>();

  constructor(private readonly max: number) {}

  /** The samples each family keeps this scrape (same order as given). */
  apply(families: CappedFamily[]): Sample[][] {
    const total = families.reduce((n, f) => n + f.samples.length, 0);
    const max = Math.max(0, Math.floor(this.max));
    const share = families.length === 0 ? 0 : Math.floor(max / (2 * families.length));
    const pool = max - share * families.length;
    if (total <= max) {
      for (const f of families) this.exported.set(f.name, f.samples);
      return families.map((f) => f.samples);
    }

    const state = families.map((f) => {
      const sizes = new Map<string, number>();
      for (const k of keysOf(f.samples)) sizes.set(k, (sizes.get(k) ?? 0) + 1);
      const before = this.before(f.name);
      const keep = new Set<string>();
      const fresh: Series[] = [];
      let used = 0;
      for (const [key, size] of sizes) {
        if (before?.has(key)) {
          keep.add(key);
          used += size;
        } else fresh.push({ key, size });
      }
      return { keep, fresh, next: 0, used, done: false };
    });

    let excess = state.reduce((n, s) => n + Math.max(0, s.used - share), 0);
    // Phase 1: every family up to its share.
    for (const s of state) {
      while (s.next < s.fresh.length && s.used + s.fresh[s.next].size <= share) {
        s.keep.add(s.fresh[s.next].key);
        s.used += s.fresh[s.next++].size;
      }
    }
    // Phase 2: the shared pool, one series per family per round.
    let progress = true;
    while (progress) {
      progress = false;
      for (const s of state) {
        if (s.done || s.next >= s.fresh.length) continue;
        const ser = s.fresh[s.next];
        const more = Math.max(0, s.used + ser.size - share) - Math.max(0, s.used - share);
        if (excess + more > pool) {
          s.done = true;
          continue;
        }
        excess += more;
        s.used += ser.size;
        s.keep.add(ser.key);
        s.next++;
        progress = true;
      }
    }

    return families.map((f, i) => {
      const keep = state[i].keep;
      this.exported.set(f.name, keep);
      const keys = keysOf(f.samples);
      const kept = f.samples.filter((_, j) => keep.has(keys[j]));
      this.dropped += f.samples.length - kept.length;
      return kept;
    });
  }

  /** The series keys a family exported last time (undefined: none remembered). */
  private before(name: string): Set<string> | undefined {
    const e = this.exported.get(name);
    if (e === undefined || e instanceof Set) return e;
    const keys = new Set(keysOf(e));
    this.exported.set(name, keys);
    return keys;
  }
}
