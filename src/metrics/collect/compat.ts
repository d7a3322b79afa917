/**
 * The original exporter's families (openclaw_codex_*), names, types and labels
 * kept: the counters (messages, the four token types, errors) from ledger totals,
 * shared by the live scrape and `clawmeter backfill` so both produce the same
 * series with the same labels and folding; the active-session gauge, the last run
 * time and the seconds until each auth profile expires.
 */
import type { TotalsRow } from '../../ledger/ledger.js';
import { compatIndexKind } from '../../parse/session-kind.js';
import { foldersOf } from '../../labeling/fold.js';
import { accountLabel, scrub } from '../../labeling/privacy.js';
import { add, list, max, type Acc } from '../accumulate.js';
import { family, single, type MetricFamily } from '../points.js';
import { METRICS } from '../table.js';
import type { CollectInput } from './input.js';

export function compatCounterFamilies(totals: Iterable<TotalsRow>, fold: (m: string) => string, startMs: number | null): MetricFamily[] {
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
    add(messages, { model, provider, session_kind: t.compatKind }, t.messages);
    const pm = { model, provider };
    add(tok.input, pm, t.input);
    add(tok.output, pm, t.output);
    add(tok.cacheRead, pm, t.cacheRead);
    add(tok.cacheWrite, pm, t.cacheWrite);
  }
  return [
    family(METRICS.codexMessages, list(messages), startMs),
    family(METRICS.codexInputTokens, list(tok.input), startMs),
    family(METRICS.codexOutputTokens, list(tok.output), startMs),
    family(METRICS.codexCacheReadTokens, list(tok.cacheRead), startMs),
    family(METRICS.codexCacheWriteTokens, list(tok.cacheWrite), startMs),
    family(METRICS.codexErrors, list(errors), startMs),
  ];
}

/** The last run time as its gauge family (live: the ledger's; backfill: the history step's). */
export function lastRunFamily(lastCallMs: number | null): MetricFamily {
  return family(METRICS.codexLastRun, single(lastCallMs === null ? null : lastCallMs / 1000));
}

/** The compat families that depend only on the read model (built once per ledger version). */
export function compatStableFamilies(input: CollectInput): MetricFamily[] {
  const ledger = input.ledger;
  const kinds: Acc = new Map();
  for (const sess of ledger.activeSessions()) add(kinds, { kind: compatIndexKind(sess.sessionKey) }, 1);
  return [
    ...compatCounterFamilies(input.totals, foldersOf((k) => ledger.get(k)).model, input.startMs),
    family(METRICS.codexActiveSessions, list(kinds)),
    lastRunFamily(ledger.lastCallTimestampMs()),
  ];
}

/** Seconds until each auth profile expires: one series per label set (several agents may share a profile). */
export function oauthExpiryFamily(input: CollectInput): MetricFamily {
  const expiry: Acc = new Map();
  for (const p of input.ledger.authProfiles()) {
    if (p.expiresMs === null) continue;
    const labels = {
      account: accountLabel(p.profileId, p.email, input.showAccountEmails),
      plan: p.plan ?? 'unknown',
      provider: scrub(p.provider),
    };
    max(expiry, labels, Math.max(0, (p.expiresMs - input.nowMs) / 1000));
  }
  return family(METRICS.codexOauthExpiry, list(expiry));
}
