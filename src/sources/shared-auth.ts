/**
 * Source adapter for OpenClaw's shared auth store (2026.8 and later), the profiles
 * every agent inherits on top of its own. Where it lives is selected by the state
 * DB row `auth.sharedStore`:
 *
 * - `{"location":"state-db"}`: `state/openclaw.sqlite` `config_machine_state` rows
 *   `authProfiles.store` / `authProfiles.state` (see state-db.ts);
 * - absent (`legacy-main`): the main agent's own store, `agents/main/agent/
 *   openclaw-agent.sqlite` `auth_profile_store` / `auth_profile_state` row `primary`.
 *
 * One `auth` batch of source `shared-auth` per agent carries the shared profiles
 * (`store: 'shared'`); the agent's own profiles keep coming from its store or its
 * JSON files (`store: 'agent'`), and the sinks prefer the agent's profile when both
 * name the same id, as OpenClaw does. Secrets never leave `profilesFromStore`.
 * A batch is emitted only when the non-secret list or the agent list changes.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { SOURCE } from '../model.js';
import type { AuthProfileInfo, Cursor, PollContext, Source, SourceBatch } from '../model.js';
import { profilesFromStore } from './auth-profiles.js';
import { asRecord } from './json-file.js';
import { classifyStoreError, isStoreError } from './sqlite/errors.js';
import { STORE_RELATIVE } from './sqlite-store.js';
import { STATE_DB_RELATIVE, dbSignature, readStateDb } from './state-db.js';

interface SharedCursor extends Cursor {
  sig: string;
  h: string;
  agents: string[];
}

/** The main agent's `primary` auth rows (the legacy-main shared store), non-secret. */
function readLegacyMain(file: string, ctx: PollContext): AuthProfileInfo[] | null {
  if (!fs.existsSync(file)) return null;
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true, timeout: 200 });
  } catch (err) {
    ctx.report({ ...classifyStoreError(err, file), where: file });
    return null;
  }
  try {
    const cell = (table: string, keyCol: string, jsonCol: string): unknown => {
      const cols = new Set(db.prepare(`SELECT name FROM pragma_table_info(?)`).pluck().all(table) as string[]);
      if (!cols.has(keyCol) || !cols.has(jsonCol)) return null;
      const row = db.prepare(`SELECT "${jsonCol}" AS j FROM "${table}" WHERE "${keyCol}" = 'primary'`).get() as { j: unknown } | undefined;
      if (typeof row?.j !== 'string') return null;
      try {
        return asRecord(JSON.parse(row.j));
      } catch {
        ctx.report({ reason: 'malformed_json', where: `${file}#${table}`, detail: `${table} row primary is not valid JSON; skipped` });
        return null;
      }
    };
    const store = cell('auth_profile_store', 'store_key', 'store_json');
    const state = cell('auth_profile_state', 'state_key', 'state_json');
    return store || state ? profilesFromStore(store, state) : null;
  } catch (err) {
    if (!isStoreError(err)) throw err;
    ctx.report({ ...classifyStoreError(err, file), where: file });
    return null;
  } finally {
    db.close();
  }
}

export class SharedAuthSource implements Source {
  readonly name = SOURCE.sharedAuth;
  // No `scope`: it reads a state directory's own files, not one agent's.
  constructor(
    private readonly stateDir: string,
    /** Agent ids of the state directory (each inherits the shared store). */
    private readonly agents: string[],
  ) {}

  private mainStore(): string {
    return path.join(this.stateDir, 'agents', 'main', STORE_RELATIVE);
  }

  *poll(ctx: PollContext): Iterable<SourceBatch> {
    const key = `shared-auth:${this.stateDir}`;
    const prev = ctx.cursors.get(key) as SharedCursor | undefined;
    const agents = [...new Set(this.agents)].sort();
    const sig = `${dbSignature(path.join(this.stateDir, STATE_DB_RELATIVE))}|${dbSignature(this.mainStore())}|${agents.join(',')}`;
    if (prev && prev.sig === sig) return;

    const view = readStateDb(this.stateDir, ctx);
    if (view === null && fs.existsSync(path.join(this.stateDir, STATE_DB_RELATIVE))) return; // unreadable now: reported, retried
    let profiles: AuthProfileInfo[] | null;
    let from: string;
    if (view?.location === 'state-db') {
      profiles = view.sharedProfiles;
      from = 'state-db';
    } else {
      // No state DB (older releases) or no ownership row: the main agent's store is the shared one.
      profiles = view ? readLegacyMain(this.mainStore(), ctx) : null;
      from = 'legacy-main';
    }
    const rows = (profiles ?? []).map((p) => ({ ...p, store: 'shared' as const }));
    const h = createHash('sha1').update(JSON.stringify([from, rows])).digest('base64url');
    const base = { kind: 'snapshot' as const, of: 'auth' as const, stateDir: this.stateDir, source: SOURCE.sharedAuth };
    const cursor: SharedCursor = { sig, h, agents };
    const batches: SourceBatch[] = [];
    if (!prev && rows.length === 0) {
      yield { kind: 'state', cursors: [[key, cursor]] }; // nothing shared (yet): no empty snapshots
      return;
    }
    if (!prev || prev.h !== h) {
      for (const agent of agents) batches.push({ ...base, agent, rows, cursors: [] });
    } else {
      for (const agent of agents) if (!prev.agents.includes(agent)) batches.push({ ...base, agent, rows, cursors: [] });
    }
    // Agents that went away lose their copy of the shared store.
    for (const agent of prev?.agents ?? []) if (!agents.includes(agent)) batches.push({ ...base, agent, rows: [], cursors: [] });
    if (batches.length === 0) {
      yield { kind: 'state', cursors: [[key, cursor]] };
      return;
    }
    // The cursor commits with the last batch, so a poll cut short is redone.
    batches[batches.length - 1] = { ...batches[batches.length - 1], cursors: [[key, cursor]] } as SourceBatch;
    yield* batches;
  }
}
