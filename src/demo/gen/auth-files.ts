/**
 * Auth stores of the demo generator: auth-profiles.json and auth-state.json with fake
 * secrets (all containing "SECRET").
 */
import { Rng } from './rng.js';
import { B62 } from './text-pools.js';

// ---------------------------------------------------------------------------
// Auth stores (fake secrets, all containing "SECRET")

export function b64url(s: string): string {
  return Buffer.from(s, 'utf8').toString('base64url');
}

export function authProfiles(rng: Rng, now: number): string {
  const accountId = rng.uuid();
  const header = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: 'demo-key' }));
  const payload = b64url(
    JSON.stringify({
      aud: ['https://api.openai.com/v1'],
      exp: Math.floor((now + 3 * 86_400_000) / 1000),
      iat: Math.floor((now - 7 * 86_400_000) / 1000),
      iss: 'https://auth.openai.com',
      'https://api.openai.com/auth': {
        chatgpt_account_id: accountId,
        chatgpt_plan_type: 'plus',
        chatgpt_user_id: `user-${rng.chars(24, B62)}`,
      },
      sub: `auth0|${rng.hex(24)}`,
    }),
  );
  const jwt = `${header}.${payload}.SECRETsig${rng.chars(40, B62)}`;
  const store = {
    version: 1,
    profiles: {
      'openai-codex:default': {
        type: 'oauth',
        provider: 'openai-codex',
        access: jwt,
        refresh: `rt-SECRET-${rng.chars(40, B62)}`,
        expires: now + 3 * 86_400_000,
        accountId,
      },
      'anthropic:user@example.com': {
        type: 'oauth',
        provider: 'anthropic',
        access: `sk-ant-oat01-SECRET-${rng.chars(48, B62)}`,
        refresh: `sk-ant-ort01-SECRET-${rng.chars(48, B62)}`,
        expires: now + 6 * 3_600_000,
        email: 'user@example.com',
      },
      'openrouter:default': {
        type: 'api_key',
        provider: 'openrouter',
        key: `sk-or-v1-SECRET-${rng.hex(48)}`,
      },
    },
  };
  return JSON.stringify(store, null, 2) + '\n';
}

export function authState(now: number): string {
  return (
    JSON.stringify(
      {
        version: 1,
        usageStats: {
          'anthropic:user@example.com': {
            cooldownUntil: now + 600_000,
            cooldownReason: 'rate_limit',
            errorCount: 3,
            failureCounts: { rate_limit: 3 },
            lastFailureAt: now - 60_000,
          },
        },
      },
      null,
      2,
    ) + '\n'
  );
}
