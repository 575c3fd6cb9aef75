/**
 * `XENMEM_populate_physmap` for an HVM guest (xen/common/memory.c do_memory_op() and populate_physmap() @
 * RELEASE-4.17.0, the same at RELEASE-4.22.0 in everything modelled here; x86 p2m_add_page() in
 * xen/arch/x86/mm/p2m.c and mark_populate_on_demand() in p2m-pod.c). The op returns the number of extents
 * populated, never an errno: every refusal — no such domain, no permission, a bad order — stops before the first
 * extent and the call returns 0 (or the count done so far), as Xen's memory_op does. Each extent of
 * 2^extent_order pages at gpfn:
 * - becomes fresh zeroed p2m_ram_rw pages (the pages it replaces are dropped: their bytes are gone), unless
 *   one of its pages is a grant, foreign or (4.16+) direct-MMIO mapping (P2M_SPECIAL_TYPES): the domain is
 *   crashed and the call stops there;
 * - with XENMEMF_populate_on_demand, becomes p2m_populate_on_demand, when every page is invalid, mmio_dm or already
 *   populate-on-demand (else EBUSY inside Xen: the call stops); a domain may not do this to itself;
 * - must lie within 0 … maxGpfn: the simulator's p2m ends there (Xen's grows; its p2m_set_entry refuses only gfns
 *   beyond the paging width), so an extent beyond it stops the call.
 * Preemption is checked before every extent but the first of each (re-)entry (`hypercall_preempt_check()`).
 * The simulator has no memory limits (max_pages, tot_pages): no allocation fails.
 */
import { CONST, limitAt, p2mClassMembers } from '@xenmem/abi-types';
import type { ReasonId } from '@xenmem/sim-protocol';
import type { Domain } from '../domain.js';
import type { Host } from '../host.js';
import { crashDomain } from '../guest/ioreq-send.js';
import { PAGE_SIZE } from '../ioreq/pages.js';
import { P2M_INVALID } from '../p2m/core.js';
import { P2M_IOREQ_SERVER, P2M_MMIO_DIRECT, P2M_MMIO_DM, P2M_POD, P2M_RAM_RW } from '../p2m-types.js';

const POPULATE_ON_DEMAND = CONST.xenmemf.populate_on_demand;
const EXACT_NODE_REQUEST = CONST.xenmemf.exact_node_request;
/** XENMEMF_get_address_bits: the low byte of mem_flags. */
const addressBits = (flags: number) => flags & 0xff;
/** XENMEMF_get_node: bits 8–15 hold the node + 1, so 0 there means no node (NUMA_NO_NODE). */
const nodeRequested = (flags: number) => ((flags >>> 8) & 0xff) !== 0;
const PAGE_SHIFT = Math.log2(PAGE_SIZE);

/** One populate_physmap request as the caller made it. */
export interface PopulatePhysmapArgs {
  /** xen_memory_reservation.domid (DOMID_SELF allowed). */
  domid: number;
  /** Pages per extent: 2^extentOrder. */
  extentOrder: number;
  /** xen_memory_reservation.mem_flags (XENMEMF_*). */
  memFlags: number;
  /** The extent list: the first gpfn of each extent. */
  gpfns: bigint[];
}

/** How far one entry of the op got: extents done in all, whether it was preempted, or why it stopped. */
export interface PopulateStep {
  done: number;
  preempted: boolean;
  stop?: ReasonId;
}

/** One (re-)entry of memory_op(XENMEM_populate_physmap) from extent `start`. */
export function populatePhysmapOnce(hv: Host, caller: number, a: PopulatePhysmapArgs, start: number): PopulateStep {
  const stopped = (stop: ReasonId, done = start): PopulateStep => ({ done, preempted: false, stop });
  if (start >= a.gpfns.length) return { done: start, preempted: false };
  const d = hv.lookupDomain(hv.resolveDomid(a.domid, caller)); // rcu_lock_domain_by_any_id
  if (!d) return stopped('domain-missing');
  // construct_memop_from_reservation: an address width that cannot hold a page is EINVAL; a node request other
  // than the control domain's may not insist on its node (propagate_node).
  const bits = addressBits(a.memFlags);
  if (bits !== 0 && bits <= PAGE_SHIFT) return stopped('memop-address-bits');
  if (caller !== 0 && nodeRequested(a.memFlags) && (a.memFlags & EXACT_NODE_REQUEST) !== 0) return stopped('memop-exact-node');
  // xsm_memory_adjust_reservation(XSM_TARGET): the domain itself, the control domain, or its device model.
  if (caller !== d.domid && !d.isPrivilegedFor(caller)) return stopped('memop-not-target');
  const pod = (a.memFlags & POPULATE_ON_DEMAND) !== 0;
  const maxOrder = pod || caller === 0 ? limitAt('memopMaxOrder', hv.release)!.value : limitAt('memopDomuMaxOrder', hv.release)!.value;
  if (a.extentOrder > maxOrder) return stopped('memop-order');
  for (let i = start; i < a.gpfns.length; i++) {
    if (i !== start && hv.preemptor.pending()) return { done: i, preempted: true };
    const stop = pod ? markPopulateOnDemand(hv, d, caller, a.gpfns[i]!, a.extentOrder) : addRamExtent(hv, d, a.gpfns[i]!, a.extentOrder);
    if (stop) return stopped(stop, i);
  }
  return { done: a.gpfns.length, preempted: false };
}

/** The extent's frames as numbers, or null when they run past the simulator's p2m (0 … maxGpfn). */
function extentRange(d: Domain, gpfn: bigint, order: number): { first: number; count: number } | null {
  const count = 2 ** order;
  if (gpfn + BigInt(count) - 1n > BigInt(d.maxGpfn)) return null;
  return { first: Number(gpfn), count };
}

/** guest_physmap_add_page → p2m_add_page(p2m_ram_rw) with a freshly allocated (zeroed) extent. */
function addRamExtent(hv: Host, d: Domain, gpfn: bigint, order: number): ReasonId | undefined {
  // A PV domain's physmap (and the mfns written back to its extent list) is not modelled.
  if (!d.hvm) return 'memop-not-translated';
  const r = extentRange(d, gpfn, order);
  if (!r) return 'memop-gfn-range';
  const counts = d.p2m.countByType(r.first, r.count);
  // Grant and foreign entries in every release; direct MMIO too from 4.16 (p2m_is_special, schema limit
  // populateRefusesMmioDirect; before, guest_physmap_add_entry @ RELEASE-4.15.0 replaced it).
  const special = [
    ...(p2mClassMembers('P2M_GRANT_TYPES', hv.release) ?? []),
    ...(p2mClassMembers('P2M_FOREIGN_TYPES', hv.release) ?? []),
    ...(limitAt('populateRefusesMmioDirect', hv.release)?.value === 1 ? [P2M_MMIO_DIRECT] : []),
  ];
  if (special.some((t) => (counts[t] ?? 0) > 0)) {
    crashDomain(d, `populate_physmap over a grant, foreign or direct-MMIO mapping in gfns 0x${r.first.toString(16)}+${r.count}`);
    return 'memop-gfn-special';
  }
  d.ioreq.entryCount -= counts[P2M_IOREQ_SERVER] ?? 0;
  d.p2m.set(r.first, r.count, P2M_RAM_RW);
  d.ram.zero(r.first, r.count);
  return undefined;
}

/** guest_physmap_mark_populate_on_demand: chunk by chunk (as aligned as gpfn and size allow), each checked first. */
function markPopulateOnDemand(hv: Host, d: Domain, caller: number, gpfn: bigint, order: number): ReasonId | undefined {
  if (d.domid === caller) return 'memop-pod-self';
  if (!d.hvm) return undefined; // is_hvm_domain() is false: nothing to mark, the extent counts as done
  const r = extentRange(d, gpfn, order);
  if (!r) return 'memop-gfn-range';
  const free = new Set([P2M_INVALID, P2M_MMIO_DM, P2M_POD]);
  let at = r.first;
  let left = r.count;
  while (left > 0) {
    // find_first_set_bit(gfn | left): the largest aligned chunk that fits.
    const chunk = lowestSetBit(at | left);
    const counts = d.p2m.countByType(at, chunk);
    if (Object.entries(counts).some(([t, n]) => n > 0 && !free.has(Number(t)))) return 'memop-pod-busy';
    d.p2m.set(at, chunk, P2M_POD);
    at += chunk;
    left -= chunk;
  }
  return undefined;
}

/** The lowest set bit of a positive integer below 2^53, as a number. */
function lowestSetBit(v: number): number {
  let bit = 1;
  while (v % (bit * 2) === 0) bit *= 2;
  return bit;
}
