/**
 * The committed Go binding (bindings/go): gofmt leaves it as it is, `go vet` finds nothing, and its
 * generated tests pass. GOTOOLCHAIN=local: the module's `go` line never makes Go download a toolchain.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const dir = join(repo, 'bindings/go');

function go(cmd: string, args: string[]) {
  const r = spawnSync(cmd, args, { cwd: dir, encoding: 'utf8', env: { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '' } });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('bindings/go', () => {
  it('is gofmt-clean', () => {
    const r = go('gofmt', ['-l', '.']);
    expect(r).toEqual({ code: 0, out: '' });
  });

  it('passes go vet', () => {
    const r = go('go', ['vet', './...']);
    expect(r.code, r.out).toBe(0);
  });

  it('passes its generated tests', () => {
    const r = go('go', ['test', '-count=1', '-v', './...']);
    expect(r.code, r.out).toBe(0);
    for (const t of ['TestHvmmemNamesAtEveryEraBoundary', 'TestHvmmemVerdictOfEveryReleaseAndNumber', 'TestVectors', 'TestMarshalRefusesBitFieldOverflow'])
      expect(r.out).toContain(`--- PASS: ${t}`);
  });
});
