/**
 * `openclaw_sessions`: active sessions of the session indexes and stores, by
 * agent and channel (folded) and the bounded chat-type and kind tokens. Session
 * ids, keys and peer ids never become labels.
 */
import { foldersOf } from '../../labeling/fold.js';
import { scrub } from '../../labeling/privacy.js';
import { add, list, type Acc } from '../accumulate.js';
import { family, type MetricFamily } from '../points.js';
import { METRICS } from '../table.js';
import type { CollectInput } from './input.js';

export function sessionFamilies(input: CollectInput): MetricFamily[] {
  const sessions: Acc = new Map();
  const folds = foldersOf((k) => input.ledger.get(k));
  for (const s of input.ledger.activeSessions()) {
    add(sessions, { agent: scrub(folds.agent(s.agent)), channel: folds.channel(s.channel), chat_type: s.chatType, kind: s.kind }, 1);
  }
  return [family(METRICS.sessions, list(sessions))];
}
