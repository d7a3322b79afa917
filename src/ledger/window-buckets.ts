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

function addSums(into: Map<string, SumRow>, key: string, provider: string, model: string, s: Sums, sign: 1 | -1): void {
  const r = into.get(key);
  if (r) {
    r.messages += sign * s[0];
    r.input += sign * s[1];
    r.output += sign * s[2];
    r.cacheRead += sign * s[3];
    r.cacheWrite += sign * s[4];
    if (r.messages === 0) into.delete(key);
  } else if (sign === 1) {
    into.set(key, { provider, model, messages: s[0], input: s[1], output: s[2], cacheRead: s[3], cacheWrite: s[4] });
  }
}

/** Running sums of one window over the whole minutes lo..hi, moved as the clock moves. */
interface WindowState {
  lo: number;
  hi: number;
  sums: Map<string, SumRow>;
}

export class WindowBuckets {
  /** minute index -> provider\0model -> sums */
  private minutes = new Map<number, Map<string, Sums>>();
  /** provider\0model -> [provider, model] */
  private names = new Map<string, [string, string]>();
  /** per window (name and length): its running sums */
  private states = new Map<string, WindowState>();
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
    // The load sums whole minutes in SQL (what add() would build call by call, in half
    // the time; it runs at the end of each process's first cycle, a restart's included).
    this.loadStmt = db
      .prepare(
        `SELECT (ts_ms - ((ts_ms % ${MINUTE}) + ${MINUTE}) % ${MINUTE}) / ${MINUTE} AS m, provider, model, count(*), sum(input), sum(output), sum(cache_read), sum(cache_write)
      FROM calls WHERE ts_ms > ? AND ts_ms <= ? AND stop_reason != 'error' GROUP BY m, provider, model`,
      )
      .raw();
  }

  /** Records a committed call (ignored until loaded, and for errors or implausible times). */
  add(c: Addable): void {
    if (this.from === null || c.stopReason === 'error' || !(c.tsMs > this.from) || c.tsMs > this.now() + FUTURE_SLACK_MS) return;
    this.addMinute(Math.floor(c.tsMs / MINUTE), c.provider, c.model, [1, c.input, c.output, c.cacheRead, c.cacheWrite]);
  }

  /** Adds one minute's sums of one provider/model (a call, or a loaded minute). */
  private addMinute(m: number, provider: string, model: string, one: Sums): void {
    let per = this.minutes.get(m);
    if (!per) this.minutes.set(m, (per = new Map()));
    const k = `${provider}\u0000${model}`;
    if (!this.names.has(k)) this.names.set(k, [provider, model]);
    const s = per.get(k);
    if (s) for (let i = 0; i < 5; i++) s[i] += one[i];
    else per.set(k, one.slice() as Sums);
    for (const st of this.states.values()) if (m >= st.lo && m <= st.hi) addSums(st.sums, k, provider, model, one, 1);
  }

  private load(fromMs: number, nowMs: number): void {
    this.minutes = new Map();
    this.states = new Map();
    this.from = Math.floor(fromMs / MINUTE) * MINUTE - 1;
    // m: the floor of ts / MINUTE (exact integer arithmetic), as add() takes it
    for (const [m, provider, model, ...sums] of this.loadStmt.all(this.from, nowMs + FUTURE_SLACK_MS) as Array<[number, string, string, ...Sums]>) {
      this.addMinute(m, provider, model, sums);
    }
  }

  /** Drops minutes no window can reach any more (all windows already start at or after keepFromMs). */
  private prune(keepFromMs: number): void {
    const first = Math.floor(keepFromMs / MINUTE);
    if (this.from === null || first * MINUTE - 1 <= this.from + SLACK_MS) return;
    for (const m of this.minutes.keys()) if (m < first) this.minutes.delete(m);
    this.from = first * MINUTE - 1;
  }

  /** Adds (sign 1) or removes (-1) the whole minutes a..b to a window's sums. */
  private apply(st: WindowState, a: number, b: number, sign: 1 | -1): void {
    for (let m = a; m <= b; m++) {
      const per = this.minutes.get(m);
      if (!per) continue;
      for (const [k, s] of per) {
        const [provider, model] = this.names.get(k)!;
        addSums(st.sums, k, provider, model, s, sign);
      }
    }
  }

  /** Moves a window's running sums to the whole minutes lo..hi. */
  private move(id: string, lo: number, hi: number): WindowState {
    let st = this.states.get(id);
    if (!st || lo > st.hi || hi < st.lo) {
      st = { lo, hi, sums: new Map() };
      this.apply(st, lo, hi, 1);
      this.states.set(id, st);
      return st;
    }
    if (lo > st.lo) this.apply(st, st.lo, lo - 1, -1);
    else if (lo < st.lo) this.apply(st, lo, st.lo - 1, 1);
    if (hi > st.hi) this.apply(st, st.hi + 1, hi, 1);
    else if (hi < st.hi) this.apply(st, hi + 1, st.hi, -1);
    st.lo = lo;
    st.hi = hi;
    return st;
  }

  /** The rows of every window at nowMs: completed calls with now - window < ts <= now. */
  refresh(windows: Array<{ name: string; ms: number }>, nowMs: number): WindowRow[] {
    if (windows.length === 0) return [];
    const longest = Math.max(...windows.map((w) => w.ms));
    const lo = nowMs - longest;
    if (this.from === null || lo <= this.from) this.load(lo - SLACK_MS, nowMs);
    const out: WindowRow[] = [];
    const live = new Set<string>();
    for (const w of windows) {
      const id = `${w.name}\u0000${w.ms}`;
      live.add(id);
      const low = nowMs - w.ms; // exclusive
      const mLo = Math.floor(low / MINUTE) + 1; // first whole minute inside
      const mHi = Math.floor((nowMs + 1) / MINUTE) - 1; // last whole minute inside
      const st = this.move(id, mLo, mHi);
      const acc = new Map<string, SumRow>();
      for (const [k, r] of st.sums) acc.set(k, { ...r });
      // the partial minutes at both edges, exactly, from the ts index
      const edges: Array<[number, number]> = [
        [low, mLo * MINUTE],
        [(mHi + 1) * MINUTE - 1, nowMs + 1],
      ];
      for (const [a, b] of edges) {
        for (const r of this.rangeStmt.all(a, b) as SumRow[]) {
          addSums(acc, `${r.provider}\u0000${r.model}`, r.provider, r.model, [r.messages, r.input, r.output, r.cacheRead, r.cacheWrite], 1);
        }
      }
      const rows = [...acc.values()].sort((x, y) => (x.provider < y.provider ? -1 : x.provider > y.provider ? 1 : x.model < y.model ? -1 : x.model > y.model ? 1 : 0));
      for (const r of rows) out.push({ ...r, window: w.name });
    }
    for (const id of this.states.keys()) if (!live.has(id)) this.states.delete(id);
    this.prune(lo - SLACK_MS); // after the windows moved: they subtract the minutes they leave
    return out;
  }
}
