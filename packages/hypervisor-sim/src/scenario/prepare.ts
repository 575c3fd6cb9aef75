/**
 * The checks a scenario needs beyond its JSON Schema, and the plan the runner executes: every step
 * becomes the exact hypercall Xen's tools would make at the scenario's release (the HVMOP up to 4.8 where
 * one with a struct exists, the DMOP otherwise; get_mem_type always HVMOP 15), with names encoded at
 * the step's interface version. Problems are `{ path, message }` values naming the step and field.
 */
import {
  BIT_PACKS,
  CONST,
  DMOP,
  HVMOP,
  P2M_TYPES,
  SET_MEM_TYPE_NR_MAX,
  InputError,
  RELEASES,
  STRUCTS,
  encodeDmOp,
  encodeHvmOpArg,
  encodeStruct,
  hvmOpByNumber,
  hvmmemTypesAt,
  ifaceHex,
  p2mName,
  p2mValue,
  releaseIface,
  resolveIface,
  resolveRelease,
  type ConstantGroupName,
  type DmOpName,
  type HvmOpName,
  type LayoutId,
  type ReleaseName,
} from '@xenmem/abi-types';
import type { GuestAccess } from '@xenmem/sim-protocol';
import type { PreemptPolicy } from '../preempt.js';
import { isSimulatedRelease, NOT_SIMULATED } from '../simulated-releases.js';
import type { DomainSpec, Scenario, StepOp } from './types.js';
import { constantName, constantNames, constantValue, parseU64 } from './values.js';

/** A problem found in a scenario: where, and what. */
export interface ScenarioProblem {
  /** JSON path in the file, e.g. `steps[3].type` ("" for the whole document). */
  path: string;
  /** What is wrong there, e.g. "is not a release the schema knows". */
  message: string;
}

/** What `--xen` / `--iface` give on the command line; they override the file. */
export interface ScenarioOverrides {
  /** Release to run as instead of the file's `xen` (e.g. from `--xen`). */
  xen?: string;
  /** Interface version to use instead of the file's `iface`, as 0x hex or a release name. */
  iface?: string;
}

/** A hypercall as the runner sends it. `fields` are the struct's own names; `id` is filled from `server` at run time. */
export interface HypercallPlan {
  /** `__HYPERVISOR_dm_op` (4.9+) or `__HYPERVISOR_hvm_op`. */
  family: 'dm_op' | 'hvm_op';
  /** The DMOP or HVMOP name. */
  name: string;
  /** The HVMOP number (hvm_op family). */
  hvmop?: number;
  /** The argument struct's fields by their C names, encoded with the op's layout (absent fields are zero). */
  fields: Record<string, unknown>;
  /** modified_memory's buf[1]. */
  extents?: {
    /** First gfn of the extent (`xen_dm_op_modified_memory_extent.first_pfn`). */
    first_pfn: bigint;
    /** Number of gfns. */
    nr: number;
  }[];
  /** track_dirty_vram's buf[1] size. */
  bitmapBytes?: number;
}

/** What the runner does for one step. */
export type PreparedAction =
  | {
      /** Make a hypercall. */
      kind: 'hypercall';
      /** The hypercall and its struct fields. */
      plan: HypercallPlan;
    }
  | {
      /** Set p2m entries directly (SimulatorBackend.seedP2m). */
      kind: 'seed_p2m';
      /** First gfn. */
      firstPfn: bigint;
      /** Number of gfns. */
      nr: number;
      /** The p2m_type_t number they get. */
      p2m: number;
    }
  | {
      /** Make a guest access (SimulatorBackend.guestAccess). */
      kind: 'guest';
      /** The access. */
      access: GuestAccess;
      /** The data the step's device model answers reads with (undefined: all ones). */
      respond: bigint | undefined;
    }
  | {
      /** Inspect the domain (SimulatorBackend.inspect). */
      kind: 'inspect';
    }
  | {
      /** Make a dm_op with exactly these buffers (a raw_dm_op step). */
      kind: 'raw_dm_op';
      /** The buffers, byte for byte; the runner sends copies. */
      bufs: Uint8Array[];
    }
  | {
      /** Make an hvm_op with exactly this op word and argument (a raw_hvm_op step). */
      kind: 'raw_hvm_op';
      /** The op word. */
      cmd: number;
      /** The argument bytes; the runner sends a copy. */
      arg: Uint8Array;
    };

/** One prepared scenario step, ready to run. */
export interface PreparedStep {
  /** Position of the step in the file's `steps`. */
  index: number;
  /** The step's op. */
  op: StepOp;
  /** The target domain. */
  domid: number;
  /** The calling domain (the device model, or 0 for dom0). */
  caller: number;
  /** The interface version the step's names are read at. */
  iface: number;
  /** The step's note, for the reader. */
  note?: string;
  /** The alias a create step gives its server. */
  as?: string;
  /** The alias whose server id the hypercall's `id` takes. */
  server?: string;
  /** What the runner does for the step. */
  action: PreparedAction;
  /** The expectation, with numbers normalised where a result field has a name form. */
  expect?: Record<string, unknown>;
}

/** A scenario domain, checked, with its defaults filled in: what SimulatorBackend.createDomain gets. */
export interface PreparedDomain {
  /** Domain id. */
  domid: number;
  /** Highest guest frame number of its p2m. */
  maxGpfn: number;
  /** Hardware-assisted paging. */
  hap: boolean;
  /** An HVM guest. */
  hvm: boolean;
  /** Number of vCPUs. */
  vcpus: number;
  /** Domain id of its device model, if not dom0. */
  dm?: number;
}

/** A checked scenario, ready for runScenario. */
export interface PreparedScenario {
  /** Brand: only prepareScenario makes these. */
  readonly kind: 'prepared-scenario';
  /** The release to run as. */
  xen: ReleaseName;
  /** The scenario's interface version (steps may carry their own). */
  iface: number;
  /** When the simulator preempts long ops. */
  preempt: PreemptPolicy;
  /** Domains to create, checked. */
  domains: PreparedDomain[];
  /** Steps, checked, in order. */
  steps: PreparedStep[];
  /** The file's note. */
  note?: string;
}

/** The result of preparing a scenario: the prepared scenario, or its problems. */
export type PrepareResult =
  | {
      /** The scenario is valid for the release. */
      ok: true;
      /** The checked scenario, for runScenario. */
      scenario: PreparedScenario;
    }
  | {
      /** The scenario has problems; nothing can run. */
      ok: false;
      /** Every problem found, with its JSON path. */
      problems: ScenarioProblem[];
    };

const DOMID_SELF = CONST.domid.self;
const MAX_GPFN = SET_MEM_TYPE_NR_MAX;
const HVMOP_GET_MEM_TYPE = HVMOP.get_mem_type.value;

/** The message of an InputError without its leading argument name. */
function inputProblem(err: InputError): string {
  return err.message.startsWith(err.argument + ' ') ? err.message.slice(err.argument.length + 1) : err.message;
}

interface Alias {
  domid: number;
  index: number;
}

/** Checks one step and builds its action; reports problems against `steps[i].<field>`. */
class StepChecker {
  readonly path: string;
  readonly iface: number;
  /** Struct field → the step key it came from, so encoding problems name what the file wrote. */
  readonly keyOf: Record<string, string> = {};

  constructor(
    readonly s: Record<string, unknown>,
    readonly index: number,
    readonly release: ReleaseName,
    scenarioIface: number,
    readonly domains: Map<number, PreparedDomain>,
    readonly aliases: Map<string, Alias>,
    readonly problems: ScenarioProblem[],
  ) {
    this.path = `steps[${index}]`;
    let iface = scenarioIface;
    if (s.iface !== undefined) {
      try {
        iface = resolveIface(s.iface as string | number);
      } catch (err) {
        if (!(err instanceof InputError)) throw err;
        this.problem('iface', inputProblem(err));
      }
    }
    this.iface = iface;
  }

  problem(key: string | null, message: string): void {
    this.problems.push({ path: key === null ? this.path : `${this.path}.${key}`, message });
  }

  has(key: string): boolean {
    return this.s[key] !== undefined;
  }

  num(key: string, fallback = 0): number {
    const v = this.s[key];
    return typeof v === 'number' ? v : typeof v === 'boolean' ? Number(v) : fallback;
  }

  u64(key: string, fallback?: bigint): bigint {
    const v = this.s[key];
    if (v === undefined) return fallback ?? 0n;
    const r = parseU64(v);
    if (typeof r === 'string') {
      this.problem(key, r);
      return 0n;
    }
    return r;
  }

  /** A member of a constant group by name, or a raw number. */
  constant(key: string, group: ConstantGroupName, fallback = 0): number {
    const v = this.s[key];
    if (v === undefined) return fallback;
    if (typeof v === 'number') return v;
    const value = constantValue(group, v as string);
    if (value === undefined) this.problem(key, `${JSON.stringify(v)} is not one of ${constantNames(group).map((n) => JSON.stringify(n)).join(', ')}`);
    return value ?? 0;
  }

  /** Flags as a list of names of a constant group (OR-ed), or a raw number. */
  flags(key: string, group: ConstantGroupName): number {
    const v = this.s[key];
    if (v === undefined) return 0;
    if (typeof v === 'number') return v;
    let flags = 0;
    (v as string[]).forEach((name, i) => {
      const value = constantValue(group, name);
      if (value === undefined) this.problem(`${key}[${i}]`, `${JSON.stringify(name)} is not one of ${constantNames(group).map((n) => JSON.stringify(n)).join(', ')}`);
      else flags |= value;
    });
    return flags;
  }

  /** A memory type: a name encoded at the step's interface version, or a number sent as is. */
  memType(key: string): number {
    const v = this.s[key];
    if (typeof v === 'number') return v;
    const names = hvmmemTypesAt(this.iface);
    const found = names.find((t) => t.name === v);
    if (!found) this.problem(key, `${JSON.stringify(v)} is not a memory type at interface version ${ifaceHex(this.iface)} (names there: ${names.map((t) => t.name).join(', ')})`);
    return found?.value ?? 0;
  }

  /** The target domain: declared, 0, DOMID_SELF where allowed, or deliberately absent (expect ESRCH). */
  target(opts: { self?: boolean; mustExist?: boolean; hvm?: boolean } = {}): PreparedDomain | undefined {
    const domid = this.s.domid as number;
    const d = this.domains.get(domid);
    if (d) {
      if (opts.hvm && !d.hvm) this.problem('domid', `domain ${domid} is not an HVM guest (hvm: false), so it makes no guest accesses`);
      return d;
    }
    if (opts.mustExist) {
      this.problem('domid', `${domid} is not a declared domain (declared: ${[...this.domains.keys()].join(', ') || 'none'})`);
      return undefined;
    }
    if (domid === 0 || (opts.self && domid === DOMID_SELF)) return undefined;
    const expectsEsrch = (this.s.expect as { error?: unknown } | undefined)?.error === 'ESRCH';
    if (!expectsEsrch)
      this.problem('domid', `${domid} is not a declared domain (declared: ${[...this.domains.keys()].join(', ') || 'none'}); to show Xen's ESRCH for a missing domain, expect { "error": "ESRCH" }`);
    return undefined;
  }

  /** `id` or `server` (exactly one); returns the alias when `server` is used. */
  serverRef(fields: Record<string, unknown>): string | undefined {
    const hasId = this.has('id');
    const hasServer = this.has('server');
    if (hasId === hasServer) {
      this.problem(null, hasId ? 'give the server as "id" or "server", not both' : 'missing the server: give "id" or "server" (an alias a create_ioreq_server step gave with "as")');
      fields.id = 0;
      return undefined;
    }
    if (hasId) {
      fields.id = this.s.id;
      return undefined;
    }
    const alias = this.s.server as string;
    fields.id = 0; // filled at run time
    this.knownAlias('server', alias);
    return alias;
  }

  /** An alias must come from an earlier create_ioreq_server step for the same domain. */
  knownAlias(key: string, alias: string, domid = this.s.domid as number): void {
    const a = this.aliases.get(alias);
    if (!a) this.problem(key, `${JSON.stringify(alias)} is not an alias an earlier create_ioreq_server step gave with "as"${this.aliases.size ? ` (aliases so far: ${[...this.aliases.keys()].join(', ')})` : ''}`);
    else if (a.domid !== domid) this.problem(key, `${JSON.stringify(alias)} is a server of domain ${a.domid} (steps[${a.index}]), not of domain ${domid}`);
  }
}

/** The struct (layout) a plan encodes with, for the field check. */
function structFields(layout: string): string[] {
  return (STRUCTS[layout as LayoutId]?.fields ?? []).map((f) => f.name as string);
}

/**
 * The hypercall for a DM op at the scenario's release: up to 4.8 the HVMOP it replaced, when the schema
 * records that HVMOP's struct (set_mem_type 8, the ioreq-server ops 17–22, track_dirty_vram 6,
 * modified_memory 7, inject_msi 16); otherwise the DMOP (which ≤4.8 lacks: Xen answers ENOSYS).
 */
function planDmOp(c: StepChecker, name: DmOpName, fields: Record<string, unknown>, extra: Pick<HypercallPlan, 'extents' | 'bitmapBytes'> = {}): HypercallPlan {
  const release = RELEASES.find((r) => r.name === c.release)!;
  const info = DMOP[name];
  const hvm = info.replacesHvmop === null ? undefined : hvmOpByNumber(info.replacesHvmop);
  if (release.toolsOps === 'hvm_op' && hvm && hvm.struct !== null) {
    const arg: Record<string, unknown> = { domid: c.s.domid };
    for (const [k, v] of Object.entries(fields)) arg[k === 'mem_type' ? 'hvmmem_type' : k] = v;
    if (c.keyOf.mem_type !== undefined) c.keyOf.hvmmem_type = c.keyOf.mem_type;
    c.keyOf.domid = 'domid';
    if (name === 'modified_memory') {
      delete arg.nr_extents;
      delete arg.opaque;
      if (extra.extents!.length !== 1) c.problem('extents', `HVMOP_modified_memory (Xen ${c.release}) takes one extent, not ${extra.extents!.length}`);
      arg.first_pfn = extra.extents![0]?.first_pfn ?? 0n;
      arg.nr = extra.extents![0]?.nr ?? 0;
    }
    if (name === 'track_dirty_vram') arg.dirty_bitmap = 0n; // a guest handle: the HVMOP's bitmap lies outside the buffer
    const known = new Set(structFields(hvm.struct));
    for (const key of Object.keys(arg))
      if (!known.has(key)) {
        c.problem(c.keyOf[key] ?? key, `HVMOP_${hvm.name} (the op Xen ${c.release}'s tools use) has no field "${key}"`);
        delete arg[key];
      }
    return { family: 'hvm_op', name: hvm.name, hvmop: hvm.value, fields: arg };
  }
  return { family: 'dm_op', name, fields, ...extra };
}

/** Encodes a plan once, so a value that does not fit its field is a validation problem, not a run-time one. */
function checkEncoding(c: StepChecker, plan: HypercallPlan): void {
  try {
    if (plan.family === 'dm_op') encodeDmOp(plan.name as DmOpName, plan.fields as never);
    else encodeHvmOpArg(plan.name as HvmOpName, plan.fields);
    plan.extents?.forEach((e, i) => {
      try {
        encodeStruct('xen_dm_op_modified_memory_extent', { first_pfn: e.first_pfn, nr: e.nr });
      } catch (err) {
        if (!(err instanceof InputError)) throw err;
        c.problem(`extents[${i}].nr`, inputProblem(err));
      }
    });
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    const field = err.argument.split('.').pop()!;
    c.problem(c.keyOf[field] ?? field, inputProblem(err));
  }
}

/** Copies plain fields (same name in the step and the struct), 64-bit ones parsed. */
function plainFields(c: StepChecker, keys: string[], u64Keys: string[] = []): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const key of keys) if (c.has(key)) fields[key] = c.num(key);
  for (const key of u64Keys) if (c.has(key)) fields[key] = c.u64(key);
  for (const key of [...keys, ...u64Keys]) c.keyOf[key] = key;
  return fields;
}

const PCI_SBDF = BIT_PACKS.pci_sbdf.parts;
const PCI_PART_KEYS: Record<string, string> = { s: 'segment', b: 'bus', d: 'device', f: 'function' };

/** map/unmap io range: start/end, or for PCI the segment/bus/device/function of one SBDF. */
function ioRangeFields(c: StepChecker, fields: Record<string, unknown>): void {
  fields.type = c.constant('type', 'io_range');
  c.keyOf.type = 'type';
  const pciParts = ['segment', 'bus', 'device', 'function'].filter((key) => c.has(key));
  if (pciParts.length) {
    if (fields.type !== CONST.io_range.pci) c.problem(pciParts[0]!, 'segment/bus/device/function describe a PCI device: use them with type "pci"');
    if (c.has('start') || c.has('end')) c.problem(null, 'give start/end or segment/bus/device/function, not both');
    let sbdf = 0n;
    for (const part of PCI_SBDF) {
      const key = PCI_PART_KEYS[part.name]!;
      const v = c.num(key);
      if (key !== 'segment' && !c.has(key)) c.problem(null, `missing "${key}" of the PCI device`);
      if (v >= 2 ** part.width) c.problem(key, `${v} does not fit the ${part.width}-bit ${key} of a PCI SBDF`);
      sbdf += BigInt(v % 2 ** part.width) << BigInt(part.shift);
    }
    fields.start = sbdf;
    fields.end = sbdf;
    return;
  }
  if (!c.has('start') || !c.has('end')) c.problem(null, 'missing "start" and "end" (inclusive), or for type "pci" the device\'s "bus", "device", "function"');
  fields.start = c.u64('start');
  fields.end = c.u64('end');
  c.keyOf.start = 'start';
  c.keyOf.end = 'end';
}

/** What a step's preparation gives besides the fields every step has: its action, and the server alias it names or creates. */
type StepParts = Omit<PreparedStep, 'index' | 'op' | 'domid' | 'caller' | 'iface' | 'note' | 'expect'>;

/** A hypercall action, once its fields are known to encode at the step's release and interface version. */
function hypercall(c: StepChecker, plan: HypercallPlan): StepParts['action'] {
  checkEncoding(c, plan);
  return { kind: 'hypercall', plan };
}

/** A DMOP whose fields are plain numbers (`keys`) and 64-bit values (`u64Keys`) of the step. */
function plainDmOp(keys: string[], u64Keys: string[] = []) {
  return (c: StepChecker, op: DmOpName): StepParts => {
    c.target();
    return { action: hypercall(c, planDmOp(c, op, plainFields(c, keys, u64Keys))) };
  };
}

/** map/unmap_io_range_to_ioreq_server: the server and its range. */
function ioRangeStep(c: StepChecker, op: DmOpName): StepParts {
  c.target();
  const fields: Record<string, unknown> = {};
  const server = c.serverRef(fields);
  ioRangeFields(c, fields);
  return { action: hypercall(c, planDmOp(c, op, fields)), ...(server !== undefined && { server }) };
}

/** set_ioreq_server_state and destroy_ioreq_server: the server, and for the first `enabled`. */
function serverStateStep(c: StepChecker, op: 'set_ioreq_server_state' | 'destroy_ioreq_server'): StepParts {
  c.target();
  const fields: Record<string, unknown> = {};
  const server = c.serverRef(fields);
  if (op === 'set_ioreq_server_state') {
    fields.enabled = c.num('enabled');
    c.keyOf.enabled = 'enabled';
  }
  return { action: hypercall(c, planDmOp(c, op, fields)), ...(server !== undefined && { server }) };
}

const guestStep = (c: StepChecker, op: 'guest_read' | 'guest_write' | 'guest_in' | 'guest_out'): StepParts => ({ action: prepareGuest(c, op) });

/**
 * How each op's step is prepared, keyed by op as dm_op dispatch keys its handlers (problems go to the checker;
 * the action is then never run). Every op of the format has an entry, or this does not compile.
 */
const PREPARE_STEP: { [O in StepOp]: (c: StepChecker, op: O) => StepParts } = {
  set_mem_type: (c) => {
    c.target();
    const key = c.has('mem_type') ? 'mem_type' : 'type';
    if (c.has('mem_type') && c.has('type')) c.problem('type', 'give the memory type as "mem_type" or "type", not both');
    if (!c.has(key)) c.problem(null, 'missing the memory type: give "mem_type" (or its short form "type")');
    const fields: Record<string, unknown> = { first_pfn: c.u64('first_pfn'), nr: c.num('nr'), mem_type: c.has(key) ? c.memType(key) : 0 };
    Object.assign(c.keyOf, { first_pfn: 'first_pfn', nr: 'nr', mem_type: key });
    return { action: hypercall(c, planDmOp(c, 'set_mem_type', fields)) };
  },
  get_mem_type: (c) => {
    c.target({ self: true });
    const fields = { domid: c.s.domid, pfn: c.u64('pfn') };
    return { action: hypercall(c, { family: 'hvm_op', name: 'get_mem_type', hvmop: HVMOP_GET_MEM_TYPE, fields }) };
  },
  create_ioreq_server: (c) => {
    c.target();
    const fields = { handle_bufioreq: c.constant('handle_bufioreq', 'bufioreq') };
    c.keyOf.handle_bufioreq = 'handle_bufioreq';
    return { action: hypercall(c, planDmOp(c, 'create_ioreq_server', fields)), ...(c.s.as !== undefined && { as: c.s.as as string }) };
  },
  get_ioreq_server_info: (c) => {
    c.target();
    const fields: Record<string, unknown> = {};
    const server = c.serverRef(fields);
    if (c.has('flags')) fields.flags = c.flags('flags', 'get_info_flags');
    c.keyOf.flags = 'flags';
    return { action: hypercall(c, planDmOp(c, 'get_ioreq_server_info', fields)), ...(server !== undefined && { server }) };
  },
  map_io_range_to_ioreq_server: ioRangeStep,
  unmap_io_range_from_ioreq_server: ioRangeStep,
  set_ioreq_server_state: serverStateStep,
  destroy_ioreq_server: serverStateStep,
  map_mem_type_to_ioreq_server: (c, op) => {
    c.target();
    const fields: Record<string, unknown> = {};
    const server = c.serverRef(fields);
    Object.assign(fields, { type: c.memType('type'), flags: c.flags('flags', 'mem_access'), opaque: c.u64('opaque') });
    Object.assign(c.keyOf, { type: 'type', flags: 'flags', opaque: 'opaque' });
    return { action: hypercall(c, planDmOp(c, op, fields)), ...(server !== undefined && { server }) };
  },
  modified_memory: (c, op) => {
    c.target();
    const extents = (c.s.extents as { first_pfn: unknown; nr: number }[]).map((e, i) => {
      const first = parseU64(e.first_pfn);
      if (typeof first === 'string') c.problem(`extents[${i}].first_pfn`, first);
      return { first_pfn: typeof first === 'string' ? 0n : first, nr: e.nr };
    });
    c.keyOf.nr_extents = 'extents';
    return { action: hypercall(c, planDmOp(c, op, { nr_extents: extents.length, opaque: 0 }, { extents })) };
  },
  track_dirty_vram: (c, op) => {
    c.target();
    const nr = c.num('nr');
    const fields = plainFields(c, ['nr'], ['first_pfn']);
    return { action: hypercall(c, planDmOp(c, op, fields, { bitmapBytes: Math.ceil(nr / 8) })) };
  },
  set_pci_intx_level: plainDmOp(['domain', 'bus', 'device', 'intx', 'level']),
  set_isa_irq_level: plainDmOp(['isa_irq', 'level']),
  set_pci_link_route: plainDmOp(['link', 'isa_irq']),
  inject_event: (c, op) => {
    c.target();
    const fields = plainFields(c, ['vcpuid', 'vector', 'error_code', 'insn_len'], ['cr2']);
    fields.type = c.constant('type', 'inject_event_type');
    c.keyOf.type = 'type';
    return { action: hypercall(c, planDmOp(c, op, fields)) };
  },
  inject_msi: plainDmOp(['data'], ['addr']),
  remote_shutdown: plainDmOp(['reason']),
  relocate_memory: plainDmOp(['size'], ['src_gfn', 'dst_gfn']),
  pin_memory_cacheattr: (c, op) => {
    c.target();
    const fields = plainFields(c, [], ['start', 'end']);
    fields.type = c.constant('type', 'mem_cacheattr');
    c.keyOf.type = 'type';
    return { action: hypercall(c, planDmOp(c, op, fields)) };
  },
  set_irq_level: plainDmOp(['irq', 'level']),
  nr_vcpus: plainDmOp([]),
  seed_p2m: (c) => ({ action: prepareSeed(c) }),
  guest_read: guestStep,
  guest_write: guestStep,
  guest_in: guestStep,
  guest_out: guestStep,
  raw_dm_op: (c) => {
    c.target();
    return { action: { kind: 'raw_dm_op', bufs: (c.s.bufs as string[]).map(hexBytes) } };
  },
  raw_hvm_op: (c) => ({ action: { kind: 'raw_hvm_op', cmd: c.num('cmd'), arg: hexBytes(c.s.arg as string) } }),
  inspect: (c) => {
    c.target({ mustExist: true });
    return { action: { kind: 'inspect' } };
  },
};

/** Hex byte pairs (the JSON Schema has checked the form) as bytes. */
function hexBytes(text: string): Uint8Array {
  return Uint8Array.from(text.match(/../g) ?? [], (pair) => parseInt(pair, 16));
}

/** Builds one step's action through its op's entry of {@link PREPARE_STEP}. */
function prepareStep(c: StepChecker): StepParts {
  const op = c.s.op as StepOp;
  return (PREPARE_STEP[op] as (c: StepChecker, op: StepOp) => StepParts)(c, op);
}

function prepareSeed(c: StepChecker): PreparedAction {
  const d = c.target({ mustExist: true });
  const firstPfn = c.u64('first_pfn');
  const nr = c.num('nr');
  if (nr < 1) c.problem('nr', `${nr} pages: seed at least one`);
  else if (d && firstPfn + BigInt(nr) - 1n > BigInt(d.maxGpfn))
    c.problem(null, `pages 0x${firstPfn.toString(16)} … 0x${(firstPfn + BigInt(nr) - 1n).toString(16)} do not lie within 0 … maxGpfn (0x${d.maxGpfn.toString(16)}) of domain ${d.domid}`);
  const v = c.s.p2m;
  let p2m: number | undefined;
  if (typeof v === 'number') p2m = p2mName(v, c.release) === undefined ? undefined : v;
  else p2m = p2mValue(v as string, c.release) ?? p2mValue(`p2m_${v as string}`, c.release);
  if (p2m === undefined) {
    const names = P2M_TYPES.map((t) => p2mName(t.value, c.release)?.replace(/^p2m_/, '')).filter((n) => n !== undefined);
    c.problem('p2m', `${JSON.stringify(v)} is not an internal p2m type at Xen ${c.release} (types there: ${names.join(', ')})`);
  }
  return { kind: 'seed_p2m', firstPfn, nr, p2m: p2m ?? 0 };
}

function prepareGuest(c: StepChecker, op: 'guest_read' | 'guest_write' | 'guest_in' | 'guest_out'): PreparedAction {
  const d = c.target({ mustExist: true, hvm: true });
  const kind = ({ guest_read: 'read', guest_write: 'write', guest_in: 'in', guest_out: 'out' } as const)[op];
  const writes = kind === 'write' || kind === 'out';
  const size = c.num('size');
  const vcpu = c.num('vcpu');
  if (d && vcpu >= d.vcpus) c.problem('vcpu', `${vcpu} does not exist: domain ${d.domid} has ${d.vcpus} vCPU${d.vcpus === 1 ? '' : 's'}`);
  if (writes && c.has('respond')) c.problem('respond', `a ${kind} is not answered; "respond" is for reads`);
  if (!writes && c.has('value')) c.problem('value', `a ${kind} writes nothing; to choose what the device model answers, give "respond"`);
  const limit = 1n << BigInt(8 * size);
  const value = c.u64('value');
  const respond = c.has('respond') ? c.u64('respond') : undefined;
  for (const [key, v] of [['value', value], ['respond', respond ?? 0n]] as const)
    if (v >= limit) c.problem(key, `${JSON.stringify(c.s[key])} does not fit the ${size}-byte access`);
  const access: GuestAccess = {
    domid: c.s.domid as number,
    vcpu,
    kind,
    addr: kind === 'in' || kind === 'out' ? c.u64('port') : c.u64('gpa'),
    size,
    ...(c.has('count') && { count: c.num('count') }),
    ...(c.has('df') && { df: c.s.df as boolean }),
    ...(writes && { value }),
  };
  return { kind: 'guest', access, respond };
}

/** Checks an expectation against what the step can give, and normalises number forms of named results. */
function prepareExpect(c: StepChecker, step: PreparedStep): Record<string, unknown> | undefined {
  const raw = c.s.expect as Record<string, unknown> | undefined;
  if (raw === undefined) return undefined;
  const expect = structuredClone(raw);
  if (expect.ok === true && typeof expect.error === 'string') c.problem('expect', `"ok": true contradicts "error": ${JSON.stringify(expect.error)}`);
  if (expect.ok === false && expect.error === null) c.problem('expect', '"ok": false contradicts "error": null');
  if (step.op === 'get_mem_type' && typeof expect.type === 'string') {
    const names = hvmmemTypesAt(c.iface);
    if (!names.some((t) => t.name === expect.type))
      c.problem('expect.type', `${JSON.stringify(expect.type)} is not a memory type at interface version ${ifaceHex(c.iface)} (names there: ${names.map((t) => t.name).join(', ')})`);
  }
  if (step.op === 'get_mem_type' && typeof expect.type === 'number') {
    if (expect.mem_type !== undefined && expect.mem_type !== expect.type) c.problem('expect.type', `${expect.type} contradicts "mem_type": ${JSON.stringify(expect.mem_type)}`);
    expect.mem_type = expect.type;
    delete expect.type;
  }
  const ioreqs = [...(expect.ioreq ? [['expect.ioreq', expect.ioreq] as const] : []), ...((expect.ioreqs as unknown[] | undefined) ?? []).map((r, i) => [`expect.ioreqs[${i}]`, r] as const)];
  for (const [path, r] of ioreqs) {
    const req = r as Record<string, unknown>;
    if (typeof req.server === 'string') c.knownAlias(`${path}.server`, req.server);
    if (typeof req.type === 'number') req.type = constantName('ioreq_type', req.type) ?? req.type;
  }
  // Raw results print bytes in lower case; an expectation may write them in either.
  if (Array.isArray(expect.bufs)) expect.bufs = expect.bufs.map((b) => (typeof b === 'string' ? b.toLowerCase() : b));
  if (typeof expect.arg === 'string') expect.arg = expect.arg.toLowerCase();
  const owner = (expect.ioreqClaim as { owner?: unknown } | undefined)?.owner;
  if (typeof owner === 'string') c.knownAlias('expect.ioreqClaim.owner', owner);
  return expect;
}

function prepareDomains(specs: DomainSpec[], problems: ScenarioProblem[]): Map<number, PreparedDomain> {
  const domains = new Map<number, PreparedDomain>();
  specs.forEach((spec, i) => {
    const path = `domains[${i}]`;
    if (domains.has(spec.domid)) {
      problems.push({ path: `${path}.domid`, message: `${spec.domid} is declared twice` });
      return;
    }
    const maxGpfn = parseU64(spec.maxGpfn);
    if (typeof maxGpfn === 'string') problems.push({ path: `${path}.maxGpfn`, message: maxGpfn });
    else if (maxGpfn > BigInt(MAX_GPFN)) problems.push({ path: `${path}.maxGpfn`, message: `${JSON.stringify(spec.maxGpfn)} is above 0xffffffff (a domain has at most 2^32 pages)` });
    if (spec.dm !== undefined && spec.dm === spec.domid) problems.push({ path: `${path}.dm`, message: `${spec.dm} is the domain itself; its device model must be another domain` });
    domains.set(spec.domid, {
      domid: spec.domid,
      maxGpfn: typeof maxGpfn === 'bigint' && maxGpfn <= BigInt(MAX_GPFN) ? Number(maxGpfn) : 0,
      hap: spec.hap ?? true,
      hvm: spec.hvm ?? true,
      vcpus: spec.vcpus ?? 1,
      ...(spec.dm !== undefined && { dm: spec.dm }),
    });
  });
  return domains;
}

function resolveScenarioRelease(doc: Scenario, overrides: ScenarioOverrides, problems: ScenarioProblem[]): ReleaseName | undefined {
  const [path, text] = overrides.xen !== undefined ? ['--xen', overrides.xen] : ['xen', doc.xen];
  if (typeof text === 'string' && !isSimulatedRelease(text)) {
    problems.push({ path, message: `${JSON.stringify(text)} ${NOT_SIMULATED}` });
    return undefined;
  }
  try {
    return resolveRelease(text);
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    problems.push({ path, message: inputProblem(err) });
    return undefined;
  }
}

/**
 * Checks a scenario that has passed the JSON Schema and builds its plan. `--xen`/`--iface` override the
 * file's `xen`/`iface` (a step's own `iface` stays).
 */
export function prepareScenario(doc: Scenario, overrides: ScenarioOverrides = {}): PrepareResult {
  const problems: ScenarioProblem[] = [];
  const release = resolveScenarioRelease(doc, overrides, problems);
  if (!release) return { ok: false, problems };
  let iface: number = releaseIface(release);
  const ifaceInput = overrides.iface !== undefined ? (['--iface', overrides.iface] as const) : doc.iface !== undefined ? (['iface', doc.iface] as const) : undefined;
  if (ifaceInput) {
    try {
      iface = resolveIface(ifaceInput[1]);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      problems.push({ path: ifaceInput[0], message: inputProblem(err) });
    }
  }
  const domains = prepareDomains(doc.domains, problems);
  const aliases = new Map<string, Alias>();
  const steps = doc.steps.map((raw, index): PreparedStep => {
    const s = raw as unknown as Record<string, unknown>;
    const c = new StepChecker(s, index, release, iface, domains, aliases, problems);
    const built = prepareStep(c);
    const step: PreparedStep = {
      index,
      op: raw.op,
      // raw_hvm_op has no domid of its own (it is inside the argument bytes): 0 stands in.
      domid: (s.domid as number | undefined) ?? 0,
      caller: (s.caller as number | undefined) ?? 0,
      iface: c.iface,
      ...(raw.note !== undefined && { note: raw.note }),
      ...built,
    };
    const expect = prepareExpect(c, step);
    if (expect) step.expect = expect;
    if (step.as !== undefined) aliases.set(step.as, { domid: step.domid, index });
    return step;
  });
  if (problems.length) return { ok: false, problems };
  return {
    ok: true,
    scenario: {
      kind: 'prepared-scenario',
      xen: release,
      iface,
      preempt: doc.preempt ?? 'never',
      domains: [...domains.values()],
      steps,
      ...(doc.note !== undefined && { note: doc.note }),
    },
  };
}
