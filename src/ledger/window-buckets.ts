/**
 * Rolling-window totals (openclaw_usage_window_*) without a scan of the window per
 * cycle: completed calls (stop reason other than `error`) are kept in memory as
 * quarter-hour sums per provider/model, loaded once (on the first refresh, for the
 * longest window) and updated by each commit. A refresh adds the whole quarters
 * inside (now - window, now] from memory and asks SQLite, through the ts index,
 * only for the two partial quarters at the edges, so results stay exact while the
 * cost depends on the window, not on the size of the history.
 *
 * The load reads the ledger's quarter-hour pre-aggregates (`call_buckets`,
 * quarter-buckets.ts, written in the same transaction as the calls) instead of the
 * calls themselves: a week of the 1 GB bench history is about 2,400 bucket rows
 * against 52,000 calls, 15 instead of 130-150 ms, which every process pays once
 * (a restart, the statusline, each report, the end of a backfill). The buckets
 * split calls by error category, the windows by stop reason; every parser gives an
 * error call a category and no other call one, but a ledger row may disagree (an
 * older writer, a hand-made row), so the load corrects for exactly those rows,
 * found through the two partial indexes on error rows (calls_errors,
 * calls_stop_errors: a few hundred rows a week).
 */
import type Database from 'better-sqlite3';
import { FUTURE_SLACK_MS } from '../bounds.js';
import { QUARTER_MS } from './quarter-buckets.js';
import type { WindowRow } from './types.js';

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
  } else if (sign === 1 && s[0] !== 0) {
    into.set(key, { provider, model, messages: s[0], input: s[1], output: s[2], cacheRead: s[3], cacheWrite: s[4] });
  }
}

/** Running sums of one window over the whole quarters lo..hi, moved as the clock moves. */
interface WindowState {
  lo: number;
  hi: number;
  sums: Map<string, SumRow>;
}

/** The quarter index holding ts (floor, as quarterOf() in quarter-buckets.ts). */
const quarterIndex = (ts: number): number => Math.floor(ts / QUARTER_MS);

export class WindowBuckets {
  /** quarter index -> provider\0model -> sums */
  private quarters = new Map<number, Map<string, Sums>>();
  /** provider\0model -> [provider, model] */
  private names = new Map<string, [string, string]>();
  /** per window (name and length): its running sums */
  private states = new Map<string, WindowState>();
  /** Every completed call with from < ts (plausible at the time) is in `quarters`; null = not loaded. */
  private from: number | null = null;
  private readonly rangeStmt: Database.Statement;
  private readonly loadStmt: Database.Statement;
  private readonly fixStmt: Database.Statement;

  constructor(
    db: Database.Database,
    private readonly now: () => number,
  ) {
    this.rangeStmt = db.prepare(`SELECT provider, model, count(*) AS messages, total(input) AS input, total(output) AS output,
        total(cache_read) AS cacheRead, total(cache_write) AS cacheWrite
      FROM calls WHERE ts_ms > ? AND ts_ms < ? AND stop_reason != 'error' GROUP BY provider, model`);
    // The buckets of calls without an error category (the completed ones, but for the rows fixStmt finds).
    this.loadStmt = db
      .prepare(
        `SELECT start_ms, provider, model, sum(messages), sum(input), sum(output), sum(cache_read), sum(cache_write)
      FROM call_buckets WHERE start_ms >= ? AND start_ms < ? AND error_category = '' GROUP BY start_ms, provider, model`,
      )
      .raw();
    // Rows whose error category and stop reason disagree: an error without a category
    // (in the buckets above, not completed) and a completed call with one (not above).
    this.fixStmt = db
      .prepare(
        `SELECT ts_ms, provider, model, input, output, cache_read, cache_write, -1 FROM calls
           WHERE stop_reason = 'error' AND ts_ms >= ? AND ts_ms < ? AND coalesce(error_category, '') = ''
         UNION ALL
         SELECT ts_ms, provider, model, input, output, cache_read, cache_write, 1 FROM calls
           WHERE error_category IS NOT NULL AND ts_ms >= ? AND ts_ms < ? AND error_category != '' AND stop_reason != 'error'`,
      )
      .raw();
  }

  /** Records a committed call (ignored until loaded, and for errors or implausible times). */
  add(c: Addable): void {
    if (this.from === null || c.stopReason === 'error' || !(c.tsMs > this.from) || c.tsMs > this.now() + FUTURE_SLACK_MS) return;
    this.addQuarter(quarterIndex(c.tsMs), c.provider, c.model, [1, c.input, c.output, c.cacheRead, c.cacheWrite], 1);
  }

  /** Adds (or removes) one quarter's sums of one provider/model (a call, or a loaded bucket). */
  private addQuarter(k: number, provider: string, model: string, one: Sums, sign: 1 | -1): void {
    let per = this.quarters.get(k);
    if (!per) this.quarters.set(k, (per = new Map()));
    const key = `${provider}\u0000${model}`;
    if (!this.names.has(key)) this.names.set(key, [provider, model]);
    const s = per.get(key);
    if (s) {
      for (let i = 0; i < 5; i++) s[i] += sign * one[i];
      if (s[0] === 0) per.delete(key); // no call left: nothing to add (counts and tokens are exact integers)
    } else per.set(key, sign === 1 ? (one.slice() as Sums) : (one.map((v) => -v) as Sums));
    for (const st of this.states.values()) if (k >= st.lo && k <= st.hi) addSums(st.sums, key, provider, model, one, sign);
  }

  /**
   * Loads the sums of completed calls with fromMs <= ts <= nowMs + FUTURE_SLACK_MS (a
   * call further ahead is implausible and never enters a window, as in add()): whole
   * quarters from the buckets, corrected for the rows fixStmt finds; the quarter
   * holding the plausibility limit from the calls themselves.
   */
  private load(fromMs: number, nowMs: number): void {
    this.quarters = new Map();
    this.states = new Map();
    const first = quarterIndex(fromMs);
    this.from = first * QUARTER_MS - 1;
    const start = first * QUARTER_MS;
    const limit = nowMs + FUTURE_SLACK_MS;
    const end = quarterIndex(limit) * QUARTER_MS; // the quarter holding the limit: below, from its calls
    for (const [q, provider, model, ...sums] of this.loadStmt.all(start, end) as Array<[number, string, string, ...Sums]>) {
      this.addQuarter(quarterIndex(q), provider, model, sums, 1);
    }
    for (const [ts, provider, model, input, output, cacheRead, cacheWrite, sign] of this.fixStmt.all(start, end, start, end) as Array<
      [number, string, string, number, number, number, number, 1 | -1]
    >) {
      this.addQuarter(quarterIndex(ts), provider, model, [1, input, output, cacheRead, cacheWrite], sign);
    }
    const part = new Map<string, SumRow>();
    this.addRange(part, Math.max(end, start) - 1, limit + 1);
    for (const r of part.values()) this.addQuarter(quarterIndex(end), r.provider, r.model, [r.messages, r.input, r.output, r.cacheRead, r.cacheWrite], 1);
  }

  /** Drops quarters no window can reach any more (all windows already start at or after keepFromMs). */
  private prune(keepFromMs: number): void {
    const first = quarterIndex(keepFromMs);
    if (this.from === null || first * QUARTER_MS - 1 <= this.from + SLACK_MS) return;
    for (const k of this.quarters.keys()) if (k < first) this.quarters.delete(k);
    this.from = first * QUARTER_MS - 1;
  }

  /** Adds (sign 1) or removes (-1) the whole quarters a..b to a window's sums. */
  private apply(st: WindowState, a: number, b: number, sign: 1 | -1): void {
    for (let k = a; k <= b; k++) {
      const per = this.quarters.get(k);
      if (!per) continue;
      for (const [key, s] of per) {
        const [provider, model] = this.names.get(key)!;
        addSums(st.sums, key, provider, model, s, sign);
      }
    }
  }

  /** Moves a window's running sums to the whole quarters lo..hi (lo <= hi). */
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

  /** Adds the completed calls with a < ts < b, exactly, from the ts index. */
  private addRange(acc: Map<string, SumRow>, a: number, b: number): void {
    if (b - a <= 1) return;
    for (const r of this.rangeStmt.all(a, b) as SumRow[]) {
      addSums(acc, `${r.provider}\u0000${r.model}`, r.provider, r.model, [r.messages, r.input, r.output, r.cacheRead, r.cacheWrite], 1);
    }
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
      const low = nowMs - w.ms; // exclusive
      const kLo = quarterIndex(low) + 1; // first whole quarter inside
      const kHi = quarterIndex(nowMs + 1) - 1; // last whole quarter inside
      const acc = new Map<string, SumRow>();
      if (kLo > kHi) {
        this.addRange(acc, low, nowMs + 1); // no whole quarter inside: the window from the index alone
      } else {
        live.add(id);
        for (const [key, r] of this.move(id, kLo, kHi).sums) acc.set(key, { ...r });
        // the partial quarters at both edges, exactly, from the ts index
        this.addRange(acc, low, kLo * QUARTER_MS);
        this.addRange(acc, (kHi + 1) * QUARTER_MS - 1, nowMs + 1);
      }
      const rows = [...acc.values()].sort((x, y) => (x.provider < y.provider ? -1 : x.provider > y.provider ? 1 : x.model < y.model ? -1 : x.model > y.model ? 1 : 0));
      for (const r of rows) out.push({ ...r, window: w.name });
    }
    for (const id of this.states.keys()) if (!live.has(id)) this.states.delete(id);
    this.prune(lo - SLACK_MS); // after the windows moved: they subtract the quarters they leave
    return out;
  }
}
