/**
 * A small stand-in for Xen 4.22's side of an ioreq server, byte-exact where the device model can see it:
 * the dm_op buffers (decoded and answered with the generated layouts), the shared ioreq page and the
 * buffered ring (written as ioreq_send / ioreq_send_buffered write them, xen/common/ioreq.c @ RELEASE-4.22.0), event channels
 * between one guest (domain 1) and one device-model domain (0). It records every call, in order, so tests
 * can assert the sequence a client produced. Until the simulator grows acquire_resource and event channels,
 * the IoreqServer tests run against this.
 */
import { CONST, CONSTANTS, ERRNO, decodeDmOp, decodeIoreqSlot, encodeIoreqSlot, ioreqSlotOffset, ioreqSlotState, setIoreqSlotState, dmOpByName, type LayoutId, decodeStruct, encodeStructAt, type ErrnoName, type HypercallOutcome, type SharedPage, type XenBackend } from '@xenmem/abi-types';

export const GUEST = 1;
/** The ioreq-server gfn pool the simulator uses too (HVM_PARAM_IOREQ_SERVER_PFN): 0xfeff0 upwards. */
export const FIRST_GFN = 0xfeff0n;
/** The device-model domain already has ports up to here in use (xenstore, console, …); binds start above. */
export const FIRST_LOCAL_PORT = 10;

const PAGE = 4096;
const SLOT_NUM = 511;
const { none: NONE, ready: READY, inprocess: INPROCESS, iorsp_ready: IORESP_READY } = CONST.ioreq_state;
const TYPES = CONSTANTS.ioreq_type.members;

/** One entry of the fake's log: the op in Xen's words and what it was given / returned. */
export interface LoggedCall {
  op: string;
  args: Record<string, unknown>;
  rc: number;
}

class Page implements SharedPage {
  constructor(readonly bytes: Uint8Array = new Uint8Array(PAGE)) {}
  read(offset: number, length: number): Uint8Array {
    return this.bytes.slice(offset, offset + length);
  }
  write(offset: number, bytes: Uint8Array): void {
    this.bytes.set(bytes, offset);
  }
}

interface Server {
  id: number;
  bufioreq: number;
  enabled: boolean;
  vcpuPorts: number[];
  bufioreqPort: number | null;
  ioreq: Page;
  ring: Page | null;
  pages: 'none' | 'gfns' | 'resource';
  gfns: { ioreq: bigint; ring: bigint | null } | null;
  ranges: { type: number; start: bigint; end: bigint }[];
}

/** A guest request waiting for the device model, as a blocked vCPU in hvm_wait_for_io. */
interface Waiter {
  server: Server;
  vcpu: number;
  resolve(data: bigint): void;
  reject(error: Error): void;
}

export interface SyncRequest {
  type: 'pio' | 'copy' | 'pci_config' | 'timeoffset' | 'invalidate';
  dir: 'read' | 'write';
  addr: bigint;
  size: number;
  count?: number;
  data?: bigint;
  df?: boolean;
  dataIsPtr?: boolean;
}

export class FakeXen implements XenBackend {
  readonly release = '4.22';
  readonly log: LoggedCall[] = [];
  readonly servers = new Map<number, Server>();
  /** Owner of the ioreq_server memory type (p2m->ioreq.server). */
  claimOwner: number | null = null;
  /** Whether XENMEM_acquire_resource exists (false: EOPNOTSUPP, as before 4.11). */
  acquireResourceSupported = true;
  private readonly failures = new Map<string, ErrnoName>();
  private nextGuestPort = 1;
  private nextGfn = FIRST_GFN;
  /** DM-side local port ↔ guest-side remote port. */
  private readonly localToRemote = new Map<number, number>();
  private readonly remoteToLocal = new Map<number, number>();
  private readonly pendingPorts: number[] = [];
  private pendingWaiter: ((port: number) => void) | null = null;
  private readonly waiters: Waiter[] = [];

  constructor(readonly vcpus = 2) {}

  /** The next call of `op` fails with `code` and does nothing. */
  failNext(op: string, code: ErrnoName): void {
    this.failures.set(op, code);
  }

  /** The ops logged, in order (names only). */
  ops(): string[] {
    return this.log.map((c) => c.op);
  }

  private fail(op: string, args: Record<string, unknown>): number {
    const code = this.failures.get(op);
    if (code === undefined) return 0;
    this.failures.delete(op);
    const rc = -ERRNO[code].value;
    this.log.push({ op, args, rc });
    return rc;
  }

  private done(op: string, args: Record<string, unknown>, rc = 0): number {
    this.log.push({ op, args, rc });
    return rc;
  }

  async dmOp(_caller: number, domid: number, bufs: Uint8Array[]): Promise<HypercallOutcome> {
    const buf0 = bufs[0]!;
    const op = decodeDmOp(buf0);
    const name = op.name ?? `dm_op ${op.op}`;
    const p = op.payload!;
    const rc = this.fail(name, p) || (domid !== GUEST ? this.done(name, p, -ERRNO.ESRCH.value) : this.handle(name, p));
    if (rc === 0) encodeStructAt(dmOpByName(name).struct as LayoutId, p as never, buf0, 8);
    return { rc, continuations: 0, progress: null };
  }

  async hvmOp(): Promise<HypercallOutcome> {
    return { rc: -ERRNO.ENOSYS.value, continuations: 0, progress: null };
  }

  private handle(name: string, p: Record<string, unknown>): number {
    const s = this.servers.get(p.id as number);
    const noServer = () => this.done(name, { ...p }, -ERRNO.ENOENT.value);
    switch (name) {
      case 'create_ioreq_server': {
        const id = [...Array(8).keys()].find((i) => !this.servers.has(i))!;
        const vcpuPorts = Array.from({ length: this.vcpus }, () => this.nextGuestPort++);
        const bufioreq = p.handle_bufioreq as number;
        this.servers.set(id, {
          id, bufioreq, enabled: false, vcpuPorts, bufioreqPort: bufioreq ? this.nextGuestPort++ : null,
          ioreq: new Page(), ring: bufioreq ? new Page() : null, pages: 'none', gfns: null, ranges: [],
        });
        p.id = id;
        return this.done(name, { handle_bufioreq: bufioreq, id });
      }
      case 'get_ioreq_server_info': {
        if (!s) return noServer();
        const noGfns = ((p.flags as number) & 1) !== 0;
        if (!noGfns) {
          if (s.pages === 'resource') return this.done(name, { id: s.id, flags: p.flags }, -ERRNO.EPERM.value);
          if (s.gfns === null) s.gfns = { ioreq: this.nextGfn++, ring: s.ring ? this.nextGfn++ : null };
          s.pages = 'gfns';
          p.ioreq_gfn = s.gfns.ioreq;
          if (s.gfns.ring !== null) p.bufioreq_gfn = s.gfns.ring;
        }
        if (s.bufioreqPort !== null) p.bufioreq_port = s.bufioreqPort;
        return this.done(name, { id: s.id, flags: p.flags });
      }
      case 'map_io_range_to_ioreq_server':
      case 'unmap_io_range_from_ioreq_server':
        if (!s) return noServer();
        if (name.startsWith('map')) s.ranges.push({ type: p.type as number, start: p.start as bigint, end: p.end as bigint });
        else s.ranges = s.ranges.filter((r) => !(r.type === p.type && r.start === p.start && r.end === p.end));
        return this.done(name, { id: s.id, type: p.type, start: p.start, end: p.end });
      case 'map_mem_type_to_ioreq_server': {
        const args = { id: p.id, type: p.type, flags: p.flags };
        if (!s) return noServer();
        if (p.flags === 0) {
          if (this.claimOwner !== s.id) return this.done(name, args, -ERRNO.EINVAL.value);
          this.claimOwner = null;
        } else {
          if (this.claimOwner !== null) return this.done(name, args, -ERRNO.EBUSY.value);
          this.claimOwner = s.id;
        }
        return this.done(name, args);
      }
      case 'set_ioreq_server_state':
        if (!s) return noServer();
        s.enabled = p.enabled !== 0;
        if (s.enabled) {
          // ioreq_server_enable: gfn pages leave the physmap and are cleared; each vCPU's port is published.
          if (s.pages === 'gfns') {
            s.ioreq.bytes.fill(0);
            s.ring?.bytes.fill(0);
          }
          s.vcpuPorts.forEach((port, vcpu) => encodeStructAt('ioreq', { vp_eport: port }, s.ioreq.bytes, ioreqSlotOffset(vcpu)));
        }
        return this.done(name, { id: s.id, enabled: p.enabled });
      case 'destroy_ioreq_server':
        if (!s) return noServer();
        this.servers.delete(s.id);
        if (this.claimOwner === s.id) this.claimOwner = null;
        return this.done(name, { id: s.id });
      default:
        return this.done(name, p, -ERRNO.EOPNOTSUPP.value);
    }
  }

  async acquireResource(_caller: number, domid: number, type: number, id: number, frame: number, nrFrames: number): Promise<{ rc: number; pages: SharedPage[] }> {
    const args = { domid, type, id, frame, nrFrames };
    const failed = this.fail('acquire_resource', args);
    if (failed) return { rc: failed, pages: [] };
    if (!this.acquireResourceSupported) return { rc: this.done('acquire_resource', args, -ERRNO.EOPNOTSUPP.value), pages: [] };
    const s = this.servers.get(id);
    if (!s || type !== 0) return { rc: this.done('acquire_resource', args, -ERRNO.ENOENT.value), pages: [] };
    if (s.pages === 'gfns') return { rc: this.done('acquire_resource', args, -ERRNO.EPERM.value), pages: [] };
    const frames: (Page | null)[] = [s.ring, s.ioreq];
    const pages = frames.slice(frame, frame + nrFrames);
    if (pages.length !== nrFrames || pages.some((pg) => pg === null)) return { rc: this.done('acquire_resource', args, -ERRNO.EINVAL.value), pages: [] };
    s.pages = 'resource';
    this.done('acquire_resource', args);
    return { rc: 0, pages: pages as Page[] };
  }

  async mapForeignGfn(_caller: number, domid: number, gfn: bigint): Promise<{ rc: number; page: SharedPage | null }> {
    const args = { domid, gfn };
    const failed = this.fail('foreignmemory_map', args);
    if (failed) return { rc: failed, page: null };
    for (const s of this.servers.values()) {
      if (s.gfns?.ioreq === gfn) return (this.done('foreignmemory_map', args), { rc: 0, page: s.ioreq });
      if (s.gfns?.ring === gfn && s.ring) return (this.done('foreignmemory_map', args), { rc: 0, page: s.ring });
    }
    return { rc: this.done('foreignmemory_map', args, -ERRNO.EINVAL.value), page: null };
  }

  async bindInterdomain(_caller: number, remoteDomid: number, remotePort: number): Promise<{ rc: number; localPort: number }> {
    const args = { remoteDomid, remotePort };
    const failed = this.fail('bind_interdomain', args);
    if (failed) return { rc: failed, localPort: 0 };
    if (remoteDomid !== GUEST || this.remoteToLocal.has(remotePort) || remotePort === 0 || remotePort >= this.nextGuestPort)
      return { rc: this.done('bind_interdomain', args, -ERRNO.EINVAL.value), localPort: 0 };
    let localPort = FIRST_LOCAL_PORT;
    while (this.localToRemote.has(localPort)) localPort++;
    this.localToRemote.set(localPort, remotePort);
    this.remoteToLocal.set(remotePort, localPort);
    this.done('bind_interdomain', { ...args, localPort });
    return { rc: 0, localPort };
  }

  async unbindPort(_caller: number, localPort: number): Promise<number> {
    const remote = this.localToRemote.get(localPort);
    if (remote === undefined) return this.done('unbind', { localPort }, -ERRNO.EINVAL.value);
    this.localToRemote.delete(localPort);
    this.remoteToLocal.delete(remote);
    return this.done('unbind', { localPort });
  }

  /** The device model notifies: wakes a vCPU waiting on that channel (hvm_wait_for_io). */
  async notify(_caller: number, localPort: number): Promise<number> {
    const remote = this.localToRemote.get(localPort);
    if (remote === undefined) return this.done('notify', { localPort }, -ERRNO.EINVAL.value);
    this.done('notify', { localPort });
    for (const w of [...this.waiters]) {
      if (w.server.vcpuPorts[w.vcpu] !== remote) continue;
      const slot = decodeIoreqSlot(w.server.ioreq.bytes, w.vcpu);
      if (slot.state === READY || slot.state === INPROCESS) continue; // not answered yet: keep waiting
      this.waiters.splice(this.waiters.indexOf(w), 1);
      if (slot.state !== IORESP_READY) {
        w.reject(new Error(`domain_crash: vCPU ${w.vcpu} slot in state ${slot.state}`));
        continue;
      }
      // The response is taken and the slot returned to NONE.
      encodeIoreqSlot(w.server.ioreq.bytes, w.vcpu, { ...slot, state: NONE });
      w.resolve(slot.data);
    }
    return 0;
  }

  async pending(_caller: number, signal?: AbortSignal): Promise<number> {
    const ready = this.pendingPorts.shift();
    if (ready !== undefined) return ready;
    return new Promise<number>((resolve, reject) => {
      const onAbort = () => {
        this.pendingWaiter = null;
        reject(Object.assign(new Error('pending() was aborted'), { name: 'AbortError' }));
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pendingWaiter = (port) => {
        signal?.removeEventListener('abort', onAbort);
        this.pendingWaiter = null;
        resolve(port);
      };
    });
  }

  /** Xen notifies a guest-side port: the bound local port becomes pending (an unbound one drops the event). */
  sendEvent(remotePort: number): void {
    const local = this.remoteToLocal.get(remotePort);
    if (local === undefined) return;
    if (this.pendingWaiter) this.pendingWaiter(local);
    else this.pendingPorts.push(local);
  }

  /**
   * ioreq_send for vCPU `vcpu`: refuses a slot not in NONE; writes the request with state NONE, sets READY,
   * notifies the vCPU's port, and resolves with `data` once the device model answered.
   */
  ioreq(serverId: number, vcpu: number, r: SyncRequest): Promise<bigint> {
    const s = this.servers.get(serverId);
    if (!s || !s.enabled) throw new Error(`server ${serverId} is not enabled`);
    const at = ioreqSlotOffset(vcpu);
    const slot = decodeStruct('ioreq', s.ioreq.bytes, at);
    if (slot.state !== NONE || slot.vp_eport !== s.vcpuPorts[vcpu]) throw new Error('device model set bad IO state');
    encodeStructAt('ioreq', {
      addr: r.addr, data: r.data ?? 0n, count: r.count ?? 1, size: r.size, vp_eport: slot.vp_eport, state: NONE,
      data_is_ptr: r.dataIsPtr ? 1 : 0, dir: r.dir === 'read' ? 1 : 0, df: r.df ? 1 : 0, type: TYPES.find((t) => t.name === r.type)!.value,
    }, s.ioreq.bytes, at);
    setIoreqSlotState(s.ioreq.bytes, vcpu, READY);
    const done = new Promise<bigint>((resolve, reject) => this.waiters.push({ server: s, vcpu, resolve, reject }));
    this.sendEvent(s.vcpuPorts[vcpu]!);
    return done;
  }

  /** Sets a slot's state directly (to show what the device model does with a slot not in READY). */
  setSlotState(serverId: number, vcpu: number, state: number): void {
    const s = this.servers.get(serverId)!;
    setIoreqSlotState(s.ioreq.bytes, vcpu, state);
  }

  /** Notifies a vCPU's port without a request (a spurious event). */
  kick(serverId: number, vcpu: number): void {
    this.sendEvent(this.servers.get(serverId)!.vcpuPorts[vcpu]!);
  }

  /**
   * ioreq_send_buffered: a write of one item below 1 MiB; 8 bytes take two slots. Returns false when the
   * ring is full (Xen then sends it synchronously). ATOMIC mode canonicalises the pointers afterwards.
   */
  buffered(serverId: number, r: { type: 'pio' | 'copy' | 'timeoffset'; addr: bigint; size: 1 | 2 | 4 | 8; data: bigint }): boolean {
    const s = this.servers.get(serverId)!;
    const ring = s.ring!.bytes;
    const view = new DataView(ring.buffer);
    const qw = r.size === 8 ? 1 : 0;
    const read = view.getUint32(0, true);
    const write = view.getUint32(4, true);
    if (((write - read) >>> 0) >= SLOT_NUM - qw) return false;
    const bp = { type: TYPES.find((t) => t.name === r.type)!.value, dir: 0, size: Math.log2(r.size), addr: Number(r.addr), data: Number(r.data & 0xffffffffn) };
    encodeStructAt('buf_ioreq', bp, ring, 8 + (write % SLOT_NUM) * 8);
    if (qw) encodeStructAt('buf_ioreq', { ...bp, data: Number(r.data >> 32n) }, ring, 8 + ((write + 1) % SLOT_NUM) * 8);
    view.setUint32(4, (write + qw + 1) >>> 0, true);
    if (s.bufioreq === 2) {
      const n = Math.floor(view.getUint32(0, true) / SLOT_NUM) * SLOT_NUM;
      view.setUint32(0, view.getUint32(0, true) - n, true);
      view.setUint32(4, view.getUint32(4, true) - n, true);
    }
    this.sendEvent(s.bufioreqPort!);
    return true;
  }

  /** The ring's read and write pointers. */
  ringPointers(serverId: number): { read: number; write: number } {
    const view = new DataView(this.servers.get(serverId)!.ring!.bytes.buffer);
    return { read: view.getUint32(0, true), write: view.getUint32(4, true) };
  }

  /** A vCPU slot's state as the device model left it. */
  slotState(serverId: number, vcpu: number): number {
    return ioreqSlotState(this.servers.get(serverId)!.ioreq.bytes, vcpu);
  }
}
