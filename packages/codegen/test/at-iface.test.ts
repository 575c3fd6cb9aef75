/**
 * schemaAtIface: the shipped schema resolved at interface versions on each side of every guard it records
 * (the hvmmem rename at 0x00040700, the HVMOPs below 0x00040900, sched_op below 0x00030101, address_bits below
 * 0x00030209), and still a valid schema each time.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { validateSchema, type XenAbiSchema } from '@xenmem/schema';
import { schemaAtIface } from '../at-iface.js';

const schema = JSON.parse(readFileSync(new URL('../../../schema/xen-abi.json', import.meta.url), 'utf8')) as XenAbiSchema;
const names = (s: XenAbiSchema) => s.hvmmemTypes.map((v) => [v.value, ...v.names.map((n) => `${n.name} ${JSON.stringify(n.iface)}`)]);
const reservation = (s: XenAbiSchema) => s.structs.find((st) => st.name === 'xen_memory_reservation')!.fields.find((f) => f.offset === 20)!;

describe('schemaAtIface', () => {
  it('keeps the one name each hvmmem number has at V, valid at every version', () => {
    expect(names(schemaAtIface(schema, 0x000406ff))).toEqual([[0, 'ram_rw {}'], [1, 'ram_ro {}'], [2, 'mmio_dm {}'], [3, 'mmio_write_dm {}'], [4, 'ioreq_server {}']]);
    expect(names(schemaAtIface(schema, 0x00040700))).toEqual([[0, 'ram_rw {}'], [1, 'ram_ro {}'], [2, 'mmio_dm {}'], [3, 'unused {}'], [4, 'ioreq_server {}']]);
  });

  it('keeps the HVMOPs guarded below 0x00040900 unguarded up to it, and drops them from it on', () => {
    const below = schemaAtIface(schema, 0x000408ff).hvmops.filter((op) => op.value >= 2 && op.value <= 4);
    expect(below.map((op) => [op.name, op.iface])).toEqual([['set_pci_intx_level', undefined], ['set_isa_irq_level', undefined], ['set_pci_link_route', undefined]]);
    const from = schemaAtIface(schema, 0x00040900).hvmops.map((op) => op.value);
    expect(from).toEqual(schema.hvmops.map((op) => op.value).filter((v) => v < 2 || v > 4));
  });

  it("gives a hypercall its number at V and a field its name at V, without the other", () => {
    const sched = (s: XenAbiSchema) => s.hypercalls.find((h) => h.cName === '__HYPERVISOR_sched_op')!;
    expect(sched(schemaAtIface(schema, 0x00030100))).toEqual({ name: 'sched_op', cName: '__HYPERVISOR_sched_op', value: 6 });
    expect(sched(schemaAtIface(schema, 0x00030101))).toEqual({ name: 'sched_op', cName: '__HYPERVISOR_sched_op', value: 29 });
    expect([reservation(schemaAtIface(schema, 0x00030208)).name, reservation(schemaAtIface(schema, 0x00030208)).legacyName]).toEqual(['address_bits', undefined]);
    expect([reservation(schemaAtIface(schema, 0x00030209)).name, reservation(schemaAtIface(schema, 0x00030209)).legacyName]).toEqual(['mem_flags', undefined]);
  });

  it('drops the argument struct of a dropped HVMOP that nothing else uses', () => {
    const withStruct: XenAbiSchema = { ...schema, hvmops: schema.hvmops.map((op) => (op.value === 2 ? { ...op, struct: 'xen_hvm_param' } : op)) };
    expect(schemaAtIface(withStruct, 0x00040900).structs.some((st) => st.name === 'xen_hvm_param')).toBe(true); // HVMOP 0/1 still use it
    const orphan = { ...schema.structs.find((st) => st.name === 'xen_hvm_param')!, name: 'xen_hvm_set_pci_intx_level' };
    const withOrphan: XenAbiSchema = { ...withStruct, hvmops: withStruct.hvmops.map((op) => (op.value === 2 ? { ...op, struct: orphan.name } : op)), structs: [...schema.structs, orphan] };
    expect(schemaAtIface(withOrphan, 0x000408ff).structs.some((st) => st.name === orphan.name)).toBe(true);
    expect(schemaAtIface(withOrphan, 0x00040900).structs.some((st) => st.name === orphan.name)).toBe(false);
  });

  it.each([0, 0x00030100, 0x00030208, 0x00040600, 0x00040700, 0x00040900, 0x00041300])('leaves a valid schema at %i, and the input as it was', (iface) => {
    const before = JSON.stringify(schema);
    const r = validateSchema(schemaAtIface(schema, iface));
    expect(r.ok ? [] : r.problems).toEqual([]);
    expect(JSON.stringify(schema)).toBe(before);
  });
});
