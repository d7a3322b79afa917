/**
 * `clawmeter status`: a one-screen summary (the current windows against the
 * provider-reported quota, cost today / this week / this month, auth expiry,
 * sessions, source health) with exit codes for scripts and alerting: 0 ok, 3 a
 * window at or above --warn, 4 at or above --crit, 5 an OAuth credential expired
 * or expiring within --expiry-warn hours, 6 no data (no call in the ledger). When
 * several apply, the first of 6, 4, 5, 3 wins.
 */
import { summarize, type Summary } from '../query/summary.js';
import { fmtIn } from '../query/statusline.js';
import { optionsHelp } from '../settings/help.js';
import { resolveSettings } from '../settings/resolve.js';
import { usageSettings } from '../settings/usage.js';
import { EXIT_HELP, loggerFrom } from './args.js';
import { openForReading, zoneOf } from './read-ledger.js';
import type { IngestStats } from '../ingest/stats.js';

export const STATUS_EXIT = { ok: 0, warn: 3, crit: 4, expiring: 5, noData: 6 } as const;

export const STATUS_HELP = `Usage: clawmeter status [options]

One screen: the current windows (provider-reported quota and reset, or the
estimate from the plan's published limit), usage in the rolling window, cost
today / this week / this month, OAuth expiry, active sessions and source health.

Options:
${optionsHelp('status')}
Exit codes (status): 0 ok, 3 a window used at or above --warn, 4 at or above --crit,
5 an OAuth credential expired or expiring within --expiry-warn hours, 6 no data yet
(the first of 6, 4, 5, 3 that applies).
${EXIT_HELP}`;

export interface StatusVerdict {
  code: number;
  reasons: string[];
}

export function verdict(s: Summary, o: { warn: number; crit: number; expiryWarnH: number }): StatusVerdict {
  const reasons: string[] = [];
  const maxUsed = Math.max(0, ...s.quota.map((q) => q.usedRatio)) * 100;
  const soon = s.auth.nextExpiryMs !== null && s.auth.nextExpiryMs - s.generatedAtMs <= o.expiryWarnH * 3_600_000;
  if (s.calls === 0) reasons.push('no data: the ledger has no model call yet');
  if (maxUsed >= o.crit) reasons.push(`a window is ${maxUsed.toFixed(1)}% used (--crit ${o.crit})`);
  else if (maxUsed >= o.warn) reasons.push(`a window is ${maxUsed.toFixed(1)}% used (--warn ${o.warn})`);
  if (s.auth.expired > 0 || soon) reasons.push(s.auth.expired > 0 ? `${s.auth.expired} OAuth credential(s) expired` : `an OAuth credential expires within ${o.expiryWarnH} h`);
  const code =
    s.calls === 0 ? STATUS_EXIT.noData
    : maxUsed >= o.crit ? STATUS_EXIT.crit
    : s.auth.expired > 0 || soon ? STATUS_EXIT.expiring
    : maxUsed >= o.warn ? STATUS_EXIT.warn
    : STATUS_EXIT.ok;
  return { code, reasons };
}

const usd = (n: number) => '$' + n.toFixed(2);
const int = (n: number) => Math.round(n).toLocaleString('en-US');

function renderStatus(s: Summary, v: StatusVerdict, stats: IngestStats | null, mode: string): string {
  const L: string[] = [];
  const now = s.generatedAtMs;
  L.push(`clawmeter status · ${new Date(now).toISOString()} · ${s.tz} · ${v.code === 0 ? 'OK' : v.reasons.join('; ')}`);
  L.push('');
  L.push('Windows');
  if (s.quota.length === 0 && s.estimates.length === 0) L.push('  no provider report and no plan limit known');
  for (const q of s.quota) L.push(`  ${q.provider} ${q.limit} ${q.window}: ${(100 * q.usedRatio).toFixed(1)}% used (provider-reported)${q.resetsAtMs !== null ? `, resets in ${fmtIn(q.resetsAtMs - now)}` : ''}`);
  for (const e of s.estimates.filter((x) => x.basis === 'rate_card')) L.push(`  ${e.provider} ${e.limit} ${e.window}: about ${int(e.messagesLeft)} messages left (estimate from the plan's published limit; ${int(e.used)} used)`);
  const w = s.window;
  L.push(`  last ${w.name}: ${int(w.messages)} messages, ${int(w.errors)} errors, ${int(w.totalTokens)} tokens, cache hit ${w.cacheHitRatio === null ? '–' : (100 * w.cacheHitRatio).toFixed(1) + '%'}`);
  L.push('');
  L.push('Cost');
  for (const [label, p] of [['today', s.today], ['this week', s.week], ['this month', s.month]] as const) {
    L.push(`  ${label.padEnd(10)} ${usd(p.costUsd).padStart(10)}${p.costEstimatedUsd > 0 ? ` (incl. ${usd(p.costEstimatedUsd)} estimated)` : ''}  ${int(p.messages)} messages, ${int(p.errors)} errors`);
  }
  L.push('');
  L.push('Auth and sessions');
  L.push(`  ${s.auth.profiles} profile(s), ${s.auth.oauth} OAuth; next expiry ${s.auth.nextExpiryMs === null ? 'none' : 'in ' + fmtIn(s.auth.nextExpiryMs - now)}${s.auth.expired > 0 ? `; ${s.auth.expired} expired` : ''}`);
  L.push(`  ${s.activeSessions} active session(s); last assistant turn ${s.lastCallMs === null ? 'never' : fmtIn(now - s.lastCallMs) + ' ago'}; ${int(s.calls)} calls in the ledger`);
  L.push('');
  L.push('Health');
  if (stats) {
    const r = stats.readiness();
    L.push(r.ready ? `  all ${stats.sources.size} source(s) up` : r.reasons.map((x) => '  ' + x).join('\n'));
  } else L.push(mode === 'alongside' ? '  read alongside a running serve: its health is at /readyz and /api/v1/sources/health' : '  not ingested (--no-ingest)');
  return L.join('\n') + '\n';
}

export async function statusCommand(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { values, help, origins } = resolveSettings('status', argv, env);
  if (help) {
    process.stdout.write(STATUS_HELP);
    return 0;
  }
  const log = loggerFrom({ ...values, logLevel: origins.logLevel === 'default' ? 'warn' : values.logLevel });
  const l = await openForReading(values, env, log);
  try {
    const windows = usageSettings(values).windows;
    const s = summarize(l.q, { nowMs: Date.now(), tz: zoneOf(values, env), window: windows[0] });
    const v = verdict(s, { warn: values.warn!, crit: values.crit!, expiryWarnH: values.expiryWarn! });
    if (values.json) process.stdout.write(JSON.stringify({ ...s, status: v, read: l.mode, health: l.stats ? l.stats.readiness() : null }, null, 2) + '\n');
    else process.stdout.write(renderStatus(s, v, l.stats, l.mode));
    return v.code;
  } finally {
    l.close();
  }
}
