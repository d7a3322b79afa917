/**
 * `npm run build:dashboards`: writes the generated dashboard JSON and ConfigMap
 * (see index.ts) relative to the current directory, the repository root.
 */
import fs from 'node:fs';
import path from 'node:path';
import { generatedFiles } from './index.js';

for (const f of generatedFiles()) {
  fs.mkdirSync(path.dirname(f.path), { recursive: true });
  fs.writeFileSync(f.path, f.text);
  process.stdout.write(`wrote ${f.path}\n`);
}
