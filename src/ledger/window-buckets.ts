/**
 * Rolling-window totals (openclaw_usage_window_*) without a scan of the window per
 * cycle: completed calls are kept in memory as per-minute sums per provider/model,
 * loaded once (on the first refresh, for the longest window) and updated by each
 * commit. A refresh adds the whole minutes inside (now - window, now] from memory
 * and asks SQLite, through the ts index, only for the two partial minutes at the
 * edges, so results stay exact while the cost depends on the window, not on the
 * size of the history.
 */
import type Database from 'better-sqlite3';
import { FUTURE_SLACK_MS } from '../bounds.js';
import type { WindowRow } from './types.js';

const MINUTE = 60_000;
/** Extra history kept below the longest window, so a clock stepping back a little needs no reload. */
const SLACK_MS = 3_600_000;

type Sums = [messages: number, input: number, output: number, cacheRead: number, cacheWrite: number];

interface Addable {
  tsMs: number;
  provider: string;
  model: string;
  stopReason: string;
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

interface SumRow {
  provider: string;
  model: string;
  messages: number;
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

export class WindowBuckets {
  /** minute index -> provider\0model -> sums */
  private minutes = new Map<number, Map<string, Sums>>();
  /** Every completed call with from < ts (plausible at the time) is in `minutes`; null = not loaded. */
  private from: number | null = null;
  private readonly rangeStmt: Database.Statement;
  private readonly loadStmt: Database.Statement;

  constructor(
    db: Database.Database,
    private readonly now: () => number,
  ) {
    this.rangeStmt = db.prepare(`SELECT provider, model, count(*) AS messages, total(input) AS input, total(output) AS output,
        total(cache_read) AS cacheRead, total(cache_write) AS cacheWrite
      FROM calls WHERE ts_ms > ? AND ts_ms < ? AND stop_reason != 'error' GROUP BY provider, model`);
    this.loadStmt = db.prepare(`SELECT ts_ms AS tsMs, provider, model, stop_reason AS stopReason, input, output,
        cache_read AS cacheRead, cache_write AS cacheWrite
      FROM calls WHERE ts_ms > ? AND ts_ms <= ? AND stop_reason != 'error'`);
  }

  /** Records a committed call (ignored until loaded, and for errors or implausible times). */
  add(c: Addable): void {
    if (this.from === null || c.stopReason === 'error' || !(c.tsMs > this.from) || c.tsMs > this.now() + FUTURE_SLACK_MS) return;
    const m = Math.floor(c.tsMs / MINUTE);
    let per = this.minutes.get(m);
    if (!per) this.minutes.set(m, (per = new Map()));
    const k = `${c.provider}\u0000${c.model}`;
    const s = per.get(k);
    if (s) {
      s[0] += 1;
      s[1] += c.input;
      s[2] += c.output;
      s[3] += c.cacheRead;
      s[4] += c.cacheWrite;
    } else per.set(k, [1, c.input, c.output, c.cacheRead, c.cacheWrite]);
  }

  private load(fromMs: number, nowMs: number): void {
    this.minutes = new Map();
    this.from = Math.floor(fromMs / MINUTE) * MINUTE - 1;
    for (const c of this.loadStmt.iterate(this.from, nowMs + FUTURE_SLACK_MS) as IterableIterator<Addable>) this.add(c);
  }

  /** Drops minutes no window can reach any more. */
  private prune(keepFromMs: number): void {
    const first = Math.floor(keepFromMs / MINUTE);
    if (this.from === null || first * MINUTE - 1 <= this.from + SLACK_MS) return;
    for (const m of this.minutes.keys()) if (m < first) this.minutes.delete(m);
    this.from = first * MINUTE - 1;
  }

  /** The rows of every window at nowMs: completed calls with now - window < ts <= now. */
  refresh(windows: Array<{ name: string; ms: number }>, nowMs: number): WindowRow[] {
    if (windows.length === 0) return [];
    const longest = Math.max(...windows.map((w) => w.ms));
    const lo = nowMs - longest;
    if (this.from === null || lo <= this.from) this.load(lo - SLACK_MS, nowMs);
    else this.prune(lo - SLACK_MS);
    const out: WindowRow[] = [];
    for (const w of windows) {
      const low = nowMs - w.ms; // exclusive
      const mLo = Math.floor(low / MINUTE) + 1; // first whole minute inside
      const mHi = Math.floor((nowMs + 1) / MINUTE) - 1; // last whole minute inside
      const acc = new Map<string, SumRow>();
      const merge = (provider: string, model: string, s: Sums) => {
        const k = `${provider}\u0000${model}`;
        const r = acc.get(k);
        if (r) {
          r.messages += s[0];
          r.input += s[1];
          r.output += s[2];
          r.cacheRead += s[3];
          r.cacheWrite += s[4];
        } else acc.set(k, { provider, model, messages: s[0], input: s[1], output: s[2], cacheRead: s[3], cacheWrite: s[4] });
      };
      for (const [m, per] of this.minutes) {
        if (m < mLo || m > mHi) continue;
        for (const [k, s] of per) {
          const i = k.indexOf('\u0000');
          merge(k.slice(0, i), k.slice(i + 1), s);
        }
      }
      // the partial minutes at both edges, exactly, from the ts index
      const edges: Array<[number, number]> = [
        [low, mLo * MINUTE],
        [(mHi + 1) * MINUTE - 1, nowMs + 1],
      ];
      for (const [a, b] of edges) {
        for (const r of this.rangeStmt.all(a, b) as SumRow[]) merge(r.provider, r.model, [r.messages, r.input, r.output, r.cacheRead, r.cacheWrite]);
      }
      const rows = [...acc.values()].sort((x, y) => (x.provider < y.provider ? -1 : x.provider > y.provider ? 1 : x.model < y.model ? -1 : x.model > y.model ? 1 : 0));
      for (const r of rows) out.push({ ...r, window: w.name });
    }
    return out;
  }
}
