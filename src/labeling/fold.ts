/**
 * Sticky folding of free-text label values (models, agents, channels) into
 * `other`, decided at ingest time by the derived-state source and committed into
 * the ledger, so the Prometheus families stay a pure read of the ledger.
 *
 * Counters must never decrease, and moving a value *out* of `other` would decrease
 * `other`. So each decision is made once, when the value is first seen (largest
 * lifetime message counts first while places are free), persisted, and kept for
 * good, across restarts: a value already exported under its own name keeps it, and
 * newcomers past the limit are exported as `other`. Lowering the limit later folds
 * the smallest admitted values (that only moves counts *into* `other`); raising it
 * admits new values only.
 *
 * Between a value's first call and the end of that ingest cycle it is undecided:
 * it is exported under its own name while places are free, and as `other` once
 * they are all taken (where it would be folded anyway).
 */
import type { Cursor } from '../model.js';

export const FOLD_KEY = 'derived:model-fold';
export const AGENT_FOLD_KEY = 'derived:agent-fold';
export const CHANNEL_FOLD_KEY = 'derived:channel-fold';
export const OTHER = 'other';
export const OTHER_MODEL = OTHER;

/** Defaults that never bind on a normal install. */
export const DEFAULT_MAX_MODELS = 25;
export const DEFAULT_MAX_AGENTS = 100;
export const DEFAULT_MAX_CHANNELS = 100;

export interface FoldState extends Cursor {
  max: number;
  admitted: string[];
  folded: string[];
}

/** The next fold state: `counts` holds every value seen so far with its lifetime message count. */
export function nextFold(prev: FoldState | undefined, maxValues: number, counts: Map<string, number>): FoldState {
  const max = Math.max(1, Math.floor(maxValues));
  const admitted = new Set(prev?.admitted ?? []);
  const folded = new Set(prev?.folded ?? []);
  const byCount = (a: string, b: string) => (counts.get(b) ?? 0) - (counts.get(a) ?? 0) || (a < b ? -1 : a > b ? 1 : 0);
  if (admitted.size > max) {
    const keep = [...admitted].sort(byCount);
    for (const m of keep.slice(max)) {
      admitted.delete(m);
      folded.add(m);
    }
  }
  const fresh = [...counts.keys()].filter((m) => !admitted.has(m) && !folded.has(m) && m !== OTHER).sort(byCount);
  for (const m of fresh) {
    if (admitted.size < max) admitted.add(m);
    else folded.add(m);
  }
  return { max, admitted: [...admitted].sort(), folded: [...folded].sort() };
}

/** Maps a value to its label value under a fold state (see the module comment for undecided values). */
export function folder(state: FoldState | undefined): (value: string) => string {
  if (!state) return (v) => v;
  const full = state.admitted.length >= state.max;
  if (state.folded.length === 0 && !full) return (v) => v;
  const admitted = new Set(state.admitted);
  const folded = new Set(state.folded);
  return (v) => (admitted.has(v) ? v : folded.has(v) || full ? OTHER : v);
}

/** The model folder (kept under its first name). */
export const modelFolder = folder;

/** The three folders of a ledger's committed state. */
export interface Folders {
  model: (v: string) => string;
  agent: (v: string) => string;
  channel: (v: string) => string;
}

export function foldersOf(get: (key: string) => Cursor | undefined): Folders {
  return {
    model: folder(get(FOLD_KEY) as FoldState | undefined),
    agent: folder(get(AGENT_FOLD_KEY) as FoldState | undefined),
    channel: folder(get(CHANNEL_FOLD_KEY) as FoldState | undefined),
  };
}
