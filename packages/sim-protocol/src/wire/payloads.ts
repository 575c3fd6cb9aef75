/**
 * Payload layouts of the binary frame kinds (docs/protocol.md). All integers little-endian; a byte
 * buffer is `u32 length | bytes`. Decoders throw a (non-fatal) WireError on a payload that is short, has
 * trailing bytes, or holds a value out of range.
 */
import type { XenErrorReason } from '@xenmem/abi-types';
import { WIRE_LAYOUTS, WIRE_PAGE_SIZE, type WireLayout, type WireLayoutValues } from './definitions.js';
import { readFields, writeFields } from './fields.js';
import { WireError } from './frame.js';

const L = WIRE_LAYOUTS;

const UTF8 = new TextEncoder();
const UTF8D = new TextDecoder('utf-8', { fatal: true });

class Writer {
  private readonly parts: Uint8Array[] = [];
  private size = 0;
  bytes(b: Uint8Array): this {
    this.parts.push(b);
    this.size += b.length;
    return this;
  }
  buffer(b: Uint8Array): this {
    return this.fields(L.buffer, { length: b.length }).bytes(b);
  }
  fields<T extends WireLayout>(layout: T, values: WireLayoutValues<T>): this {
    const b = new Uint8Array(layout.size);
    writeFields(new DataView(b.buffer), 0, layout, values);
    return this.bytes(b);
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
  bytes(n: number): Uint8Array {
    const at = this.need(n);
    return this.bytes_.slice(at, at + n);
  }
  buffer(): Uint8Array {
    return this.bytes(this.fields(L.buffer).length);
  }
  fields<T extends WireLayout>(layout: T): WireLayoutValues<T> {
    return readFields(this.view, this.need(layout.size), layout);
  }
  rest(): Uint8Array {
    return this.bytes(this.bytes_.length - this.at);
  }
  atEnd(): boolean {
    return this.at === this.bytes_.length;
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
  /**
   * u16: {@link HELLO_FEATURES} bits the client reads (absent or 0: none, the frames of version 1 exactly). Bits a
   * daemon does not know are ignored.
   */
  features?: number;
}
/** hello: u32 protocol | u16 caller domid | u16 features. */
export const encodeHello = (h: Hello) => new Writer().fields(L.hello, { protocol: h.protocol, caller: h.caller, features: h.features ?? 0 }).done();
/** Decodes a hello payload. */
export function decodeHello(p: Uint8Array): Hello {
  const r = new Reader(p, 'hello');
  const { protocol, caller, features } = r.fields(L.hello);
  return r.end({ protocol, caller, ...(features !== 0 && { features }) });
}

/** restrict: u16 domid. */
export const encodeRestrict = (domid: number) => new Writer().fields(L.restrict, { domid }).done();
/** Decodes a restrict payload: the domid. */
export const decodeRestrict = (p: Uint8Array) => {
  const r = new Reader(p, 'restrict');
  return r.end(r.fields(L.restrict).domid);
};

/** status: i32 rc (0 or −errno). */
export const encodeStatus = (rc: number) => new Writer().fields(L.status, { rc }).done();
/** Decodes a status payload: rc (0 or −errno). */
export const decodeStatus = (p: Uint8Array) => {
  const r = new Reader(p, 'status');
  return r.end(r.fields(L.status).rc);
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
  const w = new Writer().fields(L.dmOp, { domid: q.domid, nrBufs: q.bufs.length });
  for (const b of q.bufs) w.buffer(b);
  return w.done();
}
/** Decodes a DM op request payload. */
export function decodeDmOpRequest(p: Uint8Array): DmOpRequest {
  const r = new Reader(p, 'dm_op');
  const { domid, nrBufs } = r.fields(L.dmOp);
  const bufs: Uint8Array[] = [];
  for (let i = 0; i < nrBufs; i++) bufs.push(r.buffer());
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
export const encodeHvmOpRequest = (q: HvmOpRequest) => new Writer().fields(L.hvmOp, { op: q.op }).bytes(q.arg).done();
/** Decodes an HVMOP request payload. */
export function decodeHvmOpRequest(p: Uint8Array): HvmOpRequest {
  const r = new Reader(p, 'hvm_op');
  const { op } = r.fields(L.hvmOp);
  return { op, arg: r.rest() };
}

/** A sched_op request: the SCHEDOP_* command and its argument bytes. */
export interface SchedOpRequest {
  /** u32: `HYPERVISOR_sched_op`'s `cmd` (e.g. SCHEDOP_remote_shutdown). */
  cmd: number;
  /** The argument struct's bytes (the rest of the payload), e.g. `struct sched_remote_shutdown`. */
  arg: Uint8Array;
}
/** sched_op: u32 cmd | the argument struct's bytes (the rest). */
export const encodeSchedOpRequest = (q: SchedOpRequest) => new Writer().fields(L.schedOp, { cmd: q.cmd }).bytes(q.arg).done();
/** Decodes a sched_op request payload. */
export function decodeSchedOpRequest(p: Uint8Array): SchedOpRequest {
  const r = new Reader(p, 'sched_op');
  const { cmd } = r.fields(L.schedOp);
  return { cmd, arg: r.rest() };
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
  /**
   * Two buffers after the others, only to a client whose hello asked for {@link HELLO_FEATURES}.reasons and only
   * when the call failed with a reason: the check that failed (id, then sentence, UTF-8).
   */
  reason?: XenErrorReason;
}
/**
 * hypercall_done: i32 rc | u32 continuations | i32 progress (−1: none) | u16 nr_bufs | nr_bufs × buffer, then
 * (when `reason` is given) buffer reason id | buffer reason sentence. Pass the reason only to a client that asked.
 */
export function encodeHypercallDone(d: HypercallDone): Uint8Array {
  const w = new Writer().fields(L.hypercallDone, { rc: d.rc, continuations: d.continuations, progress: d.progress ?? -1, nrBufs: d.bufs.length });
  for (const b of d.bufs) w.buffer(b);
  if (d.reason) w.buffer(UTF8.encode(d.reason.id)).buffer(UTF8.encode(d.reason.message));
  return w.done();
}
/** Decodes a hypercall-done payload. */
export function decodeHypercallDone(p: Uint8Array): HypercallDone {
  const r = new Reader(p, 'hypercall_done');
  const { rc, continuations, progress, nrBufs } = r.fields(L.hypercallDone);
  const bufs: Uint8Array[] = [];
  for (let i = 0; i < nrBufs; i++) bufs.push(r.buffer());
  const done: HypercallDone = { rc, continuations, progress: progress < 0 ? null : progress, bufs };
  if (!r.atEnd()) done.reason = { id: UTF8D.decode(r.buffer()), message: UTF8D.decode(r.buffer()) };
  return r.end(done);
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
export const encodeAcquireResource = (q: AcquireResourceRequest) => new Writer().fields(L.acquireResource, q).done();
/** Decodes an acquire_resource request payload. */
export function decodeAcquireResource(p: Uint8Array): AcquireResourceRequest {
  const r = new Reader(p, 'acquire_resource');
  return r.end(r.fields(L.acquireResource));
}

/** A map_foreign_gfn request: one guest frame to foreign-map (`xenforeignmemory_map` of a single page). */
export interface MapForeignGfnRequest {
  /** u16: the guest owning the frame. */
  domid: number;
  /** u64: the guest frame number, e.g. an ioreq page's gfn that HVMOP/DMOP get_ioreq_server_info returned. */
  gfn: bigint;
}
/** map_foreign_gfn: u16 domid | u64 gfn. */
export const encodeMapForeignGfn = (q: MapForeignGfnRequest) => new Writer().fields(L.mapForeignGfn, q).done();
/** Decodes a map-foreign-gfn payload: domid and gfn. */
export function decodeMapForeignGfn(p: Uint8Array): MapForeignGfnRequest {
  const r = new Reader(p, 'map_foreign_gfn');
  return r.end(r.fields(L.mapForeignGfn));
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
  const w = new Writer().fields(L.pages, { rc: d.rc, count: d.pages.length });
  for (const pg of d.pages) w.fields(L.pageEntry, { handle: pg.handle }).bytes(pg.bytes);
  return w.done();
}
/** Decodes a pages reply: rc and the mapped pages. */
export function decodePages(p: Uint8Array): PagesReply {
  const r = new Reader(p, 'pages');
  const { rc, count } = r.fields(L.pages);
  const pages: MappedPage[] = [];
  for (let i = 0; i < count; i++) pages.push({ handle: r.fields(L.pageEntry).handle, bytes: r.bytes(WIRE_PAGE_SIZE) });
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
export const encodeBindInterdomain = (q: BindInterdomainRequest) => new Writer().fields(L.bindInterdomain, q).done();
/** Decodes a bind-interdomain payload: remote domid and port. */
export function decodeBindInterdomain(p: Uint8Array): BindInterdomainRequest {
  const r = new Reader(p, 'bind_interdomain');
  return r.end(r.fields(L.bindInterdomain));
}

/** The port reply to bind_interdomain. */
export interface PortReply {
  /** i32: 0, or −errno (EINVAL for a remote port that is not unbound or not offered to the caller). */
  rc: number;
  /** u32: the caller's new local port, named by later notify, unbind_port and event frames; 0 when rc is not 0. */
  localPort: number;
}
/** port: i32 rc | u32 local port. */
export const encodePort = (d: PortReply) => new Writer().fields(L.port, d).done();
/** Decodes a port reply: rc and the local port. */
export function decodePort(p: Uint8Array): PortReply {
  const r = new Reader(p, 'port');
  return r.end(r.fields(L.port));
}

/** unbind_port, notify, event: u32 local port. */
export const encodeLocalPort = (port: number) => new Writer().fields(L.localPort, { port }).done();
/** Decodes a local-port payload. */
export const decodeLocalPort = (p: Uint8Array) => {
  const r = new Reader(p, 'port');
  return r.end(r.fields(L.localPort).port);
};

/** shm_page: u32 handle (a page this connection mapped). */
export const encodePageHandle = (handle: number) => new Writer().fields(L.pageHandle, { handle }).done();
/** Decodes a page-handle payload. */
export const decodePageHandle = (p: Uint8Array) => {
  const r = new Reader(p, 'shm_page');
  return r.end(r.fields(L.pageHandle).handle);
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
export const encodePageBytes = (d: PageBytes) => new Writer().fields(L.pageBytes, d).bytes(d.bytes).done();
/** Decodes a page-bytes payload. */
export function decodePageBytes(p: Uint8Array): PageBytes {
  const r = new Reader(p, 'page bytes');
  const { handle, offset } = r.fields(L.pageBytes);
  const bytes = r.rest();
  if (offset + bytes.length > WIRE_PAGE_SIZE) throw new WireError(`page bytes [${offset}, ${offset + bytes.length}) run past the ${WIRE_PAGE_SIZE}-byte page`);
  return { handle, offset, bytes };
}

// ---- guest RAM (docs/protocol.md "Guest RAM")

/** A populate_physmap request: `xen_memory_reservation`'s fields and its extent list. */
export interface PopulatePhysmapRequest {
  /** u16: the domain to populate (`.domid`; DOMID_SELF for the caller itself). */
  domid: number;
  /** u32: pages per extent are 2^extentOrder (`.extent_order`). */
  extentOrder: number;
  /** u32: XENMEMF_* flags (`.mem_flags`), e.g. XENMEMF_populate_on_demand. */
  memFlags: number;
  /** u32 nr_extents, then that many u64: the first gpfn of each extent (`.extent_start`'s array). */
  gpfns: bigint[];
}
/** populate_physmap: u16 domid | u32 extent_order | u32 mem_flags | u32 nr_extents | nr_extents × u64 gpfn. */
export function encodePopulatePhysmap(q: PopulatePhysmapRequest): Uint8Array {
  const w = new Writer().fields(L.populatePhysmap, { domid: q.domid, extentOrder: q.extentOrder, memFlags: q.memFlags, nrExtents: q.gpfns.length });
  for (const gfn of q.gpfns) w.fields(L.gfnEntry, { gfn });
  return w.done();
}
/** Decodes a populate_physmap payload; nr_extents must match the gpfns that follow. */
export function decodePopulatePhysmap(p: Uint8Array): PopulatePhysmapRequest {
  const r = new Reader(p, 'populate_physmap');
  const { domid, extentOrder, memFlags, nrExtents } = r.fields(L.populatePhysmap);
  if (p.length !== L.populatePhysmap.size + nrExtents * L.gfnEntry.size) throw new WireError(`populate_physmap names ${nrExtents} extents but carries ${p.length - L.populatePhysmap.size} bytes of gpfns`);
  const gpfns: bigint[] = [];
  for (let i = 0; i < nrExtents; i++) gpfns.push(r.fields(L.gfnEntry).gfn);
  return r.end({ domid, extentOrder, memFlags, gpfns });
}

/** A map_foreign_batch request: guest frames to map from the domain's RAM file. */
export interface MapForeignBatchRequest {
  /** u16: the guest owning the frames. */
  domid: number;
  /** u32 count, then that many u64 gfns (1 … {@link MAX_FOREIGN_BATCH}; the daemon answers more with EINVAL). */
  gfns: bigint[];
}
/** Gfns one map_foreign_batch may name: 65536 (256 MiB of guest RAM). */
export const MAX_FOREIGN_BATCH = 65536;
/** map_foreign_batch: u16 domid | u32 count | count × u64 gfn. */
export function encodeMapForeignBatch(q: MapForeignBatchRequest): Uint8Array {
  const w = new Writer().fields(L.mapForeignBatch, { domid: q.domid, count: q.gfns.length });
  for (const gfn of q.gfns) w.fields(L.gfnEntry, { gfn });
  return w.done();
}
/** Decodes a map_foreign_batch payload; count must match the gfns that follow. */
export function decodeMapForeignBatch(p: Uint8Array): MapForeignBatchRequest {
  const r = new Reader(p, 'map_foreign_batch');
  const { domid, count } = r.fields(L.mapForeignBatch);
  if (p.length !== L.mapForeignBatch.size + count * L.gfnEntry.size) throw new WireError(`map_foreign_batch names ${count} gfns but carries ${p.length - L.mapForeignBatch.size} bytes of them`);
  const gfns: bigint[] = [];
  for (let i = 0; i < count; i++) gfns.push(r.fields(L.gfnEntry).gfn);
  return r.end({ domid, gfns });
}

/** One gfn of a ram_mappings reply. */
export interface RamMapping {
  /** u64: the page's byte offset in the RAM file (gfn × 4096) when `err` is 0, else 0n. */
  offset: bigint;
  /** i32: 0, or −errno as MMAPBATCH_V2 puts it in its err array (−ENOENT paged out, −EINVAL not RAM). */
  err: number;
}

/** The ram_mappings reply to map_foreign_batch. */
export interface RamMappingsReply {
  /** i32: 0, or −errno for the whole call (ESRCH, EPERM, EINVAL for a count out of range, EOPNOTSUPP without RAM files); then `path` is "" and `mappings` empty. */
  rc: number;
  /** u16 path_length, then the RAM file's path (UTF-8): open it and mmap(MAP_SHARED|MAP_FIXED) each page at its offset. */
  path: string;
  /** u32 count, then per gfn asked for, in order: err 0 and the page's offset in the file (gfn × 4096), or err −errno and offset 0n. */
  mappings: RamMapping[];
}
/** ram_mappings: i32 rc | u32 count | u16 path_length | path | count × (u64 offset | i32 err). */
export function encodeRamMappings(d: RamMappingsReply): Uint8Array {
  const path = UTF8.encode(d.path);
  const w = new Writer().fields(L.ramMappings, { rc: d.rc, count: d.mappings.length, pathLength: path.length }).bytes(path);
  for (const m of d.mappings) w.fields(L.ramMapping, m);
  return w.done();
}
/** Decodes a ram_mappings reply. */
export function decodeRamMappings(p: Uint8Array): RamMappingsReply {
  const r = new Reader(p, 'ram_mappings');
  const { rc, count, pathLength } = r.fields(L.ramMappings);
  const path = UTF8D.decode(r.bytes(pathLength));
  const mappings: RamMapping[] = [];
  for (let i = 0; i < count; i++) mappings.push(r.fields(L.ramMapping));
  return r.end({ rc, path, mappings });
}
