/**
 * Runs every generator over schema/xen-abi.json.
 *
 *   node packages/codegen/dist/main.js              write the outputs into the repository
 *   node packages/codegen/dist/main.js --out DIR    write them under DIR instead (the freshness test compares)
 *
 * The schema is validated first; a broken schema prints its problems (with JSON paths) and exits 1.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSchemaFile } from '@xenmem/schema';
import { GENERATORS } from './generators.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** Directories whose contents belong to the generators alone; stale files in them are removed. */
export const OWNED_DIRS = ['packages/abi-types/src/generated', 'packages/abi-types/include/xenmem', 'docs/abi', 'bindings/go', 'bindings/python'];

function main(argv: string[]): number {
  const outIdx = argv.indexOf('--out');
  const outRoot = outIdx >= 0 ? resolve(argv[outIdx + 1] ?? '') : repoRoot;
  const loaded = loadSchemaFile(join(repoRoot, 'schema/xen-abi.json'));
  if (!loaded.ok) {
    process.stderr.write('schema/xen-abi.json is invalid:\n');
    for (const p of loaded.problems) process.stderr.write(`  ${p.path || '(document)'}: ${p.message}\n`);
    return 1;
  }
  const files = GENERATORS.flatMap((g) => g(loaded.schema));
  for (const dir of OWNED_DIRS) {
    const abs = join(outRoot, dir);
    mkdirSync(abs, { recursive: true });
    for (const entry of readdirSync(abs)) if (!files.some((f) => f.path === `${dir}/${entry}` || f.path.startsWith(`${dir}/${entry}/`))) rmSync(join(abs, entry), { recursive: true });
  }
  for (const f of files) {
    const abs = join(outRoot, f.path);
    mkdirSync(dirname(abs), { recursive: true });
    writeFileSync(abs, f.contents);
  }
  process.stderr.write(`codegen: ${files.length} files written under ${outRoot}\n`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
