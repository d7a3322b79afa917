/** Random calls for the quarter-hour bucket tests: a spread of dimensions and times, keys that repeat. */
import type { CommitCall } from '../src/ledger/types.js';

export function randomCalls(seed: number, n: number, prefix: string): CommitCall[] {
  let s = seed >>> 0;
  const r = () => {
    s = (Math.imul(s ^ (s >>> 15), 2246822507) + 0x9e3779b9) >>> 0;
    s ^= s >>> 13;
    return (s >>> 0) / 4294967296;
  };
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)];
  const base = Date.parse('2026-06-01T00:00:00Z');
  const out: CommitCall[] = [];
  for (let i = 0; i < n; i++) {
    const err = r() < 0.1;
    out.push({
      // about one key in five was (or will be) seen already
      dedupeKey: `${prefix}${Math.floor(r() * 1e9) % (r() < 0.2 ? 50 : 1e9)}`,
      tsMs: base + Math.floor(r() * 3 * 86_400_000),
      agent: pick(['main', 'work']),
      compatKind: 'main',
      kind: pick(['direct', 'cron']),
      channel: pick(['telegram', 'webchat']),
      chatType: 'direct',
      provider: pick(['openai-codex', 'anthropic']),
      model: pick(['gpt-5', 'claude-opus-4']),
      input: Math.floor(r() * 9000),
      output: Math.floor(r() * 900),
      cacheRead: Math.floor(r() * 30000),
      cacheWrite: Math.floor(r() * 100),
      costUsd: r() < 0.1 ? null : Math.round(r() * 1e5) / 1e6,
      costEstimated: r() < 0.5,
      stopReason: err ? 'error' : 'stop',
      errorCategory: err ? 'rate_limit' : null,
      latencyMs: null,
      source: pick(['jsonl', 'codex-rollouts']),
    });
  }
  return out;
}
