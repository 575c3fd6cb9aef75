/**
 * `DeviceModel`: a libxendevicemodel handle over any backend. Every function of the library's 1.4 API
 * (tools/libs/devicemodel/core.c @ RELEASE-4.22.0), camelCase and promise-returning, with the library's own client-side checks, plus
 * `getMemType` (HVMOP_get_mem_type, which no library wraps). From Xen 4.9 the calls are DMOPs; up to 4.8
 * they are the HVMOPs libxenctrl's xc_hvm_* calls used, and ENOSYS where a release has no form of an op.
 *
 * The client states the interface version it was written for; memory-type names are encoded at it and
 * numbers coming back are decoded at it (docs/scenarios.md, `iface`).
 */
import {
  BIT_PACKS,
  CONST,
  CONST_FIRST_RELEASE,
  HVMMEM_IOREQ_SERVER,
  InputError,
  STRUCTS,
  XenError,
  encodeStructAt,
  hvmmemName,
  hvmmemType,
  hvmmemTypesAt,
  ifaceHex,
  resolveIface,
  type ConstantName,
  type HvmmemName,
  type HvmmemNameAt,
  type IfaceInput,
  type ReleaseName,
  type HypercallBackend,
} from '@xenmem/abi-types';
import { bool, constant, constantValue, domid as domidArg, uint, uint64 } from './arguments.js';
import { Hypercalls } from './hypercalls.js';

/** How a DeviceModel is made: its backend, the interface version it compiles names at, and its caller domain. */
export interface DeviceModelOptions<V extends IfaceInput> {
  /** How calls reach the hypervisor: the in-process simulator, the socket backend, … */
  backend: HypercallBackend;
  /** The interface version the client was written for: 0x00040900, "0x00040900", or a release name ("4.9"). */
  iface: V;
  /** The device model's own domain id, on whose behalf calls are made (default 0, the control domain). */
  caller?: number;
}

/** handle_bufioreq of create_ioreq_server: HVM_IOREQSRV_BUFIOREQ_* by name, or a raw number. */
export type BufioreqHandling = ConstantName<'bufioreq'> | number;
/** Access flags of map_mem_type_to_ioreq_server: 'write' (XEN_DMOP_IOREQ_MEM_ACCESS_WRITE), 0 to release, or a number. */
export type MemAccessFlags = 'write' | number;
/** Cache attribute of pin_memory_cacheattr: XEN_DMOP_MEM_CACHEATTR_* by name ('delete' removes a pin), or a number. */
export type MemCacheattr = ConstantName<'mem_cacheattr'> | number;
/** Event type of inject_event: XEN_DMOP_EVENT_* by name, or a number. */
export type InjectEventType = ConstantName<'inject_event_type'> | number;

/** What get_ioreq_server_info reports. */
export interface IoreqServerInfo {
  /** The synchronous ioreq page's gfn; null when gfns were not asked for. */
  ioreqGfn: bigint | null;
  /** The buffered ring's gfn; null when gfns were not asked for or the server does not buffer. */
  bufioreqGfn: bigint | null;
  /** The buffered ring's event channel; null when the server does not buffer (Xen leaves it 0). */
  bufioreqPort: number | null;
}

/** One extent of modified_memory_bulk (`struct xen_dm_op_modified_memory_extent`). */
export interface ModifiedMemoryExtent {
  /** First guest frame of the extent (`xen_dm_op_modified_memory_extent.first_pfn`). */
  firstPfn: bigint | number;
  /** Number of frames from `firstPfn`. */
  nr: number;
}

/** What get_mem_type reports, decoded at the client's interface version. */
export interface MemTypeAt<V> {
  /** The name of the number at the client's interface version, or null if the number has none there. */
  type: HvmmemNameAt<V> | null;
  /** The hvmmem_type_t number Xen returned (`xen_hvm_get_mem_type.mem_type`). */
  memType: number;
}

/** HVMMEM_ioreq_server: the only type map_mem_type_to_ioreq_server accepts. */
const MEM_ACCESS_WRITE = CONST.mem_access.write;
/** XEN_DMOP_no_gfns and the first release whose get_ioreq_server_info has it (4.9/4.10 have a pad there). */
const NO_GFNS = CONST.get_info_flags.no_gfns;
const EXTENT_SIZE = STRUCTS.xen_dm_op_modified_memory_extent.size;
/** PCI device and function limits of libxendevicemodel's map_pcidev check, from XEN_DMOP_PCI_SBDF's widths. */
const SBDF = BIT_PACKS.pci_sbdf.parts;
const MAX_DEVICE = 2 ** SBDF.find((p) => p.name === 'd')!.width - 1;
const MAX_FUNCTION = 2 ** SBDF.find((p) => p.name === 'f')!.width - 1;

/** `XEN_DMOP_PCI_SBDF(s, b, d, f)` (or `HVMOP_PCI_SBDF` up to 4.8), from the schema's bit packing. */
function packSbdf(pack: (typeof BIT_PACKS)[keyof typeof BIT_PACKS], values: Record<'s' | 'b' | 'd' | 'f', number>): bigint {
  // Arithmetic, not bit operators: the segment reaches bit 31.
  return BigInt(pack.parts.reduce((sum, p) => sum + (values[p.name] % 2 ** p.width) * 2 ** p.shift, 0));
}

/**
 * libxendevicemodel for one caller domain at one interface version: every 1.4 function (camelCase, promises,
 * the library's own argument checks, Xen's errors as `XenError`) plus `getMemType`, sent as DMOPs from Xen 4.9
 * and as the HVMOPs before, over any `HypercallBackend`.
 */
export class DeviceModel<V extends IfaceInput = IfaceInput> {
  /** The interface version names are encoded and decoded at. */
  readonly iface: number;
  /** The backend's hypervisor release. */
  readonly release: ReleaseName;
  /** The domain calls are made on behalf of. */
  readonly caller: number;
  private readonly calls: Hypercalls;
  /** The backend the calls go through (an IoreqServer reaches ioreq pages and event channels through it). */
  readonly backend: HypercallBackend;
  private closed = false;

  /** `xendevicemodel_open`. */
  constructor(options: DeviceModelOptions<V>) {
    if (typeof options !== 'object' || options === null) throw new InputError('options', options, 'must be an object { backend, iface, caller? }');
    const { backend, iface, caller = 0 } = options;
    if (typeof backend !== 'object' || backend === null || typeof backend.dmOp !== 'function' || typeof backend.hvmOp !== 'function')
      throw new InputError('backend', typeof backend, 'must be a XenBackend (release, dmOp, hvmOp)');
    this.iface = resolveIface(iface);
    this.caller = domidArg('caller', caller);
    this.backend = backend;
    this.calls = new Hypercalls(backend, this.caller);
    this.release = this.calls.release;
  }

  /** The domain `restrict` locked this handle to, or null. */
  get restrictedTo(): number | null {
    return this.calls.restrictedTo;
  }

  /** `xendevicemodel_close`. The backend stays open: it belongs to whoever made it. Later calls reject. */
  async close(): Promise<void> {
    this.closed = true;
  }

  /** `xendevicemodel_create_ioreq_server`: returns the new server's id. */
  async createIoreqServer(domid: number, handleBufioreq: BufioreqHandling): Promise<number> {
    const d = this.target(domid);
    const mode = constant('bufioreq', 'handleBufioreq', handleBufioreq, 8);
    const out = this.calls.legacy
      ? await this.calls.legacyHvmOp('create_ioreq_server', d, () => ({ domid: d, handle_bufioreq: mode }))
      : (await this.calls.dmOp('create_ioreq_server', d, { handle_bufioreq: mode })).payload;
    return out.id as number;
  }

  /**
   * `xendevicemodel_get_ioreq_server_info`. With `gfns: false` (both gfn pointers NULL in C) it sets
   * XEN_DMOP_no_gfns, so Xen does not map the pages into the guest (use acquire_resource instead); releases
   * without that flag (≤4.10, schema: constants.get_info_flags) always return the gfns, which are not reported.
   */
  async getIoreqServerInfo(domid: number, id: number, options: { gfns?: boolean } = {}): Promise<IoreqServerInfo> {
    const d = this.target(domid);
    const server = uint('id', id, 16);
    if (typeof options !== 'object' || options === null) throw new InputError('options', options, 'must be an object { gfns? }');
    const wantGfns = bool('gfns', options.gfns ?? true);
    let ioreq: bigint;
    let bufioreq: bigint;
    let port: number;
    if (this.calls.legacy) {
      const out = await this.calls.legacyHvmOp('get_ioreq_server_info', d, () => ({ domid: d, id: server }));
      [ioreq, bufioreq, port] = [out.ioreq_pfn as bigint, out.bufioreq_pfn as bigint, out.bufioreq_port as number];
    } else {
      const flagKnown = this.calls.releaseAtLeast(CONST_FIRST_RELEASE.get_info_flags.no_gfns);
      const payload = !wantGfns && flagKnown ? { id: server, flags: NO_GFNS } : { id: server };
      const out = (await this.calls.dmOp('get_ioreq_server_info', d, payload)).payload;
      // 4.9/4.10 call the gfn fields ioreq_pfn/bufioreq_pfn; the offsets are the same.
      [ioreq, bufioreq, port] = [(out.ioreq_gfn ?? out.ioreq_pfn) as bigint, (out.bufioreq_gfn ?? out.bufioreq_pfn) as bigint, out.bufioreq_port as number];
    }
    // Xen fills bufioreq_port and bufioreq_gfn only for a buffering server; event-channel port 0 is never allocated.
    const buffered = port !== 0;
    return { ioreqGfn: wantGfns ? ioreq : null, bufioreqGfn: wantGfns && buffered ? bufioreq : null, bufioreqPort: buffered ? port : null };
  }

  /** `xendevicemodel_map_io_range_to_ioreq_server`: an inclusive MMIO (isMmio) or port range. */
  async mapIoRangeToIoreqServer(domid: number, id: number, isMmio: boolean, start: bigint | number, end: bigint | number): Promise<void> {
    await this.ioRange('map_io_range_to_ioreq_server', domid, id, isMmio, start, end);
  }

  /** `xendevicemodel_unmap_io_range_from_ioreq_server`. */
  async unmapIoRangeFromIoreqServer(domid: number, id: number, isMmio: boolean, start: bigint | number, end: bigint | number): Promise<void> {
    await this.ioRange('unmap_io_range_from_ioreq_server', domid, id, isMmio, start, end);
  }

  /**
   * `xendevicemodel_map_mem_type_to_ioreq_server`: claim (flags 'write') or release (flags 0) the
   * ioreq_server memory type. As the library does (306f164362), any other type, or flags other than WRITE
   * or 0, is EINVAL before anything is sent.
   */
  async mapMemTypeToIoreqServer(domid: number, id: number, type: HvmmemNameAt<V> | number, flags: MemAccessFlags): Promise<void> {
    const op = 'map_mem_type_to_ioreq_server';
    const d = this.target(domid);
    const server = uint('id', id, 16);
    const memType = this.memType('type', type);
    const access = constant('mem_access', 'flags', flags as ConstantName<'mem_access'> | number, 32);
    if (memType !== HVMMEM_IOREQ_SERVER) throw new XenError('EINVAL', op, `libxendevicemodel maps only HVMMEM_ioreq_server (${HVMMEM_IOREQ_SERVER}), not ${memType}`);
    if (access !== 0 && access !== MEM_ACCESS_WRITE) throw new XenError('EINVAL', op, `libxendevicemodel accepts only flags WRITE (${MEM_ACCESS_WRITE}) or 0, not ${access}`);
    if (this.calls.legacy) await this.calls.legacyHvmOp(op, d, null);
    else await this.calls.dmOp(op, d, { id: server, type: memType, flags: access });
  }

  /** `xendevicemodel_map_pcidev_to_ioreq_server`: one PCI device's config space (a single SBDF). */
  async mapPcidevToIoreqServer(domid: number, id: number, segment: number, bus: number, device: number, fn: number): Promise<void> {
    await this.pcidev('map_io_range_to_ioreq_server', domid, id, segment, bus, device, fn);
  }

  /** `xendevicemodel_unmap_pcidev_from_ioreq_server`. */
  async unmapPcidevFromIoreqServer(domid: number, id: number, segment: number, bus: number, device: number, fn: number): Promise<void> {
    await this.pcidev('unmap_io_range_from_ioreq_server', domid, id, segment, bus, device, fn);
  }

  /** `xendevicemodel_destroy_ioreq_server`. */
  async destroyIoreqServer(domid: number, id: number): Promise<void> {
    const d = this.target(domid);
    const server = uint('id', id, 16);
    if (this.calls.legacy) await this.calls.legacyHvmOp('destroy_ioreq_server', d, () => ({ domid: d, id: server }));
    else await this.calls.dmOp('destroy_ioreq_server', d, { id: server });
  }

  /** `xendevicemodel_set_ioreq_server_state`. */
  async setIoreqServerState(domid: number, id: number, enabled: boolean): Promise<void> {
    const d = this.target(domid);
    const server = uint('id', id, 16);
    const on = bool('enabled', enabled) ? 1 : 0;
    if (this.calls.legacy) await this.calls.legacyHvmOp('set_ioreq_server_state', d, () => ({ domid: d, id: server, enabled: on }));
    else await this.calls.dmOp('set_ioreq_server_state', d, { id: server, enabled: on });
  }

  /** `xendevicemodel_set_pci_intx_level`. */
  async setPciIntxLevel(domid: number, segment: number, bus: number, device: number, intx: number, level: number): Promise<void> {
    const d = this.target(domid);
    const payload = { domain: uint('segment', segment, 16), bus: uint('bus', bus, 8), device: uint('device', device, 8), intx: uint('intx', intx, 8), level: uint('level', level, 8) };
    if (this.calls.legacy) await this.calls.legacyHvmOp('set_pci_intx_level', d, null);
    else await this.calls.dmOp('set_pci_intx_level', d, payload);
  }

  /** `xendevicemodel_set_isa_irq_level`. */
  async setIsaIrqLevel(domid: number, irq: number, level: number): Promise<void> {
    const d = this.target(domid);
    const payload = { isa_irq: uint('irq', irq, 8), level: uint('level', level, 8) };
    if (this.calls.legacy) await this.calls.legacyHvmOp('set_isa_irq_level', d, null);
    else await this.calls.dmOp('set_isa_irq_level', d, payload);
  }

  /** `xendevicemodel_set_pci_link_route`. */
  async setPciLinkRoute(domid: number, link: number, irq: number): Promise<void> {
    const d = this.target(domid);
    const payload = { link: uint('link', link, 8), isa_irq: uint('irq', irq, 8) };
    if (this.calls.legacy) await this.calls.legacyHvmOp('set_pci_link_route', d, null);
    else await this.calls.dmOp('set_pci_link_route', d, payload);
  }

  /** `xendevicemodel_inject_msi`. */
  async injectMsi(domid: number, addr: bigint | number, data: number): Promise<void> {
    const d = this.target(domid);
    const payload = { addr: uint64('addr', addr), data: uint('data', data, 32) };
    if (this.calls.legacy) await this.calls.legacyHvmOp('inject_msi', d, () => ({ domid: d, ...payload }));
    else await this.calls.dmOp('inject_msi', d, payload);
  }

  /**
   * `xendevicemodel_track_dirty_vram`: returns the dirty bitmap of pages firstPfn … firstPfn+nr−1, one bit
   * per page, (nr+7)/8 bytes (sent as buf[1]). nr = 0 stops tracking.
   */
  async trackDirtyVram(domid: number, firstPfn: bigint | number, nr: number): Promise<Uint8Array> {
    const d = this.target(domid);
    const payload = { first_pfn: uint64('firstPfn', firstPfn), nr: uint('nr', nr, 32) };
    if (this.calls.legacy) {
      await this.calls.legacyHvmOp('track_dirty_vram', d, null);
      return new Uint8Array(0);
    }
    const bitmap = new Uint8Array(Math.floor((payload.nr + 7) / 8));
    await this.calls.dmOp('track_dirty_vram', d, payload, bitmap);
    return bitmap;
  }

  /** `xendevicemodel_modified_memory`: since 4.9 the bulk call with one extent. */
  async modifiedMemory(domid: number, firstPfn: bigint | number, nr: number): Promise<void> {
    await this.modifiedMemoryBulk(domid, [{ firstPfn, nr }]);
  }

  /**
   * `xendevicemodel_modified_memory_bulk`: the extents go in buf[1]. Up to 4.8 each extent is one
   * HVMOP_modified_memory (xc_hvm_modified_memory took one range), stopping at the first error.
   */
  async modifiedMemoryBulk(domid: number, extents: readonly ModifiedMemoryExtent[]): Promise<void> {
    const d = this.target(domid);
    if (!Array.isArray(extents)) throw new InputError('extents', extents, 'must be an array of { firstPfn, nr }');
    const parsed = extents.map((e: unknown, i) => {
      if (typeof e !== 'object' || e === null) throw new InputError(`extents[${i}]`, e, 'must be { firstPfn, nr }');
      const x = e as Record<string, unknown>;
      return { first_pfn: uint64(`extents[${i}].firstPfn`, x.firstPfn), nr: uint(`extents[${i}].nr`, x.nr, 32) };
    });
    if (this.calls.legacy) {
      this.calls.checkRestriction('modified_memory', d);
      for (const x of parsed) await this.calls.legacyHvmOp('modified_memory', d, () => ({ domid: d, ...x }));
      return;
    }
    const buf1 = new Uint8Array(parsed.length * EXTENT_SIZE);
    parsed.forEach((x, i) => encodeStructAt('xen_dm_op_modified_memory_extent', x, buf1, i * EXTENT_SIZE));
    await this.calls.dmOp('modified_memory', d, { nr_extents: parsed.length }, buf1);
  }

  /** `xendevicemodel_set_mem_type`: memType is a name at the client's interface version, or a number sent as is. */
  async setMemType(domid: number, memType: HvmmemNameAt<V> | number, firstPfn: bigint | number, nr: number): Promise<void> {
    const d = this.target(domid);
    const type = this.memType('memType', memType);
    const first = uint64('firstPfn', firstPfn);
    const count = uint('nr', nr, 32);
    if (this.calls.legacy) await this.calls.legacyHvmOp('set_mem_type', d, () => ({ domid: d, hvmmem_type: type, nr: count, first_pfn: first }));
    else await this.calls.dmOp('set_mem_type', d, { mem_type: type, nr: count, first_pfn: first });
  }

  /** `xendevicemodel_inject_event`; `extra` is cr2 for a page fault. */
  async injectEvent(domid: number, vcpu: number, vector: number, type: InjectEventType, errorCode: number, insnLen: number, extra: bigint | number): Promise<void> {
    const d = this.target(domid);
    const payload = {
      vcpuid: uint('vcpu', vcpu, 32),
      vector: uint('vector', vector, 8),
      type: constant('inject_event_type', 'type', type, 8),
      error_code: uint('errorCode', errorCode, 32),
      insn_len: uint('insnLen', insnLen, 8),
      cr2: uint64('extra', extra),
    };
    if (this.calls.legacy) await this.calls.legacyHvmOp('inject_event', d, null);
    else await this.calls.dmOp('inject_event', d, payload);
  }

  /**
   * `xendevicemodel_restrict`: locks the handle to one domain, as IOCTL_PRIVCMD_RESTRICT does. Afterwards a
   * call naming another domain fails with EPERM; restricting again to another domain is EINVAL, to the
   * same domain a no-op.
   */
  async restrict(domid: number): Promise<void> {
    const d = this.target(domid);
    if (this.calls.restrictedTo !== null && this.calls.restrictedTo !== d)
      throw new XenError('EINVAL', 'restrict', `the handle is already restricted to domain ${this.calls.restrictedTo}`);
    this.calls.restrictedTo = d;
  }

  /** `xendevicemodel_shutdown` (XEN_DMOP_remote_shutdown, 4.10+): reason is a SHUTDOWN_* code. */
  async shutdown(domid: number, reason: number): Promise<void> {
    const d = this.target(domid);
    const payload = { reason: uint('reason', reason, 32) };
    if (this.calls.legacy) await this.calls.legacyHvmOp('remote_shutdown', d, null);
    else await this.calls.dmOp('remote_shutdown', d, payload);
  }

  /** `xendevicemodel_relocate_memory` (4.11+): moves `size` pages from srcGfn to dstGfn. */
  async relocateMemory(domid: number, size: number, srcGfn: bigint | number, dstGfn: bigint | number): Promise<void> {
    const d = this.target(domid);
    const payload = { size: uint('size', size, 32), src_gfn: uint64('srcGfn', srcGfn), dst_gfn: uint64('dstGfn', dstGfn) };
    if (this.calls.legacy) await this.calls.legacyHvmOp('relocate_memory', d, null);
    else await this.calls.dmOp('relocate_memory', d, payload);
  }

  /** `xendevicemodel_pin_memory_cacheattr` (4.11+): gfns start … end inclusive. */
  async pinMemoryCacheattr(domid: number, start: bigint | number, end: bigint | number, type: MemCacheattr): Promise<void> {
    const d = this.target(domid);
    const payload = { start: uint64('start', start), end: uint64('end', end), type: constant('mem_cacheattr', 'type', type, 32) };
    if (this.calls.legacy) await this.calls.legacyHvmOp('pin_memory_cacheattr', d, null);
    else await this.calls.dmOp('pin_memory_cacheattr', d, payload);
  }

  /** `xendevicemodel_set_irq_level` (4.15+; Arm SPIs — an x86 hypervisor refuses it). */
  async setIrqLevel(domid: number, irq: number, level: number): Promise<void> {
    const d = this.target(domid);
    const payload = { irq: uint('irq', irq, 32), level: uint('level', level, 8) };
    if (this.calls.legacy) await this.calls.legacyHvmOp('set_irq_level', d, null);
    else await this.calls.dmOp('set_irq_level', d, payload);
  }

  /** `xendevicemodel_nr_vcpus` (4.15+). */
  async nrVcpus(domid: number): Promise<number> {
    const d = this.target(domid);
    const out = this.calls.legacy ? await this.calls.legacyHvmOp('nr_vcpus', d, null) : (await this.calls.dmOp('nr_vcpus', d, {})).payload;
    return out.vcpus as number;
  }

  /**
   * HVMOP_get_mem_type, a public HVMOP in every release (no library wraps it). Xen's answer is lossy:
   * log-dirty and shared pages report ram_ro, holes mmio_dm (xen/arch/x86/hvm/hvm.c hvmop_get_mem_type() @ RELEASE-4.22.0).
   */
  async getMemType(domid: number, pfn: bigint | number): Promise<MemTypeAt<V>> {
    const d = this.target(domid);
    const out = await this.calls.hvmOp('get_mem_type', d, { domid: d, pfn: uint64('pfn', pfn) });
    const memType = out.mem_type as number;
    return { type: (hvmmemName(memType, this.iface) ?? null) as HvmmemNameAt<V> | null, memType };
  }

  /** Checks the handle is open and the target domain id fits domid_t. */
  private target(domid: number): number {
    if (this.closed) throw new InputError('handle', 'DeviceModel', 'is closed');
    return domidArg('domid', domid);
  }

  /** A memory type: a name encoded at the client's interface version, or a uint16 sent as is. */
  private memType(argument: string, value: HvmmemNameAt<V> | number): number {
    if (typeof value === 'number') return uint(argument, value, 16);
    const names = hvmmemTypesAt(this.iface).map((t) => t.name);
    if (typeof value !== 'string' || !names.includes(value))
      throw new InputError(argument, value, `is not a memory type at interface version ${ifaceHex(this.iface)} (names there: ${names.join(', ')})`);
    return hvmmemType(value as HvmmemName, this.iface);
  }

  private async ioRange(op: 'map_io_range_to_ioreq_server' | 'unmap_io_range_from_ioreq_server', domid: number, id: number, isMmio: boolean, start: bigint | number, end: bigint | number): Promise<void> {
    const d = this.target(domid);
    const server = uint('id', id, 16);
    const mmio = bool('isMmio', isMmio);
    await this.sendRange(op, d, server, mmio ? 'memory' : 'port', uint64('start', start), uint64('end', end));
  }

  private async pcidev(op: 'map_io_range_to_ioreq_server' | 'unmap_io_range_from_ioreq_server', domid: number, id: number, segment: number, bus: number, device: number, fn: number): Promise<void> {
    const d = this.target(domid);
    const server = uint('id', id, 16);
    const s = uint('segment', segment, 16);
    const b = uint('bus', bus, 8);
    const dev = uint('device', device, 8);
    const f = uint('fn', fn, 8);
    if (dev > MAX_DEVICE || f > MAX_FUNCTION)
      throw new XenError('EINVAL', op, `libxendevicemodel refuses device ${dev} (> 0x${MAX_DEVICE.toString(16)}) or function ${f} (> ${MAX_FUNCTION})`);
    const sbdf = packSbdf(this.calls.legacy ? BIT_PACKS.hvmop_pci_sbdf : BIT_PACKS.pci_sbdf, { s, b, d: dev, f });
    await this.sendRange(op, d, server, 'pci', sbdf, sbdf);
  }

  private async sendRange(op: 'map_io_range_to_ioreq_server' | 'unmap_io_range_from_ioreq_server', d: number, id: number, kind: 'port' | 'memory' | 'pci', start: bigint, end: bigint): Promise<void> {
    if (this.calls.legacy) {
      const type = constantValue('hvmop_io_range', kind);
      await this.calls.legacyHvmOp(op, d, () => ({ domid: d, id, type, start, end }));
    } else {
      await this.calls.dmOp(op, d, { id, type: constantValue('io_range', kind), start, end });
    }
  }
}
