/**
 * No file-level import circle anywhere in the repository (type-only imports count). Tests and their helpers
 * are read too: a test tree is code a reader follows as well, and a circle through a test helper tangles
 * the helper with what it tests.
 *
 * Inside a package's src/ whose folders are its layers, the folders and top-level files (the rooms, as
 * farm-studio draws them) must not import each other in a loop either: a loop of rooms is an arrow running
 * back up, a layer reaching above itself, even when no two files form a circle.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildImportGraph, importCircles, roomGraph, roomOf, type ImportGraph } from '../src/import-graph.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const FOLDERS = ['packages', 'tools', 'scripts', 'examples', 'tests'];

const graph = buildImportGraph({ root: ROOT, folders: FOLDERS });
const circles = importCircles(graph);
const key = (files: string[]) => [...files].sort().join(' -> ');

describe('import circles', () => {
  it('no files of the repository import each other in a circle', () => {
    expect(circles.map(key)).toEqual([]);
  });
});

/**
 * Source folders whose rooms are layers: every package's and tool's src/, so that a package that grows folders
 * is held to it from its first folder on.
 */
const LAYERED = ['packages', 'tools'].flatMap((top) =>
  readdirSync(join(ROOT, top), { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(ROOT, top, entry.name, 'src')))
    .map((entry) => `${top}/${entry.name}/src`),
).sort();

/** The file imports that tie a loop of rooms: `from -> to` for each import between two of its rooms. */
function loopImports(files: ImportGraph, folder: string, loop: string[]): string[] {
  const inLoop = new Set(loop);
  const out: string[] = [];
  for (const [file, targets] of files) {
    const from = roomOf(file, folder);
    if (from === undefined || !inLoop.has(from)) continue;
    for (const target of targets) {
      const to = roomOf(target, folder);
      if (to !== undefined && to !== from && inLoop.has(to)) out.push(`${file} -> ${target}`);
    }
  }
  return out.sort();
}

describe('layers', () => {
  it('cover every src/ that has folders today', () => {
    expect(LAYERED).toEqual(expect.arrayContaining(['packages/cli/src', 'packages/hypervisor-sim/src', 'packages/ioreq-client/src', 'packages/sim-protocol/src']));
  });

  it.each(LAYERED)('the folders and top-level files of %s import each other in no loop (no arrow runs back up)', (folder) => {
    const loops = importCircles(roomGraph(graph, folder));
    expect(loops.map((loop) => ({ rooms: loop, imports: loopImports(graph, folder, loop) }))).toEqual([]);
  });
});
