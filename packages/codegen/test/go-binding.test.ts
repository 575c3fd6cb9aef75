/**
 * The committed Go binding (bindings/go), and the binding generated at two interface versions (`xenmem gen
 * --iface`: below every rename the schema records, and from 0x00040900, where HVMOPs 2–4 are gone): gofmt leaves
 * it as it is, `go vet` finds nothing, and its generated tests pass. GOTOOLCHAIN=local: the module's `go` line
 * never makes Go download a toolchain.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { writeTargetAt } from './generated-at.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'xenmem-go-iface-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const generatedAt = (iface: number) => writeTargetAt(repo, 'go', iface, join(tmp, iface.toString(16)));

function go(dir: string, cmd: string, args: string[]) {
  const r = spawnSync(cmd, args, { cwd: dir, encoding: 'utf8', env: { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '' } });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

describe.each([
  ['bindings/go', () => join(repo, 'bindings/go')],
  ['the go target at 0x00030100', () => generatedAt(0x00030100)],
  ['the go target at 0x00040900', () => generatedAt(0x00040900)],
])('%s', (_, where) => {
  const dir = where();

  it('is gofmt-clean', () => {
    const r = go(dir, 'gofmt', ['-l', '.']);
    expect(r).toEqual({ code: 0, out: '' });
  });

  it('passes go vet', () => {
    const r = go(dir, 'go', ['vet', './...']);
    expect(r.code, r.out).toBe(0);
  });

  it('passes its generated tests', () => {
    const r = go(dir, 'go', ['test', '-count=1', '-v', './...']);
    expect(r.code, r.out).toBe(0);
    for (const t of ['TestHvmmemNamesAtEveryEraBoundary', 'TestHvmmemVerdictOfEveryReleaseAndNumber', 'TestVectors', 'TestMarshalRefusesBitFieldOverflow'])
      expect(r.out).toContain(`--- PASS: ${t}`);
  });
});
