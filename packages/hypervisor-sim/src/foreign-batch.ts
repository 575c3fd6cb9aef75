/**
 * Guest RAM reached from outside the guest: a device model's batch of foreign mappings (privcmd's
 * IOCTL_PRIVCMD_MMAPBATCH_V2, answered as offsets in the domain's RAM file), and the toolstack's reads and
 * writes of RAM bytes (guest_ram_read / guest_ram_write, docs/protocol.md "Guest RAM").
 */
import { ERRNO, InputError, XenError } from '@xenmem/abi-types';
import { MAX_FOREIGN_BATCH, MAX_GUEST_RAM_BYTES } from '@xenmem/sim-protocol';
import type { Domain } from './domain.js';
import { fail, OK } from './errno.js';
import type { Host } from './host.js';
import { PAGE_SIZE } from './ioreq/pages.js';
import { ramGfnCheck } from './resource.js';


/** What map_foreign_batch answers: the RAM file and, per gfn, its offset there or an errno. */
export interface ForeignBatch {
  /** 0, or −errno for the whole call (then `path` is null and `errs` empty). */
  rc: number;
  /** The domain's RAM file, mapped with MAP_SHARED; null when rc is not 0 or the RAM is not in a file. */
  path: string | null;
  /** Per gfn: 0 (mapped at `gfn × 4096` in the file) or −errno, as MMAPBATCH_V2 fills its err array. */
  errs: number[];
}

/**
 * Maps a batch of gfns for `caller`: the domain checks of a foreign mapping (ESRCH, EPERM), then each gfn as
 * map_foreign_gfn decides. A server's ioreq page set up as a gfn does not live in the RAM file: EINVAL there
 * (map_foreign_gfn maps it). Without a RAM file (the in-process backend) the call is EOPNOTSUPP.
 */
export function mapForeignBatch(hv: Host, caller: number, domid: number, gfns: bigint[]): ForeignBatch {
  const none = (rc: number): ForeignBatch => ({ rc, path: null, errs: [] });
  if (gfns.length === 0 || gfns.length > MAX_FOREIGN_BATCH) return none(-ERRNO.EINVAL.value);
  const domain = hv.lookupDomain(domid);
  if (!domain) return none(fail('ESRCH', 'domain-missing'));
  if (!domain.isPrivilegedFor(caller)) return none(fail('EPERM', 'not-privileged'));
  if (domain.ram.path === null) return none(-ERRNO.EOPNOTSUPP.value);
  const ioreqGfns = new Set<bigint>();
  for (const s of domain.servers.values()) if (s.pages.kind === 'gfns') for (const g of [s.pages.ioreqGfn, s.pages.bufioreqGfn]) if (g !== null) ioreqGfns.add(g);
  const errs = gfns.map((gfn) => {
    if (typeof gfn !== 'bigint' || gfn < 0n || gfn >= 1n << 64n) return fail('EINVAL', 'gfn-range');
    if (ioreqGfns.has(gfn)) return -ERRNO.EINVAL.value;
    const rc = ramGfnCheck(hv, domid, gfn);
    if (rc === OK) domain.ram.exposed(Number(gfn), 1);
    return rc;
  });
  return { rc: OK, path: domain.ram.path, errs };
}

/** The guest whose RAM a toolstack reads or writes, and the range checked against its frames. */
function ramRange(hv: Host, domid: number, gpa: bigint, length: number): Domain {
  const domain = domid === 0 ? undefined : hv.lookupDomain(domid);
  if (!domain) throw new XenError('ESRCH', 'guest_ram', `domain ${domid} is not a guest of this host`);
  if (!Number.isInteger(length) || length < 1 || length > MAX_GUEST_RAM_BYTES) throw new InputError('length', length, `must be 1 … ${MAX_GUEST_RAM_BYTES} bytes`);
  const end = BigInt(domain.maxGpfn + 1) * BigInt(PAGE_SIZE);
  if (typeof gpa !== 'bigint' || gpa < 0n || gpa + BigInt(length) > end)
    throw new InputError('gpa', typeof gpa === 'bigint' ? `0x${gpa.toString(16)}` : gpa, `with ${length} bytes runs past the guest's RAM (frames 0 … 0x${domain.maxGpfn.toString(16)}, end 0x${end.toString(16)})`);
  return domain;
}

/** The RAM bytes [gpa, gpa + length), whatever the p2m says of those frames. */
export function guestRamRead(hv: Host, domid: number, gpa: bigint, length: number): Uint8Array {
  return ramRange(hv, domid, gpa, length).ram.read(Number(gpa), length);
}

/** Writes RAM bytes at gpa, whatever the p2m says of those frames. */
export function guestRamWrite(hv: Host, domid: number, gpa: bigint, bytes: Uint8Array): void {
  if (!(bytes instanceof Uint8Array)) throw new InputError('bytes', bytes, 'must be a Uint8Array');
  ramRange(hv, domid, gpa, bytes.length).ram.write(Number(gpa), bytes);
}
