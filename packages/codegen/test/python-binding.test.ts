/**
 * The committed Python binding (bindings/python): its generated pytest tests pass, at least one test runs
 * (pytest's exit 5, nothing collected, fails here like any other non-zero exit), and `mypy --strict` accepts
 * the package and its tests. pytest and mypy come from the project-local venv (python-venv.ts).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureVenv } from './python-venv.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const dir = join(repo, 'bindings/python');
let python = '';

beforeAll(() => {
  python = ensureVenv(repo);
}, 300_000);

/** Runs the venv's python in bindings/python, writing no bytecode or caches into the committed tree, without colour. */
function run(args: string[]) {
  const r = spawnSync(python, args, { cwd: dir, encoding: 'utf8', env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', NO_COLOR: '1', FORCE_COLOR: '0', PY_COLORS: '0', MYPY_FORCE_COLOR: '0' } });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('bindings/python', () => {
  it('passes its generated pytest tests', () => {
    const r = run(['-m', 'pytest', '-q', '--color=no', '-p', 'no:cacheprovider']);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/\b[1-9]\d* passed\b/);
    expect(r.out).not.toMatch(/failed|error/);
  });

  it('type-checks with mypy --strict', () => {
    const r = run(['-m', 'mypy', '--strict', '--no-color-output', '--cache-dir', join(repo, '.cache/mypy'), 'xenmem_abi', 'tests']);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/^Success: no issues found in \d+ source files/m);
  });
});
