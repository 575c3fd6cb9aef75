/**
 * The host backend end to end under the kernel-interface emulation: an IoreqServer in a `xenmem sim exec`
 * child (ioreq pages through IOCTL_PRIVCMD_MMAP_RESOURCE, event channels through /dev/xen/evtchn) serving a
 * guest's port accesses made by the toolstack's connection; and `xenmem dm --backend host` giving the output
 * and exit codes of `xenmem dm --socket`.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Hypervisor, startDaemon, type Daemon } from '@xenmem/hypervisor-sim';
import { SocketBackend } from '@xenmem/ioreq-client';

const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const IOREQ_CHILD = fileURLToPath(new URL('fixtures/xen-host-ioreq-child.mjs', import.meta.url));
const RESTRICT_CHILD = fileURLToPath(new URL('fixtures/xen-host-restrict-child.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'xenmem-xen-host-e2e-'));
let daemon: Daemon;
let toolstack: SocketBackend;

beforeAll(async () => {
  daemon = await startDaemon({ socketPath: join(dir, 'sim.sock'), hypervisor: new Hypervisor({ release: '4.22' }) });
  toolstack = await SocketBackend.connect(daemon.address);
  await toolstack.createDomain({ domid: 1, maxGpfn: 0xfffff, vcpus: 2 });
});
afterAll(async () => {
  await toolstack.close();
  await daemon.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The environment of a test's child: no preload of the test run itself, no XENMEM_SOCKET unless given. */
function baseEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.LD_PRELOAD;
  delete env.XENMEM_SOCKET;
  return env;
}

// 4.22 maps the ioreq pages with IOCTL_PRIVCMD_MMAP_RESOURCE; 4.8 has no acquire_resource (EOPNOTSUPP), so the
// server falls back to get_info's gfns mapped with IOCTL_PRIVCMD_MMAPBATCH_V2.
describe.each([
  ['4.22', 0],
  ['4.8', 1],
] as const)('IoreqServer on XenHost under the emulation (Xen %s)', (release, id) => {
  it('creates, maps, enables, serves a guest read and write, then disables and destroys its server', async () => {
    const own = await startDaemon({ socketPath: join(dir, `ioreq-${release}.sock`), hypervisor: new Hypervisor({ release }) });
    const toolstack = await SocketBackend.connect(own.address);
    await toolstack.createDomain({ domid: 1, maxGpfn: 0xfffff, vcpus: 2 });
    const daemon = own;
    const proc = spawn(process.execPath, [BIN, 'sim', 'exec', '--socket', daemon.address, '--', process.execPath, IOREQ_CHILD], { env: baseEnv() });
    let stderr = '';
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const lines = createInterface({ input: proc.stdout })[Symbol.asyncIterator]();
    const next = async () => JSON.parse(((await lines.next()).value as string | undefined) ?? `{"eof":${JSON.stringify(stderr)}}`) as Record<string, unknown>;
    const ready = await next();
    expect(ready).toEqual({ ready: id });
    const servers = (await toolstack.inspect(1)).servers as unknown as Record<string, unknown>[];
    expect(servers).toHaveLength(1);
    const server = servers[0]!;
    expect({ id: server.id, enabled: server.enabled, ranges: (server.ranges as Record<string, unknown>).port }).toEqual({ id, enabled: true, ranges: [['0x3f8', '0x3ff']] });

    const read = toolstack.guestAccess({ domid: 1, vcpu: 1, kind: 'in', addr: 0x3fcn, size: 4 });
    expect(await next()).toEqual({ vcpu: 1, type: 'pio', dir: 'read', addr: '0x3fc', size: 4, data: '0x0' });
    expect(await read).toMatchObject({ outcome: 'ioreq', value: 0xcafef00dn });
    const write = toolstack.guestAccess({ domid: 1, vcpu: 0, kind: 'out', addr: 0x3f8n, size: 1, value: 0x41n });
    expect(await next()).toEqual({ vcpu: 0, type: 'pio', dir: 'write', addr: '0x3f8', size: 1, data: '0x41' });
    expect(await write).toMatchObject({ outcome: 'ioreq', value: null });

    expect(await next()).toEqual({ closed: true });
    const code = await new Promise((resolve) => proc.once('exit', resolve));
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect((await toolstack.inspect(1)).servers).toEqual([]);
    await toolstack.close();
    await own.close();
  });
});

describe('xenmem dm --backend host under xenmem sim exec', () => {
  // Asynchronously: the daemon runs in this process and must keep answering while the CLI runs.
  const dm = (where: string[], op: string[], viaExec: boolean) =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const argv = [BIN, 'dm', ...where, ...op];
      const args = viaExec ? [BIN, 'sim', 'exec', '--socket', daemon.address, '--', process.execPath, ...argv] : argv;
      execFile(process.execPath, args, { encoding: 'utf8', env: baseEnv() }, (err, stdout, stderr) =>
        resolve({ status: err ? ((err as { code?: unknown }).code as number) : 0, stdout, stderr }),
      );
    });

  it('set-mem-type and get-mem-type print what --socket prints, with the same exit codes', async () => {
    const set = ['set-mem-type', '--domid', '1', '--first-pfn', '0x200', '--nr', '4', '--mem-type', 'ram_ro', '--json'];
    const get = ['get-mem-type', '--domid', '1', '--pfn', '0x203', '--json'];
    expect(await dm(['--backend', 'host'], set, true)).toEqual({ status: 0, stdout: '{\n  "rc": 0,\n  "error": null\n}\n', stderr: '' });
    const host = await dm(['--backend', 'host'], get, true);
    expect(host).toEqual({ status: 0, stdout: '{\n  "rc": 0,\n  "error": null,\n  "type": "ram_ro",\n  "mem_type": 1\n}\n', stderr: '' });
    expect(await dm(['--socket', daemon.address], get, false)).toEqual(host);
    // sim exec sets XENMEM_SOCKET; without --backend the default is then the socket, with the same result.
    expect(await dm([], get, true)).toEqual(host);
  });

  it('a Xen error: exit 1 and the errno in the JSON, as over the socket', async () => {
    const get = ['get-mem-type', '--domid', '9', '--pfn', '0', '--json'];
    const host = await dm(['--backend', 'host'], get, true);
    const socket = await dm(['--socket', daemon.address], get, false);
    expect({ status: host.status, stdout: host.stdout }).toEqual({ status: 1, stdout: '{\n  "rc": -3,\n  "error": "ESRCH"\n}\n' });
    // The socket adds the simulator's reason for the errno; a host (real or emulated) has none to give.
    expect({ status: socket.status, json: JSON.parse(socket.stdout) as unknown }).toEqual({
      status: 1,
      json: { rc: -3, error: 'ESRCH', reason: { id: 'domain-missing', message: 'no such domain, or it is dying' } },
    });
    expect(host.stderr).toBe('xenmem dm get-mem-type: Xen returned ESRCH (errno 3) for get_mem_type\n  is domain 9 running? xl list shows the domains\n');
  });
});

describe('XenHost.restrict under the emulation (Xen 4.22)', () => {
  it('IOCTL_PRIVCMD_RESTRICT: the same domain again is 0, another EINVAL; a dm_op naming another domain is EPERM', async () => {
    await toolstack.createDomain({ domid: 2, maxGpfn: 0xfff });
    const out = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [BIN, 'sim', 'exec', '--socket', daemon.address, '--', process.execPath, RESTRICT_CHILD], { encoding: 'utf8', env: baseEnv() }, (err, stdout, stderr) =>
        resolve({ status: err ? ((err as { code?: unknown }).code as number) : 0, stdout, stderr }),
      );
    });
    expect(out).toEqual({ status: 0, stdout: '{"restrict":0,"same":0,"other":-22,"own":"ok","foreign":"EPERM"}\n', stderr: '' });
    // The refused call never reached Xen: domain 2's page is unchanged.
    expect((await toolstack.inspect(2)).p2m.map((r) => r.name)).toEqual(['p2m_ram_rw']);
    await toolstack.destroyDomain(2);
  });
});
