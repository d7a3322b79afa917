/** The settings spec: precedence, aliases, config file validation, generated help and docs, config check. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import YAML from 'yaml';
import { resolveSettings, settingsFor } from '../src/settings/resolve.js';
import { configurationDoc, optionsHelp } from '../src/settings/help.js';
import { ALL_SETTINGS } from '../src/settings/spec.js';
import { SettingsError } from '../src/settings/types.js';
import { tmpDir } from './helpers.js';

const REPO = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const BIN = path.join(REPO, 'bin/clawmeter.js');

function config(text: string, name = 'c.yaml'): string {
  const f = path.join(tmpDir(), name);
  fs.writeFileSync(f, text);
  return f;
}

test('docs/configuration.md is generated from the spec (npm run build:docs)', () => {
  assert.equal(fs.readFileSync(path.join(REPO, 'docs/configuration.md'), 'utf8'), configurationDoc());
  for (const [, d] of ALL_SETTINGS) {
    assert.ok(configurationDoc().includes(`\`--${d.flag}\``), d.flag);
    if (!d.flagOnly) assert.ok(configurationDoc().includes(`\`${d.key}\``), d.key);
  }
});

test('every command help lists exactly its settings', () => {
  for (const cmd of ['serve', 'ingest'] as const) {
    const help = optionsHelp(cmd);
    for (const [, d] of ALL_SETTINGS) {
      const listed = new RegExp(`^  --${d.flag.replace(/\./g, '\\.')}\\b`, 'm').test(help);
      assert.equal(listed, d.commands.includes(cmd), `${cmd} --${d.flag}`);
    }
  }
  const r = spawnSync(process.execPath, [BIN, 'serve', '--help'], { encoding: 'utf8' });
  assert.ok(r.stdout.includes(optionsHelp('serve')));
});

test('precedence: flag > environment > config file > default', () => {
  const f = config('interval: 30\nweb:\n  listenAddress: 127.0.0.1:9200\nlog:\n  level: warn\nmaxModels: 7\n');
  const fileOnly = resolveSettings('serve', ['--config', f], {});
  assert.equal(fileOnly.values.interval, 30);
  assert.equal(fileOnly.values.listenAddress, '127.0.0.1:9200');
  assert.equal(fileOnly.values.logLevel, 'warn');
  assert.equal(fileOnly.values.maxModels, 7);
  assert.equal(fileOnly.values.maxSeries, 2000);
  assert.equal(fileOnly.origins.interval, 'file');
  assert.equal(fileOnly.origins.maxSeries, 'default');
  const env = resolveSettings('serve', ['--config', f], { CACHE_SEC: '12', METRICS_PORT: '9300' });
  assert.equal(env.values.interval, 12);
  assert.equal(env.values.listenAddress, '127.0.0.1:9300');
  assert.equal(env.origins.listenAddress, 'env');
  const flag = resolveSettings('serve', ['--config', f, '--interval', '2', '--listen', '127.0.0.1:9400', '--log.level', 'debug'], { CACHE_SEC: '12' });
  assert.equal(flag.values.interval, 2);
  assert.equal(flag.values.listenAddress, '127.0.0.1:9400');
  assert.equal(flag.values.logLevel, 'debug');
  assert.equal(flag.origins.interval, 'flag');
});

test('exporter-style names and the old names are the same setting; JSON is YAML', () => {
  const a = resolveSettings('serve', ['--web.listen-address', '127.0.0.1:1'], {});
  const b = resolveSettings('serve', ['--listen', '127.0.0.1:1'], {});
  assert.equal(a.values.listenAddress, b.values.listenAddress);
  assert.equal(resolveSettings('serve', ['--log-level', 'error'], {}).values.logLevel, 'error');
  assert.throws(() => resolveSettings('serve', ['--listen', '127.0.0.1:1', '--web.listen-address', '127.0.0.1:2'], {}), /given twice/);
  const j = config(JSON.stringify({ web: { listenAddress: '127.0.0.1:5' }, watch: false, stateDir: ['/a', '/b'] }), 'c.json');
  const r = resolveSettings('serve', ['--config', j], {});
  assert.equal(r.values.listenAddress, '127.0.0.1:5');
  assert.equal(r.values.watch, false);
  assert.deepEqual(r.values.stateDir, ['/a', '/b']);
  assert.equal(resolveSettings('serve', ['--no-watch'], {}).values.watch, false);
});

test('unknown keys and bad values are rejected with the key path, flag or variable', () => {
  const cases: Array<[string[], NodeJS.ProcessEnv, RegExp]> = [
    [['--config', config('web:\n  listenAdress: x\n')], {}, /config .*: unknown key web\.listenAdress \(did you mean web\.listenAddress\?\)/],
    [['--config', config('interval: 0\n')], {}, /config .*: interval: expected a number from 1 to 86400/],
    [['--config', config('log:\n  level: loud\n')], {}, /log\.level: expected debug, info, warn, error or silent/],
    [['--config', config('maxModels: 2.5\n')], {}, /maxModels: expected a positive integer/],
    [['--config', config('config: other.yaml\n')], {}, /unknown key config/],
    [['--config', config('- a\n- b\n')], {}, /expected a mapping/],
    [['--config', config('web: [\n')], {}, /not valid YAML/],
    [['--config', config('? {a: 1, b: [x,\n  y]}\n: 1\n')], {}, /unknown key/],
    [['--config', '/nonexistent/c.yaml'], {}, /--config \/nonexistent\/c\.yaml: cannot read \(ENOENT\)/],
    [['--interval', '0.001'], {}, /--interval 0\.001: expected a number from 1 to 86400/],
    [['--max-series', '-1'], {}, /--max-series -1: expected a positive integer/],
    [[], { CACHE_SEC: 'abc' }, /CACHE_SEC=abc: expected a number/],
    [[], { METRICS_PORT: 'http' }, /METRICS_PORT=http: expected a port number/],
    [['--windows', '5x'], {}, /--windows 5x: expected durations/],
    [['--codex-usage-url', 'ftp://x'], {}, /expected an http\(s\) URL/],
    [['--bogus'], {}, /Unknown option '--bogus'/],
  ];
  for (const [argv, env, re] of cases) {
    assert.throws(() => resolveSettings('serve', argv, env), (e: Error) => e instanceof SettingsError && re.test(e.message) && !e.message.includes('\n'), argv.join(' '));
  }
  // A key of another command is accepted (one file can serve several commands) but unused.
  const shared = config('interval: 9\nprogress: false\n');
  assert.equal(resolveSettings('ingest', ['--config', shared], {}).values.progress, false);
  assert.equal(settingsFor('ingest').some(([n]) => n === 'interval'), false);
});

test('config check prints the effective settings with their origins; bad ones exit 2 with one line', () => {
  const f = config('web:\n  listenAddress: 127.0.0.1:9555\nmaxModels: 9\n');
  const r = spawnSync(process.execPath, [BIN, 'config', 'check', '--config', f, '--interval', '3'], { encoding: 'utf8', env: { ...process.env, CACHE_SEC: '8' } });
  assert.equal(r.status, 0, r.stderr);
  const doc = YAML.parse(r.stdout);
  assert.equal(doc.web.listenAddress, '127.0.0.1:9555');
  assert.equal(doc.interval, 3);
  assert.equal(doc.maxModels, 9);
  assert.match(r.stdout, /listenAddress: 127\.0\.0\.1:9555 # file/);
  assert.match(r.stdout, /interval: 3 # flag/);
  assert.match(r.stdout, /maxSeries: 2000 # default/);
  const bad = spawnSync(process.execPath, [BIN, 'config', 'check', '--config', config('maxSeries: lots\n')], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr.trim(), /^clawmeter: config .*: maxSeries: expected a positive integer$/);
});
