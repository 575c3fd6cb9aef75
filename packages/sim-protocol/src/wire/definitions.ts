/**
 * The daemon protocol's numbers as data (docs/protocol.md): its constants, the frame-kind table and the fixed
 * byte layouts of the frame header and of the binary payloads. The TypeScript codecs (frame.ts, payloads.ts)
 * read and write through these layouts, and include/xenmem/sim_protocol.h is generated from this module
 * (`npm run gen:c-header -w @xenmem/sim-protocol`), so a C client and the TypeScript side share one source.
 */

/** Version of the protocol a hello frame states; a daemon refuses any other. */
export const WIRE_PROTOCOL_VERSION = 1;
/**
 * Bits of hello's `features` field: what the client can read beyond version 1's frames. A daemon that does not
 * know a bit ignores it, so a client still reads the plain frames.
 */
export const HELLO_FEATURES = {
  /** hypercall_done frames of a failed call end with the simulator's reason (id and sentence as two buffers). */
  reasons: 0x1,
} as const;
/** Largest `length` a frame may have (1 MiB): a decoder refuses a larger prefix before buffering anything. */
export const MAX_FRAME_LENGTH = 1 << 20;
/** Bytes before the payload: the length prefix, the kind and the id. */
export const FRAME_HEADER = 9;
/** A shared page's size: ioreq pages are one 4 KiB x86 page. */
export const WIRE_PAGE_SIZE = 4096;

/** Frame kinds. Client requests are 0x01–0x3f, the daemon's replies 0x80–0x9f and its pushes 0xa0–0xbf. */
export const FrameKind = {
  // Session (binary)
  hello: 0x01,
  restrict: 0x02,
  // Xen's hypercalls (binary; Xen's own bytes)
  dmOp: 0x10,
  hvmOp: 0x11,
  acquireResource: 0x12,
  mapForeignGfn: 0x13,
  bindInterdomain: 0x14,
  unbindPort: 0x15,
  notify: 0x16,
  pageWrite: 0x17,
  // Shared memory (docs/protocol.md "Shared memory"): the ioreq pages and an event doorbell under /dev/shm
  shmOpen: 0x18,
  shmPage: 0x19,
  // Guest RAM (docs/protocol.md "Guest RAM"): memory_op populate_physmap, and foreign mappings of RAM as file offsets
  populatePhysmap: 0x1a,
  mapForeignBatch: 0x1b,
  // Xen's hypercalls (binary; Xen's own bytes): sched_op, as privcmd's IOCTL_PRIVCMD_HYPERCALL issues it
  schedOp: 0x1c,
  // Simulator control (small JSON bodies: no Xen struct exists for these)
  createDomain: 0x20,
  destroyDomain: 0x21,
  seedP2m: 0x22,
  guestAccess: 0x23,
  inspect: 0x24,
  // The client as device model (JSON bodies): forwarding of ioreqs to a connection's IoreqHandler
  setIoreqHandler: 0x25,
  ioreqAnswer: 0x26,
  // Benchmark control (JSON): guest accesses timed inside the daemon (`xenmem bench`, ioreq-roundtrip-daemon)
  benchGuestAccesses: 0x27,
  // Simulator control (JSON): the live domains' ids (`xenmem sim list`)
  listDomains: 0x28,
  // Simulator control (JSON): guest RAM bytes as the toolstack reads and writes them (`xenmem guest write-ram|read-ram`)
  guestRamWrite: 0x29,
  guestRamRead: 0x2a,
  // Replies
  welcome: 0x81,
  status: 0x82,
  json: 0x83,
  hypercallDone: 0x90,
  pages: 0x92,
  port: 0x94,
  ramMappings: 0x96,
  error: 0x9f,
  // Pushes
  pageUpdate: 0xa0,
  event: 0xa1,
  ioreqRequest: 0xa2,
} as const;
/** The name of a frame kind. */
export type FrameKindName = keyof typeof FrameKind;
/** The numeric value of a frame kind on the wire. */
export type FrameKindValue = (typeof FrameKind)[FrameKindName];

/** A little-endian integer field of a wire layout. */
export type WireFieldType = 'u8' | 'u16' | 'u32' | 'i32' | 'u64';

/** Bytes of each field type. */
export const WIRE_FIELD_SIZE: Readonly<Record<WireFieldType, number>> = { u8: 1, u16: 2, u32: 4, i32: 4, u64: 8 };

/** One field of a wire layout, at its byte offset (fields follow each other without padding). */
export interface WireField {
  /** The field's name (camelCase, as the TypeScript codecs name it; the C header writes it in snake_case). */
  readonly name: string;
  /** Its integer type, little-endian. */
  readonly type: WireFieldType;
  /** Byte offset from the start of the layout. */
  readonly offset: number;
}

/** A fixed byte layout: a payload, or the fixed head of a payload that continues with `tail`. */
export interface WireLayout {
  /** The field list, in wire order. */
  readonly fields: readonly WireField[];
  /** Total bytes of the fields. */
  readonly size: number;
  /** What follows the fixed part, for a payload of variable length; absent for a payload of exactly `size` bytes. */
  readonly tail?: string;
}

/** A field as a layout is written down: its name and type. */
export type WireFieldSpec = readonly [name: string, type: WireFieldType];

/** A wire layout whose field names and types are known to the type checker. */
export interface WireLayoutOf<S extends readonly WireFieldSpec[]> extends WireLayout {
  /** The fields of `S`, placed. */
  readonly fields: {
    readonly [I in keyof S]: {
      /** The field's name, as in `S`. */
      readonly name: S[I][0];
      /** Its integer type, as in `S`. */
      readonly type: S[I][1];
      /** Byte offset from the start of the layout. */
      readonly offset: number;
    };
  };
}

/** The values of a layout's fields by name: bigint for a u64, number for the others. */
export type WireLayoutValues<L extends WireLayout> = { [F in L['fields'][number] as F['name']]: F['type'] extends 'u64' ? bigint : number };

function layout<const S extends readonly WireFieldSpec[]>(fields: S, tail?: string): WireLayoutOf<S> {
  let offset = 0;
  const placed = fields.map(([name, type]) => {
    const field = { name, type, offset };
    offset += WIRE_FIELD_SIZE[type];
    return field;
  });
  return { fields: placed as unknown as WireLayoutOf<S>['fields'], size: offset, ...(tail !== undefined && { tail }) };
}

/**
 * The fixed layouts of the protocol: the frame header, each binary payload (or its fixed head), and the
 * repeated entries of variable payloads. Every integer is little-endian; there is no padding between fields.
 */
export const WIRE_LAYOUTS = {
  /** Every frame: `length` counts the bytes after itself (kind + id + payload). */
  frameHeader: layout([['length', 'u32'], ['kind', 'u8'], ['id', 'u32']], 'payload: length - 5 bytes'),
  /** A byte buffer inside a payload: its length, then that many bytes. */
  buffer: layout([['length', 'u32']], 'length bytes'),
  hello: layout([['protocol', 'u32'], ['caller', 'u16'], ['features', 'u16']]),
  restrict: layout([['domid', 'u16']]),
  status: layout([['rc', 'i32']]),
  dmOp: layout([['domid', 'u16'], ['nrBufs', 'u16']], 'nr_bufs buffers (u32 length | bytes)'),
  hvmOp: layout([['op', 'u32']], "the argument struct's bytes (the rest of the payload)"),
  schedOp: layout([['cmd', 'u32']], "the argument struct's bytes (the rest of the payload)"),
  hypercallDone: layout([['rc', 'i32'], ['continuations', 'u32'], ['progress', 'i32'], ['nrBufs', 'u16']], 'nr_bufs buffers (u32 length | bytes); then, if the hello asked for reasons and the call failed with one, the reason id and sentence (two buffers, UTF-8)'),
  acquireResource: layout([['domid', 'u16'], ['type', 'u16'], ['id', 'u32'], ['frame', 'u32'], ['nrFrames', 'u32']]),
  mapForeignGfn: layout([['domid', 'u16'], ['gfn', 'u64']]),
  pages: layout([['rc', 'i32'], ['count', 'u16']], 'count page entries'),
  /** One page of a pages reply: its handle, then the page's 4096 bytes. */
  pageEntry: layout([['handle', 'u32']], '4096 bytes of the page'),
  bindInterdomain: layout([['remoteDomid', 'u16'], ['remotePort', 'u32']]),
  port: layout([['rc', 'i32'], ['localPort', 'u32']]),
  localPort: layout([['port', 'u32']]),
  pageHandle: layout([['handle', 'u32']]),
  pageBytes: layout([['handle', 'u32'], ['offset', 'u32']], 'the bytes (the rest of the payload); offset + their length <= 4096'),
  /** memory_op(XENMEM_populate_physmap): xen_memory_reservation's fields, then its extent list. */
  populatePhysmap: layout([['domid', 'u16'], ['extentOrder', 'u32'], ['memFlags', 'u32'], ['nrExtents', 'u32']], 'nr_extents gfn entries (the first gpfn of each extent)'),
  /** A batch of guest frames to foreign-map (privcmd's MMAPBATCH_V2 array). */
  mapForeignBatch: layout([['domid', 'u16'], ['count', 'u32']], 'count gfn entries'),
  /** One guest frame number of a populate_physmap or map_foreign_batch payload. */
  gfnEntry: layout([['gfn', 'u64']]),
  /** map_foreign_batch's reply: the domain's RAM file, then one mapping per gfn asked for. */
  ramMappings: layout([['rc', 'i32'], ['count', 'u32'], ['pathLength', 'u16']], 'path_length bytes of the RAM file path (UTF-8, no NUL), then count ram_mapping entries'),
  /** One gfn of a ram_mappings reply: err 0 and the page's byte offset in the RAM file, or err −errno and offset 0. */
  ramMapping: layout([['offset', 'u64'], ['err', 'i32']]),
} as const;
/** The name of a wire layout. */
export type WireLayoutName = keyof typeof WIRE_LAYOUTS;

/** How a frame kind's payload is laid out: a binary layout, a JSON body, or nothing. */
export type FrameBody =
  | {
      /** The layout the payload is, or begins with. */
      readonly binary: WireLayoutName;
    }
  | 'json'
  | 'empty';

/** Each frame kind's payload (docs/protocol.md's frame table). */
export const FRAME_BODIES: Readonly<Record<FrameKindName, FrameBody>> = {
  hello: { binary: 'hello' },
  restrict: { binary: 'restrict' },
  dmOp: { binary: 'dmOp' },
  hvmOp: { binary: 'hvmOp' },
  acquireResource: { binary: 'acquireResource' },
  mapForeignGfn: { binary: 'mapForeignGfn' },
  bindInterdomain: { binary: 'bindInterdomain' },
  unbindPort: { binary: 'localPort' },
  notify: { binary: 'localPort' },
  pageWrite: { binary: 'pageBytes' },
  shmOpen: 'empty',
  shmPage: { binary: 'pageHandle' },
  populatePhysmap: { binary: 'populatePhysmap' },
  mapForeignBatch: { binary: 'mapForeignBatch' },
  schedOp: { binary: 'schedOp' },
  createDomain: 'json',
  destroyDomain: 'json',
  seedP2m: 'json',
  guestAccess: 'json',
  inspect: 'json',
  setIoreqHandler: 'json',
  ioreqAnswer: 'json',
  benchGuestAccesses: 'json',
  listDomains: 'json',
  guestRamWrite: 'json',
  guestRamRead: 'json',
  welcome: 'json',
  status: { binary: 'status' },
  json: 'json',
  hypercallDone: { binary: 'hypercallDone' },
  pages: { binary: 'pages' },
  port: { binary: 'port' },
  ramMappings: { binary: 'ramMappings' },
  error: 'json',
  pageUpdate: { binary: 'pageBytes' },
  event: { binary: 'localPort' },
  ioreqRequest: 'json',
};
