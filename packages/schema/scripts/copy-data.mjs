// Copies the repository's schema data into the package (dist/data/), so that an installed @xenmem/schema has
// its JSON Schema, the current schema (`xenmem abi check`'s default) and the released snapshots (its base).
// Run by `npm run build` and before `npm pack` (prepack). In the checkout the package reads ../../schema/
// directly (see paths.ts); the copy is what ships. dist/ is git-ignored: nothing generated is committed.
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
const from = join(pkg, '..', '..', 'schema');
const to = join(pkg, 'dist', 'data');

for (const f of ['xen-abi.schema.json', 'xen-abi.json', 'released']) {
  if (!existsSync(join(from, f))) {
    console.error(`copy-data: ${join(from, f)} is missing`);
    process.exit(1);
  }
}
rmSync(to, { recursive: true, force: true });
mkdirSync(to, { recursive: true });
cpSync(join(from, 'xen-abi.schema.json'), join(to, 'xen-abi.schema.json'));
cpSync(join(from, 'xen-abi.json'), join(to, 'xen-abi.json'));
cpSync(join(from, 'released'), join(to, 'released'), { recursive: true });
