/**
 * No file-level import circle anywhere in the repository (type-only imports count). Tests and their helpers
 * are read too: a test tree is code a reader follows as well, and a circle through a test helper tangles
 * the helper with what it tests.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildImportGraph, importCircles } from '../src/import-graph.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const FOLDERS = ['packages', 'tools', 'scripts', 'examples', 'tests'];

const circles = importCircles(buildImportGraph({ root: ROOT, folders: FOLDERS }));
const key = (files: string[]) => [...files].sort().join(' -> ');

describe('import circles', () => {
  it('no files of the repository import each other in a circle', () => {
    expect(circles.map(key)).toEqual([]);
  });
});
