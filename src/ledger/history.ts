/**
 * The ledger's history replayed in time order, for `clawmeter backfill`: at each
 * step time T, the totals (calls with ts <= T, aggregated exactly like the read
 * model's totals) and the rolling windows ending at T (like refreshWindows()).
 * Reads the calls table through the ledger's typed reads (reads.ts) in keyset-paged chunks, so memory
 * stays bounded by the open window, not by the ledger size.
 */
import type { Ledger, TotalsRow, WindowRow } from './ledger.js';
import type { WindowSpec } from './windows.js';
import { addCall, callDimsKey, callFromRow, emptyTotals } from './totals.js';
import type { HistoryCallRow } from './reads.js';

export interface HistoryStep {
  tsMs: number;
  totals: TotalsRow[];
  windows: WindowRow[];
  /** newest call timestamp <= tsMs, or null */
  lastCallMs: number | null;
}

type CallRow = HistoryCallRow;

const PAGE = 20_000;

/** The ledger's call time range, or null when it has no call. */
export function callTimeRange(ledger: Ledger): { firstMs: number; lastMs: number } | null {
  return ledger.reads.timeRange();
}

function* callsUpTo(ledger: Ledger, untilMs: number): Generator<CallRow> {
  let lastTs = -Infinity;
  let lastId = -1;
  for (;;) {
    const rows = ledger.reads.callsPage(untilMs, lastTs === -Infinity ? -1e18 : lastTs, lastId, PAGE);
    for (const r of rows) yield r;
    if (rows.length < PAGE) return;
    lastTs = rows[rows.length - 1].ts_ms;
    lastId = rows[rows.length - 1].id;
  }
}

/** Adds one call to its totals row, with the read model's rules (totals.ts, as commits do). */
function addToTotals(map: Map<string, TotalsRow>, row: CallRow): void {
  const c = callFromRow(row);
  const k = callDimsKey(c);
  let t = map.get(k);
  if (!t) map.set(k, (t = emptyTotals(c)));
  addCall(t, c);
}

/** A rolling window's running sums per provider/model (non-error calls in (T - ms, T]). */
class RunningWindow {
  private sums = new Map<string, WindowRow>();
  tail = 0;
  constructor(readonly spec: WindowSpec) {}
  apply(c: CallRow, sign: 1 | -1): void {
    const k = `${c.provider}\u0000${c.model}`;
    let w = this.sums.get(k);
    if (!w) {
      w = { provider: c.provider, model: c.model, window: this.spec.name, messages: 0, input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };
      this.sums.set(k, w);
    }
    w.messages += sign;
    w.input += sign * c.input;
    w.output += sign * c.output;
    w.cacheRead += sign * c.cache_read;
    w.cacheWrite += sign * c.cache_write;
    if (w.messages === 0) this.sums.delete(k);
  }
  rows(): WindowRow[] {
    return [...this.sums.values()].map((w) => ({ ...w }));
  }
}

/**
 * Steps from sinceMs to untilMs (inclusive, every stepMs). The totals object of a
 * step is only valid until the next step is requested.
 */
export function* historySteps(
  ledger: Ledger,
  o: { sinceMs: number; untilMs: number; stepMs: number; windows: WindowSpec[] },
): Generator<HistoryStep> {
  const totals = new Map<string, TotalsRow>();
  const windows = o.windows.map((w) => new RunningWindow(w));
  let recent: CallRow[] = []; // non-error calls still inside some window
  let lastCallMs: number | null = null;
  const calls = callsUpTo(ledger, o.untilMs);
  let next = calls.next();
  for (let t = o.sinceMs; t <= o.untilMs; t += o.stepMs) {
    while (!next.done && next.value.ts_ms <= t) {
      const c = next.value;
      addToTotals(totals, c);
      if (c.ts_ms > 0) lastCallMs = c.ts_ms;
      if (c.stop_reason !== 'error') {
        recent.push(c);
        for (const w of windows) w.apply(c, 1); // removed below once it leaves the window
      }
      next = calls.next();
    }
    for (const w of windows) {
      while (w.tail < recent.length && recent[w.tail].ts_ms <= t - w.spec.ms) {
        w.apply(recent[w.tail], -1);
        w.tail++;
      }
    }
    const minTail = Math.min(...windows.map((w) => w.tail), recent.length);
    if (minTail > 10_000) {
      recent = recent.slice(minTail);
      for (const w of windows) w.tail -= minTail;
    }
    yield { tsMs: t, totals: [...totals.values()], windows: windows.flatMap((w) => w.rows()), lastCallMs };
  }
}
