/**
 * Reader for OpenClaw's global state database, `<stateDir>/state/openclaw.sqlite`
 * (2026.8 and later). clawmeter reads two things from it and nothing else:
 *
 * - the **shared auth store**: `config_machine_state(state_key, value_json)` rows
 *   `auth.sharedStore` (which store is shared: `{"location":"state-db"}`, else the
 *   legacy main agent's row), `authProfiles.store` (profiles, with secrets) and
 *   `authProfiles.state` (usage stats, cooldowns). A later state schema moves the two
 *   payloads into `auth_profile_stores`/`auth_profile_state` rows keyed `shared`; both
 *   shapes are probed. Only the non-secret output of `profilesFromStore` leaves here.
 * - the **agent database registry**: `agent_databases(agent_id, path, schema_version)`,
 *   paths relative to the state directory.
 *
 * Opened like the agent stores (read-only, WAL-aware, short busy timeout, closed at
 * once); tables and columns are probed, never assumed from a schema version.
 */
import { fileSignature } from './sqlite/cursors.js';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { AuthProfileInfo, PollContext } from '../model.js';
import { profilesFromStore } from './auth-profiles.js';
import { asRecord } from './json-file.js';
import { classifyStoreError, isStoreError } from './sqlite/errors.js';

export const STATE_DB_RELATIVE = path.join('state', 'openclaw.sqlite');

/** Where the shared auth store lives, as `auth.sharedStore` says (absent: the main agent's store). */
export type SharedAuthLocation = 'state-db' | 'legacy-main';

export interface RegisteredDatabase {
  agentId: string;
  /** absolute path of the agent database */
  file: string;
  schemaVersion: number | null;
}

export interface StateDbView {
  location: SharedAuthLocation;
  /** Non-secret profiles of the shared store when it lives in the state DB; null when it has none. */
  sharedProfiles: AuthProfileInfo[] | null;
  registry: RegisteredDatabase[];
}

/** Signature of a SQLite file and its WAL (sqlite/cursors.ts); null when the file is not there. */
export function dbSignature(file: string): string | null {
  try {
    return fileSignature(file).sig;
  } catch {
    return null;
  }
}

function tableColumns(db: Database.Database, table: string): Set<string> | null {
  const t = db.prepare(`SELECT type FROM sqlite_master WHERE name = ? AND type IN ('table','view')`).get(table);
  if (!t) return null;
  return new Set((db.prepare(`SELECT name FROM pragma_table_info(?)`).pluck().all(table) as string[]));
}

function parseJson(text: unknown, ctx: PollContext, where: string): Record<string, unknown> | null {
  const s = typeof text === 'string' ? text : Buffer.isBuffer(text) ? text.toString('utf8') : null;
  if (s === null) return null;
  try {
    const o = asRecord(JSON.parse(s));
    if (!o) ctx.report({ reason: 'not_an_object', where, detail: 'shared auth cell is not a JSON object; skipped' });
    return o;
  } catch {
    ctx.report({ reason: 'malformed_json', where, detail: 'shared auth cell is not valid JSON; skipped' });
    return null;
  }
}

/** The shared store's two payloads, from whichever shape the state DB has. */
function readSharedCells(db: Database.Database, ctx: PollContext, where: string): { location: SharedAuthLocation; store: unknown; state: unknown } {
  let location: SharedAuthLocation = 'legacy-main';
  let store: unknown = null;
  let state: unknown = null;
  const kv = tableColumns(db, 'config_machine_state');
  if (kv && kv.has('state_key') && kv.has('value_json')) {
    const rows = db
      .prepare(`SELECT state_key AS k, value_json AS v FROM config_machine_state WHERE state_key IN ('auth.sharedStore', 'authProfiles.store', 'authProfiles.state')`)
      .all() as Array<{ k: string; v: unknown }>;
    for (const r of rows) {
      if (r.k === 'auth.sharedStore') {
        const o = parseJson(r.v, ctx, `${where}#auth.sharedStore`);
        if (o?.location === 'state-db') location = 'state-db';
      } else if (r.k === 'authProfiles.store') store = parseJson(r.v, ctx, `${where}#authProfiles.store`);
      else state = parseJson(r.v, ctx, `${where}#authProfiles.state`);
    }
  } else if (kv) {
    ctx.report({ reason: 'schema_unknown', where: `${where}#config_machine_state`, detail: 'config_machine_state lacks state_key/value_json; shared auth store skipped' });
  }
  // Later state schemas keep the shared payloads in dedicated tables, row 'shared'.
  for (const [table, json, set] of [
    ['auth_profile_stores', 'store_json', (v: unknown) => (store ??= v)],
    ['auth_profile_state', 'state_json', (v: unknown) => (state ??= v)],
  ] as const) {
    const cols = tableColumns(db, table);
    if (!cols || !cols.has('store_key') || !cols.has(json)) continue;
    const row = db.prepare(`SELECT "${json}" AS v FROM "${table}" WHERE store_key = 'shared'`).get() as { v: unknown } | undefined;
    if (row) set(parseJson(row.v, ctx, `${where}#${table}`));
  }
  return { location, store, state };
}

function readRegistry(db: Database.Database, stateDir: string): RegisteredDatabase[] {
  const cols = tableColumns(db, 'agent_databases');
  if (!cols || !cols.has('agent_id') || !cols.has('path')) return [];
  const version = cols.has('schema_version') ? 'schema_version' : 'NULL';
  const rows = db.prepare(`SELECT agent_id AS a, path AS p, ${version} AS v FROM agent_databases ORDER BY agent_id, path`).all() as Array<{
    a: unknown;
    p: unknown;
    v: unknown;
  }>;
  const out: RegisteredDatabase[] = [];
  for (const r of rows) {
    if (typeof r.a !== 'string' || !r.a || typeof r.p !== 'string' || !r.p) continue;
    out.push({
      agentId: r.a,
      file: path.resolve(stateDir, r.p),
      schemaVersion: typeof r.v === 'number' ? r.v : typeof r.v === 'bigint' ? Number(r.v) : null,
    });
  }
  return out;
}

/**
 * Reads the state DB of a state directory. Returns null when there is none (older
 * releases) or it cannot be read right now (reported; retried next cycle).
 */
export function readStateDb(stateDir: string, ctx: PollContext, busyTimeoutMs = 200): StateDbView | null {
  const file = path.join(stateDir, STATE_DB_RELATIVE);
  if (!fs.existsSync(file)) return null;
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true, timeout: busyTimeoutMs });
  } catch (err) {
    ctx.report({ ...classifyStoreError(err, file), where: file });
    return null;
  }
  try {
    const cells = readSharedCells(db, ctx, file);
    const sharedProfiles = cells.store || cells.state ? profilesFromStore(cells.store, cells.state) : null;
    return { location: cells.location, sharedProfiles, registry: readRegistry(db, stateDir) };
  } catch (err) {
    if (!isStoreError(err)) throw err;
    ctx.report({ ...classifyStoreError(err, file), where: file });
    return null;
  } finally {
    db.close();
  }
}
