/**
 * Without Xen: `XenHost.open()` rejects with one XenHostError naming /dev/xen/privcmd, ENOENT and what to do;
 * without the addon the package still imports (`available: false`) and open() rejects with
 * XenHostUnavailableError. Both in child processes (the addon is a native module).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, expect, it } from 'vitest';

const pkg = fileURLToPath(new URL('..', import.meta.url));
// Inside the package, so that the copy resolves @xenmem/abi-types from the workspace's node_modules.
const copy = mkdtempSync(join(pkg, '.nonative-'));
afterAll(() => rmSync(copy, { recursive: true, force: true }));

function run(entry: string): { stdout: string; stderr: string } {
  const script = `
    const m = await import(${JSON.stringify(entry)});
    let error = null;
    try { await m.XenHost.open(); } catch (e) { error = { name: e.name, code: e.code ?? null, errno: e.errno ?? null, path: e.path ?? null, message: e.message }; }
    console.log(JSON.stringify({ available: m.available, reason: m.unavailableReason, error }));`;
  // Not under an emulation of /dev/xen, whatever the environment of the test run.
  const env = { ...process.env, LD_PRELOAD: '' };
  return spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env });
}

it.skipIf(existsSync('/dev/xen/privcmd'))('on a machine without Xen, open() rejects with ENOENT on /dev/xen/privcmd and says what to do', () => {
  const r = run(join(pkg, 'dist', 'index.js'));
  expect(r.stderr).toBe('');
  expect(JSON.parse(r.stdout)).toEqual({
    available: true,
    reason: null,
    error: {
      name: 'XenHostError',
      code: 'ENOENT',
      errno: 2,
      path: '/dev/xen/privcmd',
      message:
        "cannot open /dev/xen/privcmd: ENOENT: no Xen here: this machine is not a Xen domain, or Linux's Xen drivers are not loaded (modprobe xen-privcmd xen-evtchn). On a machine without Xen use the simulator: xenmem sim serve, then the socket backend",
    },
  });
});

it('imports without the binary: available false, a reason, and open() rejects with it', () => {
  cpSync(join(pkg, 'dist'), join(copy, 'dist'), { recursive: true });
  cpSync(join(pkg, 'package.json'), join(copy, 'package.json'));
  mkdirSync(join(copy, 'native'));
  cpSync(join(pkg, 'native', 'index.cjs'), join(copy, 'native', 'index.cjs'));
  const r = run(join(copy, 'dist', 'index.js'));
  expect(r.stderr).toBe('');
  const reason = `the addon is not built for linux-${process.arch} (no ${join(copy, 'native', '*.node')}; build it with \`npm run build:native -w @xenmem/xen-host\`)`;
  expect(JSON.parse(r.stdout)).toEqual({
    available: false,
    reason,
    error: { name: 'XenHostUnavailableError', code: null, errno: null, path: null, message: `the Xen host backend is unavailable: ${reason}` },
  });
});
