/**
 * Agent databases found through OpenClaw's registry, `state/openclaw.sqlite`
 * `agent_databases(agent_id, path, …)` (paths relative to the state directory), in
 * addition to the `agents/*\/agent/` folders: a relocated agent dir (`agentDir` in
 * `openclaw.json`, `OPENCLAW_AGENT_DIR`) or a configured shared session store is read
 * too. A database both ways find is read once (compared by real path), under the
 * folder's agent. The registry is read again only when the state DB changed
 * (file signature), so rebuilding the source list each cycle stays cheap.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { AgentDir, PollContext } from '../model.js';
import { STORE_RELATIVE } from './sqlite-store.js';
import { STATE_DB_RELATIVE, dbSignature, readStateDb, type RegisteredDatabase } from './state-db.js';

const cache = new Map<string, { sig: string; rows: RegisteredDatabase[] }>();

/** A context that drops reports: problems with the state DB are reported by the shared-auth source. */
const quiet: PollContext = {
  cursors: { get: () => undefined, keysWithPrefix: () => [] },
  report: () => undefined,
  nowMs: () => Date.now(),
};

function registry(stateDir: string): RegisteredDatabase[] {
  const file = path.join(stateDir, STATE_DB_RELATIVE);
  const sig = dbSignature(file);
  if (sig === null) return [];
  const hit = cache.get(file);
  if (hit && hit.sig === sig) return hit.rows;
  const view = readStateDb(stateDir, quiet);
  if (view === null) return hit?.rows ?? [];
  if (cache.size > 64) cache.clear();
  cache.set(file, { sig, rows: view.registry });
  return view.registry;
}

function real(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

/** Registered agent databases that the folder scan does not already cover. */
export function registeredStores(stateDir: string, discovered: AgentDir[]): AgentDir[] {
  const known = new Set(discovered.map((a) => real(a.storeFile ?? path.join(a.root, STORE_RELATIVE))));
  const out: AgentDir[] = [];
  for (const r of registry(stateDir)) {
    const file = real(r.file);
    if (known.has(file) || !fs.existsSync(file)) continue;
    known.add(file);
    out.push({ stateDir, agent: r.agentId, root: path.dirname(file), storeFile: file });
  }
  return out;
}
