/** Every metric in the table is documented in docs/metrics.md, and nothing else is; every JSON API endpoint in docs/api.md. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { METRICS } from '../src/metrics/table.js';
import { API_ENDPOINTS } from '../src/sinks/api/handlers.js';
import { FIXTURES } from './helpers.js';

const DOC = fs.readFileSync(path.join(FIXTURES, '../../docs/metrics.md'), 'utf8');

test('docs/metrics.md documents every metric with its type and labels', () => {
  for (const d of Object.values(METRICS)) {
    const row = DOC.split('\n').find((l) => l.startsWith(`| \`${d.name}\` |`));
    assert.ok(row, `${d.name} has a table row`);
    const cells = row.split('|').map((c) => c.trim());
    assert.equal(cells[2], d.type, `${d.name} type`);
    const documented = [...cells[3].matchAll(/`([a-z_]+)`/g)].map((m) => m[1]).sort();
    assert.deepEqual(documented, [...d.labels].sort(), `${d.name} labels`);
  }
});

test('docs/metrics.md names no metric that does not exist', () => {
  const names = new Set(Object.values(METRICS).map((d) => d.name));
  for (const m of DOC.matchAll(/^\| `((?:openclaw|clawmeter)_[a-z_]+)` \|/gm)) {
    assert.ok(names.has(m[1]), `${m[1]} is documented but not exported`);
  }
});

test('docs/api.md documents every JSON API endpoint with an example answer that parses', () => {
  const doc = fs.readFileSync(path.join(FIXTURES, '../../docs/api.md'), 'utf8');
  for (const e of API_ENDPOINTS) {
    const at = doc.indexOf(`## \`GET /api/v1/${e}\``);
    assert.ok(at >= 0, `docs/api.md has a section for ${e}`);
    const section = doc.slice(at, doc.indexOf('\n## ', at + 1) < 0 ? undefined : doc.indexOf('\n## ', at + 1));
    const m = /```json\n([\s\S]*?)```/.exec(section);
    assert.ok(m, `${e}: an example answer`);
    const example = JSON.parse(m[1]) as Record<string, unknown>;
    assert.equal(typeof example.generatedAtMs, 'number', `${e}: the example carries generatedAtMs`);
  }
});
