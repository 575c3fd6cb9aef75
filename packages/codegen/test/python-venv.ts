/**
 * The project-local virtualenv the Python binding's tests run in: `.cache/venv` at the repository root
 * (git-ignored), created with `python3 -m venv` and pytest, mypy and vermin (the oldest Python a file needs) from
 * PyPI at pinned versions.
 * A venv whose stamp file lists the same pins is reused as it is, so a warm run costs nothing.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const PYTHON_PINS = ['pytest==9.2.0', 'mypy==2.4.1', 'vermin==1.9.2'];

/** Creates the venv when missing or pinned differently; returns its python executable. */
export function ensureVenv(repoRoot: string): string {
  const venv = join(repoRoot, '.cache/venv');
  const stamp = join(venv, 'xenmem-pins.txt');
  const python = join(venv, 'bin/python');
  const want = `${PYTHON_PINS.join('\n')}\n`;
  if (existsSync(python) && existsSync(stamp) && readFileSync(stamp, 'utf8') === want) return python;
  rmSync(venv, { recursive: true, force: true });
  execFileSync('python3', ['-m', 'venv', venv], { stdio: 'pipe' });
  execFileSync(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', ...PYTHON_PINS], { stdio: 'pipe', timeout: 300_000 });
  writeFileSync(stamp, want);
  return python;
}
