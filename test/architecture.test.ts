/**
 * The architecture rules the code must keep (ARCHITECTURE.md): imports inside
 * src/ only point down the layers, and every module stays under 400 lines.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

const SRC = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../src');

/**
 * Layers, lowest first. A module may import its own folder and any folder of a
 * lower layer; folders of one layer (sources and ledger, query and metrics, ...)
 * do not import each other.
 */
export const LAYERS: Record<string, number> = {
  'model.ts': 0,
  'bounds.ts': 0,
  util: 0,
  parse: 1,
  pricing: 1,
  labeling: 1.5,
  sources: 2,
  ledger: 2,
  quota: 3,
  settings: 4,
  ingest: 5,
  query: 6,
  metrics: 6,
  sinks: 7,
  dashboards: 7,
  demo: 8,
  cli: 9,
};

function walk(d: string): string[] {
  return fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : e.name.endsWith('.ts') ? [path.join(d, e.name)] : []));
}

const top = (f: string) => path.relative(SRC, f).split(path.sep)[0];

function upwardImports(): string[] {
  const bad: string[] = [];
  for (const f of walk(SRC)) {
    const text = fs.readFileSync(f, 'utf8');
    // static imports and re-exports, and dynamic import('...') (commands load lazily)
    for (const m of text.matchAll(/(?:(?:import|export)[^'"]*?from\s+|import\(\s*)'(\.[^']+)'/g)) {
      const target = path.resolve(path.dirname(f), m[1].replace(/\.js$/, '.ts'));
      const a = top(f);
      const b = top(target);
      if (!target.startsWith(SRC + path.sep) || a === b) continue;
      if (LAYERS[a] === undefined || LAYERS[b] === undefined) bad.push(`${path.relative(SRC, f)}: folder without a layer (${LAYERS[a] === undefined ? a : b})`);
      else if (LAYERS[b] >= LAYERS[a]) bad.push(`${path.relative(SRC, f)} imports ${path.relative(SRC, target)} (${a} -> ${b})`);
    }
  }
  return bad;
}

test('imports inside src/ only point down the layers', () => {
  assert.deepEqual(upwardImports(), []);
});

test('the rule catches an upward import', () => {
  const probe = path.join(SRC, 'parse', '__probe_upward.ts');
  fs.writeFileSync(probe, "import { Ledger } from '../ledger/ledger.js';\nexport const x = Ledger;\nexport const y = () => import( '../sinks/http/server.js');\n");
  try {
    assert.deepEqual(upwardImports(), [
      'parse/__probe_upward.ts imports ledger/ledger.ts (parse -> ledger)',
      'parse/__probe_upward.ts imports sinks/http/server.ts (parse -> sinks)',
    ]);
  } finally {
    fs.rmSync(probe);
  }
});

test('every module in src/ is under 400 lines', () => {
  const long = walk(SRC)
    .map((f) => [path.relative(SRC, f), fs.readFileSync(f, 'utf8').split('\n').length - 1] as const)
    .filter(([, n]) => n >= 400);
  assert.deepEqual(long, []);
});
