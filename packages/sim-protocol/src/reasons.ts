/**
 * Why the simulator returned an errno: a closed list of reason ids, each the check that failed, with a sentence
 * and the Xen function that makes the same check (at RELEASE-4.22.0 unless the op is older). The simulator names
 * one with every −errno it returns; over the daemon the reason travels in the hypercall_done frame
 * (docs/protocol.md), and the client attaches it to the `XenError`. A real Xen host gives no reason.
 * docs/simulator.md ("Why an errno") lists the same table.
 */
import type { XenErrorReason } from '@xenmem/abi-types';

/** One reason: its sentence and where Xen makes the check. */
export interface ReasonEntry {
  /** What failed, in one sentence. */
  readonly message: string;
  /** The Xen source file and function that makes the check. */
  readonly source: string;
}

/** A reason id: the check that failed (docs/simulator.md, "Why an errno"). */
export type ReasonId =
  | 'no-dm-op'
  | 'handle-restricted'
  | 'dmop-no-bufs'
  | 'dmop-nr-bufs'
  | 'dmop-exact-bufs'
  | 'copy-fault'
  | 'domain-missing'
  | 'target-is-caller'
  | 'target-not-hvm'
  | 'not-privileged'
  | 'dmop-op-unknown'
  | 'dmop-pad'
  | 'pad-nonzero'
  | 'hvmop-unknown'
  | 'schedop-unknown'
  | 'pfn-range'
  | 'hvmmem-unused'
  | 'hvmmem-unlisted'
  | 'hvmmem-needs-hap'
  | 'hvmmem-needs-claim'
  | 'page-transition-refused'
  | 'bufioreq-handling'
  | 'ioreq-gfns-exhausted'
  | 'ioreq-server-ids-exhausted'
  | 'get-info-flags'
  | 'ioreq-server-missing'
  | 'not-emulator'
  | 'ioreq-pages-by-resource'
  | 'ioreq-pages-by-gfn'
  | 'io-range-reversed'
  | 'io-range-type'
  | 'io-range-overlap'
  | 'io-range-missing'
  | 'rangeset-full'
  | 'destroy-default-server'
  | 'default-server-id'
  | 'msi-no-pirq'
  | 'msi-delivery-mode'
  | 'map-mem-type-needs-hap'
  | 'map-mem-type-type'
  | 'map-mem-type-flags'
  | 'map-mem-type-not-owner'
  | 'map-mem-type-busy'
  | 'second-buffer-missing'
  | 'dirty-vram-too-many'
  | 'dirty-bitmap-short'
  | 'extents-short'
  | 'extent-range'
  | 'extent-progress'
  | 'irq-out-of-range'
  | 'vcpu-missing'
  | 'cacheattr-type'
  | 'resource-not-on-demand'
  | 'resource-args'
  | 'resource-frames-many'
  | 'resource-type'
  | 'resource-frame'
  | 'bufioreq-absent'
  | 'gfn-range'
  | 'gfn-paged-out'
  | 'gfn-not-ram'
  | 'evtchn-remote-not-unbound'
  | 'evtchn-port-unknown'
  | 'memop-address-bits'
  | 'memop-exact-node'
  | 'memop-not-target'
  | 'memop-order'
  | 'memop-not-translated'
  | 'memop-gfn-range'
  | 'memop-gfn-special'
  | 'memop-pod-self'
  | 'memop-pod-busy';

/** Every reason id the simulator gives, with its sentence and Xen source. */
export const XEN_REASONS: Readonly<Record<ReasonId, ReasonEntry>> = {
  'no-dm-op': { message: 'this release has no dm_op hypercall (it came with Xen 4.9)', source: 'xen/include/public/xen.h __HYPERVISOR_dm_op @ RELEASE-4.9.0' },
  'handle-restricted': { message: 'the handle is restricted to another domain (privcmd refuses before Xen sees the call)', source: 'linux drivers/xen/privcmd.c privcmd_ioctl_dm_op' },
  'dmop-no-bufs': { message: 'dm_op was given no buffers', source: 'xen/common/dm.c do_dm_op' },
  'dmop-nr-bufs': { message: 'dm_op was given more buffers than it accepts', source: 'xen/common/dm.c do_dm_op' },
  'dmop-exact-bufs': { message: 'the op requires an exact number of buffers (modified_memory: two, since XSA-506) and was given another', source: 'xen/arch/x86/hvm/dm.c dm_op (XEN_DMOP_modified_memory)' },
  'copy-fault': { message: 'a buffer or argument is too short or not readable memory (the copy from the guest failed)', source: 'xen/arch/x86/hvm/dm.c dm_op (copy_from_guest)' },
  'domain-missing': { message: 'no such domain, or it is dying', source: 'xen/common/domain.c rcu_lock_remote_domain_by_id' },
  'target-is-caller': { message: 'a domain may not make this call on itself', source: 'xen/common/domain.c rcu_lock_remote_domain_by_id' },
  'target-not-hvm': { message: 'the target domain is not an HVM guest', source: 'xen/arch/x86/hvm/dm.c dm_op (is_hvm_domain)' },
  'not-privileged': { message: 'the caller is neither privileged nor the device-model domain of the target', source: 'xen/include/xsm/dummy.h xsm_dm_op (XSM_DM_PRIV)' },
  'dmop-op-unknown': { message: 'the op number is not a dm_op this release implements on x86', source: 'xen/arch/x86/hvm/dm.c dm_op' },
  'dmop-pad': { message: "the dm_op header's pad field is not zero", source: 'xen/arch/x86/hvm/dm.c dm_op' },
  'pad-nonzero': { message: "a pad field of the op's struct is not zero", source: 'xen/arch/x86/hvm/dm.c dm_op' },
  'hvmop-unknown': { message: 'this release does not dispatch that HVMOP (or the continuation bits name another op)', source: 'xen/arch/x86/hvm/hvm.c do_hvm_op' },
  'schedop-unknown': { message: 'the simulator has no such SCHEDOP: only remote_shutdown acts on another domain; the others act on the calling vCPU, which it does not run', source: 'xen/common/sched/core.c do_sched_op' },
  'pfn-range': { message: 'the pfn range is empty, wraps, or ends above the domain\'s max gpfn', source: 'xen/arch/x86/hvm/dm.c set_mem_type' },
  'hvmmem-unused': { message: 'the value is HVMMEM_unused (the withdrawn mmio_write_dm): refused before the loop', source: 'xen/arch/x86/hvm/dm.c set_mem_type (memtype[])' },
  'hvmmem-unlisted': { message: "the value is outside this release's hvmmem translation table", source: 'xen/arch/x86/hvm/dm.c set_mem_type (memtype[])' },
  'hvmmem-needs-hap': { message: 'HVMMEM_ioreq_server needs a guest with hardware-assisted paging (HAP)', source: 'xen/arch/x86/hvm/dm.c set_mem_type (hap_enabled)' },
  'hvmmem-needs-claim': { message: 'HVMMEM_ioreq_server needs a server that claimed the type with map_mem_type_to_ioreq_server', source: 'xen/arch/x86/hvm/dm.c set_mem_type (p2m_get_ioreq_server)' },
  'page-transition-refused': { message: "a page's current p2m type may not change to the requested one (pages before it were changed)", source: 'xen/arch/x86/mm/p2m.c p2m_change_type_one' },
  'bufioreq-handling': { message: 'handle_bufioreq is above the largest HVM_IOREQSRV_BUFIOREQ_* value', source: 'xen/common/ioreq.c ioreq_server_create' },
  'ioreq-gfns-exhausted': { message: "the domain's pool of ioreq gfns has too few free for the server's pages", source: 'xen/arch/x86/hvm/ioreq.c hvm_alloc_ioreq_gfn' },
  'ioreq-server-ids-exhausted': { message: 'every ioreq server id of the domain is in use', source: 'xen/common/ioreq.c ioreq_server_create' },
  'get-info-flags': { message: 'get_ioreq_server_info was given flags it does not define', source: 'xen/arch/x86/hvm/dm.c dm_op (XEN_DMOP_get_ioreq_server_info)' },
  'ioreq-server-missing': { message: 'the domain has no ioreq server with that id', source: 'xen/common/ioreq.c get_ioreq_server' },
  'not-emulator': { message: "the caller is not the server's emulator (the domain that created it)", source: 'xen/common/ioreq.c ioreq_server_get_info (s->emulator != current->domain)' },
  'ioreq-pages-by-resource': { message: "the server's pages were mapped with acquire_resource, so it has no gfns to report", source: 'xen/common/ioreq.c ioreq_server_get_info' },
  'ioreq-pages-by-gfn': { message: "the server's pages are already mapped at gfns, so acquire_resource may not map them", source: 'xen/common/ioreq.c ioreq_server_get_frame' },
  'io-range-reversed': { message: 'the range starts after it ends', source: 'xen/arch/x86/hvm/dm.c dm_op (XEN_DMOP_map_io_range_to_ioreq_server)' },
  'io-range-type': { message: 'the range type is not port, mmio or pci', source: 'xen/common/ioreq.c ioreq_server_map_io_range' },
  'io-range-overlap': { message: "the range overlaps one the server's rangeset already holds", source: 'xen/common/ioreq.c ioreq_server_map_io_range' },
  'io-range-missing': { message: "the server's rangeset does not hold exactly that range", source: 'xen/common/ioreq.c ioreq_server_unmap_io_range' },
  'rangeset-full': { message: "the server's rangeset holds as many ranges as it may", source: 'xen/common/rangeset.c rangeset_add_range' },
  'destroy-default-server': { message: 'this release may not destroy server id 0 (the default server)', source: 'xen/arch/x86/hvm/dm.c dm_op (XEN_DMOP_destroy_ioreq_server)' },
  'default-server-id': { message: "this release refuses server id 0 (DEFAULT_IOSERVID) for this op", source: 'xen/arch/x86/hvm/ioreq.c hvm_get_ioreq_server_info @ RELEASE-4.11.0' },
  'msi-no-pirq': { message: "an MSI with vector 0 names no pirq in its address", source: 'xen/arch/x86/hvm/irq.c hvm_inject_msi' },
  'msi-delivery-mode': { message: "an MSI's delivery mode is neither fixed nor lowest priority", source: 'xen/arch/x86/hvm/vmsi.c vmsi_deliver' },
  'map-mem-type-needs-hap': { message: 'claiming HVMMEM_ioreq_server needs a guest with hardware-assisted paging (HAP)', source: 'xen/arch/x86/hvm/dm.c dm_op (XEN_DMOP_map_mem_type_to_ioreq_server)' },
  'map-mem-type-type': { message: 'only HVMMEM_ioreq_server can be claimed by a server', source: 'xen/arch/x86/hvm/dm.c dm_op (XEN_DMOP_map_mem_type_to_ioreq_server)' },
  'map-mem-type-flags': { message: 'the claim flags have bits other than XEN_DMOP_IOREQ_MEM_ACCESS_WRITE', source: 'xen/arch/x86/hvm/dm.c dm_op (XEN_DMOP_map_mem_type_to_ioreq_server)' },
  'map-mem-type-not-owner': { message: 'the type is claimed by another server, so this one may not release it', source: 'xen/arch/x86/mm/p2m.c p2m_set_ioreq_server' },
  'map-mem-type-busy': { message: 'another server holds the claim, or pages of the type remain from an earlier claim', source: 'xen/arch/x86/mm/p2m.c p2m_set_ioreq_server' },
  'second-buffer-missing': { message: 'the op needs a second buffer and was given none', source: 'xen/arch/x86/hvm/dm.c track_dirty_vram' },
  'dirty-vram-too-many': { message: 'more pages than track_dirty_vram tracks at once', source: 'xen/arch/x86/hvm/dm.c track_dirty_vram' },
  'dirty-bitmap-short': { message: 'the bitmap buffer is too small for the pages asked for', source: 'xen/arch/x86/hvm/dm.c track_dirty_vram' },
  'extents-short': { message: 'the extents buffer holds fewer extents than nr_extents', source: 'xen/arch/x86/hvm/dm.c modified_memory' },
  'extent-range': { message: "an extent is empty, wraps, or ends above the domain's max gpfn", source: 'xen/arch/x86/hvm/dm.c modified_memory' },
  'extent-progress': { message: "the op's progress counter is past the extent's length", source: 'xen/arch/x86/hvm/dm.c modified_memory' },
  'irq-out-of-range': { message: 'a PCI device, INTx pin, ISA IRQ, link or level is out of range', source: 'xen/arch/x86/hvm/dm.c set_pci_intx_level' },
  'vcpu-missing': { message: 'the domain has no vCPU with that id', source: 'xen/arch/x86/hvm/dm.c inject_event' },
  'cacheattr-type': { message: 'the cache attribute is not one Xen defines', source: 'xen/arch/x86/hvm/mtrr.c hvm_set_mem_pinned_cacheattr' },
  'resource-not-on-demand': { message: 'this release maps ioreq server pages at gfns only, not through acquire_resource', source: 'xen/common/memory.c acquire_resource @ RELEASE-4.11.0' },
  'resource-args': { message: 'nr_frames is 0, a field is out of range, or the domain is not an HVM guest', source: 'xen/common/memory.c acquire_resource' },
  'resource-frames-many': { message: 'nr_frames is more than the frame list this release takes in one call', source: 'xen/common/memory.c acquire_resource @ RELEASE-4.14.0' },
  'resource-type': { message: 'the resource type is not one the simulator maps (only the ioreq server; EOPNOTSUPP up to 4.19, EINVAL from 4.20)', source: 'xen/common/memory.c resource_max_frames, _acquire_resource' },
  'resource-frame': { message: 'the frame is past the pages the server has', source: 'xen/common/ioreq.c ioreq_server_get_frame' },
  'bufioreq-absent': { message: 'the server has no buffered ioreq page', source: 'xen/common/ioreq.c ioreq_server_get_frame' },
  'gfn-range': { message: 'the gfn is not a 64-bit frame number', source: 'xen/arch/x86/mm/p2m.c xenmem_add_to_physmap_one' },
  'gfn-paged-out': { message: 'the frame is paged out', source: 'xen/arch/x86/include/asm/p2m.h get_page_from_gfn' },
  'gfn-not-ram': { message: 'the gfn is not guest RAM that may be mapped', source: 'xen/arch/x86/include/asm/p2m.h get_page_from_gfn' },
  'evtchn-remote-not-unbound': { message: 'the remote port is not an unbound port offered to the caller', source: 'xen/common/event_channel.c evtchn_bind_interdomain' },
  'evtchn-port-unknown': { message: 'the caller has no such bound port', source: 'xen/common/event_channel.c evtchn_send' },
  'memop-address-bits': { message: 'mem_flags asks for an address width that cannot hold a page (1 … 12 bits)', source: 'xen/common/memory.c construct_memop_from_reservation' },
  'memop-exact-node': { message: 'only the control domain may insist on a NUMA node (XENMEMF_exact_node_request)', source: 'xen/common/memory.c propagate_node' },
  'memop-not-target': { message: 'the caller is neither the domain, the control domain nor its device-model domain', source: 'xen/include/xsm/dummy.h xsm_memory_adjust_reservation (XSM_TARGET)' },
  'memop-order': { message: 'extent_order is above what the caller may allocate at once (memopDomuMaxOrder, or memopMaxOrder for the control domain and populate-on-demand)', source: 'xen/common/memory.c populate_physmap, max_order' },
  'memop-not-translated': { message: "the domain is not an HVM guest: the simulator does not model a PV domain's physmap", source: 'xen/common/memory.c populate_physmap (paging_mode_translate)' },
  'memop-gfn-range': { message: "the extent runs past maxGpfn, where the simulator's p2m ends", source: 'xen/arch/x86/mm/p2m.c p2m_set_entry' },
  'memop-gfn-special': { message: 'the extent covers a grant, foreign or direct-MMIO mapping: the domain is crashed', source: 'xen/arch/x86/mm/p2m.c p2m_add_page' },
  'memop-pod-self': { message: 'a domain may not mark its own pages populate-on-demand', source: 'xen/common/memory.c populate_physmap' },
  'memop-pod-busy': { message: 'a page of the extent is in use (only invalid, mmio_dm and populate-on-demand pages may be marked)', source: 'xen/arch/x86/mm/p2m-pod.c mark_populate_on_demand' },
};

/** The `{ id, message }` a `XenError` carries for a reason id. */
export function xenReason(id: ReasonId): XenErrorReason {
  return { id, message: XEN_REASONS[id].message };
}

/** Whether a string is a reason id of this list. */
export function isReasonId(id: string): id is ReasonId {
  return Object.prototype.hasOwnProperty.call(XEN_REASONS, id);
}

/** A reason id of the daemon's own refusals (not Xen checks; docs/protocol.md "Errors and limits"). */
export type DaemonReasonId = 'state-not-durable';

/** One reason of the daemon's own: its sentence (no Xen function makes the check). */
export interface DaemonReasonEntry {
  /** What failed, in one sentence. */
  readonly message: string;
}

/**
 * Why the daemon itself refused a request, not a Xen check: an error frame's `reason` (docs/protocol.md "Errors and
 * limits"). Kept apart from XEN_REASONS, whose every entry names the Xen function making the same check.
 */
export const DAEMON_REASONS: Readonly<Record<DaemonReasonId, DaemonReasonEntry>> = {
  'state-not-durable': {
    message: "the request's change could not be written to the state journal (disk full or a write error) and was undone: the daemon's state is that of the last request whose change was written",
  },
};

/** The `{ id, message }` an error frame carries for a daemon reason id. */
export function daemonReason(id: DaemonReasonId): XenErrorReason {
  return { id, message: DAEMON_REASONS[id].message };
}
