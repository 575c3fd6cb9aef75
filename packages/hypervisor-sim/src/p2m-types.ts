/**
 * The internal p2m type numbers the model refers to by name, looked up once in the generated table
 * (p2m_type_t numbers 0–14 are the same in every release; 15 is p2m_mmio_write_dm in 4.6–4.7 and
 * p2m_ioreq_server from 4.8, one number either way).
 */
import { P2M_TYPES } from '@xenmem/abi-types';

/** A p2m type's name in any release, from the generated table: a name the schema does not have does not compile. */
type P2mTypeName = (typeof P2M_TYPES)[number]['names'][number]['name'];

function p2m(name: P2mTypeName): number {
  return P2M_TYPES.find((x) => x.names.some((n) => n.name === name))!.value;
}

export const P2M_RAM_RW = p2m('p2m_ram_rw');
export const P2M_INVALID_TYPE = p2m('p2m_invalid');
export const P2M_RAM_LOGDIRTY = p2m('p2m_ram_logdirty');
export const P2M_RAM_RO = p2m('p2m_ram_ro');
export const P2M_MMIO_DM = p2m('p2m_mmio_dm');
export const P2M_MMIO_DIRECT = p2m('p2m_mmio_direct');
export const P2M_POD = p2m('p2m_populate_on_demand');
export const P2M_RAM_SHARED = p2m('p2m_ram_shared');
export const P2M_RAM_BROKEN = p2m('p2m_ram_broken');
/** p2m_ioreq_server (and, in 4.6–4.7, p2m_mmio_write_dm). */
export const P2M_IOREQ_SERVER = p2m('p2m_ioreq_server');
