/**
 * `npm run build:docs`: rewrites the generated documentation (docs/configuration.md
 * from the settings spec). test/settings.test.ts fails when the committed file
 * and the spec disagree.
 */
import fs from 'node:fs';
import path from 'node:path';
import { configurationDoc } from '../src/settings/help.js';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
fs.writeFileSync(path.join(root, 'docs/configuration.md'), configurationDoc());
process.stdout.write('wrote docs/configuration.md\n');
