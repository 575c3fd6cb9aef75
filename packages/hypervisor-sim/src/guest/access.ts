/**
 * A guest's memory or port access, routed as Xen routes it (xen/arch/x86/hvm/emulate.c hvmemul_do_io() @ RELEASE-4.22.0 and xen/common/ioreq.c ioreq_server_select() @ RELEASE-4.22.0):
 * - RAM types are accessed directly (a write to a log-dirty page marks it dirty and makes it ram_rw);
 * - writes to read-only types that discard writes (P2M_DISCARD_WRITE_TYPES) are dropped;
 * - p2m_ioreq_server pages (4.9+): reads come from RAM (Xen emulates the read half itself), writes go
 *   to the claiming server without consulting rangesets; with no owner the access is retried; before
 *   4.9 (and for mmio_write_dm) such writes are routed like any MMIO write;
 * - emulated MMIO, holes and port I/O go to the server chosen by rangeset, else the null handler
 *   (reads all ones, writes dropped);
 * - paged-out pages are retried (paging in); a broken page crashes the domain.
 * Requests reach the device model through the server's pages (guest/ioreq-send.ts): synchronously, or for
 * single writes in the VGA window through the buffered ring (stdvga's intercept).
 * A rep access is walked page by page, each page classified on its own, so no request spans two gfns. A rep
 * string access with its data in guest RAM (`buffer`) sends data_is_ptr requests whose buffer lies in one page.
 */
import { IOREQ_SERVER_RULES, InputError, entryAt, p2mClassMembers } from '@xenmem/abi-types';
import type { GuestAccess, GuestAccessResult, IoreqRecord } from '@xenmem/sim-protocol';
import type { Domain } from '../domain.js';
import type { Host } from '../host.js';
import { crashDomain, makeRecord, putBuffered, sendSync } from './ioreq-send.js';
import type { IoreqServer } from '../ioreq/server.js';
import { P2M_IOREQ_SERVER, P2M_POD, P2M_RAM_BROKEN, P2M_RAM_LOGDIRTY, P2M_RAM_RW, P2M_RAM_SHARED } from '../p2m-types.js';
import { readRam, writeRam } from './memory.js';
import { latchCf8, selectServer } from './route.js';
import { onVcpu } from './vcpu.js';

const PAGE = 4096n;
const U64 = (1n << 64n) - 1n;
/**
 * The simulator performs a rep access eagerly, item by item; it refuses one that moves more than this many
 * bytes (Xen would take as long as the guest likes, re-executing the instruction in pieces).
 */
export const MAX_REP_BYTES = 1 << 26;

const allOnes = (size: number) => (1n << BigInt(8 * size)) - 1n;
const VGA_FIRST = 0xa0000n;
const VGA_LAST = 0xbffffn;
const CF8_PORT = 0xcf8n;

function checkAccess(hv: Host, a: GuestAccess): { domain: Domain; count: number } {
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
  if (a.buffer !== undefined) {
    if (typeof a.buffer !== 'bigint' || a.buffer < 0n || a.buffer > U64) throw new InputError('buffer', a.buffer, 'must be a 64-bit unsigned bigint (a guest physical address)');
    if (a.value !== undefined) throw new InputError('value', a.value, 'cannot be given with a buffer: a rep string access takes its data from guest RAM');
  }
  return { domain, count };
}

/** Where a request went: the data a read gets back, or a crash (the access then ends with outcome 'crash'). */
type Sent = { data: bigint } | 'crash';

/**
 * Sends one request synchronously (guest/ioreq-send.ts) and waits for it. A send Xen refuses (bad state or
 * port in the slot) fails the emulation: for port I/O handle_pio crashes the domain; for MMIO the guest gets
 * #GP, reported as 'crash' without crashing the domain (docs/simulator.md).
 */
async function send(hv: Host, domain: Domain, vcpu: number, server: IoreqServer, req: IoreqRecord, out: IoreqRecord[], pio: boolean, owner: unknown): Promise<Sent> {
  const pending = sendSync(hv, domain, server, vcpu, req);
  // The vCPU may now wait for its device model while other calls run.
  hv.onPause?.(owner);
  const r = await pending;
  if (r.kind === 'refused') {
    if (pio) crashDomain(domain, `ioreq send refused on vCPU ${vcpu} (bad IO state or event channel in the slot)`);
    return 'crash';
  }
  out.push(req);
  if (r.kind === 'crash') return 'crash';
  if (req.dir === 'read') req.data = r.data & allOnes(req.size);
  return { data: req.data };
}

/** stdvga's buffered intercept (hvm_buffered_io_intercept): single writes inside the VGA window 0xa0000–0xbffff. */
function bufferedEligible(addr: bigint, size: number, items: number): boolean {
  return items === 1 && addr >= VGA_FIRST && addr + BigInt(size) - 1n <= VGA_LAST;
}

async function portAccess(hv: Host, domain: Domain, a: GuestAccess, count: number, owner: unknown): Promise<GuestAccessResult> {
  if (a.buffer !== undefined) return portString(hv, domain, a, count, a.buffer, owner);
  const dir = a.kind === 'in' ? 'read' : 'write';
  const value = a.value ?? 0n;
  if (dir === 'write') latchCf8(domain, a.addr, a.size, value);
  const hit = selectServer(domain, hv.release, 'pio', a.addr, a.size, count, a.df ?? false);
  if (!hit) return { outcome: 'null', value: dir === 'read' ? allOnes(a.size) : null, ioreqs: [] };
  const ioreqs: IoreqRecord[] = [];
  const sent = await send(hv, domain, a.vcpu, hit.server, makeRecord(hit.server.id, hit.type, dir, hit.addr, a.size, count, dir === 'write' ? value & allOnes(a.size) : 0n, a.df ?? false), ioreqs, true, owner);
  if (sent === 'crash') return { outcome: 'crash', value: null, ioreqs };
  return { outcome: 'ioreq', value: dir === 'read' ? sent.data : null, ioreqs };
}

/**
 * `rep outs` / `rep ins` with the data in guest RAM (hvmemul_rep_outs/ins → hvmemul_do_pio_addr @ RELEASE-4.22.0):
 * one request per piece of the buffer that lies in one page (hvmemul_linear_to_phys trims the reps at a page
 * boundary and the guest re-executes the instruction for the rest), data_is_ptr = 1, data = the piece's address.
 * The buffer must be RAM (hvmemul_acquire_page): paged out is retried, anything else fails the emulation (the
 * guest gets an exception; reported as 'crash' without crashing the domain). With no server for the port, the
 * null handler stores all ones into the buffer for `ins` and drops `outs`.
 */
async function portString(hv: Host, domain: Domain, a: GuestAccess, count: number, buffer: bigint, owner: unknown): Promise<GuestAccessResult> {
  const dir = a.kind === 'in' ? 'read' : 'write';
  const df = a.df ?? false;
  const size = BigInt(a.size);
  const hit = selectServer(domain, hv.release, 'pio', a.addr, a.size, count, df);
  const ioreqs: IoreqRecord[] = [];
  let remaining = count;
  let buf = buffer;
  while (remaining > 0) {
    const items = itemsInPage(buf, size, remaining, df);
    const page = bufferPage(hv, domain, buf >> 12n);
    if (page !== 'ok') return { outcome: page, value: null, ioreqs };
    const first = df ? (buf - BigInt(items - 1) * size) & U64 : buf;
    if (dir === 'write' && a.addr === CF8_PORT && a.size === 4) latchCf8(domain, a.addr, a.size, readRam(domain, df ? first : buf + BigInt(items - 1) * size, a.size));
    if (!hit) {
      if (dir === 'read') domain.ram.write(Number(first), new Uint8Array(items * a.size).fill(0xff));
    } else {
      const sent = await send(hv, domain, a.vcpu, hit.server, makeRecord(hit.server.id, hit.type, dir, hit.addr, a.size, items, buf, df, true), ioreqs, true, owner);
      if (sent === 'crash') return { outcome: 'crash', value: null, ioreqs };
    }
    remaining -= items;
    buf = (df ? buf - BigInt(items) * size : buf + BigInt(items) * size) & U64;
  }
  return { outcome: hit ? 'ioreq' : 'null', value: null, ioreqs };
}

/** Items of `size` bytes from `at` that stay in its page in the direction of travel (at least one). */
function itemsInPage(at: bigint, size: bigint, remaining: number, df: boolean): number {
  const room = df ? (at % PAGE) / size + 1n : (PAGE - (at % PAGE)) / size;
  return Math.max(1, Math.min(remaining, Number(room)));
}

/** Whether a rep's RAM buffer page can be used (hvmemul_acquire_page): 'ok', 'retry' (paged out) or 'crash'. */
function bufferPage(hv: Host, domain: Domain, gfn: bigint): 'ok' | 'retry' | 'crash' {
  const path = classify(hv, domain, gfn, false);
  if (path === 'retry') return 'retry';
  return path === 'ram' ? 'ok' : 'crash';
}

/** How one page is handled, from its internal type at this release. */
type PagePath = 'ram' | 'logdirty' | 'discard' | 'ioreq-owner' | 'mmio' | 'retry' | 'crash';

function classify(hv: Host, domain: Domain, gfn: bigint, write: boolean): PagePath {
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

/**
 * Performs a guest access. The checks run at once; the access itself waits its turn on the vCPU and, when
 * a request goes to an attached device model, resolves only once it has answered. Where the vCPU may wait, the
 * host's pause listener is told, with the host's callOwner as it was when the access began.
 */
export function guestAccess(hv: Host, a: GuestAccess): Promise<GuestAccessResult> {
  const { domain, count } = checkAccess(hv, a);
  const owner = hv.callOwner;
  return onVcpu(domain, a.vcpu, async () => {
    // A crashed domain's vCPUs do not run (docs/simulator.md).
    if (domain.crashed) return { outcome: 'crash', value: null, ioreqs: [] };
    if (a.kind === 'in' || a.kind === 'out') return portAccess(hv, domain, a, count, owner);
    return memoryAccess(hv, domain, a, count, owner);
  });
}

async function memoryAccess(hv: Host, domain: Domain, a: GuestAccess, count: number, owner: unknown): Promise<GuestAccessResult> {
  const write = a.kind === 'write';
  const size = BigInt(a.size);
  const df = a.df ?? false;
  const value = (a.value ?? 0n) & allOnes(a.size);
  const ioreqs: IoreqRecord[] = [];
  const outcomes = new Set<GuestAccessResult['outcome']>();
  let last: bigint | null = null;
  let remaining = count;
  let addr = a.addr;
  let buf = a.buffer;
  while (remaining > 0) {
    // Items left on this page in the direction of travel (at least one: an item may straddle the boundary);
    // with a buffer, also left on the buffer's page.
    let items = itemsInPage(addr, size, remaining, df);
    if (buf !== undefined) {
      items = Math.min(items, itemsInPage(buf, size, remaining, df));
      const page = bufferPage(hv, domain, buf >> 12n);
      if (page !== 'ok') return { outcome: page, value: null, ioreqs };
    }
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
        if (buf !== undefined) {
          // RAM to RAM (rep movs): the item moves between the buffer and the address.
          const b = (df ? buf - BigInt(i) * size : buf + BigInt(i) * size) & U64;
          if (write) writeRam(domain, at, a.size, readRam(domain, b, a.size));
          else writeRam(domain, b, a.size, readRam(domain, at, a.size));
        } else if (write) writeRam(domain, at, a.size, value);
        else last = readRam(domain, at, a.size);
      }
      outcomes.add('ram');
    } else if (path === 'discard') {
      outcomes.add('discarded');
    } else {
      let server: IoreqServer | undefined;
      if (path === 'ioreq-owner') {
        server = domain.ioreq.owner === null ? undefined : domain.servers.get(domain.ioreq.owner);
        // No owner (unmapped, or destroyed with pages left over): X86EMUL_RETRY.
        if (!server) return { outcome: 'retry', value: null, ioreqs };
        // An owner never enabled has no vp_eport in its slot: the send is refused (see send()).
      } else {
        server = selectServer(domain, hv.release, 'copy', addr, a.size, items, df)?.server;
      }
      if (server === undefined) {
        if (!write) last = allOnes(a.size);
        // The null handler's reads land in the buffer (all ones); its writes go nowhere.
        if (!write && buf !== undefined) domain.ram.write(Number(df ? (buf - BigInt(items - 1) * size) & U64 : buf), new Uint8Array(items * a.size).fill(0xff));
        outcomes.add('null');
      } else {
        const req = makeRecord(server.id, 'copy', write ? 'write' : 'read', addr, a.size, items, buf ?? (write ? value : 0n), df, buf !== undefined);
        // stdvga writes go through the buffered ring when the server has one and it has room.
        const buffered = write && buf === undefined && path === 'mmio' && bufferedEligible(addr, a.size, items) ? putBuffered(hv, domain, server, req, a.vcpu) : null;
        if (buffered) {
          ioreqs.push(req);
          // A handler playing the device model has seen the request before the access completes.
          hv.onPause?.(owner);
          await buffered;
        }
        else {
          const sent = await send(hv, domain, a.vcpu, server, req, ioreqs, false, owner);
          if (sent === 'crash') return { outcome: 'crash', value: null, ioreqs };
          if (!write) last = sent.data;
        }
        outcomes.add('ioreq');
      }
    }
    remaining -= items;
    addr = (df ? addr - BigInt(items) * size : addr + BigInt(items) * size) & U64;
    if (buf !== undefined) buf = (df ? buf - BigInt(items) * size : buf + BigInt(items) * size) & U64;
  }
  // One outcome per access: a request sent wins, then RAM, then the null handler, then a dropped write.
  const outcome = (['ioreq', 'ram', 'null', 'discarded'] as const).find((o) => outcomes.has(o))!;
  return { outcome, value: write || a.buffer !== undefined ? null : last, ioreqs };
}
