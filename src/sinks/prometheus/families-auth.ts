/**
 * `openclaw_auth_profile_info`: one series per auth profile an agent can use,
 * built from the ledger's auth snapshots only (no file, no query). An agent's
 * effective profiles are its own (store `agent`: its SQLite store or JSON files)
 * plus those of OpenClaw's shared auth store (store `shared`, origin `shared`);
 * when both name the same profile id the agent's own wins, as in OpenClaw. API-key
 * profiles have no expiry, so this is the only family that shows them.
 * Labels are bounded: agent folder names, provider ids, profile names with emails
 * hashed (unless configured), the bounded profile type.
 */
import type { AuthRow } from '../../ledger/ledger.js';
import { safeToken } from '../../parse/session-kind.js';
import type { Sample } from './exposition.js';
import type { FamilyInput } from './families.js';
import { accountLabel, list, max, scrub, type Acc } from './labels.js';
import { METRICS, type MetricDef } from './metrics.js';

export function authInfoFamilies(input: FamilyInput): Array<[MetricDef, Sample[]]> {
  const effective = new Map<string, AuthRow>();
  for (const p of input.ledger.authProfiles()) {
    const shared = p.origin === 'shared';
    const k = `${p.stateDir}\u0000${p.agent}\u0000${p.profileId}`;
    const prev = effective.get(k);
    if (!prev || (prev.origin === 'shared' && !shared)) effective.set(k, p);
  }
  const info: Acc = new Map();
  for (const p of effective.values()) {
    max(
      info,
      {
        agent: scrub(p.agent),
        profile: accountLabel(p.profileId, p.email, input.showAccountEmails),
        provider: safeToken(p.provider),
        store: p.origin === 'shared' ? 'shared' : 'agent',
        type: safeToken(p.type),
      },
      1,
    );
  }
  return [[METRICS.authProfileInfo, list(info)]];
}
