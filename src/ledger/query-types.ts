/**
 * Types of the ledger's typed read queries (reads.ts) and of the query API built
 * on them (src/query/): the dimensions a call can be grouped and filtered by, and
 * the measures every aggregate reports.
 */

/** A dimension of a call that rows can be grouped and filtered by. */
export type Dimension = 'agent' | 'channel' | 'kind' | 'chatType' | 'provider' | 'model' | 'errorCategory' | 'source';

export const DIMENSIONS: readonly Dimension[] = ['agent', 'channel', 'kind', 'chatType', 'provider', 'model', 'errorCategory', 'source'];

/** Keeps calls whose value is one of the listed ones, per dimension (absent or empty = no filter). */
export type Filter = Partial<Record<Dimension, string[]>>;

/** The sums every aggregate carries. */
export interface Measures {
  /** successful calls (no error category) */
  messages: number;
  /** calls with an error category */
  errors: number;
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  /** input + output + cacheRead + cacheWrite */
  totalTokens: number;
  /** cost as recorded, estimates included */
  costUsd: number;
  /** the part of costUsd clawmeter estimated from its pricing table */
  costEstimatedUsd: number;
}

/** One group of an aggregate: the values of the grouped dimensions and the sums. */
export type GroupRow = Partial<Record<Dimension, string>> & Measures;

/** A raw aggregate row from the ledger: the interval it belongs to, dimension values, sums. */
export interface IntervalRow {
  /** index of the interval in the edges passed to the query */
  i: number;
  /** values of the grouped dimensions, in the order they were asked for */
  dims: string[];
  sums: Measures;
}

/** One failed call, newest first in recentErrors(). */
export interface ErrorCall {
  tsMs: number;
  agent: string;
  channel: string;
  provider: string;
  model: string;
  category: string;
  source: string;
}

export function emptyMeasures(): Measures {
  return { messages: 0, errors: 0, input: 0, output: 0, cacheRead: 0, cacheWrite: 0, totalTokens: 0, costUsd: 0, costEstimatedUsd: 0 };
}

export function addMeasures(into: Measures, m: Measures): void {
  into.messages += m.messages;
  into.errors += m.errors;
  into.input += m.input;
  into.output += m.output;
  into.cacheRead += m.cacheRead;
  into.cacheWrite += m.cacheWrite;
  into.totalTokens += m.totalTokens;
  into.costUsd += m.costUsd;
  into.costEstimatedUsd += m.costEstimatedUsd;
}
