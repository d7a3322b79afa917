/**
 * Byte-identity snapshot of the demo generator: fixed seeds, options and "now" must keep
 * producing exactly the same tree (every relative path and every byte) and ground truth.
 * Guards restructurings of `src/demo/` that must not change output.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { generateStateDir, type GenerateOptions } from '../src/demo/generate.js';
import { tmpDir } from './helpers.js';

const NOW = Date.UTC(2026, 6, 20, 12, 0, 0);

/** SHA-256 over every file's relative path, size and bytes, in sorted path order. */
export function treeDigest(dir: string): { files: number; sha256: string } {
  const rels: string[] = [];
  const walk = (rel: string): void => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(r);
      else rels.push(r);
    }
  };
  walk('');
  rels.sort();
  const h = crypto.createHash('sha256');
  for (const r of rels) {
    const bytes = fs.readFileSync(path.join(dir, r));
    h.update(`${r}\0${bytes.length}\0`);
    h.update(bytes);
  }
  return { files: rels.length, sha256: h.digest('hex') };
}

function truthDigest(truth: unknown): string {
  return crypto.createHash('sha256').update(JSON.stringify(truth)).digest('hex');
}

const CASES: { name: string; opts: Omit<GenerateOptions, 'dir'>; files: number; tree: string; truth: string }[] = [
  {
    name: 'defaults (archives, duplicates, junk, synthetic rows)',
    opts: { seed: 1, nowMs: NOW, targetBytes: 300_000 },
    files: 65,
    tree: 'e4a6208afd0d069353e97f6b7c8573ca3ee0a25845bf8a891227a4b3cbf97457',
    truth: '4b8f2d69bf0d1fec35a11422ab03bdbaca5808ae26297e7103f3283f818c4b76',
  },
  {
    name: 'no archives, no duplicates, no junk, no synthetic rows',
    opts: { seed: 7, nowMs: NOW, days: 3, targetBytes: 300_000, archives: false, duplicates: false, junk: false, syntheticRows: false },
    files: 25,
    tree: 'b266f2a96d64a15e8dca78e60fe19ea3375e76ef088fd5839107d70b303d1ff5',
    truth: 'b042c43636767fac02f5e2f55244de5107b793e76c905c97acf24939358bae80',
  },
  {
    name: 'three agents, archives without duplicates, junk',
    opts: { seed: 42, nowMs: NOW + 123_457, days: 10, targetBytes: 400_000, agents: ['main', 'ops', 'Work'], duplicates: false },
    files: 83,
    tree: '193bc2fc6454dd631f133d373e02396a50e795f5c7003b4cbf00076bb02b9422',
    truth: '48772830d3f629d3fcd33ed439ccc4e36dfbea69b48828e94c345e2dadcbce56',
  },
];

for (const c of CASES) {
  test(`demo snapshot: ${c.name}`, () => {
    const dir = path.join(tmpDir('clawmeter-snap-'), 'state');
    const truth = generateStateDir({ ...c.opts, dir });
    const d = treeDigest(dir);
    if (process.env.SNAPSHOT_PRINT) console.log(JSON.stringify({ name: c.name, files: d.files, tree: d.sha256, truth: truthDigest(truth) }));
    assert.equal(d.files, c.files, 'file count');
    assert.equal(d.sha256, c.tree, 'tree digest');
    assert.equal(truthDigest(truth), c.truth, 'ground truth digest');
  });
}
