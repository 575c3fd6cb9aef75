/**
 * The schema as a client compiled at one interface version sees it (`xenmem gen --iface V`, docs/codegen.md):
 * every choice Xen's headers make with `#if __XEN_INTERFACE_VERSION__` is made once, for V, so the generators
 * run unchanged over a model in which nothing depends on the interface version any more.
 *
 * - hvmmem names: each number keeps the one name V selects (xen/include/public/hvm/hvm_op.h, the
 *   `HVMMEM_mmio_write_dm` / `HVMMEM_unused` guard @ RELEASE-4.7.0), valid at every version of the model.
 * - HVMOPs guarded by an interface range (set_pci_intx_level & co., `< 0x00040900` in hvm_op.h @ RELEASE-4.9.0)
 *   are kept unguarded when V lies in it and dropped otherwise, with an argument struct no other op or struct uses.
 * - A hypercall number with an older value below a version (`__HYPERVISOR_sched_op` in xen/include/public/xen.h)
 *   and a struct field with an older name (xen_memory_reservation.address_bits in memory.h) take the value and
 *   the name of V.
 * Facts of hypervisor releases (verdicts, transitions, limits) do not depend on the client's version and stay.
 */
import type { Field, HvmOp, Hypercall, HvmmemValue, XenAbiSchema } from '@xenmem/schema';
import { ifaceInRange, parseIfaceHex } from '@xenmem/schema';

function hvmmemAt(values: readonly HvmmemValue[], iface: number): HvmmemValue[] {
  return values.flatMap((v) => {
    const names = v.names.filter((n) => ifaceInRange(iface, n.iface)).map((n) => ({ ...n, iface: {} }));
    return names.length === 0 ? [] : [{ ...v, names }];
  });
}

function hypercallAt(h: Hypercall, iface: number): Hypercall {
  if (h.legacyValue === undefined) return h;
  const { legacyValue, ...rest } = h;
  return iface < parseIfaceHex(legacyValue.below) ? { ...rest, value: legacyValue.value } : rest;
}

function fieldAt(f: Field, iface: number): Field {
  if (f.legacyName === undefined) return f;
  const { legacyName, ...rest } = f;
  return iface < parseIfaceHex(legacyName.below) ? { ...rest, name: legacyName.name } : rest;
}

function hvmopsAt(ops: readonly HvmOp[], iface: number): { kept: HvmOp[]; dropped: HvmOp[] } {
  const kept: HvmOp[] = [];
  const dropped: HvmOp[] = [];
  for (const op of ops) {
    if (op.iface === undefined) kept.push(op);
    else if (ifaceInRange(iface, op.iface)) {
      const { iface: _guard, ...rest } = op;
      kept.push(rest);
    } else dropped.push(op);
  }
  return { kept, dropped };
}

/** `schema` resolved at interface version `iface` (a number from 0 to the latest interface version). */
export function schemaAtIface(schema: XenAbiSchema, iface: number): XenAbiSchema {
  const { kept, dropped } = hvmopsAt(schema.hvmops, iface);
  const used = new Set<string>([
    ...kept.flatMap((op) => (op.struct === undefined ? [] : [op.struct])),
    ...schema.dmops.map((op) => op.struct),
    ...schema.structs.flatMap((st) => st.fields.flatMap((f) => (f.element === undefined ? [] : [f.element]))),
  ]);
  const orphans = new Set(dropped.flatMap((op) => (op.struct === undefined || used.has(op.struct) ? [] : [op.struct])));
  return {
    ...schema,
    hypercalls: schema.hypercalls.map((h) => hypercallAt(h, iface)),
    hvmmemTypes: hvmmemAt(schema.hvmmemTypes, iface),
    hvmops: kept,
    structs: schema.structs.filter((st) => !orphans.has(st.name)).map((st) => ({ ...st, fields: st.fields.map((f) => fieldAt(f, iface)) })),
  };
}
