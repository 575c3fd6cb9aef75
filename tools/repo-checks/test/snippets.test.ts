/** Every ```ts snippet of README.md and docs/ type-checks against the built workspace packages. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkSnippets, snippetFiles, snippetsIn } from '../src/snippets.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const all = snippetFiles(ROOT).flatMap((f) => snippetsIn(f, readFileSync(join(ROOT, f), 'utf8')));

describe('TypeScript snippets of the docs', () => {
  it('README.md has its snippets found', () => {
    expect(all.filter((s) => s.file === 'README.md').length).toBeGreaterThanOrEqual(5);
  });

  it('every snippet type-checks', () => {
    expect(checkSnippets(ROOT, all)).toEqual([]);
  });

  it('reports a planted error at the Markdown line, and a nocheck without a reason', () => {
    const md = [
      '# t',
      '```ts',
      "import { hvmmemName } from '@xenmem/abi-types';",
      'const n: number = hvmmemName(3, "4.7");',
      '```',
      '```ts nocheck',
      'nonsense(',
      '```',
      '```ts nocheck: shows a syntax error on purpose',
      'nonsense(',
      '```',
    ].join('\n');
    const snippets = snippetsIn('planted.md', md);
    expect(snippets.map((s) => [s.line, s.nocheck])).toEqual([
      [3, undefined],
      [7, ''],
      [10, 'shows a syntax error on purpose'],
    ]);
    const problems = checkSnippets(ROOT, snippets);
    expect(problems[0]).toBe('planted.md:7: "nocheck" needs a reason on the fence line');
    expect(problems.slice(1)).toHaveLength(1);
    expect(problems[1]).toMatch(/^planted\.md:4: error TS2322: Type '.*' is not assignable to type 'number'/);
  });
});
