import { describe, expect, it } from 'vitest';
import { CORES, ERR, dm, hypervisor } from '../hypervisor/harness.js';
import { DM, DOMAIN, slot } from './dm.js';

// How a device model reaches a server's pages, xen/common/memory.c and ioreq.c (acquire_resource frames or get_info gfns).
describe.each(CORES)('ioreq pages (%s core)', (_name, core) => {
  const create = async (hv: Awaited<ReturnType<typeof hypervisor>>, handle_bufioreq: number) =>
    (await dm(hv, 'create_ioreq_server', { handle_bufioreq }, { caller: DM })).out.id as number;

  it('before 4.11 acquire_resource does not exist: EOPNOTSUPP', async () => {
    for (const release of ['4.9', '4.10']) {
      const hv = await hypervisor(core, release, 'never', [DOMAIN]);
      const id = await create(hv, 1);
      expect(await hv.acquireResource(DM, 1, 0, id, 0, 2), release).toEqual({ rc: ERR.EOPNOTSUPP, pages: [] });
    }
  });

  it('4.22: frame 0 is the buffered page, frame 1 the synchronous page; 4096 bytes each, zeroed', async () => {
    const hv = await hypervisor(core, '4.22', 'never', [DOMAIN]);
    const id = await create(hv, 2);
    const r = await hv.acquireResource(DM, 1, 0, id, 0, 2);
    expect(r.rc).toBe(0);
    expect(r.pages).toHaveLength(2);
    const [buf, sync] = r.pages;
    expect(buf!.read(0, 4096)).toEqual(new Uint8Array(4096));
    // Enabling writes each vCPU's port into vp_eport of the synchronous page, not the ring.
    await dm(hv, 'set_ioreq_server_state', { id, enabled: 1 }, { caller: DM });
    expect([slot(sync!, 0).vp_eport, slot(sync!, 1).vp_eport]).toEqual([1, 2]);
    expect(buf!.read(0, 4096)).toEqual(new Uint8Array(4096));
    // Frame 1 alone is the same page.
    const again = await hv.acquireResource(DM, 1, 0, id, 1, 1);
    expect(again.pages[0]!.read(32, 32)).toEqual(sync!.read(32, 32));
    expect((await hv.inspect(1)).servers).toEqual([
      { id, emulator: DM, bufioreq: 2, enabled: true, ranges: { port: [], memory: [], pci: [] }, ports: { vcpu: [1, 2], bufioreq: 3 }, pages: 'resource' },
    ]);
  });

  it('4.22: errors — ENOENT (no server; frame 0 without buffering), EINVAL (frame 2, nr_frames 0, PV, a resource type without frames), EPERM (not the emulator, self), ESRCH', async () => {
    const hv = await hypervisor(core, '4.22', 'never', [DOMAIN, { domid: 2, maxGpfn: 0xff, hvm: false, dm: DM }]);
    const off = await create(hv, 0);
    expect((await hv.acquireResource(DM, 1, 0, 7, 1, 1)).rc).toBe(ERR.ENOENT);
    expect((await hv.acquireResource(DM, 1, 0, off, 0, 1)).rc).toBe(ERR.ENOENT);
    expect((await hv.acquireResource(DM, 1, 0, off, 1, 2)).rc).toBe(ERR.EINVAL);
    expect((await hv.acquireResource(DM, 1, 0, off, 1, 0)).rc).toBe(ERR.EINVAL);
    expect((await hv.acquireResource(DM, 2, 0, 0, 1, 1)).rc).toBe(ERR.EINVAL);
    expect((await hv.acquireResource(0, 1, 0, off, 1, 1)).rc).toBe(ERR.EPERM); // privileged, but not s->emulator
    expect((await hv.acquireResource(6, 1, 0, off, 1, 1)).rc).toBe(ERR.EPERM); // not privileged at all
    expect((await hv.acquireResource(1, 1, 0, off, 1, 1)).rc).toBe(ERR.EPERM);
    expect((await hv.acquireResource(DM, 9, 0, off, 1, 1)).rc).toBe(ERR.ESRCH);
    expect((await hv.acquireResource(DM, 1, 7, off, 0, 1)).rc).toBe(ERR.EINVAL); // resource_max_frames 0 (4.20+)
    // A failing frame fails the whole call, but the pages were still set up as resource pages (alloc before the frame switch).
    expect((await dm(hv, 'get_ioreq_server_info', { id: off }, { caller: DM })).rc).toBe(ERR.EPERM);
  });

  // xen/common/memory.c resource_max_frames @ RELEASE-4.15.0 returns -EOPNOTSUPP from an unsigned int function, so
  // `!max_frames` does not fire and _acquire_resource refuses the type after the nr_frames checks; commit 9b87082900
  // (RELEASE-4.20.0) returns 0, EINVAL right after the privilege checks.
  it('an unknown resource type: EOPNOTSUPP after the nr_frames checks at 4.15 and 4.19, EINVAL at 4.20 and 4.22', async () => {
    // [domid, nr_frames]: nr 1; nr 0; nr above UINT_MAX >> MEMOP_EXTENT_SHIFT; a PV target with nr 1.
    const cases = [[1, 1], [1, 0], [1, 0x4000000], [2, 1]] as const;
    const outcomes: Record<string, (string | number | undefined)[]> = {};
    for (const release of ['4.15', '4.19', '4.20', '4.22']) {
      const hv = await hypervisor(core, release, 'never', [DOMAIN, { domid: 2, maxGpfn: 0xff, hvm: false, dm: DM }]);
      const id = await create(hv, 1);
      outcomes[release] = [];
      for (const [domid, nr] of cases) {
        const r = await hv.acquireResource(DM, domid, 7, id, 0, nr);
        expect(r.pages).toEqual([]);
        outcomes[release]!.push(r.rc, hv.lastFailure(DM)?.reason?.id);
      }
    }
    const before = [ERR.EOPNOTSUPP, 'resource-type', ERR.EINVAL, 'resource-args', ERR.EINVAL, 'resource-args', ERR.EOPNOTSUPP, 'resource-type'];
    const after = [ERR.EINVAL, 'resource-type', ERR.EINVAL, 'resource-type', ERR.EINVAL, 'resource-type', ERR.EINVAL, 'resource-type'];
    expect(outcomes).toEqual({ '4.15': before, '4.19': before, '4.20': after, '4.22': after });
  });

  // The widths of struct xen_mem_acquire_resource (type 16 bits, id and nr_frames 32) and of ioservid_t (16 bits).
  it('4.22: values the struct cannot hold, frame + nr_frames at 2^32 and an id beyond ioservid_t are EINVAL (resource-args)', async () => {
    const hv = await hypervisor(core, '4.22', 'never', [DOMAIN]);
    const id = await create(hv, 1);
    const rcs = [];
    for (const [type, rid, frame, nr] of [[0x10000, id, 0, 1], [0, 2 ** 32, 0, 1], [0, id, 0, 2 ** 32], [0, 0x10000 + id, 0, 1], [0, id, 2 ** 32 - 1, 1]] as const) {
      const r = await hv.acquireResource(DM, 1, type, rid, frame, nr);
      rcs.push([r.rc, hv.lastFailure(DM)?.reason?.id]);
    }
    expect(rcs).toEqual(Array(5).fill([ERR.EINVAL, 'resource-args']));
    // The largest values that fit pass these checks: type 0xffff is an unknown type, frame 2^32 - 2 with nr 1 a frame past the server's.
    expect((await hv.acquireResource(DM, 1, 0xffff, id, 0, 1)).rc).toBe(ERR.EINVAL);
    expect(hv.lastFailure(DM)?.reason?.id).toBe('resource-type');
    expect((await hv.acquireResource(DM, 1, 0, id, 2 ** 32 - 2, 1)).rc).toBe(ERR.EINVAL);
    expect(hv.lastFailure(DM)?.reason?.id).toBe('resource-frame');
  });

  it('4.22: never both ways — gfns after acquire → EPERM, acquire after gfns → EPERM; no_gfns stays fine', async () => {
    const hv = await hypervisor(core, '4.22', 'never', [DOMAIN]);
    const a = await create(hv, 1);
    expect((await hv.acquireResource(DM, 1, 0, a, 0, 2)).rc).toBe(0);
    expect((await dm(hv, 'get_ioreq_server_info', { id: a }, { caller: DM })).rc).toBe(ERR.EPERM);
    expect((await dm(hv, 'get_ioreq_server_info', { id: a, flags: 1 }, { caller: DM })).out).toMatchObject({ bufioreq_port: 3 });
    const b = await create(hv, 1);
    const info = await dm(hv, 'get_ioreq_server_info', { id: b }, { caller: DM });
    expect(info.rc).toBe(0);
    expect(await hv.acquireResource(DM, 1, 0, b, 1, 1)).toEqual({ rc: ERR.EPERM, pages: [] });
    expect((await hv.inspect(1)).servers!.map((s) => s.pages)).toEqual(['resource', 'gfns']);
  });

  it('foreign mapping: a server gfn gives its page, a RAM gfn the guest memory, a hole EINVAL', async () => {
    const hv = await hypervisor(core, '4.10', 'never', [DOMAIN]);
    const id = await create(hv, 1);
    const info = await dm(hv, 'get_ioreq_server_info', { id }, { caller: DM });
    expect(info.out).toMatchObject({ ioreq_gfn: 0xfeff0n, bufioreq_gfn: 0xfeff1n });
    const ioreq = await hv.mapForeignGfn(DM, 1, 0xfeff0n);
    const buf = await hv.mapForeignGfn(DM, 1, 0xfeff1n);
    expect([ioreq.rc, buf.rc]).toEqual([0, 0]);
    await dm(hv, 'set_ioreq_server_state', { id, enabled: 1 }, { caller: DM });
    expect(slot(ioreq.page!, 1).vp_eport).toBe(2);
    const ram = await hv.mapForeignGfn(DM, 1, 0x10n);
    ram.page!.write(4, Uint8Array.of(0x44, 0x33, 0x22, 0x11));
    expect((await hv.guestAccess({ domid: 1, vcpu: 0, kind: 'read', addr: 0x10004n, size: 4 })).value).toBe(0x11223344n);
    await hv.guestAccess({ domid: 1, vcpu: 0, kind: 'write', addr: 0x10008n, size: 2, value: 0xbeefn });
    expect(ram.page!.read(8, 2)).toEqual(Uint8Array.of(0xef, 0xbe));
    expect(await hv.mapForeignGfn(DM, 1, 0x100000n)).toEqual({ rc: ERR.EINVAL, page: null });
    expect((await hv.mapForeignGfn(6, 1, 0x10n)).rc).toBe(ERR.EPERM);
    expect((await hv.mapForeignGfn(DM, 3, 0x10n)).rc).toBe(ERR.ESRCH);
    expect(() => ram.page!.write(4095, Uint8Array.of(1, 2))).toThrow(/outside the 4096-byte page/);
  });
});
