/**
 * How a device model reaches a server's pages (xen/common/memory.c acquire_ioreq_server() and xen/common/ioreq.c ioreq_server_get_frame() @ RELEASE-4.22.0):
 * - `XENMEM_acquire_resource` (4.11+; common/memory.c acquire_resource → ioreq_server_get_frame): the
 *   domain checks (ESRCH, EPERM for itself or without device-model privilege, EINVAL for a PV target or
 *   nr_frames 0), only XENMEM_resource_ioreq_server (others EOPNOTSUPP), then per frame: no such server
 *   ENOENT, not its emulator EPERM, pages already set up as gfns EPERM (the pages are set up as resource
 *   pages before the frame is looked at), frame 0 without buffering ENOENT, frames past 1 EINVAL.
 *   Before 4.11 the op does not exist: EOPNOTSUPP, as libxenforeignmemory reports it.
 * - `xenforeignmemory_map` of a gfn (privcmd → p2m_add_foreign): the server's ioreq/bufioreq gfn gives
 *   that page; a RAM gfn gives the guest's RAM contents; anything else EINVAL (paging: ENOENT).
 */
import { CONST, IOREQ_SERVER_RULES, entryAt, p2mClassMembers, type SharedPage } from '@xenmem/abi-types';
import { fail, OK } from './errno.js';
import { idZeroRefused } from './dmop/ioreq-server.js';
import type { Host } from './host.js';
import { P2M_RAM_SHARED } from './p2m-types.js';
import { SharedPageView } from './ioreq/pages.js';
import { RamPageView } from './ram/guest-ram.js';

const RESOURCE_IOREQ_SERVER = CONST.resource.ioreq_server;
const FRAME_BUFIOREQ = CONST.resource.frame_bufioreq;
const FRAME_IOREQ_0 = FRAME_BUFIOREQ + 1; // XENMEM_resource_ioreq_server_frame_ioreq(0)

const isU32 = (v: number) => Number.isInteger(v) && v >= 0 && v <= 0xffffffff;

export function acquireResource(hv: Host, caller: number, domid: number, type: number, id: number, frame: number, nrFrames: number): { rc: number; pages: SharedPage[] } {
  const none = (rc: number) => ({ rc, pages: [] });
  if (entryAt(IOREQ_SERVER_RULES, hv.release)!.pages !== 'on-demand') return none(fail('EOPNOTSUPP', 'resource-not-on-demand'));
  const domain = hv.lookupDomain(domid);
  if (!domain) return none(fail('ESRCH', 'domain-missing'));
  if (domid === caller) return none(fail('EPERM', 'target-is-caller')); // rcu_lock_remote_domain_by_id
  if (!domain.isPrivilegedFor(caller)) return none(fail('EPERM', 'not-privileged')); // xsm_domain_resource_map(XSM_DM_PRIV)
  if (!isU32(nrFrames) || nrFrames === 0 || !isU32(frame) || !isU32(type) || !isU32(id)) return none(fail('EINVAL', 'resource-args'));
  if (type !== RESOURCE_IOREQ_SERVER) return none(fail('EOPNOTSUPP', 'resource-type'));
  // 4.11's hvm_get_ioreq_server_frame refuses DEFAULT_IOSERVID before it looks at the domain.
  const refused = idZeroRefused(hv.release, id);
  if (refused !== OK) return none(refused);
  if (!domain.hvm || id > 0xffff) return none(fail('EINVAL', 'resource-args'));
  const pages: SharedPage[] = [];
  const mapped: (() => void)[] = [];
  for (let i = 0; i < nrFrames; i++) {
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
