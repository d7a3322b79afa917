/**
 * Source adapter for credentials metadata: `agent/auth-profiles.json` (older
 * releases) and `agent/auth-state.json` (cooldowns, failure counts). Only
 * non-secret fields leave this module: provider, type, expiry, email (hashed
 * later), plan, cooldown and failure numbers. `access`, `refresh`, `key`, `token`
 * and secret refs are read only to be dropped (the plan claim of an openai-codex
 * token is decoded locally and only the plan name is kept).
 */
import path from 'node:path';
import { SOURCE } from '../model.js';
import type { AgentDir, AuthProfileInfo, PollContext, Source, SourceBatch } from '../model.js';
import { toEpochMs } from '../parse/transcript-line.js';
import { asRecord, readJsonIfChanged } from './json-file.js';

const PLAN_RE = /^[a-z0-9][a-z0-9_-]{0,23}$/i;

function str(v: unknown): string | null {
  return typeof v === 'string' && v.length > 0 ? v : null;
}

/** The ChatGPT plan claim of an openai-codex access token, decoded locally; never the token. */
export function planFromAccessToken(token: unknown): string | null {
  if (typeof token !== 'string') return null;
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  try {
    const claims = asRecord(JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')));
    const auth = asRecord(claims?.['https://api.openai.com/auth']);
    const plan = str(auth?.chatgpt_plan_type) ?? str(claims?.chatgpt_plan_type);
    return plan && PLAN_RE.test(plan) ? plan.toLowerCase() : null;
  } catch {
    return null;
  }
}

function counts(v: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  const o = asRecord(v);
  if (!o) return out;
  for (const [k, n] of Object.entries(o)) {
    if (typeof n === 'number' && Number.isFinite(n) && n >= 0 && /^[a-z0-9_]{1,32}$/i.test(k)) out[k.toLowerCase()] = n;
  }
  return out;
}

/**
 * Builds non-secret profile infos from an auth-profile store object
 * (`{version, profiles, usageStats?}`) and an optional auth-state object
 * (`{usageStats}`); used for the JSON files and the SQLite tables alike.
 */
export function profilesFromStore(store: unknown, state?: unknown): AuthProfileInfo[] {
  const s = asRecord(store);
  const profiles = asRecord(s?.profiles);
  if (!profiles) return [];
  const stats = { ...(asRecord(s?.usageStats) ?? {}), ...(asRecord(asRecord(state)?.usageStats) ?? {}) };
  const out: AuthProfileInfo[] = [];
  for (const [id, raw] of Object.entries(profiles)) {
    const p = asRecord(raw);
    if (!p) continue;
    const provider = str(p.provider) ?? (id.includes(':') ? id.slice(0, id.indexOf(':')) : 'unknown');
    const type = str(p.type) ?? str(p.mode) ?? 'unknown';
    const plan =
      (str(p.chatgptPlanType) && PLAN_RE.test(p.chatgptPlanType as string) ? (p.chatgptPlanType as string).toLowerCase() : null) ??
      (provider === 'openai-codex' ? planFromAccessToken(p.access) : null);
    const u = asRecord(stats[id]) ?? {};
    out.push({
      profileId: id,
      provider,
      type: ['oauth', 'api_key', 'token'].includes(type) ? type : 'unknown',
      expiresMs: toEpochMs(p.expires),
      email: str(p.email),
      plan,
      cooldownUntilMs: toEpochMs(u.cooldownUntil),
      cooldownReason: str(u.cooldownReason),
      disabledUntilMs: toEpochMs(u.disabledUntil),
      disabledReason: str(u.disabledReason),
      failureCounts: counts(u.failureCounts),
    });
  }
  return out;
}

export class AuthProfilesFileSource implements Source {
  readonly name = SOURCE.authProfiles;
  get scope(): { stateDir: string; agent: string } {
    return this.agent;
  }
  constructor(private readonly agent: AgentDir) {}

  *poll(ctx: PollContext): Iterable<SourceBatch> {
    const dir = path.join(this.agent.root, 'agent');
    const storeFile = path.join(dir, 'auth-profiles.json');
    const stateFile = path.join(dir, 'auth-state.json');
    const storeKey = `auth:${storeFile}`;
    const stateKey = `auth:${stateFile}`;
    const store = readJsonIfChanged(storeFile, storeKey, ctx);
    const state = readJsonIfChanged(stateFile, stateKey, ctx);
    if (store.state === 'failed' || state.state === 'failed') return;
    if (store.state === 'unchanged' && state.state === 'unchanged') return;
    if (store.state === 'missing' && state.state === 'missing' && !store.hadCursor && !state.hadCursor) return;
    // Something changed: re-read both so the snapshot is complete.
    const storeNow = store.state === 'changed' ? store : readJsonIfChanged(storeFile, '', ctx);
    const stateNow = state.state === 'changed' ? state : readJsonIfChanged(stateFile, '', ctx);
    const profiles = profilesFromStore(
      storeNow.state === 'changed' ? storeNow.value : null,
      stateNow.state === 'changed' ? stateNow.value : null,
    );
    yield {
      kind: 'snapshot',
      of: 'auth',
      stateDir: this.agent.stateDir,
      agent: this.agent.agent,
      source: SOURCE.authProfiles,
      rows: profiles,
      cursors: [
        [storeKey, storeNow.state === 'changed' ? storeNow.cursor : null],
        [stateKey, stateNow.state === 'changed' ? stateNow.cursor : null],
      ],
    };
  }
}
