/**
 * The `xenmem` bin as npm links it: npm links a workspace's bins at `npm ci`, before `npm run build` makes dist/,
 * so the bin must be a committed, executable file that exists on a fresh clone and reaches the built command.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const pkgDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const repo = join(pkgDir, '../..');
const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { version: string; bin: Record<string, string>; files: string[] };

describe('the xenmem bin', () => {
  it('is a file committed with its execute bit (git mode 100755), which npm pack ships', () => {
    expect(pkg.bin).toEqual({ xenmem: './bin/xenmem.mjs' });
    const staged = spawnSync('git', ['ls-files', '--stage', '--', 'packages/cli/bin/xenmem.mjs'], { cwd: repo, encoding: 'utf8' }).stdout;
    expect(staged.split(/\s+/)[0]).toBe('100755');
    expect(pkg.files).toContain('bin');
  });

  it('imports the built command, and runs it', () => {
    const text = readFileSync(join(pkgDir, 'bin/xenmem.mjs'), 'utf8');
    expect(text.startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect([...text.matchAll(/^import '([^']+)';$/gm)].map((m) => m[1])).toEqual(['../dist/bin.js']);
    const r = spawnSync(join(pkgDir, 'bin/xenmem.mjs'), ['--version'], { encoding: 'utf8' });
    expect([r.status, r.stdout, r.stderr]).toEqual([0, `${pkg.version}\n`, '']);
  });

  it('is what node_modules/.bin/xenmem links to', () => {
    expect(realpathSync(join(repo, 'node_modules/.bin/xenmem'))).toBe(realpathSync(join(pkgDir, 'bin/xenmem.mjs')));
  });
});
