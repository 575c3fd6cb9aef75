/**
 * DMOP and HVMOP numbers and their argument bytes.
 *
 * A dm_op's buf[0] is a `struct xen_dm_op`: the op number, a pad that must be zero, then the op's
 * payload in a 24-byte union. libxendevicemodel always sends the whole 32 bytes; so does encodeDmOp.
 */
import { DMOPS, HVMOPS, STRUCTS, type DmOpName, type DmOpPayloads, type HvmOpName, type LayoutId, type ReleaseName } from './generated/index.js';
import { InputError } from './errors.js';
import { decodeStruct, encodeStruct, encodeStructAt } from './codec.js';
import { releaseIndex, releaseInRange } from './release.js';

/** One DM op as the schema lists it: name, number and the releases that have it. */
export type DmOpInfo = (typeof DMOPS)[number];
/** One HVMOP as the schema lists it: name, number and the releases that have it. */
export type HvmOpInfo = (typeof HVMOPS)[number];

/** Bytes of `struct xen_dm_op` before its payload union `u`: the op number and the pad. schema: structs["xen_dm_op"] */
export const DM_OP_HEADER: number = STRUCTS.xen_dm_op.fields.find((f) => f.name === 'u')!.offset;

/**
 * The most pages one set_mem_type call names: its `nr` is a uint32_t (schema: structs["xen_dm_op_set_mem_type"]),
 * which is also why a simulated domain holds at most this many + 1 pages.
 */
export const SET_MEM_TYPE_NR_MAX: number = 2 ** (8 * STRUCTS.xen_dm_op_set_mem_type.fields.find((f) => f.name === 'nr')!.size) - 1;

const LAYOUT_AT = new Map<string, LayoutId>();

/**
 * The layout of struct `structName` in force at `release` (schema: structs[].releases; older layouts are named
 * `name@from`). A release before the struct's first layout gets its newest layout, what a caller built against
 * the newest headers sends. Looked up once per pair: every dm_op asks.
 * @throws InputError (argument `struct`) when the schema has no struct of that name.
 */
export function layoutAt(structName: string, release: ReleaseName): LayoutId {
  const key = `${structName}@@${release}`;
  let id = LAYOUT_AT.get(key);
  if (id === undefined) {
    const layouts = Object.entries(STRUCTS).filter(([, l]) => l.name === structName);
    if (layouts.length === 0) throw new InputError('struct', structName, 'is not a struct of the schema');
    const hit = layouts.find(([, l]) => releaseInRange(release, l.releases));
    LAYOUT_AT.set(key, (id = (hit ? hit[0] : structName) as LayoutId));
  }
  return id;
}

/** Each DM op under its name, typed as its own entry of DMOPS (`DMOP.nr_vcpus.value` is `20`). */
export type DmOpsByName = { readonly [N in DmOpName]: Extract<DmOpInfo, Record<'name', N>> };

/** Each HVMOP under its name, typed as its own entry of HVMOPS (`HVMOP.get_mem_type.value` is `15`). */
export type HvmOpsByName = { readonly [N in HvmOpName]: Extract<HvmOpInfo, Record<'name', N>> };

/** A table's entries keyed by their names (DMOPS and HVMOPS: one entry per name). */
function keyedByName<T extends { name: string }>(table: readonly T[]): Record<string, T> {
  return Object.fromEntries(table.map((entry) => [entry.name, entry]));
}

/**
 * The DM ops keyed by name, for code that names one: `DMOP.get_ioreq_server_info.value` (a name the schema does not
 * have does not compile). A name known only at run time goes through {@link dmOpByName}. schema: dmops[]
 */
export const DMOP = keyedByName(DMOPS) as DmOpsByName;

/**
 * The HVMOPs keyed by name, for code that names one: `HVMOP.get_mem_type.value` (a name the schema does not have
 * does not compile). A name known only at run time goes through {@link hvmOpByName}. schema: hvmops[]
 */
export const HVMOP = keyedByName(HVMOPS) as HvmOpsByName;

/** The DM op called `name`; throws when the schema has none. */
export function dmOpByName(name: string): DmOpInfo {
  const op = DMOPS.find((o) => o.name === name);
  if (!op) throw new InputError('op', name, `is not a DMOP (${DMOPS.map((o) => o.name).join(', ')})`);
  return op;
}

/** The DM op numbered `value`, or undefined. */
export function dmOpByNumber(value: number): DmOpInfo | undefined {
  return DMOPS.find((o) => o.value === value);
}

/** The HVMOP called `name`; throws when the schema has none. */
export function hvmOpByName(name: string): HvmOpInfo {
  const op = HVMOPS.find((o) => o.name === name);
  if (!op) throw new InputError('op', name, `is not an HVMOP (${HVMOPS.map((o) => o.name).join(', ')})`);
  return op;
}

/** The HVMOP numbered `value`, or undefined. */
export function hvmOpByNumber(value: number): HvmOpInfo | undefined {
  return HVMOPS.find((o) => o.value === value);
}

/** Whether a release's hypervisor has a DMOP (the dm_op hypercall exists from 4.9). */
export function dmOpExistsAt(op: DmOpInfo, release: ReleaseName): boolean {
  return releaseIndex(release) >= releaseIndex(op.firstRelease as ReleaseName);
}

/** Whether a release's `do_hvm_op` handles an HVMOP (elsewhere: ENOSYS). */
export function hvmOpDispatchedAt(op: HvmOpInfo, release: ReleaseName): boolean {
  return op.dispatched.some((r) => releaseInRange(release, r));
}

/**
 * The 32-byte `struct xen_dm_op` for a DMOP and its payload (absent payload fields are zero), in the payload's
 * layout at `release` (default: its newest layout).
 */
export function encodeDmOp<N extends DmOpName>(name: N, payload: Partial<DmOpPayloads[N]>, release?: ReleaseName): Uint8Array {
  const op = dmOpByName(name);
  const bytes = new Uint8Array(STRUCTS.xen_dm_op.size);
  new DataView(bytes.buffer).setUint32(0, op.value, true);
  encodeStructAt(release === undefined ? (op.struct as LayoutId) : layoutAt(op.struct, release), payload as never, bytes, DM_OP_HEADER);
  return bytes;
}

/** A decoded `struct xen_dm_op`. `payload` is undefined for an op number the schema does not know. */
export interface DecodedDmOp {
  /** The op number (`xen_dm_op.op`). */
  op: number;
  /** The op's name, or undefined for a number the schema does not know. */
  name: DmOpName | undefined;
  /** `xen_dm_op.pad`; Xen requires 0 (EINVAL otherwise). */
  pad: number;
  /** The payload struct decoded field by field, or undefined for an unknown op. */
  payload: Record<string, unknown> | undefined;
}

/** Decodes buf[0] of a dm_op (at least the 8-byte header plus the op's payload). */
export function decodeDmOp(bytes: Uint8Array): DecodedDmOp {
  if (bytes.length < DM_OP_HEADER) throw new InputError('bytes', bytes.length, `are too few for a xen_dm_op header (${DM_OP_HEADER} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const number = view.getUint32(0, true);
  const op = dmOpByNumber(number);
  return {
    op: number,
    name: op?.name,
    pad: view.getUint32(4, true),
    payload: op ? (decodeStruct(op.struct as LayoutId, bytes, DM_OP_HEADER) as unknown as Record<string, unknown>) : undefined,
  };
}

/** The argument bytes of an HVMOP that has a recorded struct (e.g. get_mem_type, or set_mem_type up to 4.8). */
export function encodeHvmOpArg(name: HvmOpName, value: Record<string, unknown>): Uint8Array {
  const op = hvmOpByName(name);
  if (op.struct === null) throw new InputError('op', name, 'has no argument struct in the schema');
  return encodeStruct(newestLayoutOf(op.struct), value as never);
}

/** Decodes the argument bytes of an HVMOP. */
export function decodeHvmOpArg(name: HvmOpName, bytes: Uint8Array): Record<string, unknown> {
  const op = hvmOpByName(name);
  if (op.struct === null) throw new InputError('op', name, 'has no argument struct in the schema');
  return decodeStruct(newestLayoutOf(op.struct), bytes) as unknown as Record<string, unknown>;
}

/** The layout id of a struct's newest layout (the id that is the bare C name). */
function newestLayoutOf(structName: string): LayoutId {
  return structName as LayoutId;
}
