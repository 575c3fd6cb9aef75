/**
 * The committed Python binding (bindings/python), and the binding generated at two interface versions (`xenmem
 * gen --iface`, 4.6 and 0x00040900): its generated pytest tests pass, at least one test runs
 * (pytest's exit 5, nothing collected, fails here like any other non-zero exit), and `mypy --strict` accepts
 * the package and its tests, and vermin finds nothing in them (nor in the example plugin) that needs a Python newer
 * than 3.9, the oldest the package claims (pyproject.toml requires-python); only a newer Python runs here, and mypy
 * no longer type-checks for 3.9. pytest, mypy and vermin come from the project-local venv (python-venv.ts).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTargetAt } from './generated-at.js';
import { ensureVenv } from './python-venv.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const committed = join(repo, 'bindings/python');
const tmp = mkdtempSync(join(tmpdir(), 'xenmem-python-iface-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let python = '';

beforeAll(() => {
  python = ensureVenv(repo);
}, 300_000);

/** Runs the venv's python (or another of its programs) in `cwd`, writing no bytecode or caches into the committed tree, without colour. */
function run(cwd: string, args: string[], program = python) {
  const r = spawnSync(program, args, { cwd, encoding: 'utf8', env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', NO_COLOR: '1', FORCE_COLOR: '0', PY_COLORS: '0', MYPY_FORCE_COLOR: '0' } });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

describe.each([
  ['bindings/python', () => committed],
  ['the python target at 0x00040600', () => writeTargetAt(repo, 'python', 0x00040600, join(tmp, '40600'))],
  ['the python target at 0x00040900', () => writeTargetAt(repo, 'python', 0x00040900, join(tmp, '40900'))],
])('%s', (_, where) => {
  const dir = where();

  it('passes its generated pytest tests', () => {
    const r = run(dir, ['-m', 'pytest', '-q', '--color=no', '-p', 'no:cacheprovider']);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/\b[1-9]\d* passed\b/);
    expect(r.out).not.toMatch(/failed|error/);
  });

  it('type-checks with mypy --strict', () => {
    const r = run(dir, ['-m', 'mypy', '--strict', '--no-color-output', '--cache-dir', join(repo, '.cache/mypy'), 'xenmem_abi', 'tests']);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/^Success: no issues found in \d+ source files/m);
  });
});

describe('Python 3.9', () => {
  const vermin = (...paths: string[]) => run(committed, ['--target=3.9-', '--no-tips', '--violations', '--eval-annotations', '--feature', 'union-types', '--no-parse-comments', ...paths], join(dirname(python), 'vermin'));

  it('needs nothing newer than Python 3.9 (vermin, annotations evaluated, X | Y unions detected)', () => {
    const r = vermin('xenmem_abi', 'tests', join(repo, 'examples/codegen-plugin/ocaml_constants.py'));
    expect(r.code, r.out).toBe(0);
  });

  it('the 3.9 check refuses a 3.10 annotation (int | None)', () => {
    const file = join(tmp, 'newer.py');
    writeFileSync(file, 'from __future__ import annotations\n\n\ndef f(x: int | None) -> None:\n    pass\n');
    const r = vermin(file);
    expect(r.code, r.out).toBe(1);
    expect(r.out).toContain('union types as `X | Y` require !2, 3.10');
    expect(r.out).toMatch(/^Target versions not met: +3\.9-$/m);
  });
});
