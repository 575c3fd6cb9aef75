/**
 * A guest's memory or port access, routed as Xen routes it (reference §6.6–6.7):
 * - RAM types are accessed directly (a write to a log-dirty page marks it dirty and makes it ram_rw);
 * - writes to ram_ro / grant_map_ro are silently dropped;
 * - p2m_ioreq_server pages (4.9+): reads come from RAM (Xen emulates the read half itself), writes go
 *   to the claiming server without consulting rangesets, and with no owner the access is retried;
 *   before 4.9 (and for mmio_write_dm) such writes are routed like any MMIO write;
 * - emulated MMIO, holes and port I/O go to the server chosen by rangeset, else the null handler
 *   (reads all ones, writes dropped);
 * - paged-out pages are retried (paging in); a broken page crashes the domain.
 * A rep MMIO is cut at page boundaries so that no request spans two gfns.
 */
import { IOREQ_SERVER_RULES, InputError, entryAt, type GuestAccess, type GuestAccessResult } from '@xenmem/abi-types';
import type { Domain } from '../domain.js';
import type { Hypervisor } from '../hypervisor.js';
import { readRam, writeRam } from './memory.js';
import { latchCf8, selectServer } from './route.js';
import type { IoreqRecord } from './ioreq.js';

type AccessResult = GuestAccessResult;

const P2M = { ram_rw: 0, invalid: 1, logdirty: 2, ram_ro: 3, mmio_dm: 4, mmio_direct: 5, pod: 6, grant_rw: 7, grant_ro: 8, paging_out: 9, paged: 10, paging_in: 11, shared: 12, broken: 13, foreign: 14, type15: 15 } as const;
const DIRECT_RAM = new Set<number>([P2M.ram_rw, P2M.grant_rw, P2M.foreign]);
const DISCARD_WRITE = new Set<number>([P2M.ram_ro, P2M.grant_ro]);
const PAGING = new Set<number>([P2M.paging_out, P2M.paged, P2M.paging_in]);
const PAGE = 4096n;

const allOnes = (size: number) => (1n << BigInt(8 * size)) - 1n;

function checkAccess(hv: Hypervisor, a: GuestAccess): { domain: Domain; count: number } {
  const domain = hv.lookupDomain(a.domid);
  if (!domain || !domain.hvm) throw new InputError('domid', a.domid, 'is not a running HVM guest');
  if (!Number.isInteger(a.vcpu) || a.vcpu < 0 || a.vcpu >= domain.vcpus) throw new InputError('vcpu', a.vcpu, `does not exist in domain ${a.domid} (it has ${domain.vcpus})`);
  if (![1, 2, 4, 8].includes(a.size)) throw new InputError('size', a.size, 'is not 1, 2, 4 or 8');
  const count = a.count ?? 1;
  if (!Number.isInteger(count) || count < 1 || count > 0xffffffff) throw new InputError('count', count, 'must be 1 … 2^32−1');
  if (typeof a.addr !== 'bigint' || a.addr < 0n || a.addr > 0xffffffffffffffffn) throw new InputError('addr', a.addr, 'must be a 64-bit unsigned bigint');
  if ((a.kind === 'in' || a.kind === 'out') && a.addr > 0xffffn) throw new InputError('port', a.addr, 'is above 0xffff');
  if (a.value !== undefined && (typeof a.value !== 'bigint' || a.value < 0n || a.value > 0xffffffffffffffffn)) throw new InputError('value', a.value, 'must be a 64-bit unsigned bigint');
  return { domain, count };
}

/** Sends one request to a server's device model and returns what a read gets back. */
function send(hv: Hypervisor, domain: Domain, req: IoreqRecord, out: IoreqRecord[]): bigint {
  const answer = hv.ioreqHandler(domain.domid, req);
  if (req.dir === 'read') req.data = (answer ?? allOnes(req.size)) & allOnes(req.size);
  out.push(req);
  return req.data;
}

function portAccess(hv: Hypervisor, domain: Domain, a: GuestAccess, count: number): AccessResult {
  const dir = a.kind === 'in' ? 'read' : 'write';
  const value = a.value ?? 0n;
  if (dir === 'write') latchCf8(domain, a.addr, a.size, value);
  const hit = selectServer(domain, hv.release, 'pio', a.addr, a.size, count, a.df ?? false);
  if (!hit) return { outcome: 'null', value: dir === 'read' ? allOnes(a.size) : null, ioreqs: [] };
  const ioreqs: IoreqRecord[] = [];
  const data = send(hv, domain, { server: hit.server.id, type: hit.type, dir, addr: hit.addr, size: a.size, count, data: dir === 'write' ? value & allOnes(a.size) : 0n, df: a.df ?? false, buffered: false }, ioreqs);
  return { outcome: 'ioreq', value: dir === 'read' ? data : null, ioreqs };
}

/** An MMIO access Xen emulates: by rangeset to a server, else the null handler. Cut at page boundaries. */
function emulatedMmio(hv: Hypervisor, domain: Domain, a: GuestAccess, count: number, forceServer?: number): AccessResult {
  const dir = a.kind === 'read' ? 'read' : 'write';
  const size = BigInt(a.size);
  const ioreqs: IoreqRecord[] = [];
  let remaining = count;
  let addr = a.addr;
  let value: bigint | null = null;
  while (remaining > 0) {
    // Items left on this page in the direction of travel.
    const room = a.df ? (addr % PAGE) / size + 1n : (PAGE - (addr % PAGE)) / size;
    const items = Math.max(1, Math.min(remaining, Number(room)));
    const target = forceServer !== undefined ? { server: domain.servers.get(forceServer)!, type: 'copy' as const, addr } : selectServer(domain, hv.release, 'copy', addr, a.size, items, a.df ?? false);
    if (!target) {
      if (dir === 'read') value = allOnes(a.size);
    } else {
      const data = send(hv, domain, { server: target.server.id, type: 'copy', dir, addr, size: a.size, count: items, data: dir === 'write' ? (a.value ?? 0n) & allOnes(a.size) : 0n, df: a.df ?? false, buffered: false }, ioreqs);
      if (dir === 'read') value = data;
    }
    remaining -= items;
    addr = a.df ? addr - BigInt(items) * size : addr + BigInt(items) * size;
  }
  return { outcome: ioreqs.length ? 'ioreq' : 'null', value: dir === 'read' ? value : null, ioreqs };
}

export function guestAccess(hv: Hypervisor, a: GuestAccess): AccessResult {
  const { domain, count } = checkAccess(hv, a);
  if (a.kind === 'in' || a.kind === 'out') return portAccess(hv, domain, a, count);
  const gfn = a.addr >> 12n;
  let type = hv.p2mTypeAt(domain.domid, gfn);
  const write = a.kind === 'write';
  if (type === P2M.pod) {
    domain.p2m.set(Number(gfn), 1, P2M.ram_rw); // populated on first touch
    type = P2M.ram_rw;
  }
  if (PAGING.has(type)) return { outcome: 'retry', value: null, ioreqs: [] };
  if (type === P2M.broken) return { outcome: 'crash', value: null, ioreqs: [] };
  const direct = (): AccessResult => {
    const step = BigInt(a.size);
    let last = 0n;
    for (let i = 0; i < count; i++) {
      const at = a.df ? a.addr - BigInt(i) * step : a.addr + BigInt(i) * step;
      if (write) writeRam(domain, at, a.size, a.value ?? 0n);
      else last = readRam(domain, at, a.size);
    }
    return { outcome: 'ram', value: write ? null : last, ioreqs: [] };
  };
  if (DIRECT_RAM.has(type)) return direct();
  if (type === P2M.logdirty || type === P2M.shared) {
    if (write) {
      // The write fault logs the page dirty and makes it writable (a shared page is unshared first).
      if (type === P2M.logdirty) domain.p2m.markDirty(Number(gfn), 1);
      domain.p2m.set(Number(gfn), 1, P2M.ram_rw);
    }
    return direct();
  }
  if (DISCARD_WRITE.has(type)) return write ? { outcome: 'discarded', value: null, ioreqs: [] } : direct();
  if (type === P2M.type15) {
    if (!write) return direct();
    if (entryAt(IOREQ_SERVER_RULES, hv.release)!.ioreqServerPages === 'owner') {
      // 4.9+: the claiming server gets every write; no owner (unmapped or destroyed) → retry.
      if (domain.ioreq.owner === null || !domain.servers.has(domain.ioreq.owner)) return { outcome: 'retry', value: null, ioreqs: [] };
      return emulatedMmio(hv, domain, a, count, domain.ioreq.owner);
    }
    return emulatedMmio(hv, domain, a, count);
  }
  // mmio_dm, holes (invalid), passthrough MMIO without a device behind it: emulated.
  return emulatedMmio(hv, domain, a, count);
}
