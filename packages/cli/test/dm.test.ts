import { Hypervisor } from '@xenmem/hypervisor-sim';
import { beforeEach, describe, expect, it } from 'vitest';
import type { CliEnv } from '../src/backend.js';
import { runCli } from '../src/cli.js';
import { captureIo } from '../src/io.js';
import { DM_OPS } from '../src/dm-op-table.js';

// The daemon's backend is injected: an in-process Hypervisor stands behind every --socket.
let hv: Hypervisor;
let connects: { socketPath: string; caller: number }[];
let closed: number;
const env: Partial<CliEnv> = {
  connect: async (socketPath, caller) => {
    connects.push({ socketPath, caller });
    return Object.assign(Object.create(hv) as Hypervisor, { close: () => void closed++ });
  },
};

beforeEach(async () => {
  hv = new Hypervisor({ release: '4.22' });
  await hv.createDomain({ domid: 1, maxGpfn: 0xfffff, vcpus: 2 });
  connects = [];
  closed = 0;
});

async function dm(...argv: string[]) {
  const io = captureIo();
  const code = await runCli(['dm', '--socket', '/tmp/xen.sock', ...argv], io, env);
  return { code, stdout: io.stdout, stderr: io.stderr, json: () => JSON.parse(io.stdout) as unknown };
}

describe('xenmem dm: EPERM states the rule that applies', () => {
  it("a caller other than 0 must be the domain's device model; an ioreq server answers to its emulator only, domain 0 included", async () => {
    await hv.createDomain({ domid: 3, maxGpfn: 0xfff, dm: 2 });
    const stranger = await dm('--caller', '5', 'nr-vcpus', '--domid', '1');
    expect(stranger.stderr).toBe(
      'xenmem dm nr-vcpus: Xen returned EPERM (errno 1) for nr_vcpus\n' +
        '  why: the caller is neither privileged nor the device-model domain of the target [not-privileged]\n' +
        "  caller 5 may not operate on domain 1: only domain 0 or domain 1's device-model domain (its --dm at sim create-domain) may; xenmem sim inspect --socket /tmp/xen.sock --domid 1 shows its dm\n",
    );
    expect((await dm('--caller', '2', 'create-ioreq-server', '--domid', '3', '--json')).json()).toEqual({ rc: 0, error: null, id: 0 });
    const dom0 = await dm('set-state', '--domid', '3', '--id', '0', '--enabled', 'on');
    expect(dom0).toMatchObject({ code: 1, stdout: '' });
    expect(dom0.stderr).toBe(
      'xenmem dm set-ioreq-server-state: Xen returned EPERM (errno 1) for set_ioreq_server_state\n' +
        "  why: the caller is not the server's emulator (the domain that created it) [not-emulator]\n" +
        "  caller 0 may not operate on ioreq server 0 of domain 3: only the server's emulator (the domain that created it) may, domain 0 included; xenmem sim inspect --socket /tmp/xen.sock --domid 3 shows each server's emulator: run with --caller EMULATOR\n",
    );
    expect((await dm('--caller', '2', 'set-state', '--domid', '3', '--id', '0', '--enabled', 'on')).code).toBe(0);
  });
});

describe('xenmem dm', () => {
  it('has a subcommand for every libxendevicemodel 1.4 op plus get-mem-type', () => {
    expect(DM_OPS.map((o) => o.name)).toEqual([
      'create-ioreq-server',
      'get-ioreq-server-info',
      'map-io-range-to-ioreq-server',
      'unmap-io-range-from-ioreq-server',
      'map-pcidev-to-ioreq-server',
      'unmap-pcidev-from-ioreq-server',
      'map-mem-type-to-ioreq-server',
      'set-ioreq-server-state',
      'destroy-ioreq-server',
      'set-pci-intx-level',
      'set-isa-irq-level',
      'set-pci-link-route',
      'inject-msi',
      'track-dirty-vram',
      'modified-memory',
      'set-mem-type',
      'inject-event',
      'remote-shutdown',
      'relocate-memory',
      'pin-memory-cacheattr',
      'set-irq-level',
      'nr-vcpus',
      'get-mem-type',
    ]);
  });

  it('set-mem-type then get-mem-type --json: { rc, error, type, mem_type }; connects as --caller and closes', async () => {
    const set = await dm('set-mem-type', '--domid', '1', '--first-pfn', '0x100', '--nr', '16', '--mem-type', 'ram_ro');
    expect(set).toMatchObject({ code: 0, stdout: 'set_mem_type: ok, 16 pages from 0x100 are ram_ro\n', stderr: '' });
    const get = await dm('get-mem-type', '--domid', '1', '--pfn', '0x105', '--json');
    expect(get.code).toBe(0);
    expect(get.stdout).toBe('{\n  "rc": 0,\n  "error": null,\n  "type": "ram_ro",\n  "mem_type": 1\n}\n');
    expect((await dm('get-mem-type', '--domid', '1', '--pfn', '0x99')).stdout).toBe('get_mem_type: ok, pfn 0x99 is ram_rw (mem_type 0)\n');
    expect(connects).toEqual([0, 1, 2].map(() => ({ socketPath: '/tmp/xen.sock', caller: 0 })));
    expect(closed).toBe(3);
  });

  it('names are encoded at --iface; a number is sent as is', async () => {
    // 4.22 refuses 3 (mmio_write_dm at 0x00040600) with EINVAL; ram_ro by number works.
    const old = await dm('--iface', '0x00040600', 'set-mem-type', '--domid', '1', '--first-pfn', '0', '--nr', '1', '--type', 'mmio_write_dm', '--json');
    expect(old).toMatchObject({ code: 1 });
    expect(old.json()).toEqual({ rc: -22, error: 'EINVAL', reason: { id: 'hvmmem-unused', message: 'the value is HVMMEM_unused (the withdrawn mmio_write_dm): refused before the loop' } });
    expect((await dm('set-mem-type', '--domid', '1', '--first-pfn', '0', '--nr', '1', '--type', '1')).code).toBe(0);
    expect((await dm('--iface', '4.6', 'get-mem-type', '--domid', '1', '--pfn', '0', '--json')).json()).toEqual({ rc: 0, error: null, type: 'ram_ro', mem_type: 1 });
  });

  it('the ioreq server life cycle, with each op\'s outputs', async () => {
    expect((await dm('create-ioreq-server', '--domid', '1', '--handle-bufioreq', 'atomic', '--json')).json()).toEqual({ rc: 0, error: null, id: 0 });
    expect((await dm('create', '--domid', '1')).stdout).toBe('create_ioreq_server: ok, id 1\n');
    expect((await dm('get-ioreq-server-info', '--domid', '1', '--id', '0', '--json')).json()).toEqual({ rc: 0, error: null, ioreq_gfn: '0xfeff0', bufioreq_gfn: '0xfeff1', bufioreq_port: 3 });
    expect((await dm('get-info', '--domid', '1', '--id', '1', '--gfns', 'off', '--json')).json()).toEqual({ rc: 0, error: null, ioreq_gfn: null, bufioreq_gfn: null, bufioreq_port: null });
    expect((await dm('map-io-range-to-ioreq-server', '--domid', '1', '--id', '0', '--type', 'memory', '--start', '0xf0000000', '--end', '0xf0000fff', '--json')).json()).toEqual({ rc: 0, error: null });
    expect((await dm('map-io-range', '--domid', '1', '--id', '0', '--type', 'pci', '--start', '0x18', '--end', '0x18')).stdout).toBe('map_io_range_to_ioreq_server: ok, pci 0x18-0x18 → server 0\n');
    expect((await dm('map-pcidev', '--domid', '1', '--id', '1', '--bus', '0', '--device', '4', '--function', '0')).stdout).toBe('map_io_range_to_ioreq_server: ok, pci 0000:00:04.0 → server 1\n');
    expect((await dm('map-mem-type-to-ioreq-server', '--domid', '1', '--id', '0', '--flags', 'write')).stdout).toBe('map_mem_type_to_ioreq_server: ok, server 0 claimed ioreq_server (flags write)\n');
    expect((await dm('set-ioreq-server-state', '--domid', '1', '--id', '0', '--enabled', 'on')).stdout).toBe('set_ioreq_server_state: ok, server 0 enabled\n');
    expect((await dm('set-mem-type', '--domid', '1', '--first-pfn', '0x100', '--nr', '16', '--mem-type', 'ioreq_server', '--json')).json()).toEqual({ rc: 0, error: null });
    expect(hv.domain(1)!.ioreq).toEqual({ owner: 0, flags: 2, entryCount: 16 });
    expect((await dm('unmap-io-range', '--domid', '1', '--id', '0', '--type', 'memory', '--start', '0xf0000000', '--end', '0xf0000fff')).code).toBe(0);
    expect((await dm('destroy-ioreq-server', '--domid', '1', '--id', '1')).stdout).toBe('destroy_ioreq_server: ok, server 1 destroyed\n');
  });

  it('the ops outside the model are checked and logged', async () => {
    expect((await dm('nr-vcpus', '--domid', '1', '--json')).json()).toEqual({ rc: 0, error: null, vcpus: 2 });
    expect((await dm('track-dirty-vram', '--domid', '1', '--first-pfn', '0', '--nr', '16', '--json')).json()).toEqual({ rc: 0, error: null, dirty_bitmap: 'ffff' });
    for (const argv of [
      ['modified-memory', '--domid', '1', '--first-pfn', '0', '--nr', '1'],
      ['inject-msi', '--domid', '1', '--addr', '0xfee00000', '--data', '0x41'],
      ['inject-event', '--domid', '1', '--vcpu', '0', '--vector', '14', '--type', 'hw_exc', '--cr2', '0x1000'],
      ['set-isa-irq-level', '--domid', '1', '--isa-irq', '4', '--level', '1'],
      ['set-pci-link-route', '--domid', '1', '--link', '0', '--irq', '11'],
      ['set-pci-intx-level', '--domid', '1', '--bus', '0', '--device', '3', '--intx', '0', '--level', '1'],
      ['pin-memory-cacheattr', '--domid', '1', '--start', '0', '--end', '0xf', '--type', 'wb'],
      ['relocate-memory', '--domid', '1', '--size', '1', '--src-gfn', '0x10', '--dst-gfn', '0x20'],
      ['shutdown', '--domid', '1', '--reason', '0'],
    ])
      expect(await dm(...argv), argv[0]).toMatchObject({ code: 0, stderr: '' });
    expect((await dm('remote-shutdown', '--domid', '1', '--reason', '0')).stdout).toBe('remote_shutdown: ok\n');
  });

  it('a Xen error is exit 1: the errno name on stderr (with what to run next) and in the JSON', async () => {
    const r = await dm('set-mem-type', '--domid', '1', '--first-pfn', '0x100', '--nr', '16', '--mem-type', 'ioreq_server', '--json');
    expect(r.code).toBe(1);
    const why = 'HVMMEM_ioreq_server needs a server that claimed the type with map_mem_type_to_ioreq_server';
    expect(r.json()).toEqual({ rc: -22, error: 'EINVAL', reason: { id: 'hvmmem-needs-claim', message: why } });
    expect(r.stderr).toBe(`xenmem dm set-mem-type: Xen returned EINVAL (errno 22) for set_mem_type\n  why: ${why} [hvmmem-needs-claim]\n  xenmem sim inspect --socket /tmp/xen.sock --domid 1 shows the domain\'s state\n`);
    const none = await dm('get-mem-type', '--domid', '7', '--pfn', '0');
    expect(none).toMatchObject({ code: 1, stdout: '' });
    expect(none.stderr).toBe('xenmem dm get-mem-type: Xen returned ESRCH (errno 3) for get_mem_type\n  why: no such domain, or it is dying [domain-missing]\n  is domain 7 there? create it with xenmem sim create-domain --socket /tmp/xen.sock --domid 7 --max-gpfn 0xfffff\n');
    const perm = await dm('--caller', '5', 'nr-vcpus', '--domid', '1', '--json');
    expect(perm).toMatchObject({ code: 1 });
    expect(perm.json()).toEqual({ rc: -1, error: 'EPERM', reason: { id: 'not-privileged', message: 'the caller is neither privileged nor the device-model domain of the target' } });
    expect(perm.stderr).toMatch(/^xenmem dm nr-vcpus: Xen returned EPERM \(errno 1\) for nr_vcpus\n {2}why: .* \[not-privileged\]\n {2}caller 5 may not operate on domain 1/);
    expect(connects.at(-1)).toEqual({ socketPath: '/tmp/xen.sock', caller: 5 });
    expect((await dm('destroy', '--domid', '1', '--id', '9', '--json')).json()).toEqual({ rc: -2, error: 'ENOENT', reason: { id: 'ioreq-server-missing', message: 'the domain has no ioreq server with that id' } });
    // libxendevicemodel's own check: only ioreq_server can be mapped (nothing is sent).
    expect((await dm('map-mem-type', '--domid', '1', '--id', '0', '--type', 'ram_ro', '--flags', 'write', '--json')).json()).toEqual({ rc: -22, error: 'EINVAL' });
  });

  it('input the client cannot use is exit 2, naming the flag, nothing on stdout', async () => {
    const r = await dm('set-mem-type', '--domid', '1', '--first-pfn', '0', '--nr', '1', '--mem-type', 'mmio_write_dm', '--json');
    expect(r).toMatchObject({ code: 2, stdout: '' });
    expect(r.stderr).toBe(
      'xenmem dm set-mem-type: --mem-type "mmio_write_dm" is not a memory type at interface version 0x00041300 (names there: ram_rw, ram_ro, mmio_dm, unused, ioreq_server)\n  xenmem abi types lists the names\n',
    );
    const pci = await dm('map-io-range', '--domid', '1', '--id', '0', '--type', 'pci', '--start', '0x18', '--end', '0x20');
    expect(pci).toMatchObject({ code: 2, stdout: '' });
    expect(pci.stderr).toMatch(/^xenmem dm map-io-range-to-ioreq-server: --end 0x20 must equal --start for --type pci \(one device\); for a device by parts run xenmem dm map-pcidev-to-ioreq-server\n/);
    const iface = await dm('--iface', '0x00041400', 'get-mem-type', '--domid', '1', '--pfn', '0');
    expect(iface).toMatchObject({ code: 2, stdout: '' });
    expect(iface.stderr).toMatch(/^xenmem dm get-mem-type: iface "0x00041400" is above the latest interface version/);
    // The hint names the accepted forms instead of repeating the bad value in another command.
    const typo = await dm('--iface', '0x0004070', 'get-mem-type', '--domid', '1', '--pfn', '0');
    expect(typo).toMatchObject({ code: 2, stdout: '' });
    expect(typo.stderr).toBe(
      'xenmem dm get-mem-type: iface "0x0004070" has 7 hex digits; write exactly 8 (0x00040700)\n  give --iface as 0x followed by 8 hex digits (0x00040700), a release name (4.7) or a decimal integer\n',
    );
    const usage = await dm('set-mem-type', '--domid', '1', '--nr', '1', '--mem-type', 'ram_ro');
    expect(usage).toMatchObject({ code: 2, stdout: '' });
    expect(usage.stderr).toMatch(/required option '--first-pfn <first-pfn>' not specified/);
    expect(connects).toHaveLength(4);
  });

  it('a daemon that cannot be reached is exit 1, saying to start one', async () => {
    const io = captureIo();
    const code = await runCli(['dm', '--socket', '/nonexistent/xenmem.sock', 'nr-vcpus', '--domid', '1'], io);
    expect(code).toBe(1);
    expect(io.stdout).toBe('');
    expect(io.stderr).toMatch(/^xenmem dm nr-vcpus: cannot connect to \/nonexistent\/xenmem\.sock: /);
    const mod = (await import('@xenmem/ioreq-client')) as { SocketBackend?: unknown };
    if (mod.SocketBackend) expect(io.stderr).toMatch(/\n {2}start the simulator first: xenmem sim serve --socket \/nonexistent\/xenmem\.sock\n$/);
  });
});
