/**
 * Finds OpenClaw state directories and the agents inside them.
 *
 * Order: repeatable --state-dir; OPENCLAW_STATE_DIR; OPENCLAW_HOME (a folder with
 * `agents/` is itself the state dir, otherwise `$OPENCLAW_HOME/.openclaw`); then
 * `~/.openclaw`, `~/.openclaw-<profile>` and `~/.clawdbot`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AgentDir } from '../model.js';

export interface Discovery {
  /** State directories to read (existing, with an agents/ folder). */
  stateDirs: string[];
  /** Every place looked at, in order, for the "nothing found" message. */
  looked: string[];
  /** Where the choice came from: flag, env or home. */
  origin: 'flag' | 'OPENCLAW_STATE_DIR' | 'OPENCLAW_HOME' | 'home';
}

function expandHome(p: string, home: string): string {
  if (p === '~') return home;
  if (p.startsWith('~/')) return path.join(home, p.slice(2));
  return p;
}

export function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

export function hasAgents(p: string): boolean {
  return isDir(path.join(p, 'agents'));
}

export function discoverStateDirs(opts: {
  flags: string[];
  env?: NodeJS.ProcessEnv;
  home?: string;
}): Discovery {
  const env = opts.env ?? process.env;
  const home = opts.home ?? os.homedir();
  if (opts.flags.length > 0) {
    const dirs = opts.flags.map((f) => path.resolve(expandHome(f, home)));
    return { stateDirs: dirs, looked: dirs, origin: 'flag' };
  }
  if (env.OPENCLAW_STATE_DIR) {
    const d = path.resolve(expandHome(env.OPENCLAW_STATE_DIR, home));
    return { stateDirs: hasAgents(d) ? [d] : [], looked: [d], origin: 'OPENCLAW_STATE_DIR' };
  }
  if (env.OPENCLAW_HOME) {
    const h = path.resolve(expandHome(env.OPENCLAW_HOME, home));
    const d = hasAgents(h) ? h : path.join(h, '.openclaw');
    return { stateDirs: hasAgents(d) ? [d] : [], looked: [h, path.join(h, '.openclaw')], origin: 'OPENCLAW_HOME' };
  }
  const looked = [path.join(home, '.openclaw'), path.join(home, '.openclaw-<profile>'), path.join(home, '.clawdbot')];
  const found: string[] = [];
  const primary = path.join(home, '.openclaw');
  if (hasAgents(primary)) found.push(primary);
  let entries: string[] = [];
  try {
    entries = fs.readdirSync(home).sort();
  } catch {
    entries = [];
  }
  for (const e of entries) {
    if (e.startsWith('.openclaw-')) {
      const d = path.join(home, e);
      if (hasAgents(d)) found.push(d);
    }
  }
  const legacy = path.join(home, '.clawdbot');
  if (hasAgents(legacy)) found.push(legacy);
  return { stateDirs: found, looked, origin: 'home' };
}

/**
 * For a folder that is not a state directory, the nearest one that fits: an
 * ancestor with `agents/` (the user named `DIR/agents` or an agent's sessions
 * folder), else a child with `agents/` (`DIR/.openclaw`, `DIR/state`, ...).
 */
export function nearbyStateDir(dir: string): string | null {
  const abs = path.resolve(dir);
  for (let p = path.dirname(abs), i = 0; i < 6 && p !== path.dirname(p); p = path.dirname(p), i++) {
    if (hasAgents(p)) return p;
  }
  let names: string[] = [];
  try {
    names = fs.readdirSync(abs).sort();
  } catch {
    return null;
  }
  for (const n of ['.openclaw', 'state', ...names]) {
    const c = path.join(abs, n);
    if (hasAgents(c)) return c;
  }
  return null;
}

/** Every agent folder under `<stateDir>/agents/`. The folder name is the agent id. */
export function listAgents(stateDir: string): AgentDir[] {
  let names: string[];
  try {
    names = fs.readdirSync(path.join(stateDir, 'agents')).sort();
  } catch {
    return [];
  }
  const out: AgentDir[] = [];
  for (const n of names) {
    const root = path.join(stateDir, 'agents', n);
    if (!n.startsWith('.') && isDir(root)) out.push({ stateDir, agent: n, root });
  }
  return out;
}
