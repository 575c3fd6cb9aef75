/** The import-graph code on small trees written for each test, with circles known in advance. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildImportGraph, importCircles, importSpecifiers, roomGraph, roomOf } from '../src/import-graph.js';

let root: string | undefined;

function tree(files: Record<string, string>): string {
  root = mkdtempSync(join(tmpdir(), 'import-graph-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

afterEach(() => {
  if (root) rmSync(root, { recursive: true, force: true });
  root = undefined;
});

describe('importSpecifiers', () => {
  it('finds imports, type imports, re-exports, import() and require(), but not text in comments or templates', () => {
    const text = [
      "import { a } from './a.js';",
      "import type { B } from './b.js';",
      "export { c } from './c.js';",
      "export * from './d.js';",
      "const e = await import('./e.js');",
      "const f = require('./f.cjs');",
      "// import { g } from './g.js';",
      "/* import { h } from './h.js'; */",
      "const code = `import { i } from './i.js';`;",
      "const name = './j.js'; await import(name);",
    ].join('\n');
    expect(importSpecifiers(text)).toEqual(['./a.js', './b.js', './c.js', './d.js', './e.js', './f.cjs']);
  });
});

describe('buildImportGraph and importCircles', () => {
  it('finds a circle of three files closed by a type-only import, and resolves .js names to .ts files', () => {
    const r = tree({
      'packages/p/src/a.ts': "import { b } from './b.js';\nexport const a = b;",
      'packages/p/src/b.ts': "import { c } from './c.js';\nexport const b = c;",
      'packages/p/src/c.ts': "import type { A } from './a.js';\nexport const c = 1;\nexport type C = A;",
      'packages/p/src/d.ts': "import { a } from './a.js';\nexport const d = a;",
    });
    const graph = buildImportGraph({ root: r, folders: ['packages'] });
    expect(graph.get('packages/p/src/d.ts')).toEqual(new Set(['packages/p/src/a.ts']));
    expect(importCircles(graph)).toEqual([['packages/p/src/a.ts', 'packages/p/src/b.ts', 'packages/p/src/c.ts']]);
  });

  it('follows a workspace package name through its exports to the source behind dist/ (in src/ or beside dist/)', () => {
    const r = tree({
      'packages/lib/package.json': JSON.stringify({ name: '@x/lib', exports: { '.': { types: './dist/index.d.ts', default: './dist/index.js' } } }),
      'packages/lib/src/index.ts': "import { app } from '@x/app';\nexport const lib = app;",
      'packages/app/package.json': JSON.stringify({ name: '@x/app', main: './dist/main.js' }),
      'packages/app/src/main.ts': "export { lib } from '@x/lib';\nexport const app = 1;",
      'packages/app/src/other.mjs': "import fs from 'node:fs';\nimport 'vitest';\nexport default fs;",
      'tools/flat/package.json': JSON.stringify({ name: '@x/flat', exports: { '.': { types: './dist/index.d.ts' } } }),
      'tools/flat/index.ts': "import { app } from '@x/app';\nexport const flat = app;",
      'tools/flat/dist/index.js': "import { lib } from '@x/lib';",
    });
    const graph = buildImportGraph({ root: r, folders: ['packages', 'tools'] });
    expect(graph.get('packages/app/src/other.mjs')).toEqual(new Set());
    expect(graph.get('tools/flat/index.ts')).toEqual(new Set(['packages/app/src/main.ts']));
    expect(graph.has('tools/flat/dist/index.js')).toBe(false);
    expect(importCircles(graph)).toEqual([['packages/app/src/main.ts', 'packages/lib/src/index.ts']]);
  });

  it('reports a file that imports itself, resolves a folder to its index, and skips node_modules, dist and generated', () => {
    const r = tree({
      'tools/t/self.ts': "import './self.js';",
      'tools/t/use-folder.ts': "import { x } from './folder';\nexport const y = x;",
      'tools/t/folder/index.ts': "import { y } from '../use-folder.js';\nexport const x = y;",
      'tools/t/node_modules/m/a.js': "require('./b.js');",
      'tools/t/node_modules/m/b.js': "require('./a.js');",
      'tools/t/generated/g.ts': "import './h.js';",
      'tools/t/generated/h.ts': "import './g.js';",
    });
    const graph = buildImportGraph({ root: r, folders: ['tools'] });
    expect([...graph.keys()].sort()).toEqual(['tools/t/folder/index.ts', 'tools/t/self.ts', 'tools/t/use-folder.ts']);
    expect(importCircles(graph)).toEqual([['tools/t/folder/index.ts', 'tools/t/use-folder.ts'], ['tools/t/self.ts']]);
  });

  it('finds no circle in a tree without one, and leaves out the files the caller excludes', () => {
    const r = tree({
      'scripts/a.mjs': "import { b } from './b.mjs';\nexport const a = b;",
      'scripts/b.mjs': 'export const b = 1;',
      'scripts/b.test.mjs': "import { a } from './a.mjs';\nexport const t = a;",
    });
    expect(importCircles(buildImportGraph({ root: r, folders: ['scripts'] }))).toEqual([]);
    const graph = buildImportGraph({ root: r, folders: ['scripts'], exclude: (p) => p.endsWith('.test.mjs') });
    expect([...graph.keys()]).toEqual(['scripts/a.mjs', 'scripts/b.mjs']);
  });
});

describe('roomGraph', () => {
  it('finds a loop of rooms that no file circle shows: a folder importing a file that imports another file of the folder', () => {
    const r = tree({
      'packages/p/src/ram/guest-ram.ts': 'export const ram = 1;',
      'packages/p/src/ram/foreign.ts': "import type { Host } from '../host.js';\nexport const f = (h: Host) => h;",
      'packages/p/src/host.ts': "import { ram } from './ram/guest-ram.js';\nexport type Host = typeof ram;",
      'packages/p/src/index.ts': "import { f } from './ram/foreign.js';\nimport { ram } from './ram/guest-ram.js';\nexport { f, ram };",
      'packages/q/src/other.ts': "import { ram } from '../../p/src/ram/guest-ram.js';\nexport const o = ram;",
    });
    const graph = buildImportGraph({ root: r, folders: ['packages'] });
    expect(importCircles(graph)).toEqual([]);
    const rooms = roomGraph(graph, 'packages/p/src');
    expect(rooms).toEqual(
      new Map([
        ['packages/p/src/host.ts', new Set(['packages/p/src/ram'])],
        ['packages/p/src/index.ts', new Set(['packages/p/src/ram'])],
        ['packages/p/src/ram', new Set(['packages/p/src/host.ts'])],
      ]),
    );
    expect(importCircles(rooms)).toEqual([['packages/p/src/host.ts', 'packages/p/src/ram']]);
  });

  it('has no loop once the file that imports up leaves the folder, and names the room of each file', () => {
    const r = tree({
      'src/ram/guest-ram.ts': 'export const ram = 1;',
      'src/foreign.ts': "import type { Host } from './host.js';\nexport const f = (h: Host) => h;",
      'src/host.ts': "import { ram } from './ram/guest-ram.js';\nexport type Host = typeof ram;",
    });
    expect(importCircles(roomGraph(buildImportGraph({ root: r, folders: ['src'] }), 'src'))).toEqual([]);
    expect([roomOf('src/ram/guest-ram.ts', 'src'), roomOf('src/host.ts', 'src/'), roomOf('lib/x.ts', 'src')]).toEqual(['src/ram', 'src/host.ts', undefined]);
  });
});
