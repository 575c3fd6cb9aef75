/**
 * schema/vectors.json against the generated C headers (packages/abi-types/include/xenmem): one C program,
 * written here from the vectors, sets each struct's fields to a vector's values and compares the struct's
 * bytes with the vector's, then copies the vector's bytes into a struct and compares each field. gcc lays the
 * structs out, so this checks the headers' fields, types and bit-fields, not a codec.
 * The headers declare each struct's newest layout; vectors of older layouts (`name@release`) are left to the
 * codecs that have them.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { STRUCTS, type LayoutId } from '../src/index.js';

interface Vector {
  layout: string;
  case: string;
  fields: Record<string, unknown>;
  hex: string;
}

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const includeDir = join(repoRoot, 'packages/abi-types/include');
const headerDir = join(includeDir, 'xenmem');
const legacy = readdirSync(headerDir).filter((f) => f.endsWith('_legacy.h')).sort();
const vectors = (JSON.parse(readFileSync(join(repoRoot, 'schema/vectors.json'), 'utf8')) as { vectors: Vector[] }).vectors.filter((v) => !v.layout.includes('@'));

const bytesOf = (hex: string): string => `(const unsigned char[]){${(hex.match(/../g) ?? []).map((b) => `0x${b}`).join(', ')}}`;
const cInt = (v: unknown, wide: boolean): string => (wide ? `UINT64_C(${v as string})` : `${v as number}u`);

/** The statements setting (encode) or checking (decode) one field of `s`. */
function fieldLines(v: Vector, name: string): { set: string[]; check: string[] } {
  const f = STRUCTS[v.layout as LayoutId].fields.find((x) => x.name === name)!;
  const value = v.fields[name];
  const where = JSON.stringify(`${v.layout}/${v.case}: ${name}`);
  const fail = `{ printf("FAIL decode %s\\n", ${where}); bad = 1; }`;
  if (f.type === 'union') return { set: [`memcpy(&s.${name}, ${bytesOf(value as string)}, ${f.size});`], check: [`if (memcmp(&t.${name}, ${bytesOf(value as string)}, ${f.size}) != 0) ${fail}`] };
  if (f.type === 'handle') {
    const u = `(uint64_t)${cInt(value, true)}`;
    return { set: [`{ uint64_t h = ${u}; memcpy(&s.${name}, &h, 8); }`], check: [`{ uint64_t h; memcpy(&h, &t.${name}, 8); if (h != ${u}) ${fail} }`] };
  }
  const wide = f.type === 'uint64';
  if (Array.isArray(value))
    return { set: value.map((x, i) => `s.${name}[${i}] = ${cInt(x, wide)};`), check: value.map((x, i) => `if (t.${name}[${i}] != ${cInt(x, wide)}) ${fail}`) };
  return { set: [`s.${name} = ${cInt(value, wide)};`], check: [`if (t.${name} != ${cInt(value, wide)}) ${fail}`] };
}

function program(): string {
  const checks = vectors.map((v, i) => {
    const struct = `struct ${STRUCTS[v.layout as LayoutId].name}`;
    const lines = Object.keys(v.fields).map((n) => fieldLines(v, n));
    const name = JSON.stringify(`${v.layout}/${v.case}`);
    return [
      `static int vector_${i}(void) {`,
      `  const unsigned char *want = ${bytesOf(v.hex)};`,
      `  ${struct} s, t;`,
      '  int bad = 0;',
      '  memset(&s, 0, sizeof s);',
      ...lines.flatMap((l) => l.set).map((l) => `  ${l}`),
      `  if (sizeof s != ${v.hex.length / 2} || memcmp(&s, want, sizeof s) != 0) { printf("FAIL encode %s\\n", ${name}); bad = 1; }`,
      '  memcpy(&t, want, sizeof t);',
      ...lines.flatMap((l) => l.check).map((l) => `  ${l}`),
      `  if (!bad) printf("ok %s\\n", ${name});`,
      '  return bad;',
      '}',
    ].join('\n');
  });
  return [
    '#include <stdint.h>',
    '#include <stdio.h>',
    '#include <string.h>',
    ...checks,
    'int main(void) {',
    '  int bad = 0;',
    ...vectors.map((_, i) => `  bad |= vector_${i}();`),
    '  return bad;',
    '}',
    '',
  ].join('\n');
}

const work = mkdtempSync(join(tmpdir(), 'xenmem-c-vectors-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('schema/vectors.json in C', () => {
  it('gcc lays out every vector as the vectors give it, both ways', () => {
    const src = join(work, 'vectors.c');
    writeFileSync(src, program());
    const flags = ['-std=c11', '-Wall', '-Wextra', '-Werror', '-D__XEN_TOOLS__', '-I', includeDir, '-include', join(headerDir, 'xenmem.h'), ...legacy.flatMap((h) => ['-include', join(headerDir, h)])];
    execFileSync('gcc', [...flags, src, '-o', join(work, 'vectors')], { stdio: 'pipe' });
    const run = spawnSync(join(work, 'vectors'), { encoding: 'utf8' });
    expect(run.stdout.trim().split('\n')).toEqual(vectors.map((v) => `ok ${v.layout}/${v.case}`));
    expect(run.status).toBe(0);
  });
});
