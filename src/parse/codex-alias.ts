/**
 * The alias that pairs OpenClaw's mirror row of a Codex turn with the turn's last
 * call in a rollout that has no turn ids (older Codex): the thread plus the call's
 * usage, `codex-usage:<thread>:<input>/<cacheRead>/<output>`. Input here is all
 * uncached input (input + cacheWrite), so the pairing holds whether a side
 * reports cache writes apart or inside input. The ledger's rule for aliases is in
 * src/ledger/call-aliases.ts.
 */
import type { CallAlias, ParsedCall } from '../model.js';

export function codexUsageAlias(thread: string, call: Pick<ParsedCall, 'input' | 'cacheWrite' | 'cacheRead' | 'output'>, side: CallAlias['side']): CallAlias {
  return { key: `codex-usage:${thread}:${call.input + call.cacheWrite}/${call.cacheRead}/${call.output}`, side };
}
