/**
 * `xenmem dm --backend host` on a machine without Xen: one line naming /dev/xen/privcmd and ENOENT, exit 1,
 * whether the host backend is asked for or is the default (no --socket, no XENMEM_SOCKET).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const NO_XEN =
  "cannot open /dev/xen/privcmd: ENOENT: no Xen here: this machine is not a Xen domain, or Linux's Xen drivers are not loaded (modprobe xen-privcmd xen-evtchn). On a machine without Xen use the simulator: xenmem sim serve, then the socket backend";

describe.skipIf(existsSync('/dev/xen/privcmd'))('xenmem dm on a machine without Xen', () => {
  it.each([
    [['dm', '--backend', 'host', 'get-mem-type', '--domid', '1', '--pfn', '0'], '/tmp/ignored.sock'],
    [['dm', 'set-mem-type', '--domid', '1', '--first-pfn', '0x100', '--nr', '1', '--mem-type', 'ram_ro', '--json'], undefined],
  ])('%j (XENMEM_SOCKET=%s): one line, exit 1', (argv, socket) => {
    const env: Record<string, string> = { ...(process.env as Record<string, string>), LD_PRELOAD: '' };
    delete env.XENMEM_SOCKET;
    if (socket !== undefined) env.XENMEM_SOCKET = socket;
    const r = spawnSync(process.execPath, [BIN, ...argv], { encoding: 'utf8', env });
    expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({ status: 1, stdout: '', stderr: `xenmem dm ${argv.includes('get-mem-type') ? 'get-mem-type' : 'set-mem-type'}: ${NO_XEN}\n` });
  });
});
