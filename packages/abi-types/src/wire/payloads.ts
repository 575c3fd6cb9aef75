/**
 * Payload layouts of the binary frame kinds (docs/protocol.md). All integers little-endian; a byte
 * buffer is `u32 length | bytes`. Decoders throw a (non-fatal) WireError on a payload that is short, has
 * trailing bytes, or holds a value out of range.
 */
import { WIRE_PAGE_SIZE, WireError } from './frame.js';

class Writer {
  private readonly parts: Uint8Array[] = [];
  private size = 0;
  private put(n: number, fill: (v: DataView) => void): this {
    const b = new Uint8Array(n);
    fill(new DataView(b.buffer));
    return this.bytes(b);
  }
  u16(v: number): this {
    return this.put(2, (d) => d.setUint16(0, v, true));
  }
  u32(v: number): this {
    return this.put(4, (d) => d.setUint32(0, v >>> 0, true));
  }
  i32(v: number): this {
    return this.put(4, (d) => d.setInt32(0, v, true));
  }
  u64(v: bigint): this {
    return this.put(8, (d) => d.setBigUint64(0, v, true));
  }
  bytes(b: Uint8Array): this {
    this.parts.push(b);
    this.size += b.length;
    return this;
  }
  buffer(b: Uint8Array): this {
    return this.u32(b.length).bytes(b);
  }
  done(): Uint8Array {
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const p of this.parts) (out.set(p, at), (at += p.length));
    return out;
  }
}

class Reader {
  private at = 0;
  private readonly view: DataView;
  constructor(private readonly bytes_: Uint8Array, private readonly what: string) {
    this.view = new DataView(bytes_.buffer, bytes_.byteOffset, bytes_.byteLength);
  }
  private need(n: number): number {
    if (this.at + n > this.bytes_.length) throw new WireError(`${this.what} payload is truncated (${this.bytes_.length} bytes)`);
    const at = this.at;
    this.at += n;
    return at;
  }
  u16(): number {
    return this.view.getUint16(this.need(2), true);
  }
  u32(): number {
    return this.view.getUint32(this.need(4), true);
  }
  i32(): number {
    return this.view.getInt32(this.need(4), true);
  }
  u64(): bigint {
    return this.view.getBigUint64(this.need(8), true);
  }
  bytes(n: number): Uint8Array {
    const at = this.need(n);
    return this.bytes_.slice(at, at + n);
  }
  buffer(): Uint8Array {
    return this.bytes(this.u32());
  }
  rest(): Uint8Array {
    return this.bytes(this.bytes_.length - this.at);
  }
  end<T>(value: T): T {
    if (this.at !== this.bytes_.length) throw new WireError(`${this.what} payload has ${this.bytes_.length - this.at} trailing bytes`);
    return value;
  }
}

// ---- hello / welcome / restrict / status

/** The hello payload: the protocol version and the calling domain. */
export interface Hello {
  /**
   * u32: the protocol version the client speaks, {@link WIRE_PROTOCOL_VERSION} (1). A daemon answers any other
   * value with an error frame and closes the connection.
   */
  protocol: number;
  /**
   * u16: the domain every later frame of the connection acts for (as privcmd's caller would be on Xen); Xen's
   * permission rules apply to it (e.g. 0 is privileged, a device-model domain only reaches the guests whose `dm`
   * it is). A reserved domid (≥ 0x7ff0, DOMID_FIRST_RESERVED) is refused with an error frame.
   */
  caller: number;
}
/** hello: u32 protocol | u16 caller domid | u16 zero. */
export const encodeHello = (h: Hello) => new Writer().u32(h.protocol).u16(h.caller).u16(0).done();
/** Decodes a hello payload. */
export function decodeHello(p: Uint8Array): Hello {
  const r = new Reader(p, 'hello');
  const protocol = r.u32();
  const caller = r.u16();
  r.u16();
  return r.end({ protocol, caller });
}

/** restrict: u16 domid. */
export const encodeRestrict = (domid: number) => new Writer().u16(domid).done();
/** Decodes a restrict payload: the domid. */
export const decodeRestrict = (p: Uint8Array) => {
  const r = new Reader(p, 'restrict');
  return r.end(r.u16());
};

/** status: i32 rc (0 or −errno). */
export const encodeStatus = (rc: number) => new Writer().i32(rc).done();
/** Decodes a status payload: rc (0 or −errno). */
export const decodeStatus = (p: Uint8Array) => {
  const r = new Reader(p, 'status');
  return r.end(r.i32());
};

// ---- hypercalls

/** A DM op request: the target domain and the op's buffers. */
export interface DmOpRequest {
  /** u16: the target domain, `HYPERVISOR_dm_op`'s `domid` argument (a restricted connection may name only its own). */
  domid: number;
  /**
   * The `xen_dm_op_buf`s' contents in order (at most 65535; each a u32-length-prefixed buffer on the wire): buffer 0
   * holds the `xen_dm_op` struct, later ones the op's extra arrays. The hypervisor copies results back into them,
   * returned by hypercall_done.
   */
  bufs: Uint8Array[];
}
/** dm_op: u16 domid | u16 nr_bufs | nr_bufs × buffer — the buffers exactly as HYPERVISOR_dm_op takes them. */
export function encodeDmOpRequest(q: DmOpRequest): Uint8Array {
  const w = new Writer().u16(q.domid).u16(q.bufs.length);
  for (const b of q.bufs) w.buffer(b);
  return w.done();
}
/** Decodes a DM op request payload. */
export function decodeDmOpRequest(p: Uint8Array): DmOpRequest {
  const r = new Reader(p, 'dm_op');
  const domid = r.u16();
  const n = r.u16();
  const bufs: Uint8Array[] = [];
  for (let i = 0; i < n; i++) bufs.push(r.buffer());
  return r.end({ domid, bufs });
}

/** An HVMOP request: the op number and its argument bytes. */
export interface HvmOpRequest {
  /**
   * u32: `HYPERVISOR_hvm_op`'s `op` (e.g. HVMOP_set_mem_type = 8), with the continuation bits Xen ≤ 4.8 keeps in
   * its upper bits (HVMOP_op_mask 0xff) when a client resumes a preempted call by hand.
   */
  op: number;
  /**
   * The argument struct's bytes (the rest of the payload), laid out as the release's `xen_hvm_*` struct; the
   * target domain is the struct's `domid` field. Copied back, as Xen does, in hypercall_done's one buffer.
   */
  arg: Uint8Array;
}
/** hvm_op: u32 op (with any ≤4.8 continuation bits) | the argument struct's bytes (the rest). */
export const encodeHvmOpRequest = (q: HvmOpRequest) => new Writer().u32(q.op).bytes(q.arg).done();
/** Decodes an HVMOP request payload. */
export function decodeHvmOpRequest(p: Uint8Array): HvmOpRequest {
  const r = new Reader(p, 'hvm_op');
  const op = r.u32();
  return { op, arg: r.rest() };
}

/** A hypercall's completion: rc and the buffers it wrote back. */
export interface HypercallDone {
  /** i32: the hypercall's return code, 0 or −errno (never −ERESTART: the daemon follows continuations itself). */
  rc: number;
  /** u32: how many preemption points fired (hypercall continuations Xen would have created), 0 if none. */
  continuations: number;
  /**
   * i32 on the wire, −1 for null: for ops with a per-page loop (set_mem_type, modified_memory), the pages
   * processed before the call returned or failed; null for other ops.
   */
  progress: number | null;
  /** The buffers after the call (Xen copies results back into them). */
  bufs: Uint8Array[];
}
/** hypercall_done: i32 rc | u32 continuations | i32 progress (−1: none) | u16 nr_bufs | nr_bufs × buffer. */
export function encodeHypercallDone(d: HypercallDone): Uint8Array {
  const w = new Writer().i32(d.rc).u32(d.continuations).i32(d.progress ?? -1).u16(d.bufs.length);
  for (const b of d.bufs) w.buffer(b);
  return w.done();
}
/** Decodes a hypercall-done payload. */
export function decodeHypercallDone(p: Uint8Array): HypercallDone {
  const r = new Reader(p, 'hypercall_done');
  const rc = r.i32();
  const continuations = r.u32();
  const progress = r.i32();
  const n = r.u16();
  const bufs: Uint8Array[] = [];
  for (let i = 0; i < n; i++) bufs.push(r.buffer());
  return r.end({ rc, continuations, progress: progress < 0 ? null : progress, bufs });
}

/** An acquire_resource request: domain, resource type and id, first frame and frame count. */
export interface AcquireResourceRequest {
  /** u16: the domain owning the resource (`xen_mem_acquire_resource.domid`). */
  domid: number;
  /** u16: the resource type (`.type`): 0 is XENMEM_resource_ioreq_server, 1 grant_table, 2 vmtrace_buf. */
  type: number;
  /** u32: which resource of that type (`.id`): for an ioreq server, its server id. */
  id: number;
  /** u32: the first frame wanted (`.frame`); for an ioreq server 0 is the buffered page, 1 + n synchronous page n. */
  frame: number;
  /**
   * u32: how many frames from `frame` (`.nr_frames`). The pages reply must fit in a 1 MiB frame, so at most 255
   * (each page travels with its 4096 bytes).
   */
  nrFrames: number;
}
/** acquire_resource: u16 domid | u16 type | u32 id | u32 frame | u32 nr_frames (xen_mem_acquire_resource's fields). */
export const encodeAcquireResource = (q: AcquireResourceRequest) => new Writer().u16(q.domid).u16(q.type).u32(q.id).u32(q.frame).u32(q.nrFrames).done();
/** Decodes an acquire_resource request payload. */
export function decodeAcquireResource(p: Uint8Array): AcquireResourceRequest {
  const r = new Reader(p, 'acquire_resource');
  return r.end({ domid: r.u16(), type: r.u16(), id: r.u32(), frame: r.u32(), nrFrames: r.u32() });
}

/** A map_foreign_gfn request: one guest frame to foreign-map (`xenforeignmemory_map` of a single page). */
export interface MapForeignGfnRequest {
  /** u16: the guest owning the frame. */
  domid: number;
  /** u64: the guest frame number, e.g. an ioreq page's gfn that HVMOP/DMOP get_ioreq_server_info returned. */
  gfn: bigint;
}
/** map_foreign_gfn: u16 domid | u64 gfn. */
export const encodeMapForeignGfn = (q: MapForeignGfnRequest) => new Writer().u16(q.domid).u64(q.gfn).done();
/** Decodes a map-foreign-gfn payload: domid and gfn. */
export function decodeMapForeignGfn(p: Uint8Array): MapForeignGfnRequest {
  const r = new Reader(p, 'map_foreign_gfn');
  return r.end({ domid: r.u16(), gfn: r.u64() });
}

/** One page mapped for the client. */
export interface MappedPage {
  /** The connection's handle for the page, named by later page_write and page_update frames. */
  handle: number;
  /** The page's bytes at mapping time (4096). */
  bytes: Uint8Array;
}
/** The pages reply to acquire_resource and map_foreign_gfn. */
export interface PagesReply {
  /** i32: 0, or −errno as the hypercall returned it (then `pages` is empty). */
  rc: number;
  /**
   * u16 count, then the pages in frame order: `nrFrames` of them for acquire_resource, one for
   * map_foreign_gfn, none when rc is not 0.
   */
  pages: MappedPage[];
}
/** pages: i32 rc | u16 n | n × (u32 handle | 4096 bytes). */
export function encodePages(d: PagesReply): Uint8Array {
  const w = new Writer().i32(d.rc).u16(d.pages.length);
  for (const pg of d.pages) w.u32(pg.handle).bytes(pg.bytes);
  return w.done();
}
/** Decodes a pages reply: rc and the mapped pages. */
export function decodePages(p: Uint8Array): PagesReply {
  const r = new Reader(p, 'pages');
  const rc = r.i32();
  const n = r.u16();
  const pages: MappedPage[] = [];
  for (let i = 0; i < n; i++) pages.push({ handle: r.u32(), bytes: r.bytes(WIRE_PAGE_SIZE) });
  return r.end({ rc, pages });
}

/** A bind_interdomain request: `EVTCHNOP_bind_interdomain`'s remote end. */
export interface BindInterdomainRequest {
  /** u16: the remote domain (for an ioreq server's ports, the guest). */
  remoteDomid: number;
  /**
   * u32: the remote domain's unbound port offered to the caller (for an ioreq server, a vCPU's port from
   * get_ioreq_server_info's page, or the buffered-ioreq port).
   */
  remotePort: number;
}
/** bind_interdomain: u16 remote domid | u32 remote port. */
export const encodeBindInterdomain = (q: BindInterdomainRequest) => new Writer().u16(q.remoteDomid).u32(q.remotePort).done();
/** Decodes a bind-interdomain payload: remote domid and port. */
export function decodeBindInterdomain(p: Uint8Array): BindInterdomainRequest {
  const r = new Reader(p, 'bind_interdomain');
  return r.end({ remoteDomid: r.u16(), remotePort: r.u32() });
}

/** The port reply to bind_interdomain. */
export interface PortReply {
  /** i32: 0, or −errno (EINVAL for a remote port that is not unbound or not offered to the caller). */
  rc: number;
  /** u32: the caller's new local port, named by later notify, unbind_port and event frames; 0 when rc is not 0. */
  localPort: number;
}
/** port: i32 rc | u32 local port. */
export const encodePort = (d: PortReply) => new Writer().i32(d.rc).u32(d.localPort).done();
/** Decodes a port reply: rc and the local port. */
export function decodePort(p: Uint8Array): PortReply {
  const r = new Reader(p, 'port');
  return r.end({ rc: r.i32(), localPort: r.u32() });
}

/** unbind_port, notify, event: u32 local port. */
export const encodeLocalPort = (port: number) => new Writer().u32(port).done();
/** Decodes a local-port payload. */
export const decodeLocalPort = (p: Uint8Array) => {
  const r = new Reader(p, 'port');
  return r.end(r.u32());
};

/** shm_page: u32 handle (a page this connection mapped). */
export const encodePageHandle = (handle: number) => new Writer().u32(handle).done();
/** Decodes a page-handle payload. */
export const decodePageHandle = (p: Uint8Array) => {
  const r = new Reader(p, 'shm_page');
  return r.end(r.u32());
};

/** The bytes of one page, with its identity. */
export interface PageBytes {
  /** u32: the connection's handle for a page it mapped, as the pages reply gave it. */
  handle: number;
  /** u32: byte offset in the 4096-byte page where `bytes` start. */
  offset: number;
  /**
   * The changed (page_update) or written (page_write) run, the rest of the payload; `offset` + its length ≤ 4096,
   * else the decoder throws a WireError (EINVAL).
   */
  bytes: Uint8Array;
}
/** page_write, page_update: u32 handle | u32 offset | bytes (the rest); offset + length ≤ 4096. */
export const encodePageBytes = (d: PageBytes) => new Writer().u32(d.handle).u32(d.offset).bytes(d.bytes).done();
/** Decodes a page-bytes payload. */
export function decodePageBytes(p: Uint8Array): PageBytes {
  const r = new Reader(p, 'page bytes');
  const handle = r.u32();
  const offset = r.u32();
  const bytes = r.rest();
  if (offset + bytes.length > WIRE_PAGE_SIZE) throw new WireError(`page bytes [${offset}, ${offset + bytes.length}) run past the ${WIRE_PAGE_SIZE}-byte page`);
  return { handle, offset, bytes };
}
