/**
 * The set of source adapters for a list of state directories, rebuilt each cycle
 * so agents that appear later are picked up. Order matters: session indexes and
 * auth first (calls get their session labels from the index), transcripts after.
 */
import type { Source } from '../model.js';
import { AuthProfilesFileSource } from './auth-profiles.js';
import { ColdFilesSource } from './cold-files.js';
import { CodexRolloutsSource } from './codex-rollouts.js';
import { listAgents } from './discover.js';
import { registeredStores } from './agent-registry.js';
import { SharedAuthSource } from './shared-auth.js';
import { SessionIndexSource, TrajectoryKeysSource } from './session-index.js';
import { SqliteStoreSource } from './sqlite-store.js';
import { TranscriptFilesSource, type TranscriptFileOptions } from './transcript-files.js';

export interface SourceOptions extends TranscriptFileOptions {}

export function sourcesFor(stateDirs: string[], opts: SourceOptions = {}): Source[] {
  const index: Source[] = [];
  const rest: Source[] = [];
  for (const dir of stateDirs) {
    const agents = listAgents(dir);
    const registered = registeredStores(dir, agents);
    const ids = [...agents, ...registered].map((a) => a.agent);
    index.push(new SharedAuthSource(dir, ids.length > 0 ? ids : ['main']));
    for (const agent of agents) {
      index.push(new SessionIndexSource(agent), new TrajectoryKeysSource(agent), new AuthProfilesFileSource(agent));
      index.push(new SqliteStoreSource(agent)); // store metadata before any transcript; its rows before the JSONL copies
      rest.push(new TranscriptFilesSource(agent, opts));
      rest.push(new CodexRolloutsSource(agent));
      rest.push(new ColdFilesSource(agent));
    }
    for (const agent of registered) {
      index.push(new SqliteStoreSource(agent)); // relocated stores: the store and its cold files only
      rest.push(new ColdFilesSource(agent));
    }
  }
  return [...index, ...rest];
}
