/**
 * The original exporter's counter families (messages, the four token types,
 * errors) from ledger totals. Shared by the live renderer and `clawmeter
 * backfill`, so both produce the same series with the same labels and folding.
 */
import type { TotalsRow } from '../../ledger/ledger.js';
import type { Sample } from './exposition.js';
import { add, list, scrub, type Acc } from './labels.js';
import { METRICS, type MetricDef } from './metrics.js';

export function seedCounterFamilies(totals: Iterable<TotalsRow>, fold: (m: string) => string): Array<[MetricDef, Sample[]]> {
  const messages: Acc = new Map();
  const tok = { input: new Map() as Acc, output: new Map() as Acc, cacheRead: new Map() as Acc, cacheWrite: new Map() as Acc };
  const errors: Acc = new Map();
  for (const t of totals) {
    const model = scrub(fold(t.model));
    const provider = scrub(t.provider);
    if (t.errorCategory) {
      add(errors, { model, provider, reason: t.errorCategory }, t.messages);
      continue;
    }
    add(messages, { model, provider, session_kind: t.seedKind }, t.messages);
    const pm = { model, provider };
    add(tok.input, pm, t.input);
    add(tok.output, pm, t.output);
    add(tok.cacheRead, pm, t.cacheRead);
    add(tok.cacheWrite, pm, t.cacheWrite);
  }
  return [
    [METRICS.codexMessages, list(messages)],
    [METRICS.codexInputTokens, list(tok.input)],
    [METRICS.codexOutputTokens, list(tok.output)],
    [METRICS.codexCacheReadTokens, list(tok.cacheRead)],
    [METRICS.codexCacheWriteTokens, list(tok.cacheWrite)],
    [METRICS.codexErrors, list(errors)],
  ];
}
