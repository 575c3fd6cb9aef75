import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// Regenerates everything into a temporary directory and compares it with what is committed.
// A difference means someone edited the schema or a generator without running `npm run codegen`.
const repo = fileURLToPath(new URL('../../../', import.meta.url));
const out = mkdtempSync(join(tmpdir(), 'xenmem-codegen-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

execFileSync(process.execPath, [join(repo, 'packages/codegen/dist/main.js'), '--out', out], { stdio: 'pipe' });
mkdirSync(join(out, 'schema'), { recursive: true });
execFileSync(process.execPath, [join(repo, 'packages/schema/scripts/gen-json-schema.mjs'), join(out, 'schema/xen-abi.schema.json')], { stdio: 'pipe' });
mkdirSync(join(out, 'packages/codegen'), { recursive: true });
execFileSync(process.execPath, [join(repo, 'packages/codegen/scripts/gen-plugin-schema.mjs'), join(out, 'packages/codegen/plugin-protocol.schema.json')], { stdio: 'pipe' });

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
}

const generated = walk(out).map((f) => relative(out, f)).sort();
const HINT = 'is stale: run `npm run codegen` (and `npm run schema:json` for the JSON Schema) and commit the result';

describe('generated files are fresh', () => {
  it('generates the TypeScript, Rust, C, docs, Go, Python, vectors and JSON Schema (schema, plugin protocol) outputs', () => {
    for (const dir of ['packages/abi-types/src/generated/', 'packages/abi-types/include/xenmem/', 'packages/abi-types/rust/src/generated.rs', 'docs/abi/', 'bindings/go/go.mod', 'bindings/python/xenmem_abi/', 'schema/vectors.json', 'schema/xen-abi.schema.json', 'packages/codegen/plugin-protocol.schema.json'])
      expect(generated.some((f) => f.startsWith(dir)), `no output under ${dir}`).toBe(true);
  });

  it.each(['bindings/go/testdata/vectors.json', 'bindings/python/tests/vectors.json', 'packages/abi-types/rust/tests/vectors.json'])('%s is a byte-identical copy of schema/vectors.json', (copy) => {
    expect(readFileSync(join(repo, copy)), `${copy} ${HINT}`).toEqual(readFileSync(join(repo, 'schema/vectors.json')));
  });

  it.each(generated)('%s', (path) => {
    const committed = join(repo, path);
    expect(existsSync(committed), `${path} is generated but not committed: run \`npm run codegen\``).toBe(true);
    expect(readFileSync(committed, 'utf8') === readFileSync(join(out, path), 'utf8'), `${path} ${HINT}`).toBe(true);
  });

  it.each(['packages/abi-types/src/generated', 'packages/abi-types/include/xenmem', 'docs/abi', 'bindings/go', 'bindings/python'])('%s holds no file the generators no longer write', (dir) => {
    const committed = existsSync(join(repo, dir)) ? walk(join(repo, dir)).map((f) => relative(repo, f)) : [];
    expect(committed.filter((f) => !generated.includes(f)), `stale files in ${dir}: delete them or run \`npm run codegen\``).toEqual([]);
  });
});
