/** State directory discovery order and agent listing. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { discoverStateDirs, listAgents } from '../src/sources/discover.js';
import { tmpDir } from './helpers.js';

function stateAt(dir: string, agents = ['main']): string {
  for (const a of agents) fs.mkdirSync(path.join(dir, 'agents', a), { recursive: true });
  return dir;
}

test('flags win over the environment, and are taken as given', () => {
  const home = tmpDir();
  const a = stateAt(path.join(home, 'a'));
  const b = path.join(home, 'b-not-yet');
  const env = { OPENCLAW_STATE_DIR: stateAt(path.join(home, 'env')) };
  const d = discoverStateDirs({ flags: [a, b], env, home });
  assert.deepEqual(d.stateDirs, [a, b]);
  assert.equal(d.origin, 'flag');
});

test('OPENCLAW_STATE_DIR, then OPENCLAW_HOME (folder with agents/ is the state dir, else .openclaw inside)', () => {
  const home = tmpDir();
  const env1 = { OPENCLAW_STATE_DIR: stateAt(path.join(home, 's')), OPENCLAW_HOME: stateAt(path.join(home, 'h')) };
  assert.deepEqual(discoverStateDirs({ flags: [], env: env1, home }).stateDirs, [env1.OPENCLAW_STATE_DIR]);
  const h = stateAt(path.join(home, 'h2'));
  assert.deepEqual(discoverStateDirs({ flags: [], env: { OPENCLAW_HOME: h }, home }).stateDirs, [h]);
  const h3 = path.join(home, 'h3');
  const inner = stateAt(path.join(h3, '.openclaw'));
  assert.deepEqual(discoverStateDirs({ flags: [], env: { OPENCLAW_HOME: h3 }, home }).stateDirs, [inner]);
  const tilde = discoverStateDirs({ flags: [], env: { OPENCLAW_STATE_DIR: '~/s' }, home });
  assert.deepEqual(tilde.stateDirs, [path.join(home, 's')]);
});

test('home defaults: ~/.openclaw, every ~/.openclaw-<profile>, ~/.clawdbot; nothing found says where it looked', () => {
  const home = tmpDir();
  const none = discoverStateDirs({ flags: [], env: {}, home });
  assert.deepEqual(none.stateDirs, []);
  assert.ok(none.looked.some((l) => l.endsWith('.openclaw')));
  assert.ok(none.looked.some((l) => l.endsWith('.clawdbot')));
  const main = stateAt(path.join(home, '.openclaw'));
  const dev = stateAt(path.join(home, '.openclaw-dev'));
  const legacy = stateAt(path.join(home, '.clawdbot'));
  fs.mkdirSync(path.join(home, '.openclaw-empty')); // no agents/: not a state dir
  assert.deepEqual(discoverStateDirs({ flags: [], env: {}, home }).stateDirs, [main, dev, legacy]);
});

test('every agent folder is listed; hidden folders and files are not agents', () => {
  const dir = stateAt(tmpDir(), ['main', 'work', '.trash']);
  fs.writeFileSync(path.join(dir, 'agents', 'README'), 'x');
  assert.deepEqual(listAgents(dir).map((a) => a.agent), ['main', 'work']);
});
