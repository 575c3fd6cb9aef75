/**
 * How a device model reaches a server's pages (xen/common/memory.c acquire_ioreq_server() and xen/common/ioreq.c ioreq_server_get_frame() @ RELEASE-4.22.0):
 * - `XENMEM_acquire_resource` (4.11+), in Xen's order, with the differences of a release from the schema's
 *   acquireResource[] (docs/simulator.md "acquire_resource"): frames beyond 32 bits (4.15+) EINVAL and more
 *   frames than the fixed list (2 at 4.11, 32 at 4.12–4.14) E2BIG, both before the domain; ESRCH, EPERM for
 *   itself or without device-model privilege; from 4.15 resource_max_frames 0 EINVAL (a non-HVM target; from 4.20
 *   also an unknown type), then nr_frames 0 EINVAL; an unknown type otherwise EOPNOTSUPP (at 4.15–4.19 after the
 *   nr_frames checks); up to 4.14 nr_frames 0 maps nothing; a non-HVM target EINVAL (before the frames from 4.12,
 *   per frame at 4.11), an id above 0xffff EINVAL; then per frame: 4.11's
 *   DEFAULT_IOSERVID EOPNOTSUPP, no such server ENOENT, not its emulator EPERM, pages already set up as gfns
 *   EPERM (the pages are set up as resource pages before the frame is looked at), frame 0 without buffering
 *   ENOENT, frames past 1 EINVAL. Before 4.11 the op does not exist: EOPNOTSUPP, as libxenforeignmemory
 *   reports it. The frame_list, flags/pad and size query of the struct are not part of this call.
 * - `xenforeignmemory_map` of a gfn (privcmd → p2m_add_foreign): the server's ioreq/bufioreq gfn gives
 *   that page; a RAM gfn gives the guest's RAM contents; anything else EINVAL (paging: ENOENT).
 */
import { ACQUIRE_RESOURCE, CONST, IOREQ_SERVER_RULES, STRUCTS, entryAt, p2mClassMembers, type SharedPage } from '@xenmem/abi-types';
import { fail, OK } from './errno.js';
import { idZeroRefused } from './dmop/ioreq-server.js';
import type { Host } from './host.js';
import { P2M_RAM_SHARED } from './p2m-types.js';
import { SharedPageView } from './ioreq/pages.js';
import { RamPageView } from './ram/guest-ram.js';

const RESOURCE_IOREQ_SERVER = CONST.resource.ioreq_server;
const FRAME_BUFIOREQ = CONST.resource.frame_bufioreq;
const FRAME_IOREQ_0 = FRAME_BUFIOREQ + 1; // XENMEM_resource_ioreq_server_frame_ioreq(0)

/** How many values a field of xen_mem_acquire_resource holds (2^bits). */
const rangeOf = (field: (typeof STRUCTS.xen_mem_acquire_resource.fields)[number]['name']) =>
  2 ** (8 * STRUCTS.xen_mem_acquire_resource.fields.find((f) => f.name === field)!.size);
const NR_FRAMES_RANGE = rangeOf('nr_frames');
const TYPE_RANGE = rangeOf('type');
const ID_RANGE = rangeOf('id');
/** ioservid_t's values: an ioreq server's id is 16 bits, the resource id 32 (acquire_ioreq_server's `id != (ioservid_t)id`). */
const IOSERVID_RANGE = 2 ** (8 * STRUCTS.xen_dm_op_create_ioreq_server.fields.find((f) => f.name === 'id')!.size);

const fits = (v: number, range: number) => Number.isInteger(v) && v >= 0 && v < range;

export function acquireResource(hv: Host, caller: number, domid: number, type: number, id: number, frame: number, nrFrames: number): { rc: number; pages: SharedPage[] } {
  const none = (rc: number) => ({ rc, pages: [] });
  if (entryAt(IOREQ_SERVER_RULES, hv.release)!.pages !== 'on-demand') return none(fail('EOPNOTSUPP', 'resource-not-on-demand'));
  // Values the struct's fields cannot hold (frame is 64-bit: any safe integer).
  if (!fits(nrFrames, NR_FRAMES_RANGE) || !fits(type, TYPE_RANGE) || !fits(id, ID_RANGE) || !Number.isSafeInteger(frame) || frame < 0) return none(fail('EINVAL', 'resource-args'));
  const rule = entryAt(ACQUIRE_RESOURCE, hv.release)!;
  // 4.15+: frame and frame + nr_frames must lie within nr_frames' range (the size of a resource).
  if (rule.frameRangeFirst && frame + nrFrames >= NR_FRAMES_RANGE) return none(fail('EINVAL', 'resource-args'));
  if (rule.frameListMax !== null && nrFrames > rule.frameListMax) return none(fail('E2BIG', 'resource-frames-many'));
  const domain = hv.lookupDomain(domid);
  if (!domain) return none(fail('ESRCH', 'domain-missing'));
  if (domid === caller) return none(fail('EPERM', 'target-is-caller')); // rcu_lock_remote_domain_by_id
  if (!domain.isPrivilegedFor(caller)) return none(fail('EPERM', 'not-privileged')); // xsm_domain_resource_map(XSM_DM_PRIV)
  const known = type === RESOURCE_IOREQ_SERVER;
  if (rule.sizeFirst) {
    // resource_max_frames 0: an ioreq server of a non-HVM domain; from 4.20 also a type the simulator does not map
    // (up to 4.19 it returned -EOPNOTSUPP as an unsigned int, which passes the `!max_frames` test).
    if (!known && rule.unknownType === 'max-frames-zero') return none(fail('EINVAL', 'resource-type'));
    if (known && !domain.hvm) return none(fail('EINVAL', 'resource-args'));
    if (nrFrames === 0 || (rule.nrFramesMax !== null && nrFrames > rule.nrFramesMax)) return none(fail('EINVAL', 'resource-args'));
  }
  // The default of the switch that hands the type to its handler (arch_acquire_resource ≤4.14, _acquire_resource).
  if (!known) return none(fail('EOPNOTSUPP', 'resource-type'));
  if (rule.hvmCheck === 'before-frames' && !domain.hvm) return none(fail('EINVAL', 'resource-args'));
  if (id >= IOSERVID_RANGE) return none(fail('EINVAL', 'resource-args')); // id != (ioservid_t)id
  const pages: SharedPage[] = [];
  const mapped: (() => void)[] = [];
  for (let i = 0; i < nrFrames; i++) {
    // 4.11's hvm_get_ioreq_server_frame refuses DEFAULT_IOSERVID, then a non-HVM domain, for each frame.
    const refused = idZeroRefused(hv.release, id);
    if (refused !== OK) return none(refused);
    if (rule.hvmCheck === 'per-frame' && !domain.hvm) return none(fail('EINVAL', 'resource-args'));
    const s = domain.servers.get(id);
    if (!s) return none(fail('ENOENT', 'ioreq-server-missing'));
    if (s.emulator !== caller) return none(fail('EPERM', 'not-emulator'));
    if (s.pages.kind === 'gfns') return none(fail('EPERM', 'ioreq-pages-by-gfn'));
    s.pages = { kind: 'resource' };
    const idx = frame + i;
    if (idx === FRAME_BUFIOREQ) {
      if (!s.bufioreqPage) return none(fail('ENOENT', 'bufioreq-absent'));
      mapped.push(() => void (s.bufioreqPageMapped = true));
      pages.push(new SharedPageView(() => s.bufioreqPage!));
    } else if (idx === FRAME_IOREQ_0) {
      mapped.push(() => void (s.ioreqPageMapped = true));
      pages.push(new SharedPageView(() => s.ioreqPage));
    } else return none(fail('EINVAL', 'resource-frame'));
  }
  // Only a call that succeeds maps anything (a failing frame fails the whole call).
  for (const m of mapped) m();
  return { rc: OK, pages };
}

export function mapForeignGfn(hv: Host, caller: number, domid: number, gfn: bigint): { rc: number; page: SharedPage | null } {
  const none = (rc: number) => ({ rc, page: null });
  const domain = hv.lookupDomain(domid);
  if (!domain) return none(fail('ESRCH', 'domain-missing'));
  if (!domain.isPrivilegedFor(caller)) return none(fail('EPERM', 'not-privileged'));
  if (typeof gfn !== 'bigint' || gfn < 0n || gfn >= 1n << 64n) return none(fail('EINVAL', 'gfn-range'));
  for (const s of domain.servers.values()) {
    if (s.pages.kind !== 'gfns') continue;
    if (s.pages.ioreqGfn === gfn) {
      s.ioreqPageMapped = true;
      return { rc: OK, page: new SharedPageView(() => s.ioreqPage) };
    }
    if (s.pages.bufioreqGfn === gfn && s.bufioreqPage) {
      s.bufioreqPageMapped = true;
      return { rc: OK, page: new SharedPageView(() => s.bufioreqPage!) };
    }
  }
  const rc = ramGfnCheck(hv, domid, gfn);
  if (rc !== OK) return none(rc);
  domain.ram.exposed(Number(gfn), 1);
  return { rc: OK, page: new RamPageView(() => domain.ram, Number(gfn)) };
}

/**
 * Whether a gfn is guest RAM a device model may map (p2m_add_foreign's check, xen/arch/x86/mm/p2m.c @
 * RELEASE-4.17.0): a paged-out frame is ENOENT (privcmd passes it on, and libxenforeignmemory's callers retry),
 * anything but RAM — holes, emulated MMIO, above maxGpfn — or a shared page is EINVAL.
 */
export function ramGfnCheck(hv: Host, domid: number, gfn: bigint): number {
  const type = hv.p2mTypeAt(domid, gfn);
  const is = (cls: string) => (p2mClassMembers(cls, hv.release) ?? []).includes(type);
  if (is('P2M_PAGING_TYPES')) return fail('ENOENT', 'gfn-paged-out');
  if (!is('P2M_RAM_TYPES') || is('P2M_HOLE_TYPES') || type === P2M_RAM_SHARED) return fail('EINVAL', 'gfn-not-ram');
  return OK;
}
