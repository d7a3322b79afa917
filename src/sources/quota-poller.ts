/**
 * Opt-in live quota polling (`clawmeter serve --poll-quota`): the usage endpoints
 * OpenClaw's own usage tracking calls, with the OAuth access token of the
 * profile:
 *
 * - openai-codex: `GET <base>/backend-api/wham/usage` with `Authorization: Bearer`
 *   and `ChatGPT-Account-Id` (default base https://chatgpt.com);
 * - anthropic: `GET <base>/api/oauth/usage` with `anthropic-beta: oauth-2025-04-20`
 *   (default base https://api.anthropic.com).
 *
 * Secrets: sources never keep credentials, so the poller reads the agent's auth
 * store itself when a poll is due (`openclaw-agent.sqlite` table
 * `auth_profile_store`, else `auth-profiles.json`), keeps the access token only in
 * the local variables of that request and never logs it, nor the response body.
 * Each profile is polled at most once per 5 minutes (longer after 429s). Expired
 * tokens are not polled (clawmeter never refreshes them; OpenClaw does).
 *
 * Results reach the ledger through `source()`: a Source whose poll() yields one
 * `quota` batch per agent (source `quota-poll`) when something changed. That
 * batch holds the observations of the last successful poll of each profile (its
 * `account` a hash of the profile id, see quotaAccount), plus
 * one refresh-status row per provider (limit `_refresh`, usedRatio 1 = every
 * profile's last attempt succeeded, 0 = at least one failed) that feeds
 * openclaw_quota_refresh_success.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import { REFRESH_LIMIT, SOURCE, type PollContext, type QuotaObservation, type Source, type SourceBatch } from '../model.js';
import { listAgents } from './discover.js';
import { asRecord } from './json-file.js';
import { safeToken } from '../parse/session-kind.js';
import { shortHash, toEpochMs } from '../parse/transcript-line.js';
import { CODEX_PROVIDER } from '../parse/codex-rollout.js';
import { windowName } from '../parse/codex-rate-limits.js';
import { Logger } from '../util/log.js';
import { parseAnthropicUsage } from './anthropic-usage.js';
import { quotaAccount } from '../labeling/privacy.js';

export const DEFAULT_CODEX_BASE = 'https://chatgpt.com';
export const DEFAULT_ANTHROPIC_BASE = 'https://api.anthropic.com';
export const MIN_POLL_INTERVAL_MS = 5 * 60_000;

export interface QuotaPollerOptions {
  stateDirs: () => string[];
  codexBaseUrl?: string;
  anthropicBaseUrl?: string;
  /** Per-profile interval; never below 5 minutes unless `allowFastPollingForTests`. */
  minIntervalMs?: number;
  allowFastPollingForTests?: boolean;
  timeoutMs?: number;
  fetch?: typeof fetch;
  log?: Logger;
  now?: () => number;
  /** Called after a poll round that changed something (e.g. to trigger an ingest cycle). */
  onUpdate?: () => void;
}

type QuotaProvider = 'openai-codex' | 'anthropic';

interface ProfileState {
  stateDir: string;
  agent: string;
  provider: QuotaProvider;
  nextMs: number;
  backoffMs: number;
  lastAttemptMs: number | null;
  ok: boolean | null;
  observations: QuotaObservation[];
}

/** A profile the poller may call; lives only for one round. */
interface Target {
  key: string;
  stateDir: string;
  agent: string;
  profileId: string;
  provider: QuotaProvider;
  token: string;
  accountId: string | null;
}

export type FetchResult = { ok: true; observations: QuotaObservation[] } | { ok: false; status: number | null; why: string };

function str(v: unknown): string | null {
  return typeof v === 'string' && v.length > 0 ? v : null;
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function ratio(percent: number): number {
  return Math.min(1, Math.max(0, percent / 100));
}

/** Parses a wham/usage response into observations (windows named by duration). */
export function parseCodexUsage(body: unknown, nowMs: number): QuotaObservation[] {
  const b = asRecord(body);
  if (!b) return [];
  const plan = str(b.plan_type) ? safeToken(b.plan_type as string) : null;
  const out: QuotaObservation[] = [];
  const windows = (limit: string, rl: unknown) => {
    const r = asRecord(rl);
    if (!r) return;
    for (const slot of ['primary_window', 'secondary_window']) {
      const w = asRecord(r[slot]);
      if (!w) continue;
      const pct = num(w.used_percent);
      const secs = num(w.limit_window_seconds);
      if (pct === null || secs === null || secs <= 0) continue;
      const minutes = Math.round(secs / 60);
      const at = num(w.reset_at);
      const after = num(w.reset_after_seconds);
      const resetsAtMs = at !== null && at > 0 ? toEpochMs(at) : after !== null && after >= 0 ? nowMs + after * 1000 : null;
      const window = windowName(minutes);
      if (out.some((o) => o.limit === limit && o.window === window)) continue;
      out.push({ provider: CODEX_PROVIDER, limit, window, windowMinutes: minutes, usedRatio: ratio(pct), resetsAtMs, observedAtMs: nowMs, plan });
    }
  };
  windows('codex', b.rate_limit);
  const extra = Array.isArray(b.additional_rate_limits) ? b.additional_rate_limits : [];
  for (const x of extra) {
    const e = asRecord(x);
    if (!e) continue;
    const id = str(e.metered_feature) ?? str(e.limit_id) ?? str(e.limit_name);
    if (id) windows(safeToken(id), e.rate_limit);
  }
  return out;
}

export { parseAnthropicUsage } from './anthropic-usage.js';

/** The auth-profile store of one agent (SQLite first, then the JSON file); null when none. */
function readAuthStores(agentRoot: string): Array<Record<string, unknown>> {
  const dir = path.join(agentRoot, 'agent');
  const db = path.join(dir, 'openclaw-agent.sqlite');
  const stores: Array<Record<string, unknown>> = [];
  if (fs.existsSync(db)) {
    let conn: Database.Database | null = null;
    try {
      conn = new Database(db, { readonly: true, fileMustExist: true, timeout: 2000 });
      const rows = conn.prepare(`SELECT store_json FROM auth_profile_store`).all() as Array<{ store_json: string }>;
      for (const r of rows) {
        try {
          const s = asRecord(JSON.parse(r.store_json));
          if (s) stores.push(s);
        } catch {
          // unreadable row: skipped
        }
      }
    } catch {
      // no such table (older schema, or a view over a dropped table): try the JSON file
    } finally {
      conn?.close();
    }
  }
  if (stores.length === 0) {
    try {
      const s = asRecord(JSON.parse(fs.readFileSync(path.join(dir, 'auth-profiles.json'), 'utf8')));
      if (s) stores.push(s);
    } catch {
      // missing or unreadable
    }
  }
  return stores;
}

function quotaProviderOf(p: Record<string, unknown>, id: string): QuotaProvider | null {
  const type = str(p.type) ?? str(p.mode);
  if (type !== 'oauth') return null;
  const provider = str(p.provider) ?? (id.includes(':') ? id.slice(0, id.indexOf(':')) : '');
  if (provider === 'openai-codex' || provider === 'openai') return 'openai-codex';
  if (provider === 'anthropic') return 'anthropic';
  return null;
}

export class QuotaPoller {
  private readonly profiles = new Map<string, ProfileState>();
  private readonly agentVersion = new Map<string, number>();
  private readonly emitted = new Map<string, number>();
  private readonly codexBase: string;
  private readonly anthropicBase: string;
  private readonly interval: number;
  private readonly timeoutMs: number;
  private readonly fetchFn: typeof fetch;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly logged = new Map<string, string>();
  private nextRoundMs = 0;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private readonly src: Source;

  constructor(private readonly opts: QuotaPollerOptions) {
    this.codexBase = (opts.codexBaseUrl ?? DEFAULT_CODEX_BASE).replace(/\/+$/, '');
    this.anthropicBase = (opts.anthropicBaseUrl ?? DEFAULT_ANTHROPIC_BASE).replace(/\/+$/, '');
    const wanted = opts.minIntervalMs ?? MIN_POLL_INTERVAL_MS;
    this.interval = opts.allowFastPollingForTests ? wanted : Math.max(MIN_POLL_INTERVAL_MS, wanted);
    this.timeoutMs = opts.timeoutMs ?? 5000;
    this.fetchFn = opts.fetch ?? fetch;
    this.log = opts.log ?? new Logger('warn');
    this.now = opts.now ?? Date.now;
    this.src = { name: SOURCE.quotaPoll, poll: (ctx) => this.batches(ctx) };
  }

  /** The Source to add to the ingest cycle's list (the same object every time). */
  source(): Source {
    return this.src;
  }

  /** Polls now and then every `checkEveryMs` (each profile still at most once per interval). */
  start(checkEveryMs = 30_000): void {
    if (this.timer) return;
    void this.pollOnce();
    this.timer = setInterval(() => void this.pollOnce(), checkEveryMs);
    this.timer.unref?.();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
  }

  /** One round: reads the auth stores and polls every profile that is due. */
  pollOnce(): Promise<void> {
    if (this.running) return this.running;
    this.running = this.round().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private targets(): Target[] {
    const out: Target[] = [];
    const nowMs = this.now();
    for (const dir of this.opts.stateDirs()) {
      for (const agent of listAgents(dir)) {
        for (const store of readAuthStores(agent.root)) {
          const profiles = asRecord(store.profiles);
          if (!profiles) continue;
          for (const [id, raw] of Object.entries(profiles)) {
            const p = asRecord(raw);
            if (!p) continue;
            const provider = quotaProviderOf(p, id);
            const token = str(p.access);
            if (!provider || !token) continue;
            const expires = toEpochMs(p.expires);
            if (expires !== null && expires <= nowMs) continue; // expired: OpenClaw refreshes it, we do not
            out.push({
              key: `${dir}\u0000${agent.agent}\u0000${id}`,
              stateDir: dir,
              agent: agent.agent,
              profileId: id,
              provider,
              token,
              accountId: str(p.accountId),
            });
          }
        }
      }
    }
    return out;
  }

  private async round(): Promise<void> {
    const nowMs = this.now();
    if (nowMs < this.nextRoundMs) return;
    const targets = this.targets();
    const seen = new Set(targets.map((t) => t.key));
    let changed = false;
    for (const [key, st] of this.profiles) {
      if (!seen.has(key)) {
        this.profiles.delete(key);
        this.bump(st.stateDir, st.agent);
        changed = true;
      }
    }
    // The same credential in several agents' stores is fetched once per round.
    const byToken = new Map<string, FetchResult>();
    for (const t of targets) {
      let st = this.profiles.get(t.key);
      if (!st) {
        st = { stateDir: t.stateDir, agent: t.agent, provider: t.provider, nextMs: 0, backoffMs: 0, lastAttemptMs: null, ok: null, observations: [] };
        this.profiles.set(t.key, st);
      }
      if (nowMs < st.nextMs) continue;
      const tokenKey = createHash('sha256').update(`${t.provider}\u0000${t.token}`).digest('base64url');
      let res = byToken.get(tokenKey);
      if (!res) {
        res = await this.fetchUsage(t);
        byToken.set(tokenKey, res);
      }
      const at = this.now();
      st.lastAttemptMs = at;
      if (res.ok) {
        st.ok = true;
        st.backoffMs = 0;
        // Each profile is its own account of the provider (hashed: the id may hold an email).
        const account = quotaAccount(t.profileId);
        st.observations = res.observations.map((o) => ({ ...o, account }));
        st.nextMs = at + this.interval;
      } else {
        st.ok = false;
        // 429: wait twice as long each time (2x, 4x, ... the interval, up to an hour).
        st.backoffMs = res.status === 429 ? Math.min(3600_000, Math.max(this.interval * 2, st.backoffMs * 2)) : 0;
        st.nextMs = at + Math.max(this.interval, st.backoffMs);
      }
      this.report(t, res);
      this.bump(t.stateDir, t.agent);
      changed = true;
    }
    let next = Infinity;
    for (const st of this.profiles.values()) next = Math.min(next, st.nextMs);
    // New profiles are picked up at the next due time, or within one interval.
    this.nextRoundMs = Math.min(next, nowMs + this.interval);
    if (changed) this.opts.onUpdate?.();
  }

  private bump(stateDir: string, agent: string): void {
    const k = `${stateDir}\u0000${agent}`;
    this.agentVersion.set(k, (this.agentVersion.get(k) ?? 0) + 1);
  }

  /** Logs a profile's outcome when it changes; never the token or the body. */
  private report(t: Target, res: FetchResult): void {
    const profile = `p-${shortHash(t.profileId, 8)}`;
    const k = `${t.key}`;
    const outcome = res.ok ? 'ok' : `${res.status ?? ''}:${res.why}`;
    if (this.logged.get(k) === outcome) return;
    this.logged.set(k, outcome);
    if (res.ok) this.log.info('quota poll ok', { provider: t.provider, profile, windows: res.observations.length });
    else this.log.warn('quota poll failed', { provider: t.provider, profile, status: res.status ?? undefined, reason: res.why });
  }

  private async fetchUsage(t: Target): Promise<FetchResult> {
    let url: string;
    const headers: Record<string, string> = { Accept: 'application/json', 'User-Agent': 'clawmeter' };
    if (t.provider === 'openai-codex') {
      url = `${this.codexBase}/backend-api/wham/usage`;
      headers.Authorization = `Bearer ${t.token}`;
      if (t.accountId) headers['ChatGPT-Account-Id'] = t.accountId;
    } else {
      url = `${this.anthropicBase}/api/oauth/usage`;
      headers.Authorization = `Bearer ${t.token}`;
      headers['anthropic-beta'] = 'oauth-2025-04-20';
      headers['anthropic-version'] = '2023-06-01';
    }
    let res: Response;
    try {
      res = await this.fetchFn(url, { method: 'GET', headers, redirect: 'error', signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (err) {
      const e = err as Error & { cause?: { code?: string } };
      const why = e.name === 'TimeoutError' ? 'timeout' : safeToken(e.cause?.code ?? 'network', 'network');
      return { ok: false, status: null, why };
    }
    if (!res.ok) {
      await res.body?.cancel().catch(() => undefined);
      const why = res.status === 401 || res.status === 403 ? 'unauthorized' : res.status === 429 ? 'rate_limited' : 'http_error';
      return { ok: false, status: res.status, why };
    }
    let body: unknown;
    try {
      body = await res.json();
    } catch {
      return { ok: false, status: res.status, why: 'bad_json' };
    }
    const at = this.now();
    const observations = t.provider === 'openai-codex' ? parseCodexUsage(body, at) : parseAnthropicUsage(body, at);
    if (observations.length === 0 && !asRecord(body)) return { ok: false, status: res.status, why: 'bad_json' };
    return { ok: true, observations };
  }

  /** What the ledger should hold for each agent whose poll results changed. */
  private *batches(_ctx: PollContext): Iterable<SourceBatch> {
    for (const [agentKey, version] of [...this.agentVersion.entries()].sort()) {
      if (this.emitted.get(agentKey) === version) continue;
      const [stateDir, agent] = agentKey.split('\u0000');
      const observations: QuotaObservation[] = [];
      const status = new Map<string, { ok: boolean; at: number }>();
      for (const st of this.profiles.values()) {
        if (st.stateDir !== stateDir || st.agent !== agent) continue;
        observations.push(...st.observations);
        if (st.ok === null || st.lastAttemptMs === null) continue;
        const cur = status.get(st.provider);
        status.set(st.provider, { ok: (cur?.ok ?? true) && st.ok, at: Math.max(cur?.at ?? 0, st.lastAttemptMs) });
      }
      for (const [provider, s] of [...status.entries()].sort()) {
        observations.push({ provider, limit: REFRESH_LIMIT, window: '', windowMinutes: 0, usedRatio: s.ok ? 1 : 0, resetsAtMs: null, observedAtMs: s.at, plan: null });
      }
      yield { kind: 'snapshot', of: 'quota', stateDir, agent, source: SOURCE.quotaPoll, rows: observations, cursors: [] };
      this.emitted.set(agentKey, version); // only once the batch committed
    }
  }
}
