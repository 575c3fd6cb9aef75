/**
 * The `xenmem dm <op>` table: one entry per libxendevicemodel 1.4 call plus get_mem_type, saying which
 * flags the op takes (Xen's names in kebab-case), how argv.ts parses each one, which DeviceModel method
 * it becomes, and the result fields it prints (Xen's snake_case names). argv.ts builds the subcommands
 * from it; commands/dm.ts runs them. `restrict` and `modified_memory_bulk` are left out: a handle lives
 * for one command, and modified-memory covers one extent.
 */
import { BIT_PACKS, InputError, type ConstantGroupName } from '@xenmem/abi-types';
import type { DeviceModel } from '@xenmem/ioreq-client';

/** How a flag's text is parsed (argv.ts): the C type it ends up in, or a set of names. */
export type FlagKind =
  /** An unsigned integer of the field's width: decimal or 0x…. */
  | { kind: 'uint'; bits: 8 | 16 | 32 }
  /** A 64-bit value (pfn, gfn, address): decimal or 0x…, kept as a bigint. */
  | { kind: 'u64' }
  /** A memory type: a name (encoded at --iface by DeviceModel) or a number sent as is. */
  | { kind: 'memType' }
  /** on|off → true|false. */
  | { kind: 'onOff' }
  /** One of a few words. */
  | { kind: 'choice'; values: readonly string[] }
  /** A member of a schema constant group by name, or a number sent as is; `extra` adds CLI words (flags `none` = 0). */
  | { kind: 'constant'; group: ConstantGroupName; extra?: Readonly<Record<string, number>> };

export interface DmFlag {
  /** The long flag without dashes: Xen's parameter name in kebab-case. */
  flag: string;
  /** Key in the parsed args (camelCase, as DeviceModel names the parameter). */
  key: string;
  type: FlagKind;
  description: string;
  /** Absent: the flag is required. */
  default?: unknown;
  /** Other spellings accepted (`type` for `mem-type`). */
  aliases?: readonly string[];
}

/** Parsed flag values of one op, by key. */
export type DmArgs = Record<string, unknown>;

export interface DmOpSpec {
  /** Subcommand: the Xen op name in kebab-case. */
  name: string;
  /** Shorter subcommand names. */
  aliases: readonly string[];
  /** The Xen op (XEN_DMOP_* / HVMOP_* suffix), named in error messages. */
  xenOp: string;
  description: string;
  flags: readonly DmFlag[];
  /** The DeviceModel call; returns the op's outputs, keyed by Xen's field names. */
  call(dm: DeviceModel, a: DmArgs): Promise<Record<string, unknown>>;
  /** The human line after `<xen_op>: ok`, from the args and outputs ('' for nothing more). */
  describe(a: DmArgs, out: Record<string, unknown>): string;
}

const hex = (v: unknown): string => (typeof v === 'bigint' || typeof v === 'number' ? '0x' + v.toString(16) : String(v));

const DOMID: DmFlag = { flag: 'domid', key: 'domid', type: { kind: 'uint', bits: 16 }, description: 'target domain' };
const ID: DmFlag = { flag: 'id', key: 'id', type: { kind: 'uint', bits: 16 }, description: 'ioreq server id (ioservid_t)' };
const IO_RANGE_TYPE: DmFlag = { flag: 'type', key: 'type', type: { kind: 'choice', values: ['port', 'memory', 'pci'] }, description: 'XEN_DMOP_IO_RANGE_*: port, memory or pci (pci: start = end = an SBDF)' };
const START: DmFlag = { flag: 'start', key: 'start', type: { kind: 'u64' }, description: 'first address, port or SBDF (inclusive)' };
const END: DmFlag = { flag: 'end', key: 'end', type: { kind: 'u64' }, description: 'last address, port or SBDF (inclusive)' };
const SEGMENT: DmFlag = { flag: 'segment', key: 'segment', type: { kind: 'uint', bits: 16 }, description: 'PCI segment', default: 0 };
const BUS: DmFlag = { flag: 'bus', key: 'bus', type: { kind: 'uint', bits: 8 }, description: 'PCI bus' };
const DEVICE: DmFlag = { flag: 'device', key: 'device', type: { kind: 'uint', bits: 8 }, description: 'PCI device' };
const FUNCTION: DmFlag = { flag: 'function', key: 'function', type: { kind: 'uint', bits: 8 }, description: 'PCI function' };
const LEVEL: DmFlag = { flag: 'level', key: 'level', type: { kind: 'uint', bits: 8 }, description: 'line level: 0 or 1' };
const ISA_IRQ: DmFlag = { flag: 'isa-irq', key: 'isaIrq', type: { kind: 'uint', bits: 8 }, description: 'ISA IRQ', aliases: ['irq'] };
const FIRST_PFN: DmFlag = { flag: 'first-pfn', key: 'firstPfn', type: { kind: 'u64' }, description: 'first guest frame' };
const NR: DmFlag = { flag: 'nr', key: 'nr', type: { kind: 'uint', bits: 32 }, description: 'number of frames' };

/**
 * A PCI range is one device: libxendevicemodel has no call for a raw range, only map_pcidev (one SBDF),
 * so `--type pci` takes start = end = XEN_DMOP_PCI_SBDF(s, b, d, f) and unpacks it with the schema's packing.
 */
function unpackSbdf(a: DmArgs): [number, number, number, number] {
  if (a.start !== a.end) throw new InputError('end', a.end, `must equal --start for --type pci (one device); for a device by parts run xenmem dm map-pcidev-to-ioreq-server`);
  const sbdf = a.start as bigint;
  const part = (n: string) => {
    const p = BIT_PACKS.pci_sbdf.parts.find((x) => x.name === n)!;
    return Number((sbdf >> BigInt(p.shift)) & ((1n << BigInt(p.width)) - 1n));
  };
  if (sbdf >> 32n !== 0n) throw new InputError('start', sbdf, 'is not a PCI SBDF (above 32 bits)');
  return [part('s'), part('b'), part('d'), part('f')];
}

async function ioRange(dm: DeviceModel, a: DmArgs, map: boolean): Promise<Record<string, unknown>> {
  const [domid, id] = [a.domid as number, a.id as number];
  if (a.type === 'pci') {
    const [s, b, d, f] = unpackSbdf(a);
    if (map) await dm.mapPcidevToIoreqServer(domid, id, s, b, d, f);
    else await dm.unmapPcidevFromIoreqServer(domid, id, s, b, d, f);
  } else if (map) await dm.mapIoRangeToIoreqServer(domid, id, a.type === 'memory', a.start as bigint, a.end as bigint);
  else await dm.unmapIoRangeFromIoreqServer(domid, id, a.type === 'memory', a.start as bigint, a.end as bigint);
  return {};
}

async function pcidev(dm: DeviceModel, a: DmArgs, map: boolean): Promise<Record<string, unknown>> {
  const args = [a.domid, a.id, a.segment, a.bus, a.device, a.function] as [number, number, number, number, number, number];
  if (map) await dm.mapPcidevToIoreqServer(...args);
  else await dm.unmapPcidevFromIoreqServer(...args);
  return {};
}

const bdf = (a: DmArgs) => `${hex(a.segment).slice(2).padStart(4, '0')}:${hex(a.bus).slice(2).padStart(2, '0')}:${hex(a.device).slice(2).padStart(2, '0')}.${String(a.function)}`;

export const DM_OPS: readonly DmOpSpec[] = [
  {
    name: 'create-ioreq-server',
    aliases: ['create'],
    xenOp: 'create_ioreq_server',
    description: 'create an ioreq server for a domain; prints its id',
    flags: [DOMID, { flag: 'handle-bufioreq', key: 'handleBufioreq', type: { kind: 'constant', group: 'bufioreq' }, description: 'HVM_IOREQSRV_BUFIOREQ_*: off, legacy, atomic or a number', default: 'off' }],
    call: async (dm, a) => ({ id: await dm.createIoreqServer(a.domid as number, a.handleBufioreq as number) }),
    describe: (_a, o) => `id ${String(o.id)}`,
  },
  {
    name: 'get-ioreq-server-info',
    aliases: ['get-info'],
    xenOp: 'get_ioreq_server_info',
    description: "a server's ioreq page gfns and buffered event channel",
    flags: [DOMID, ID, { flag: 'gfns', key: 'gfns', type: { kind: 'onOff' }, description: 'off: set XEN_DMOP_no_gfns (4.11+), so the pages are not mapped into the guest', default: true }],
    call: async (dm, a) => {
      const info = await dm.getIoreqServerInfo(a.domid as number, a.id as number, { gfns: a.gfns as boolean });
      return { ioreq_gfn: info.ioreqGfn, bufioreq_gfn: info.bufioreqGfn, bufioreq_port: info.bufioreqPort };
    },
    describe: (_a, o) => `ioreq_gfn ${o.ioreq_gfn === null ? 'none' : hex(o.ioreq_gfn)}, bufioreq_gfn ${o.bufioreq_gfn === null ? 'none' : hex(o.bufioreq_gfn)}, bufioreq_port ${o.bufioreq_port === null ? 'none' : String(o.bufioreq_port)}`,
  },
  {
    name: 'map-io-range-to-ioreq-server',
    aliases: ['map-io-range'],
    xenOp: 'map_io_range_to_ioreq_server',
    description: 'send accesses to an inclusive port, MMIO or PCI range to a server',
    flags: [DOMID, ID, IO_RANGE_TYPE, START, END],
    call: (dm, a) => ioRange(dm, a, true),
    describe: (a) => `${String(a.type)} ${hex(a.start)}-${hex(a.end)} → server ${String(a.id)}`,
  },
  {
    name: 'unmap-io-range-from-ioreq-server',
    aliases: ['unmap-io-range'],
    xenOp: 'unmap_io_range_from_ioreq_server',
    description: 'remove an inclusive range from a server',
    flags: [DOMID, ID, IO_RANGE_TYPE, START, END],
    call: (dm, a) => ioRange(dm, a, false),
    describe: (a) => `${String(a.type)} ${hex(a.start)}-${hex(a.end)} removed from server ${String(a.id)}`,
  },
  {
    name: 'map-pcidev-to-ioreq-server',
    aliases: ['map-pcidev'],
    xenOp: 'map_io_range_to_ioreq_server',
    description: "send a PCI device's config space accesses to a server",
    flags: [DOMID, ID, SEGMENT, BUS, DEVICE, FUNCTION],
    call: (dm, a) => pcidev(dm, a, true),
    describe: (a) => `pci ${bdf(a)} → server ${String(a.id)}`,
  },
  {
    name: 'unmap-pcidev-from-ioreq-server',
    aliases: ['unmap-pcidev'],
    xenOp: 'unmap_io_range_from_ioreq_server',
    description: 'remove a PCI device from a server',
    flags: [DOMID, ID, SEGMENT, BUS, DEVICE, FUNCTION],
    call: (dm, a) => pcidev(dm, a, false),
    describe: (a) => `pci ${bdf(a)} removed from server ${String(a.id)}`,
  },
  {
    name: 'map-mem-type-to-ioreq-server',
    aliases: ['map-mem-type'],
    xenOp: 'map_mem_type_to_ioreq_server',
    description: 'claim (--flags write) or release (--flags none) the ioreq_server memory type',
    flags: [
      DOMID,
      ID,
      { flag: 'type', key: 'type', type: { kind: 'memType' }, description: 'memory type (only ioreq_server is accepted)', default: 'ioreq_server' },
      { flag: 'flags', key: 'flags', type: { kind: 'constant', group: 'mem_access', extra: { none: 0 } }, description: 'XEN_DMOP_IOREQ_MEM_ACCESS_*: write, none (0, release) or a number' },
    ],
    call: async (dm, a) => {
      await dm.mapMemTypeToIoreqServer(a.domid as number, a.id as number, a.type as number, a.flags as number);
      return {};
    },
    describe: (a) => (a.flags === 0 ? `server ${String(a.id)} released ${String(a.type)}` : `server ${String(a.id)} claimed ${String(a.type)} (flags ${String(a.flags)})`),
  },
  {
    name: 'set-ioreq-server-state',
    aliases: ['set-state'],
    xenOp: 'set_ioreq_server_state',
    description: 'enable or disable a server',
    flags: [DOMID, ID, { flag: 'enabled', key: 'enabled', type: { kind: 'onOff' }, description: 'on or off' }],
    call: async (dm, a) => {
      await dm.setIoreqServerState(a.domid as number, a.id as number, a.enabled as boolean);
      return {};
    },
    describe: (a) => `server ${String(a.id)} ${a.enabled ? 'enabled' : 'disabled'}`,
  },
  {
    name: 'destroy-ioreq-server',
    aliases: ['destroy'],
    xenOp: 'destroy_ioreq_server',
    description: 'destroy a server (its claim and ranges go with it)',
    flags: [DOMID, ID],
    call: async (dm, a) => {
      await dm.destroyIoreqServer(a.domid as number, a.id as number);
      return {};
    },
    describe: (a) => `server ${String(a.id)} destroyed`,
  },
  {
    name: 'set-pci-intx-level',
    aliases: [],
    xenOp: 'set_pci_intx_level',
    description: "set a PCI device's INTx line level",
    flags: [DOMID, SEGMENT, BUS, DEVICE, { flag: 'intx', key: 'intx', type: { kind: 'uint', bits: 8 }, description: 'INTx pin: 0 (A) … 3 (D)' }, LEVEL],
    call: async (dm, a) => {
      await dm.setPciIntxLevel(a.domid as number, a.segment as number, a.bus as number, a.device as number, a.intx as number, a.level as number);
      return {};
    },
    describe: () => '',
  },
  {
    name: 'set-isa-irq-level',
    aliases: [],
    xenOp: 'set_isa_irq_level',
    description: 'set an ISA IRQ line level',
    flags: [DOMID, ISA_IRQ, LEVEL],
    call: async (dm, a) => {
      await dm.setIsaIrqLevel(a.domid as number, a.isaIrq as number, a.level as number);
      return {};
    },
    describe: () => '',
  },
  {
    name: 'set-pci-link-route',
    aliases: [],
    xenOp: 'set_pci_link_route',
    description: 'route a PCI link to an ISA IRQ',
    flags: [DOMID, { flag: 'link', key: 'link', type: { kind: 'uint', bits: 8 }, description: 'PCI link 0 … 3' }, ISA_IRQ],
    call: async (dm, a) => {
      await dm.setPciLinkRoute(a.domid as number, a.link as number, a.isaIrq as number);
      return {};
    },
    describe: () => '',
  },
  {
    name: 'inject-msi',
    aliases: [],
    xenOp: 'inject_msi',
    description: 'inject an MSI',
    flags: [DOMID, { flag: 'addr', key: 'addr', type: { kind: 'u64' }, description: 'MSI address' }, { flag: 'data', key: 'data', type: { kind: 'uint', bits: 32 }, description: 'MSI data' }],
    call: async (dm, a) => {
      await dm.injectMsi(a.domid as number, a.addr as bigint, a.data as number);
      return {};
    },
    describe: () => '',
  },
  {
    name: 'track-dirty-vram',
    aliases: [],
    xenOp: 'track_dirty_vram',
    description: 'the dirty bitmap of a VRAM range (--nr 0 stops tracking)',
    flags: [DOMID, FIRST_PFN, NR],
    call: async (dm, a) => ({ dirty_bitmap: await dm.trackDirtyVram(a.domid as number, a.firstPfn as bigint, a.nr as number) }),
    describe: (a, o) => {
      const bitmap = o.dirty_bitmap as Uint8Array;
      const dirty = [...bitmap].reduce((n, byte) => n + [...byte.toString(2)].filter((c) => c === '1').length, 0);
      return `${dirty} of ${String(a.nr)} pages dirty`;
    },
  },
  {
    name: 'modified-memory',
    aliases: [],
    xenOp: 'modified_memory',
    description: 'mark frames dirty for log-dirty tracking',
    flags: [DOMID, FIRST_PFN, NR],
    call: async (dm, a) => {
      await dm.modifiedMemory(a.domid as number, a.firstPfn as bigint, a.nr as number);
      return {};
    },
    describe: (a) => `${String(a.nr)} pages from ${hex(a.firstPfn)}`,
  },
  {
    name: 'set-mem-type',
    aliases: [],
    xenOp: 'set_mem_type',
    description: 'set the memory type of --nr frames from --first-pfn',
    flags: [DOMID, FIRST_PFN, NR, { flag: 'mem-type', key: 'memType', type: { kind: 'memType' }, description: 'hvmmem_type_t name at --iface (ram_rw, ram_ro, …) or a number', aliases: ['type'] }],
    call: async (dm, a) => {
      await dm.setMemType(a.domid as number, a.memType as number, a.firstPfn as bigint, a.nr as number);
      return {};
    },
    describe: (a) => `${String(a.nr)} pages from ${hex(a.firstPfn)} are ${String(a.memType)}`,
  },
  {
    name: 'inject-event',
    aliases: [],
    xenOp: 'inject_event',
    description: 'inject an event (exception, interrupt) into a vCPU',
    flags: [
      DOMID,
      { flag: 'vcpu', key: 'vcpu', type: { kind: 'uint', bits: 32 }, description: 'vCPU id', aliases: ['vcpuid'] },
      { flag: 'vector', key: 'vector', type: { kind: 'uint', bits: 8 }, description: 'vector' },
      { flag: 'type', key: 'type', type: { kind: 'constant', group: 'inject_event_type' }, description: 'XEN_DMOP_EVENT_*: ext_int, nmi, hw_exc, sw_int, pri_sw_exc, sw_exc or a number' },
      // XEN_DMOP_no_error_code is ~0U (public/hvm/dm_op.h).
      { flag: 'error-code', key: 'errorCode', type: { kind: 'uint', bits: 32 }, description: 'error code (default 0xffffffff, XEN_DMOP_no_error_code)', default: 0xffffffff },
      { flag: 'insn-len', key: 'insnLen', type: { kind: 'uint', bits: 8 }, description: 'instruction length', default: 0 },
      { flag: 'cr2', key: 'cr2', type: { kind: 'u64' }, description: 'cr2 for a page fault (libxendevicemodel: extra)', default: 0n, aliases: ['extra'] },
    ],
    call: async (dm, a) => {
      await dm.injectEvent(a.domid as number, a.vcpu as number, a.vector as number, a.type as number, a.errorCode as number, a.insnLen as number, a.cr2 as bigint);
      return {};
    },
    describe: () => '',
  },
  {
    name: 'remote-shutdown',
    aliases: ['shutdown'],
    xenOp: 'remote_shutdown',
    description: 'shut a domain down (4.10+)',
    flags: [DOMID, { flag: 'reason', key: 'reason', type: { kind: 'uint', bits: 32 }, description: 'SHUTDOWN_* code (0 poweroff, 1 reboot, …)' }],
    call: async (dm, a) => {
      await dm.shutdown(a.domid as number, a.reason as number);
      return {};
    },
    describe: () => '',
  },
  {
    name: 'relocate-memory',
    aliases: [],
    xenOp: 'relocate_memory',
    description: 'move --size frames from --src-gfn to --dst-gfn (4.11+)',
    flags: [DOMID, { flag: 'size', key: 'size', type: { kind: 'uint', bits: 32 }, description: 'number of frames' }, { flag: 'src-gfn', key: 'srcGfn', type: { kind: 'u64' }, description: 'first source frame' }, { flag: 'dst-gfn', key: 'dstGfn', type: { kind: 'u64' }, description: 'first destination frame' }],
    call: async (dm, a) => {
      await dm.relocateMemory(a.domid as number, a.size as number, a.srcGfn as bigint, a.dstGfn as bigint);
      return {};
    },
    describe: () => '',
  },
  {
    name: 'pin-memory-cacheattr',
    aliases: [],
    xenOp: 'pin_memory_cacheattr',
    description: 'pin the cache attribute of gfns --start … --end (4.11+)',
    flags: [DOMID, { ...START, description: 'first gfn' }, { ...END, description: 'last gfn (inclusive)' }, { flag: 'type', key: 'type', type: { kind: 'constant', group: 'mem_cacheattr' }, description: 'XEN_DMOP_MEM_CACHEATTR_*: uc, wc, wt, wp, wb, ucm, delete or a number' }],
    call: async (dm, a) => {
      await dm.pinMemoryCacheattr(a.domid as number, a.start as bigint, a.end as bigint, a.type as number);
      return {};
    },
    describe: () => '',
  },
  {
    name: 'set-irq-level',
    aliases: [],
    xenOp: 'set_irq_level',
    description: 'set an Arm SPI line level (4.15+; x86 refuses it)',
    flags: [DOMID, { flag: 'irq', key: 'irq', type: { kind: 'uint', bits: 32 }, description: 'IRQ' }, LEVEL],
    call: async (dm, a) => {
      await dm.setIrqLevel(a.domid as number, a.irq as number, a.level as number);
      return {};
    },
    describe: () => '',
  },
  {
    name: 'nr-vcpus',
    aliases: [],
    xenOp: 'nr_vcpus',
    description: "a domain's number of vCPUs (4.15+)",
    flags: [DOMID],
    call: async (dm, a) => ({ vcpus: await dm.nrVcpus(a.domid as number) }),
    describe: (_a, o) => `vcpus ${String(o.vcpus)}`,
  },
  {
    name: 'get-mem-type',
    aliases: [],
    xenOp: 'get_mem_type',
    description: 'the memory type of one frame (HVMOP_get_mem_type; lossy: several internal types read as one, see docs/simulator.md)',
    flags: [DOMID, { flag: 'pfn', key: 'pfn', type: { kind: 'u64' }, description: 'guest frame' }],
    call: async (dm, a) => {
      const r = await dm.getMemType(a.domid as number, a.pfn as bigint);
      return { type: r.type, mem_type: r.memType };
    },
    describe: (a, o) => `pfn ${hex(a.pfn)} is ${o.type === null ? `mem_type ${String(o.mem_type)} (no name at this interface version)` : `${String(o.type)} (mem_type ${String(o.mem_type)})`}`,
  },
];

export type DmOpName = (typeof DM_OPS)[number]['name'];

export function dmOp(name: string): DmOpSpec {
  const op = DM_OPS.find((o) => o.name === name);
  if (!op) throw new InputError('op', name, `is not a dm op (ops: ${DM_OPS.map((o) => o.name).join(', ')})`);
  return op;
}
