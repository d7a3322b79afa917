/**
 * The ledger's in-memory read model (active sessions, auth profiles, quota
 * reports and estimates, rolling windows) as plain rows with the privacy view
 * applied: no session id, session key, peer id, email, state-dir path or secret;
 * agent, provider and model values scrubbed and profile names hashed as the
 * metrics do (src/labeling/privacy.ts). Reads memory only, never the disk.
 */
import { SOURCE } from '../model.js';
import type { AuthRow, WindowRow } from '../ledger/ledger.js';
import type { LedgerReadModel } from '../ledger/readonly.js';
import { DEFAULT_ACCOUNT, accountLabel, scrub } from '../labeling/privacy.js';
import { safeToken } from '../parse/session-kind.js';
import { ESTIMATES_KEY, REFRESH_LIMIT, mergeQuota, type EstimatesState, type QuotaEstimate } from '../quota/derived.js';

export interface SessionView {
  agent: string;
  channel: string;
  chatType: string;
  kind: string;
  /** last activity the session index reports, epoch ms */
  updatedAtMs: number | null;
}

export interface AuthView {
  agent: string;
  /** profile name with emails hashed (never the email) */
  profile: string;
  provider: string;
  type: string;
  /** agent: the agent's own store; shared: OpenClaw's shared auth store */
  store: 'agent' | 'shared';
  plan: string | null;
  expiresMs: number | null;
  cooldownUntilMs: number | null;
  cooldownReason: string | null;
  disabledUntilMs: number | null;
  disabledReason: string | null;
  failureCounts: Record<string, number>;
}

export interface QuotaWindowView {
  provider: string;
  limit: string;
  window: string;
  /** quota account: `default`, a hash, or `other` (see mergeQuota) */
  account: string;
  windowMinutes: number;
  usedRatio: number;
  resetsAtMs: number | null;
  observedAtMs: number;
  plan: string | null;
}

export interface QuotaView {
  /** the newest report per (provider, limit, window, account) whose window has not reset */
  windows: QuotaWindowView[];
  /** messages-left estimates the ingest loop derived (see docs/quota.md), still current */
  estimates: QuotaEstimate[];
  /** per provider: whether the last quota refresh (polling) succeeded */
  refresh: Array<{ provider: string; ok: boolean }>;
}

/** A rolling window's sums (the ledger's WindowRow) with their token total. */
export type WindowView = WindowRow & { totalTokens: number };

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Active sessions, most recently updated first. */
export function sessionsView(ledger: LedgerReadModel): SessionView[] {
  return ledger
    .activeSessions()
    .map((s) => ({ agent: scrub(s.agent), channel: s.channel, chatType: s.chatType, kind: s.kind, updatedAtMs: s.updatedAtMs }))
    .sort((a, b) => (b.updatedAtMs ?? -1) - (a.updatedAtMs ?? -1) || cmp(a.agent, b.agent));
}

/** Each agent's effective auth profiles (its own win over the shared store's of the same id). */
export function authView(ledger: LedgerReadModel): AuthView[] {
  const effective = new Map<string, AuthRow>();
  for (const p of ledger.authProfiles()) {
    const k = `${p.stateDir}\u0000${p.agent}\u0000${p.profileId}`;
    const prev = effective.get(k);
    if (!prev || (prev.source === SOURCE.sharedAuth && p.source !== SOURCE.sharedAuth)) effective.set(k, p);
  }
  return [...effective.values()]
    .map(
      (p): AuthView => ({
        agent: scrub(p.agent),
        profile: accountLabel(p.profileId, p.email, false),
        provider: safeToken(p.provider),
        type: safeToken(p.type),
        store: p.source === SOURCE.sharedAuth ? 'shared' : 'agent',
        plan: p.plan,
        expiresMs: p.expiresMs,
        cooldownUntilMs: p.cooldownUntilMs,
        cooldownReason: p.cooldownReason === null ? null : safeToken(p.cooldownReason),
        disabledUntilMs: p.disabledUntilMs,
        disabledReason: p.disabledReason === null ? null : safeToken(p.disabledReason),
        failureCounts: Object.fromEntries(Object.entries(p.failureCounts).map(([r, n]) => [safeToken(r), n])),
      }),
    )
    .sort((a, b) => cmp(a.agent, b.agent) || cmp(a.provider, b.provider) || cmp(a.profile, b.profile));
}

/** Provider-reported quota, the derived estimates and the refresh status at nowMs. */
export function quotaView(ledger: LedgerReadModel, nowMs: number): QuotaView {
  const windows = mergeQuota(ledger.quota(), nowMs).map(
    (q): QuotaWindowView => ({
      provider: q.provider,
      limit: q.limit,
      window: q.window,
      account: q.account ?? DEFAULT_ACCOUNT,
      windowMinutes: q.windowMinutes,
      usedRatio: q.usedRatio,
      resetsAtMs: q.resetsAtMs,
      observedAtMs: q.observedAtMs,
      plan: q.plan,
    }),
  );
  const live = new Set(windows.map((w) => `${w.provider}\u0000${w.limit}\u0000${w.window}\u0000${w.account}`));
  const est = ledger.get(ESTIMATES_KEY) as EstimatesState | undefined;
  const estimates = (est?.estimates ?? []).filter((e) => {
    if (e.resetsAtMs !== null && e.resetsAtMs <= nowMs) return false;
    return e.basis !== 'provider' || live.has(`${e.provider}\u0000${e.limit}\u0000${e.window}\u0000${e.account ?? DEFAULT_ACCOUNT}`);
  });
  const refresh = new Map<string, boolean>();
  for (const r of ledger.quota()) {
    if (r.limit !== REFRESH_LIMIT) continue;
    refresh.set(r.provider, (refresh.get(r.provider) ?? true) && r.usedRatio >= 1);
  }
  return { windows, estimates, refresh: [...refresh].sort((a, b) => cmp(a[0], b[0])).map(([provider, ok]) => ({ provider, ok })) };
}

/** The rolling windows as the ingest loop last computed them. */
export function windowsView(ledger: LedgerReadModel): WindowView[] {
  const acc = new Map<string, WindowView>();
  for (const w of ledger.windows()) {
    const provider = scrub(w.provider);
    const model = scrub(w.model);
    const k = `${w.window}\u0000${provider}\u0000${model}`;
    let v = acc.get(k);
    if (!v) acc.set(k, (v = { provider, model, window: w.window, messages: 0, input: 0, output: 0, cacheRead: 0, cacheWrite: 0, totalTokens: 0 }));
    v.messages += w.messages;
    v.input += w.input;
    v.output += w.output;
    v.cacheRead += w.cacheRead;
    v.cacheWrite += w.cacheWrite;
    v.totalTokens += w.input + w.output + w.cacheRead + w.cacheWrite;
  }
  return [...acc.values()].sort((a, b) => cmp(a.window, b.window) || cmp(a.provider, b.provider) || cmp(a.model, b.model));
}
