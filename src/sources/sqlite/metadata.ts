/**
 * Session metadata and credentials metadata from OpenClaw's per-agent store.
 *
 * Sessions: the newer layout has `session_nodes` (one row per session key, its current
 * session id and the legacy SessionEntry JSON) and `session_windows` (one row per
 * session id, i.e. per generation, with typed channel/chat type); the older
 * 2026.7.2-beta layout has `session_entries(entry_json)` and a `sessions` root table.
 * Every session id gets a SessionInfo (so calls of old generations get labels), and
 * only current, non-archived ones are active.
 *
 * Credentials: `auth_profile_store(store_key, store_json)` and
 * `auth_profile_state(state_key, state_json)`; only the non-secret output of
 * profilesFromStore leaves this module.
 */
import type Database from 'better-sqlite3';
import type { AuthProfileInfo, PollContext, SessionInfo } from '../../model.js';
import { asRecord } from '../json-file.js';
import { profilesFromStore } from '../auth-profiles.js';
import { sessionInfoFromEntry } from '../../parse/session-info.js';
import { colOrNull, firstCol, quoteIdent, type StoreSchema, type TableInfo } from './schema.js';

/** Large SessionEntry fields clawmeter never needs (prompt report, skills snapshot). */
const ENTRY_DROP = `'$.systemPromptReport', '$.skillsSnapshot'`;

function entrySelect(col = 'entry_json'): string {
  return `CASE WHEN json_valid(${quoteIdent(col)}) THEN json_remove(${quoteIdent(col)}, ${ENTRY_DROP}) END AS entry_json`;
}

function parseEntry(text: string | null): Record<string, unknown> {
  if (!text) return {};
  try {
    return asRecord(JSON.parse(text)) ?? {};
  } catch {
    return {};
  }
}

/**
 * A cheap signature of the metadata tables (counts and update times), so the session
 * list is rebuilt only when something in them changed.
 */
export function metadataSignature(db: Database.Database, schema: StoreSchema): string {
  const parts: string[] = [];
  for (const name of ['session_nodes', 'session_windows', 'sessions', 'session_entries']) {
    const t = schema.tables.get(name);
    if (!t || t.broken) continue;
    const upd = t.columns.has('updated_at') ? `, max(updated_at), total(updated_at)` : '';
    const rid = t.hasRowid ? `, max(rowid), total(rowid)` : '';
    const r = db.prepare(`SELECT count(*) AS n${upd}${rid} FROM ${quoteIdent(name)}`).raw().get() as unknown[];
    parts.push(`${name}:${r.join(',')}`);
  }
  return parts.join('|');
}

export function readSessions(db: Database.Database, schema: StoreSchema): SessionInfo[] {
  if (schema.layout === 'windows') return readWindowsLayout(db, schema);
  if (schema.layout === 'sessions') return readSessionsLayout(db, schema);
  return [];
}

function readWindowsLayout(db: Database.Database, schema: StoreSchema): SessionInfo[] {
  const nodesT = schema.tables.get('session_nodes');
  const winT = schema.tables.get('session_windows')!;
  const nodes = new Map<string, { current: string | null; entry: Record<string, unknown>; archived: boolean }>();
  if (nodesT && nodesT.columns.has('session_key') && nodesT.columns.has('current_session_id')) {
    const sql = `SELECT session_key, current_session_id, ${
      nodesT.columns.has('entry_json') ? entrySelect() : 'NULL AS entry_json'
    }, ${colOrNull(nodesT, 'archived_at')} FROM session_nodes`;
    for (const r of db.prepare(sql).all() as Array<{
      session_key: string;
      current_session_id: string | null;
      entry_json: string | null;
      archived_at: number | null;
    }>) {
      nodes.set(r.session_key, { current: r.current_session_id, entry: parseEntry(r.entry_json), archived: r.archived_at !== null });
    }
  }
  const windows = new Map<string, { session_key: string; chat_type: string | null; channel: string | null; updated_at: number | null }>();
  const sql = `SELECT session_id, session_key, ${colOrNull(winT, 'chat_type')}, ${colOrNull(winT, 'channel')}, ${colOrNull(
    winT,
    'updated_at',
  )} FROM session_windows ORDER BY session_key, session_id`;
  for (const w of db.prepare(sql).all() as Array<{
    session_id: string;
    session_key: string;
    chat_type: string | null;
    channel: string | null;
    updated_at: number | null;
  }>) {
    windows.set(w.session_id, w);
  }
  const out: SessionInfo[] = [];
  // Old generations first, so the current session of a key is what a session id maps to last.
  for (const [sid, w] of windows) {
    if (nodes.get(w.session_key)?.current === sid) continue; // listed below with its key
    const node = nodes.get(w.session_key);
    const entry: Record<string, unknown> = { ...(node?.entry ?? {}), sessionId: sid };
    if (w.channel) entry.channel = w.channel;
    if (w.chat_type) entry.chatType = w.chat_type;
    if (typeof w.updated_at === 'number') entry.updatedAt = w.updated_at;
    const info = sessionInfoFromEntry(w.session_key, entry, false);
    if (info) out.push(info);
  }
  // One active entry per session key (as sessions.json listed them), even when two keys
  // share a session id (cron job pointer and its run).
  for (const key of [...nodes.keys()].sort()) {
    const node = nodes.get(key)!;
    if (!node.current) continue;
    const w = windows.get(node.current);
    const entry: Record<string, unknown> = { ...node.entry, sessionId: node.current };
    if (w?.channel) entry.channel = w.channel;
    if (w?.chat_type) entry.chatType = w.chat_type;
    const info = sessionInfoFromEntry(key, entry, !node.archived);
    if (info) out.push(info);
  }
  return out;
}

function readSessionsLayout(db: Database.Database, schema: StoreSchema): SessionInfo[] {
  const entT = schema.tables.get('session_entries');
  const sesT = schema.tables.get('sessions');
  const out: SessionInfo[] = [];
  const current = new Set<string>();
  const entryByKey = new Map<string, Record<string, unknown>>();
  if (entT && entT.columns.has('entry_json') && (entT.columns.has('session_key') || entT.columns.has('key'))) {
    const sql = `SELECT ${firstCol(entT, ['session_key', 'key'], 'k')}, ${colOrNull(entT, 'session_id')}, ${entrySelect()} FROM session_entries`;
    for (const r of db.prepare(sql).all() as Array<{ k: string; session_id: string | null; entry_json: string | null }>) {
      const entry = parseEntry(r.entry_json);
      if (r.session_id) entry.sessionId = r.session_id;
      entryByKey.set(r.k, entry);
      const info = sessionInfoFromEntry(r.k, entry, true);
      if (info) {
        out.push(info);
        current.add(info.sessionId);
      }
    }
  }
  if (sesT && (sesT.columns.has('session_id') || sesT.columns.has('id')) && (sesT.columns.has('session_key') || sesT.columns.has('key'))) {
    const sql = `SELECT ${firstCol(sesT, ['session_id', 'id'], 'sid')}, ${firstCol(sesT, ['session_key', 'key'], 'k')}, ${colOrNull(
      sesT,
      'chat_type',
    )}, ${colOrNull(sesT, 'channel')}, ${colOrNull(sesT, 'updated_at')} FROM sessions ORDER BY 2, 1`;
    for (const r of db.prepare(sql).all() as Array<{
      sid: string;
      k: string;
      chat_type: string | null;
      channel: string | null;
      updated_at: number | null;
    }>) {
      if (!r.sid || !r.k || current.has(r.sid)) continue;
      const entry: Record<string, unknown> = { ...(entryByKey.get(r.k) ?? {}), sessionId: r.sid };
      if (r.channel) entry.channel = r.channel;
      if (r.chat_type) entry.chatType = r.chat_type;
      if (typeof r.updated_at === 'number') entry.updatedAt = r.updated_at;
      const info = sessionInfoFromEntry(r.k, entry, false);
      if (info) out.push(info);
    }
  }
  return out;
}

/**
 * Non-secret auth profile infos from the store's auth tables, or null when the store
 * has none (or only a view that cannot be read, which is reported).
 */
export function readAuth(db: Database.Database, schema: StoreSchema, ctx: PollContext, where: string): AuthProfileInfo[] | null {
  const storeT = schema.tables.get('auth_profile_store');
  const stateT = schema.tables.get('auth_profile_state');
  if (!storeT && !stateT) return null;
  const stores = readJsonRows(db, storeT, ['store_json', 'json', 'value'], ['store_key', 'key'], ctx, where);
  const states = readJsonRows(db, stateT, ['state_json', 'json', 'value'], ['state_key', 'key'], ctx, where);
  if (stores === null && states === null) return null;
  const store = mergeAuthObjects(stores ?? [], 'profiles');
  const state = mergeAuthObjects(states ?? [], 'usageStats');
  return profilesFromStore(store, state);
}

function readJsonRows(
  db: Database.Database,
  t: TableInfo | undefined,
  jsonCols: string[],
  keyCols: string[],
  ctx: PollContext,
  where: string,
): Array<Record<string, unknown>> | null {
  if (!t) return null;
  if (t.broken) {
    ctx.report({
      reason: 'schema_unknown',
      where: `${where}#${t.name}`,
      detail: `${t.name} is a ${t.type} that cannot be read (its underlying table is missing); credentials metadata from it skipped`,
    });
    return null;
  }
  const jsonCol = jsonCols.find((c) => t.columns.has(c));
  if (!jsonCol) {
    ctx.report({ reason: 'schema_unknown', where: `${where}#${t.name}`, detail: `${t.name} has no JSON column clawmeter knows; credentials metadata skipped` });
    return null;
  }
  let rows: Array<{ k: string | null; j: unknown }>;
  try {
    // 'primary' last so that it wins when several rows name the same profile.
    rows = db
      .prepare(`SELECT ${firstCol(t, keyCols, 'k')}, ${quoteIdent(jsonCol)} AS j FROM ${quoteIdent(t.name)}`)
      .all() as Array<{ k: string | null; j: unknown }>;
  } catch (err) {
    // Some builds expose auth_profile_store as a view over a dropped table.
    ctx.report({
      reason: 'schema_unknown',
      where: `${where}#${t.name}`,
      detail: `${t.name} (${t.type}) cannot be read (${(err as Error).message.split('\n')[0]}); credentials metadata from it skipped`,
    });
    return null;
  }
  rows.sort((a, b) => Number(a.k === 'primary') - Number(b.k === 'primary') || String(a.k).localeCompare(String(b.k)));
  const out: Array<Record<string, unknown>> = [];
  for (const r of rows) {
    const text = typeof r.j === 'string' ? r.j : Buffer.isBuffer(r.j) ? r.j.toString('utf8') : null;
    if (text === null) continue;
    try {
      const o = asRecord(JSON.parse(text));
      if (o) out.push(o);
      else ctx.report({ reason: 'not_an_object', where: `${where}#${t.name}`, detail: `${t.name} row is not a JSON object; skipped` });
    } catch {
      ctx.report({ reason: 'malformed_json', where: `${where}#${t.name}`, detail: `${t.name} row is not valid JSON; skipped` });
    }
  }
  return out;
}

/** Merges several auth store/state objects (profiles and usageStats maps are unioned; later rows win). */
function mergeAuthObjects(objs: Array<Record<string, unknown>>, mainMap: 'profiles' | 'usageStats'): Record<string, unknown> | null {
  if (objs.length === 0) return null;
  if (objs.length === 1) return objs[0];
  const merged: Record<string, unknown> = { [mainMap]: {}, usageStats: {} };
  for (const o of objs) {
    for (const m of new Set([mainMap, 'usageStats'])) {
      const src = asRecord(o[m]);
      if (src) Object.assign(merged[m] as Record<string, unknown>, src);
    }
  }
  return merged;
}
