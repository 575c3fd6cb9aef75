/**
 * The struct layouts the Go and Python bindings give codecs, and the names each layout gets there.
 *
 * Every layout whose fields are integers, integer arrays, guest handles or unions (no nested struct) gets a
 * codec; that is every dm_op struct, xen_dm_op, the HVMOP arguments, ioreq and buf_ioreq. The page layouts
 * (shared_iopage, buffered_iopage) nest those and are left to the codecs of their elements.
 * The newest layout of a struct keeps its name; an older one carries the release it starts at, as the TS
 * layout ids do (`xen_dm_op_get_ioreq_server_info@4.9`).
 */
import type { Field, Struct, XenAbiSchema } from '@xenmem/schema';
import { layoutIds, pascal } from '../ts.js';

/** One layout that gets a codec: the schema struct, its layout id, and its type name in Go and Python. */
export interface CodecLayout {
  struct: Struct;
  /** The TS layout id: the struct name, or `name@from` for an older layout. */
  id: string;
  /** PascalCase type name, e.g. `XenDmOpGetIoreqServerInfo` or `XenDmOpGetIoreqServerInfo_4_9`. */
  typeName: string;
}

/** `xen_dm_op_set_mem_type` → `XenDmOpSetMemType`; `_pad0` → `Pad0` (the TS generator's rule). */
export const pascalCase = pascal;

/** `__HYPERVISOR_dm_op` → `HYPERVISOR_dm_op`: a leading underscore makes a name private in Go and Python. */
export const exported = (cName: string): string => cName.replace(/^_+/, '');

/** The bits a field's value has: its bit-field width, or the width of one element. */
export function fieldBits(f: Field): number {
  if (f.bits !== undefined) return f.bits.width;
  return (8 * f.size) / (f.count ?? 1);
}

/** Whether the field holds a 64-bit integer (uint64 or a guest handle). */
export const isWide = (f: Field): boolean => f.type === 'uint64' || f.type === 'handle';

/** The layouts with codecs, in schema order. Throws if two fields of a layout share a PascalCase name. */
export function codecLayouts(schema: XenAbiSchema): CodecLayout[] {
  const ids = layoutIds(schema);
  return schema.structs
    .filter((st) => st.fields.every((f) => f.type !== 'struct'))
    .map((st) => {
      const id = ids.get(st)!;
      const seen = new Set<string>();
      for (const f of st.fields) {
        const p = pascalCase(f.name);
        if (seen.has(p)) throw new Error(`structs[name=${st.name}]: two fields are both ${p} in PascalCase`);
        seen.add(p);
      }
      const at = id.indexOf('@');
      const typeName = pascalCase(st.name) + (at < 0 ? '' : `_${id.slice(at + 1).replace('.', '_')}`);
      return { struct: st, id, typeName };
    });
}
