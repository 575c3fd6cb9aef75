/**
 * docs/README.md is the index of the documentation: it links every page of docs/ (the generated abi/ and api/
 * trees by their folders), and the repository's README links the index, so a new page cannot go unlisted.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const index = readFileSync(join(ROOT, 'docs/README.md'), 'utf8');
const linked = new Set([...index.matchAll(/\]\(([^)#]+)[^)]*\)/g)].map((m) => m[1]));
const pages = readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md') && f !== 'README.md');

describe('docs/README.md, the index', () => {
  it('finds the pages of docs/', () => {
    expect(pages).toContain('cli.md');
    expect(pages).toContain('scenarios.md');
  });

  it.each(pages)('links %s', (page) => {
    expect(linked.has(page)).toBe(true);
  });

  it('links the generated ABI tables and the API reference', () => {
    expect(linked.has('abi/README.md')).toBe(true);
    expect(linked.has('api/')).toBe(true);
  });

  it('is linked from the repository README', () => {
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8')).toContain('](docs/README.md)');
  });
});
