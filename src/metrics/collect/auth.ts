/**
 * The openclaw_auth_* gauges from the ledger's auth snapshots only (no file, no
 * query): expiry, cooldowns and failure counts per profile, and
 * `openclaw_auth_profile_info`: one series per auth profile an agent can use,
 * built from the ledger's auth snapshots only (no file, no query). An agent's
 * effective profiles are its own (store `agent`: its SQLite store or JSON files)
 * plus those of OpenClaw's shared auth store (store `shared`, source `shared-auth`);
 * when both name the same profile id the agent's own wins, as in OpenClaw. API-key
 * profiles have no expiry, so this is the only family that shows them.
 * Labels are bounded: agent folder names, provider ids, profile names with emails
 * hashed (unless configured), the bounded profile type.
 */
import { SOURCE } from '../../model.js';
import type { AuthRow } from '../../ledger/ledger.js';
import { safeToken } from '../../parse/session-kind.js';
import { accountLabel, scrub } from '../../labeling/privacy.js';
import { list, max, type Acc } from '../accumulate.js';
import { family, type MetricFamily } from '../points.js';
import { METRICS } from '../table.js';
import type { CollectInput } from './input.js';

export function authInfoFamilies(input: CollectInput): MetricFamily[] {
  const effective = new Map<string, AuthRow>();
  for (const p of input.ledger.authProfiles()) {
    const shared = p.source === SOURCE.sharedAuth;
    const k = `${p.stateDir}\u0000${p.agent}\u0000${p.profileId}`;
    const prev = effective.get(k);
    if (!prev || (prev.source === SOURCE.sharedAuth && !shared)) effective.set(k, p);
  }
  const info: Acc = new Map();
  for (const p of effective.values()) {
    max(
      info,
      {
        agent: scrub(p.agent),
        profile: accountLabel(p.profileId, p.email, input.showAccountEmails),
        provider: safeToken(p.provider),
        store: p.source === SOURCE.sharedAuth ? 'shared' : 'agent',
        type: safeToken(p.type),
      },
      1,
    );
  }
  return [family(METRICS.authProfileInfo, list(info))];
}

export function authFamilies(input: CollectInput): MetricFamily[] {
  const expiry: Acc = new Map();
  const cooldown: Acc = new Map();
  const failures: Acc = new Map();
  for (const p of input.ledger.authProfiles()) {
    const profile = accountLabel(p.profileId, p.email, input.showAccountEmails);
    const provider = safeToken(p.provider);
    if (p.expiresMs !== null) max(expiry, { profile, provider, type: safeToken(p.type) }, p.expiresMs / 1000);
    if (p.cooldownUntilMs !== null && p.cooldownUntilMs > input.nowMs) {
      max(cooldown, { profile, provider, reason: safeToken(p.cooldownReason) }, p.cooldownUntilMs / 1000);
    }
    if (p.disabledUntilMs !== null && p.disabledUntilMs > input.nowMs) {
      max(cooldown, { profile, provider, reason: `disabled_${safeToken(p.disabledReason)}` }, p.disabledUntilMs / 1000);
    }
    for (const [reason, n] of Object.entries(p.failureCounts)) max(failures, { profile, provider, reason: safeToken(reason) }, n);
  }
  return [
    family(METRICS.authExpiry, list(expiry)),
    family(METRICS.authCooldownUntil, list(cooldown)),
    family(METRICS.authFailures, list(failures)),
  ];
}
