/**
 * A guest's memory or port access, routed as Xen routes it (reference §6.6–6.7):
 * - RAM types are accessed directly (a write to a log-dirty page marks it dirty and makes it ram_rw);
 * - writes to read-only types that discard writes (P2M_DISCARD_WRITE_TYPES) are dropped;
 * - p2m_ioreq_server pages (4.9+): reads come from RAM (Xen emulates the read half itself), writes go
 *   to the claiming server without consulting rangesets; with no owner the access is retried; before
 *   4.9 (and for mmio_write_dm) such writes are routed like any MMIO write;
 * - emulated MMIO, holes and port I/O go to the server chosen by rangeset, else the null handler
 *   (reads all ones, writes dropped);
 * - paged-out pages are retried (paging in); a broken page crashes the domain.
 * A rep access is walked page by page, each page classified on its own, so no request spans two gfns.
 */
import { IOREQ_SERVER_RULES, InputError, entryAt, p2mClassMembers, type GuestAccess, type GuestAccessResult, type IoreqRecord } from '@xenmem/abi-types';
import type { Domain } from '../domain.js';
import type { Hypervisor } from '../hypervisor.js';
import { P2M_IOREQ_SERVER, P2M_POD, P2M_RAM_BROKEN, P2M_RAM_LOGDIRTY, P2M_RAM_RW, P2M_RAM_SHARED } from '../p2m-types.js';
import { readRam, writeRam } from './memory.js';
import { latchCf8, selectServer } from './route.js';

const PAGE = 4096n;
const U64 = (1n << 64n) - 1n;
/**
 * The simulator performs a rep access eagerly, item by item; it refuses one that moves more than this many
 * bytes (Xen would take as long as the guest likes, re-executing the instruction in pieces).
 */
export const MAX_REP_BYTES = 1 << 26;

const allOnes = (size: number) => (1n << BigInt(8 * size)) - 1n;

function checkAccess(hv: Hypervisor, a: GuestAccess): { domain: Domain; count: number } {
  const domain = hv.lookupDomain(a.domid);
  if (!domain || !domain.hvm) throw new InputError('domid', a.domid, 'is not a running HVM guest');
  if (!Number.isInteger(a.vcpu) || a.vcpu < 0 || a.vcpu >= domain.vcpus) throw new InputError('vcpu', a.vcpu, `does not exist in domain ${a.domid} (it has ${domain.vcpus})`);
  if (![1, 2, 4, 8].includes(a.size)) throw new InputError('size', a.size, 'is not 1, 2, 4 or 8');
  const count = a.count ?? 1;
  if (!Number.isInteger(count) || count < 1 || count > 0xffffffff) throw new InputError('count', count, 'must be 1 … 2^32−1');
  if (count * a.size > MAX_REP_BYTES) throw new InputError('count', count, `moves more than ${MAX_REP_BYTES} bytes; the simulator runs rep accesses eagerly and refuses larger ones`);
  if (typeof a.addr !== 'bigint' || a.addr < 0n || a.addr > U64) throw new InputError('addr', a.addr, 'must be a 64-bit unsigned bigint');
  if ((a.kind === 'in' || a.kind === 'out') && a.addr > 0xffffn) throw new InputError('port', a.addr, 'is above 0xffff');
  if (a.value !== undefined && (typeof a.value !== 'bigint' || a.value < 0n || a.value > U64)) throw new InputError('value', a.value, 'must be a 64-bit unsigned bigint');
  return { domain, count };
}

/** Sends one request to a server's device model and returns what a read gets back. */
function send(hv: Hypervisor, domain: Domain, req: IoreqRecord, out: IoreqRecord[]): bigint {
  const answer = hv.ioreqHandler(domain.domid, req);
  if (req.dir === 'read') req.data = (answer ?? allOnes(req.size)) & allOnes(req.size);
  out.push(req);
  return req.data;
}

function portAccess(hv: Hypervisor, domain: Domain, a: GuestAccess, count: number): GuestAccessResult {
  const dir = a.kind === 'in' ? 'read' : 'write';
  const value = a.value ?? 0n;
  if (dir === 'write') latchCf8(domain, a.addr, a.size, value);
  const hit = selectServer(domain, hv.release, 'pio', a.addr, a.size, count, a.df ?? false);
  if (!hit) return { outcome: 'null', value: dir === 'read' ? allOnes(a.size) : null, ioreqs: [] };
  const ioreqs: IoreqRecord[] = [];
  const data = send(hv, domain, { server: hit.server.id, type: hit.type, dir, addr: hit.addr, size: a.size, count, data: dir === 'write' ? value & allOnes(a.size) : 0n, df: a.df ?? false, buffered: false }, ioreqs);
  return { outcome: 'ioreq', value: dir === 'read' ? data : null, ioreqs };
}

/** How one page is handled, from its internal type at this release. */
type PagePath = 'ram' | 'logdirty' | 'discard' | 'ioreq-owner' | 'mmio' | 'retry' | 'crash';

function classify(hv: Hypervisor, domain: Domain, gfn: bigint, write: boolean): PagePath {
  let type = hv.p2mTypeAt(domain.domid, gfn);
  if (type === P2M_POD) {
    domain.p2m.set(Number(gfn), 1, P2M_RAM_RW); // populated on first touch
    type = P2M_RAM_RW;
  }
  const is = (cls: string) => (p2mClassMembers(cls, hv.release) ?? []).includes(type);
  if (is('P2M_PAGING_TYPES')) return 'retry';
  if (type === P2M_RAM_BROKEN) return 'crash';
  if (type === P2M_IOREQ_SERVER) {
    if (!write) return 'ram';
    return entryAt(IOREQ_SERVER_RULES, hv.release)!.ioreqServerPages === 'owner' ? 'ioreq-owner' : 'mmio';
  }
  if (type === P2M_RAM_LOGDIRTY || type === P2M_RAM_SHARED) return write ? 'logdirty' : 'ram';
  if (is('P2M_DISCARD_WRITE_TYPES')) return write ? 'discard' : 'ram';
  if (is('P2M_RAM_TYPES') || is('P2M_GRANT_TYPES') || is('P2M_FOREIGN_TYPES')) return 'ram';
  // mmio_dm, holes, passthrough MMIO with no device behind it: emulated.
  return 'mmio';
}

export function guestAccess(hv: Hypervisor, a: GuestAccess): GuestAccessResult {
  const { domain, count } = checkAccess(hv, a);
  if (a.kind === 'in' || a.kind === 'out') return portAccess(hv, domain, a, count);
  const write = a.kind === 'write';
  const size = BigInt(a.size);
  const df = a.df ?? false;
  const value = (a.value ?? 0n) & allOnes(a.size);
  const ioreqs: IoreqRecord[] = [];
  const outcomes = new Set<GuestAccessResult['outcome']>();
  let last: bigint | null = null;
  let remaining = count;
  let addr = a.addr;
  while (remaining > 0) {
    // Items left on this page in the direction of travel (at least one: an item may straddle the boundary).
    const room = df ? (addr % PAGE) / size + 1n : (PAGE - (addr % PAGE)) / size;
    const items = Math.max(1, Math.min(remaining, Number(room)));
    const path = classify(hv, domain, addr >> 12n, write);
    if (path === 'retry' || path === 'crash') return { outcome: path, value: null, ioreqs };
    if (path === 'ram' || path === 'logdirty') {
      if (path === 'logdirty') {
        // The write fault logs the page dirty and makes it writable (a shared page is unshared first).
        const gfn = Number(addr >> 12n);
        if (hv.p2mTypeAt(domain.domid, addr >> 12n) === P2M_RAM_LOGDIRTY) domain.p2m.markDirty(gfn, 1);
        domain.p2m.set(gfn, 1, P2M_RAM_RW);
      }
      for (let i = 0; i < items; i++) {
        const at = (df ? addr - BigInt(i) * size : addr + BigInt(i) * size) & U64;
        if (write) writeRam(domain, at, a.size, value);
        else last = readRam(domain, at, a.size);
      }
      outcomes.add('ram');
    } else if (path === 'discard') {
      outcomes.add('discarded');
    } else {
      let server: number | undefined;
      if (path === 'ioreq-owner') {
        const owner = domain.ioreq.owner === null ? undefined : domain.servers.get(domain.ioreq.owner);
        // No owner (unmapped, or destroyed with pages left over): X86EMUL_RETRY.
        if (!owner) return { outcome: 'retry', value: null, ioreqs };
        // An owner never enabled has no vp_eport in its page: the send fails and the emulation with it.
        if (!owner.portsPublished) return { outcome: 'crash', value: null, ioreqs };
        server = owner.id;
      } else {
        server = selectServer(domain, hv.release, 'copy', addr, a.size, items, df)?.server.id;
      }
      if (server === undefined) {
        if (!write) last = allOnes(a.size);
        outcomes.add('null');
      } else {
        const data = send(hv, domain, { server, type: 'copy', dir: write ? 'write' : 'read', addr, size: a.size, count: items, data: write ? value : 0n, df, buffered: false }, ioreqs);
        if (!write) last = data;
        outcomes.add('ioreq');
      }
    }
    remaining -= items;
    addr = (df ? addr - BigInt(items) * size : addr + BigInt(items) * size) & U64;
  }
  // One outcome per access: a request sent wins, then RAM, then the null handler, then a dropped write.
  const outcome = (['ioreq', 'ram', 'null', 'discarded'] as const).find((o) => outcomes.has(o))!;
  return { outcome, value: write ? null : last, ioreqs };
}
