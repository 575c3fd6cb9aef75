/**
 * Every reason id of @xenmem/sim-protocol's closed list is produced by the simulator, each by one case of a table
 * keyed by the id (a `Record<ReasonId, …>`, so an id without a case does not type-check, and the first test fails
 * on one at run time): the case makes the call that fails that check and the test asserts the exact errno and the
 * reason, with its sentence, as the caller gets them — a `XenError` from DeviceModel, a hypercall outcome, or the
 * rc of a call and the Hypervisor's `lastFailure`. `handle-restricted` arises only over the daemon (privcmd's
 * restriction), so its case goes through a SocketBackend. populate_physmap returns a count of extents, never an
 * errno: its `memop-*` reasons are asserted with the count (0) instead.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONST, encodeDmOp, encodeStruct, errnoName, hvmmemType, p2mValue, XenError, type DmOpName, type DmOpPayloads, type ErrnoName, type HypercallBackend } from '@xenmem/abi-types';
import { Hypervisor, startDaemon } from '@xenmem/hypervisor-sim';
import { XEN_REASONS, type ReasonId } from '@xenmem/sim-protocol';
import { describe, expect, it } from 'vitest';
import { DeviceModel, SocketBackend } from '../src/index.js';

type Release = '4.8' | '4.10' | '4.11' | '4.14' | '4.16' | '4.22';

/** What the caller saw: the errno (or populate_physmap's count of extents) and the reason. */
type Seen = { errno: ErrnoName | null; extents?: number; reason: { id: string; message: string } | undefined };

/**
 * The simulator of every case: domain 1 (HAP, its device model domain 3, 2^20 pages, 2 vCPUs), domain 2 (PV),
 * domain 3 (small HVM, the device-model domain) and domain 4 (no HAP).
 */
async function host(release: Release = '4.22'): Promise<Hypervisor> {
  const hv = new Hypervisor({ release });
  await hv.createDomain({ domid: 1, maxGpfn: 0xfffff, dm: 3, vcpus: 2 });
  await hv.createDomain({ domid: 2, maxGpfn: 0xff, hvm: false });
  await hv.createDomain({ domid: 3, maxGpfn: 0xff });
  await hv.createDomain({ domid: 4, maxGpfn: 0xfff, hap: false });
  return hv;
}

function errno(value: number): ErrnoName {
  const name = errnoName(value);
  if (!name) throw new Error(`errno ${value} has no name`);
  return name;
}

/** A DeviceModel call expected to throw a XenError. */
async function thrown(call: Promise<unknown>): Promise<Seen> {
  try {
    await call;
  } catch (e) {
    if (e instanceof XenError) return { errno: errno(e.errno), reason: e.reason };
    throw e;
  }
  throw new Error('the call succeeded');
}

/** A hypercall outcome ({ rc, reason }). */
async function outcome(call: Promise<{ rc: number; reason?: { id: string; message: string } }>): Promise<Seen> {
  const r = await call;
  if (r.rc >= 0) throw new Error(`the call returned ${r.rc}`);
  return { errno: errno(-r.rc), reason: r.reason };
}

/** A call that returns an rc (or { rc }); the reason is the Hypervisor's record of `caller`'s last failure. */
async function recorded(hv: Hypervisor, caller: number, call: Promise<number | { rc: number }>): Promise<Seen> {
  const r = await call;
  const rc = typeof r === 'number' ? r : r.rc;
  if (rc >= 0) throw new Error(`the call returned ${rc}`);
  return { errno: errno(-rc), reason: hv.lastFailure(caller)?.reason };
}

/** populate_physmap: rc is the count of extents populated; the reason says why it stopped. */
async function populated(call: ReturnType<Hypervisor['populatePhysmap']>): Promise<Seen> {
  const r = await call;
  return { errno: null, extents: r.rc, reason: r.reason };
}

/** One dm_op as bytes (the op's payload at the release), with further buffers. */
function dmop<N extends DmOpName>(hv: Hypervisor, caller: number, domid: number, name: N, payload: Partial<DmOpPayloads[N]>, more: Uint8Array[] = []) {
  return hv.dmOp(caller, domid, [encodeDmOp(name, payload, hv.release as never), ...more]);
}

const dm = (hv: Hypervisor, caller = 0) => new DeviceModel({ backend: hv, iface: hv.release, caller });
const HVMMEM_UNUSED = 3; // HVMMEM_unused, the withdrawn HVMMEM_mmio_write_dm
const HVMMEM_IOREQ_SERVER = hvmmemType('ioreq_server', '4.22');
const RESOURCE = CONST.resource.ioreq_server;
const FRAME_BUFIOREQ = CONST.resource.frame_bufioreq;
const FRAME_IOREQ = FRAME_BUFIOREQ + 1; // XENMEM_resource_ioreq_server_frame_ioreq(0)
const PORT = CONST.io_range.port;
const POD = CONST.xenmemf.populate_on_demand;

/** Creates servers on domain 1 until the call fails; that failure. */
async function createUntilRefused(hv: Hypervisor, bufioreq: number): Promise<Seen> {
  for (let i = 0; i < 1000; i++) {
    const r = await dmop(hv, 0, 1, 'create_ioreq_server', { handle_bufioreq: bufioreq });
    if (r.rc < 0) return { errno: errno(-r.rc), reason: r.reason };
  }
  throw new Error('1000 servers were created');
}

/** Each reason id: the errno (or extents) it comes with, and a call that fails that check. */
const CASES: Record<ReasonId, { expect: { errno: ErrnoName } | { extents: number }; seen: () => Promise<Seen> }> = {
  'no-dm-op': { expect: { errno: 'ENOSYS' }, seen: async () => outcome((await host('4.8')).dmOp(0, 1, [new Uint8Array(64)])) },
  'handle-restricted': {
    expect: { errno: 'EPERM' },
    async seen() {
      const dir = mkdtempSync(join(tmpdir(), 'xenmem-reasons-every-'));
      const daemon = await startDaemon({ socketPath: join(dir, 's'), hypervisor: await host() });
      const backend = await SocketBackend.connect(join(dir, 's'), { caller: 0, transport: 'socket' });
      try {
        expect(await backend.restrict(3)).toBe(0);
        return await thrown(new DeviceModel({ backend: backend as HypercallBackend, iface: '4.22' }).setMemType(1, 'ram_ro', 0x1000, 1));
      } finally {
        await backend.close();
        await daemon.close();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  },
  // XSA-506 (4.22): modified_memory with one buffer, refused before the log-dirty test (more than 2 is E2BIG, 0 ENODATA).
  'dmop-exact-bufs': { expect: { errno: 'EINVAL' }, seen: async () => outcome(dmop(await host('4.22'), 0, 1, 'modified_memory', { nr_extents: 0, opaque: 0 })) },
  'dmop-no-bufs': { expect: { errno: 'ENODATA' }, seen: async () => outcome((await host()).dmOp(0, 1, [])) },
  'dmop-nr-bufs': { expect: { errno: 'E2BIG' }, seen: async () => outcome((await host()).dmOp(0, 1, [new Uint8Array(64), new Uint8Array(8), new Uint8Array(8)])) },
  'copy-fault': { expect: { errno: 'EFAULT' }, seen: async () => outcome((await host()).dmOp(0, 1, [new Uint8Array(2)])) },
  'domain-missing': { expect: { errno: 'ESRCH' }, seen: async () => thrown(dm(await host()).setMemType(7, 'ram_ro', 0x1000, 1)) },
  'target-is-caller': { expect: { errno: 'EPERM' }, seen: async () => thrown(dm(await host(), 1).setMemType(1, 'ram_ro', 0x1000, 1)) },
  'target-not-hvm': { expect: { errno: 'EINVAL' }, seen: async () => thrown(dm(await host()).setMemType(2, 'ram_ro', 0x10, 1)) },
  'not-privileged': { expect: { errno: 'EPERM' }, seen: async () => thrown(dm(await host(), 5).setMemType(1, 'ram_ro', 0x1000, 1)) },
  'dmop-op-unknown': {
    expect: { errno: 'EOPNOTSUPP' },
    async seen() {
      const buf = new Uint8Array(64);
      new DataView(buf.buffer).setUint32(0, 0xf0, true);
      return outcome((await host()).dmOp(0, 1, [buf]));
    },
  },
  'dmop-pad': {
    expect: { errno: 'EINVAL' },
    async seen() {
      const hv = await host();
      const buf = encodeDmOp('set_mem_type', { first_pfn: 0x1000n, nr: 1, mem_type: 1 }, '4.22');
      new DataView(buf.buffer, buf.byteOffset).setUint32(4, 1, true); // xen_dm_op.pad
      return outcome(hv.dmOp(0, 1, [buf]));
    },
  },
  'pad-nonzero': { expect: { errno: 'EINVAL' }, seen: async () => outcome(dmop(await host(), 0, 1, 'set_mem_type', { first_pfn: 0x1000n, nr: 1, mem_type: 1, pad: 1 })) },
  'hvmop-unknown': { expect: { errno: 'ENOSYS' }, seen: async () => outcome((await host()).hvmOp(0, 0xfff, new Uint8Array(64))) },
  'schedop-unknown': { expect: { errno: 'ENOSYS' }, seen: async () => outcome((await host()).schedOp(0, 0xfff, new Uint8Array(8))) },
  'pfn-range': { expect: { errno: 'EINVAL' }, seen: async () => thrown(dm(await host()).setMemType(1, 'ram_ro', 0xfffff, 2)) },
  'hvmmem-unused': { expect: { errno: 'EINVAL' }, seen: async () => thrown(dm(await host()).setMemType(1, HVMMEM_UNUSED, 0x1000, 1)) },
  'hvmmem-unlisted': { expect: { errno: 'EINVAL' }, seen: async () => thrown(dm(await host()).setMemType(1, 9, 0x1000, 1)) },
  'hvmmem-needs-hap': { expect: { errno: 'EOPNOTSUPP' }, seen: async () => thrown(dm(await host()).setMemType(4, 'ioreq_server', 0x100, 1)) },
  'hvmmem-needs-claim': { expect: { errno: 'EINVAL' }, seen: async () => thrown(dm(await host()).setMemType(1, 'ioreq_server', 0x1000, 1)) },
  'page-transition-refused': {
    expect: { errno: 'EINVAL' },
    async seen() {
      const hv = await host();
      await hv.seedP2m(1, 0x1001n, 1, p2mValue('p2m_grant_map_rw', '4.22')!);
      return thrown(dm(hv).setMemType(1, 'ram_ro', 0x1000, 2));
    },
  },
  'bufioreq-handling': { expect: { errno: 'EINVAL' }, seen: async () => outcome(dmop(await host(), 0, 1, 'create_ioreq_server', { handle_bufioreq: 3 })) },
  // Xen 4.10 takes a server's pages from the gfn pool at create: servers with a buffered page run it dry first.
  'ioreq-gfns-exhausted': { expect: { errno: 'ENOMEM' }, seen: async () => createUntilRefused(await host('4.10'), 1) },
  // From 4.11 pages come on demand: nothing but the ids runs out.
  'ioreq-server-ids-exhausted': { expect: { errno: 'ENOSPC' }, seen: async () => createUntilRefused(await host(), 0) },
  'get-info-flags': { expect: { errno: 'EINVAL' }, seen: async () => outcome(dmop(await host(), 0, 1, 'get_ioreq_server_info', { id: 0, flags: 2 })) },
  'ioreq-server-missing': { expect: { errno: 'ENOENT' }, seen: async () => thrown(dm(await host()).setIoreqServerState(1, 9, true)) },
  'not-emulator': { expect: { errno: 'EPERM' }, seen: () => onNewServer((hv, id) => thrown(dm(hv, 3).setIoreqServerState(1, id, true))) },
  'ioreq-pages-by-resource': {
    expect: { errno: 'EPERM' },
    seen: () =>
      onNewServer(async (hv, id) => {
        expect((await hv.acquireResource(0, 1, RESOURCE, id, FRAME_IOREQ, 1)).rc).toBe(0);
        return thrown(dm(hv).getIoreqServerInfo(1, id, { gfns: true }));
      }),
  },
  'ioreq-pages-by-gfn': {
    expect: { errno: 'EPERM' },
    seen: () =>
      onNewServer(async (hv, id) => {
        await dm(hv).getIoreqServerInfo(1, id, { gfns: true });
        return recorded(hv, 0, hv.acquireResource(0, 1, RESOURCE, id, FRAME_IOREQ, 1));
      }),
  },
  'io-range-reversed': { expect: { errno: 'EINVAL' }, seen: async () => outcome(dmop(await host(), 0, 1, 'map_io_range_to_ioreq_server', { id: 0, type: PORT, start: 0x20n, end: 0x10n })) },
  'io-range-type': { expect: { errno: 'EINVAL' }, seen: () => onNewServer((hv, id) => outcome(dmop(hv, 0, 1, 'map_io_range_to_ioreq_server', { id, type: 9, start: 0x10n, end: 0x20n }))) },
  'io-range-overlap': {
    expect: { errno: 'EEXIST' },
    seen: () =>
      onNewServer(async (hv, id) => {
        await dm(hv).mapIoRangeToIoreqServer(1, id, false, 0x1000n, 0x1fffn);
        return thrown(dm(hv).mapIoRangeToIoreqServer(1, id, false, 0x1800n, 0x2fffn));
      }),
  },
  'io-range-missing': { expect: { errno: 'ENOENT' }, seen: () => onNewServer((hv, id) => thrown(dm(hv).unmapIoRangeFromIoreqServer(1, id, false, 0x5000n, 0x5fffn))) },
  'rangeset-full': {
    expect: { errno: 'ENOMEM' },
    seen: () =>
      onNewServer(async (hv, id) => {
        // Ranges two ports apart never merge: the rangeset holds as many as it may, then refuses one more.
        for (let i = 0; i < 1000; i++) {
          const r = await dmop(hv, 0, 1, 'map_io_range_to_ioreq_server', { id, type: PORT, start: BigInt(2 * i), end: BigInt(2 * i) });
          if (r.rc < 0) return { errno: errno(-r.rc), reason: r.reason };
        }
        throw new Error('1000 ranges were mapped');
      }),
  },
  'destroy-default-server': { expect: { errno: 'EPERM' }, seen: async () => thrown(dm(await host('4.11')).destroyIoreqServer(1, 0)) },
  'default-server-id': { expect: { errno: 'EOPNOTSUPP' }, seen: async () => thrown(dm(await host('4.11')).setIoreqServerState(1, 0, true)) },
  'msi-no-pirq': { expect: { errno: 'ERANGE' }, seen: async () => thrown(dm(await host()).injectMsi(1, 0n, 0)) },
  // Vector 0x30, delivery mode 2 (SMI) in data bits 8-10.
  'msi-delivery-mode': { expect: { errno: 'EINVAL' }, seen: async () => thrown(dm(await host()).injectMsi(1, 0xfee00000n, 0x30 | (2 << 8))) },
  'map-mem-type-needs-hap': { expect: { errno: 'EOPNOTSUPP' }, seen: async () => outcome(dmop(await host(), 0, 4, 'map_mem_type_to_ioreq_server', { id: 0, type: HVMMEM_IOREQ_SERVER, flags: CONST.mem_access.write })) },
  'map-mem-type-type': { expect: { errno: 'EINVAL' }, seen: async () => claimOnNewServer(hvmmemType('ram_rw', '4.22'), CONST.mem_access.write) },
  'map-mem-type-flags': { expect: { errno: 'EINVAL' }, seen: async () => claimOnNewServer(HVMMEM_IOREQ_SERVER, CONST.mem_access.write << 1) },
  'map-mem-type-not-owner': { expect: { errno: 'EINVAL' }, seen: async () => claimOnNewServer(HVMMEM_IOREQ_SERVER, 0) },
  'map-mem-type-busy': {
    expect: { errno: 'EBUSY' },
    async seen() {
      const hv = await host();
      const first = await dm(hv).createIoreqServer(1, 'off');
      const second = await dm(hv).createIoreqServer(1, 'off');
      await dm(hv).mapMemTypeToIoreqServer(1, first, 'ioreq_server', 'write');
      return thrown(dm(hv).mapMemTypeToIoreqServer(1, second, 'ioreq_server', 'write'));
    },
  },
  'second-buffer-missing': { expect: { errno: 'EINVAL' }, seen: async () => outcome(dmop(await host(), 0, 1, 'track_dirty_vram', { first_pfn: 0x100n, nr: 8 })) },
  'dirty-vram-too-many': { expect: { errno: 'EINVAL' }, seen: async () => outcome(dmop(await host(), 0, 1, 'track_dirty_vram', { first_pfn: 0n, nr: 262145 }, [new Uint8Array(32769)])) },
  'dirty-bitmap-short': { expect: { errno: 'EINVAL' }, seen: async () => outcome(dmop(await host(), 0, 1, 'track_dirty_vram', { first_pfn: 0x100n, nr: 64 }, [new Uint8Array(1)])) },
  // modified_memory reads its extents only in log-dirty mode, which track_dirty_vram turns on before Xen 4.17 (XSA-397).
  'extents-short': { expect: { errno: 'EINVAL' }, seen: async () => outcome(modifiedMemory(2, [])) },
  'extent-range': { expect: { errno: 'EINVAL' }, seen: async () => outcome(modifiedMemory(1, [{ first_pfn: 0x200n, nr: 0, pad: 0 }])) },
  'extent-progress': { expect: { errno: 'EINVAL' }, seen: async () => outcome(modifiedMemory(1, [{ first_pfn: 0x200n, nr: 4, pad: 0 }], 4)) },
  'irq-out-of-range': { expect: { errno: 'EINVAL' }, seen: async () => thrown(dm(await host()).setIsaIrqLevel(1, 16, 1)) },
  'vcpu-missing': { expect: { errno: 'EINVAL' }, seen: async () => outcome(dmop(await host(), 0, 1, 'inject_event', { vcpuid: 5, vector: 0x20, type: 0, insn_len: 0 })) },
  'cacheattr-type': { expect: { errno: 'EINVAL' }, seen: async () => outcome(dmop(await host(), 0, 1, 'pin_memory_cacheattr', { start: 0x100n, end: 0x1ffn, type: 3 })) },
  'resource-not-on-demand': { expect: { errno: 'EOPNOTSUPP' }, seen: async () => recordedOn('4.10', (hv) => hv.acquireResource(0, 1, RESOURCE, 1, FRAME_IOREQ, 1)) },
  'resource-args': { expect: { errno: 'EINVAL' }, seen: async () => recordedOn('4.22', (hv) => hv.acquireResource(0, 1, RESOURCE, 1, FRAME_IOREQ, 0)) },
  // An unknown resource type: EOPNOTSUPP up to 4.19 (after the nr_frames checks from 4.15), EINVAL from 4.20 (resource_max_frames 0).
  'resource-type': { expect: { errno: 'EOPNOTSUPP' }, seen: async () => recordedOn('4.14', (hv) => hv.acquireResource(0, 1, 0x7f, 1, 0, 1)) },
  // 4.11 takes a frame list of 2 per call (E2BIG above), before it looks for the server.
  'resource-frames-many': { expect: { errno: 'E2BIG' }, seen: async () => recordedOn('4.11', (hv) => hv.acquireResource(0, 1, RESOURCE, 1, FRAME_IOREQ, 3)) },
  'resource-frame': { expect: { errno: 'EINVAL' }, seen: () => onNewServer((hv, id) => recorded(hv, 0, hv.acquireResource(0, 1, RESOURCE, id, FRAME_IOREQ + 5, 1))) },
  'bufioreq-absent': { expect: { errno: 'ENOENT' }, seen: () => onNewServer((hv, id) => recorded(hv, 0, hv.acquireResource(0, 1, RESOURCE, id, FRAME_BUFIOREQ, 1))) },
  'gfn-range': { expect: { errno: 'EINVAL' }, seen: async () => recordedOn('4.22', (hv) => hv.mapForeignGfn(0, 1, -1n)) },
  'gfn-paged-out': {
    expect: { errno: 'ENOENT' },
    async seen() {
      const hv = await host();
      await hv.seedP2m(1, 0x300n, 1, p2mValue('p2m_ram_paged', '4.22')!);
      return recorded(hv, 0, hv.mapForeignGfn(0, 1, 0x300n));
    },
  },
  'gfn-not-ram': { expect: { errno: 'EINVAL' }, seen: async () => recordedOn('4.22', (hv) => hv.mapForeignGfn(0, 1, 0x100000n)) },
  'evtchn-remote-not-unbound': { expect: { errno: 'EINVAL' }, seen: async () => recordedOn('4.22', (hv) => hv.bindInterdomain(0, 1, 99)) },
  'evtchn-port-unknown': { expect: { errno: 'EINVAL' }, seen: async () => recordedOn('4.22', (hv) => hv.notify(0, 99)) },
  'memop-address-bits': { expect: { extents: 0 }, seen: async () => populated((await host()).populatePhysmap(0, 1, 0, 12, [0x100n])) },
  'memop-exact-node': { expect: { extents: 0 }, seen: async () => populated((await host()).populatePhysmap(3, 1, 0, (2 << 8) | CONST.xenmemf.exact_node_request, [0x100n])) },
  'memop-not-target': { expect: { extents: 0 }, seen: async () => populated((await host()).populatePhysmap(6, 1, 0, 0, [0x100n])) },
  'memop-order': { expect: { extents: 0 }, seen: async () => populated((await host()).populatePhysmap(0, 1, 19, 0, [0x100n])) },
  'memop-not-translated': { expect: { extents: 0 }, seen: async () => populated((await host()).populatePhysmap(0, 2, 0, 0, [0x10n])) },
  'memop-gfn-range': { expect: { extents: 0 }, seen: async () => populated((await host()).populatePhysmap(0, 3, 2, 0, [0xfen])) },
  'memop-gfn-special': {
    expect: { extents: 0 },
    async seen() {
      const hv = await host();
      await hv.seedP2m(1, 0x400n, 1, p2mValue('p2m_grant_map_rw', '4.22')!);
      return populated(hv.populatePhysmap(0, 1, 0, 0, [0x400n]));
    },
  },
  'memop-pod-self': { expect: { extents: 0 }, seen: async () => populated((await host()).populatePhysmap(1, 1, 0, POD, [0x1000n])) },
  'memop-pod-busy': { expect: { extents: 0 }, seen: async () => populated((await host()).populatePhysmap(0, 1, 0, POD, [0x1000n])) },
};

/** `body` on a fresh simulator with one ioreq server (no buffered page) just created on domain 1 by domain 0. */
async function onNewServer(body: (hv: Hypervisor, id: number) => Promise<Seen>): Promise<Seen> {
  const hv = await host();
  return body(hv, await dm(hv).createIoreqServer(1, 'off'));
}

/** map_mem_type_to_ioreq_server of `type` with `flags` by a server just created on domain 1 (which holds no claim). */
function claimOnNewServer(type: number, flags: number): Promise<Seen> {
  return onNewServer((hv, id) => outcome(dmop(hv, 0, 1, 'map_mem_type_to_ioreq_server', { id, type, flags })));
}

/** A fresh simulator at `release`, one call on it, and what the Hypervisor recorded of caller 0's failure. */
async function recordedOn(release: Release, call: (hv: Hypervisor) => Promise<number | { rc: number }>): Promise<Seen> {
  const hv = await host(release);
  return recorded(hv, 0, call(hv));
}

/**
 * modified_memory on domain 1 at Xen 4.16, after track_dirty_vram turned log-dirty mode on: `nrExtents` extents
 * claimed, `extents` given in the second buffer, `opaque` the progress already made.
 */
async function modifiedMemory(nrExtents: number, extents: { first_pfn: bigint; nr: number; pad: number }[], opaque = 0) {
  const hv = await host('4.16');
  await dm(hv).trackDirtyVram(1, 0x100, 8);
  const buf = new Uint8Array(extents.length * 16);
  extents.forEach((e, i) => buf.set(encodeStruct('xen_dm_op_modified_memory_extent', e), i * 16));
  return dmop(hv, 0, 1, 'modified_memory', { nr_extents: nrExtents, opaque }, extents.length ? [buf] : []);
}

describe('every reason id is produced by the simulator', () => {
  it('the table has one case per id of the list, and no other', () => {
    expect(Object.keys(CASES).sort()).toEqual(Object.keys(XEN_REASONS).sort());
  });

  it.each(Object.entries(CASES) as [ReasonId, (typeof CASES)[ReasonId]][])('%s', async (id, c) => {
    const seen = await c.seen();
    const want = 'errno' in c.expect ? { errno: c.expect.errno } : { errno: null, extents: c.expect.extents };
    expect(seen).toEqual({ ...want, reason: { id, message: XEN_REASONS[id].message } });
  });
});
