/**
 * JSON bodies: the simulator-control frames (no Xen struct exists for them), the benchmark-control frame, the ioreq forwarding frames
 * (set_ioreq_handler, ioreq_request, ioreq_answer), the json reply, the welcome reply and error frames. 64-bit values travel as "0x…" strings, as in every xenmem JSON document; these
 * functions convert the fields that hold them, so each side works with the backend interface's own types.
 */
import type { DomainInspection, GuestAccess, GuestAccessOutcome, GuestAccessResult, IoreqRecord } from '../simulator-backend.js';
import { InputError, type XenErrorReason } from '@xenmem/abi-types';
import { WireError } from './frame.js';

const text = new TextEncoder();
const untext = new TextDecoder('utf-8', { fatal: true });

/**
 * A bigint outside the fields converted below (e.g. in an inspected event's args) travels tagged as
 * `{ "$bigint": "0x…" }`, so that it comes back a bigint.
 */
const BIGINT_TAG = '$bigint';

/** Encodes a JSON frame body as UTF-8; bigints travel as tagged "0x…" strings. */
export function encodeJson(value: unknown): Uint8Array {
  return text.encode(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? { [BIGINT_TAG]: hex(v) } : v)));
}

function revive(_k: string, v: unknown): unknown {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    const keys = Object.keys(v);
    const tagged = (v as Record<string, unknown>)[BIGINT_TAG];
    if (keys.length === 1 && typeof tagged === 'string' && /^0x[0-9a-f]+$/i.test(tagged)) return BigInt(tagged);
  }
  return v;
}

/** Parses a JSON body; anything but a JSON object (or null) is a WireError. */
export function decodeJson(payload: Uint8Array, what: string): Record<string, unknown> | null {
  let v: unknown;
  try {
    v = JSON.parse(untext.decode(payload), revive);
  } catch {
    throw new WireError(`${what} body is not UTF-8 JSON`);
  }
  if (v !== null && (typeof v !== 'object' || Array.isArray(v))) throw new WireError(`${what} body is not a JSON object`);
  return v as Record<string, unknown> | null;
}

/** Formats a bigint as a "0x…" hex string, as every xenmem JSON document writes 64-bit values. */
export const hex = (v: bigint) => `0x${v.toString(16)}`;

/** A "0x…" (or decimal) string or a safe integer as a bigint. */
export function big(v: unknown, field: string): bigint {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
  if (typeof v === 'string' && /^(0x[0-9a-f]+|[0-9]+)$/i.test(v)) return BigInt(v);
  throw new WireError(`${field} must be a "0x…" string or an integer`);
}

/** welcome: the daemon's protocol version and Xen release. */
export interface Welcome {
  /** The protocol version the daemon speaks: the hello's, {@link WIRE_PROTOCOL_VERSION} (1). */
  protocol: number;
  /** The Xen release the daemon's hypervisor models, e.g. "4.22": the backend's `release` on the client side. */
  release: string;
  /** Whether the daemon offers the shared-memory transport (shm_open); absent from daemons without it. */
  shm?: boolean;
  /**
   * The daemon's xenstore socket (docs/protocol.md "Xenstore socket"): where XENSTORED_PATH should point for
   * Xen's libxenstore; absent from daemons without one.
   */
  xenstore?: string;
}

/**
 * shm_open's reply: the daemon's shared-memory arena (a file under /dev/shm holding every shared ioreq page)
 * and where this connection's doorbell page lies in it.
 */
export interface ShmOpenReply {
  /** The arena file. */
  path: string;
  /** Its size in bytes (a multiple of 4096). */
  size: number;
  /** Byte offset of this connection's doorbell page. */
  doorbell: number;
}

/** shm_page's reply: where a page this connection mapped lies in the arena. */
export interface ShmPageReply {
  /** Byte offset of the page in the arena (a multiple of 4096). */
  offset: number;
}


/** error: why a request failed. `errno` is Xen's positive errno when the failure is a Xen error, else 0. */
export interface ErrorBody {
  /**
   * The positive errno: 22 EINVAL for a malformed frame, 7 E2BIG for an oversized one, 110 ETIMEDOUT for a frame
   * not finished in time, 24 EMFILE beyond maxConnections, 1 EPERM for a restricted connection, 5 EIO when a
   * state-file write failed; 0 when a simulator-control argument was refused (then `argument` says which).
   */
  errno: number;
  /** What went wrong, for a person to read (the client puts it in the error it throws). */
  message: string;
  /** For an unusable argument of a simulator-control frame (InputError): which one, e.g. "count" or "domid". */
  argument?: string;
  /** With `argument`: the value that was refused, as it arrived (bigints tagged as `{ "$bigint": "0x…" }`). */
  value?: unknown;
  /** Why the daemon itself refused the request, an id of DAEMON_REASONS (reasons.ts): with errno 5, `state-not-durable`. */
  reason?: XenErrorReason;
}

/** The JSON form of a guest access. */
export function guestAccessToJson(a: GuestAccess): Record<string, unknown> {
  return { ...a, addr: hex(a.addr), ...(a.value !== undefined && { value: hex(a.value) }), ...(a.buffer !== undefined && { buffer: hex(a.buffer) }) };
}

/** Reads a guest access back from its JSON form. */
export function guestAccessFromJson(j: Record<string, unknown>): GuestAccess {
  return { ...(j as unknown as GuestAccess), addr: big(j.addr, 'addr'), ...(j.value !== undefined && { value: big(j.value, 'value') }), ...(j.buffer !== undefined && { buffer: big(j.buffer, 'buffer') }) };
}

const ioreqToJson = (r: IoreqRecord) => ({ ...r, addr: hex(r.addr), data: hex(r.data) });
const ioreqFromJson = (j: Record<string, unknown>): IoreqRecord => ({ ...(j as unknown as IoreqRecord), addr: big(j.addr, 'addr'), data: big(j.data, 'data') });

/** The JSON form of a guest access result. */
export function guestAccessResultToJson(r: GuestAccessResult): Record<string, unknown> {
  return { outcome: r.outcome, value: r.value === null ? null : hex(r.value), ioreqs: r.ioreqs.map(ioreqToJson) };
}

/** Reads a guest access result back from its JSON form. */
export function guestAccessResultFromJson(j: Record<string, unknown>): GuestAccessResult {
  const ioreqs = Array.isArray(j.ioreqs) ? (j.ioreqs as Record<string, unknown>[]).map(ioreqFromJson) : [];
  return { outcome: j.outcome as GuestAccessResult['outcome'], value: j.value === null ? null : big(j.value, 'value'), ioreqs };
}

/** The JSON form of a domain inspection. */
export function inspectionToJson(d: DomainInspection): Record<string, unknown> {
  return { ...d, p2m: d.p2m.map((r) => ({ ...r, first: hex(r.first), count: hex(r.count) })) };
}

/** Reads a domain inspection back from its JSON form. */
export function inspectionFromJson(j: Record<string, unknown>): DomainInspection {
  const p2m = (j.p2m as Record<string, unknown>[]).map((r) => ({ ...(r as object), first: big(r.first, 'first'), count: big(r.count, 'count') }));
  return { ...(j as unknown as DomainInspection), p2m: p2m as DomainInspection['p2m'] };
}

/** The JSON body of a seed_p2m frame: a run of guest frames given one p2m type, as a toolstack's populate would. */
export interface SeedP2mJson {
  /** The guest (not domain 0); it must exist. */
  domid: number;
  /** The first guest frame number, as "0x…"; the run must lie within 0 … the domain's maxGpfn. */
  first_pfn: string;
  /** How many frames from `first_pfn` (≥ 1). */
  nr: number;
  /** Xen's internal `p2m_type_t` number at the daemon's release (0 p2m_ram_rw …, at most 15), not an hvmmem value. */
  p2m: number;
}

/** seed_p2m: { domid, first_pfn: "0x…", nr, p2m: internal type number }. */
export const seedP2mToJson = (domid: number, firstPfn: bigint, nr: number, p2mType: number): SeedP2mJson => ({ domid, first_pfn: hex(firstPfn), nr, p2m: p2mType });

// ---- ioreq forwarding: the client plays the device model (docs/protocol.md "Ioreq handlers")

/** The JSON body of a set_ioreq_handler frame. */
export interface SetIoreqHandlerJson {
  /**
   * true: forward to this connection the requests of servers whose emulator is its caller and that have no device
   * model attached through their pages (the most recent such connection wins); false: stop (requests already
   * forwarded still take their answers).
   */
  enabled: boolean;
}

/** set_ioreq_handler: { enabled } — whether the daemon forwards this connection's caller's requests to it. */
export const setIoreqHandlerToJson = (enabled: boolean): SetIoreqHandlerJson => ({ enabled });
/** Reads a set_ioreq_handler body: whether the client handles ioreqs itself. */
export function setIoreqHandlerFromJson(j: Record<string, unknown>): boolean {
  if (typeof j.enabled !== 'boolean') throw new WireError('set_ioreq_handler: enabled must be true or false');
  return j.enabled;
}

/** ioreq_request: a request the daemon asks a connection's handler to answer. */
export interface IoreqRequestBody {
  /** The daemon's id for it (≥ 1, per connection), repeated by the answer. */
  id: number;
  /** The guest that made the access. */
  domid: number;
  /** The guest's vCPU that made it: its slot in the synchronous ioreq page; it waits for the answer. */
  vcpu: number;
  /** The server's emulator: the connection's caller. */
  emulator: number;
  /**
   * The request: the server it went to and the `ioreq_t`'s fields (type, dir, addr, size, count, data, df), with
   * `buffered` set for one taken from the buffered ring (those are answered too, and the answer's data ignored).
   * On the wire `addr` and `data` are "0x…" strings.
   */
  request: IoreqRecord;
}

const U64_MAX = (1n << 64n) - 1n;

function requestId(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 0xffffffff) throw new WireError(`${what}: id must be an integer 1 … 2^32−1`);
  return v;
}

/** The JSON form of an ioreq_request body. */
export const ioreqRequestToJson = (b: IoreqRequestBody): Record<string, unknown> => ({ ...b, request: ioreqToJson(b.request) });

/** Reads an ioreq_request body back from its JSON form. */
export function ioreqRequestFromJson(j: Record<string, unknown>): IoreqRequestBody {
  const r = j.request;
  if (r === null || typeof r !== 'object' || Array.isArray(r)) throw new WireError('ioreq_request: request must be a JSON object');
  for (const k of ['domid', 'vcpu', 'emulator'] as const) if (typeof j[k] !== 'number') throw new WireError(`ioreq_request: ${k} must be a number`);
  return { id: requestId(j.id, 'ioreq_request'), domid: j.domid as number, vcpu: j.vcpu as number, emulator: j.emulator as number, request: ioreqFromJson(r as Record<string, unknown>) };
}

/** ioreq_answer: { id, data } — data "0x…" for a read's answer, null for none (all ones; any write). */
export interface IoreqAnswerBody {
  /** The `id` of the ioreq_request answered (1 … 2^32−1, of this connection); one answer per request. */
  id: number;
  /**
   * What the read returns (at most 64 bits; the daemon cuts it to the access size), or undefined for the
   * default: all ones of the access size. Ignored for writes and buffered requests.
   */
  data: bigint | undefined;
}

/** The JSON body of an ioreq_answer frame, as {@link ioreqAnswerToJson} writes it. */
export interface IoreqAnswerJson {
  /** The answered ioreq_request's id. */
  id: number;
  /** The read's data as "0x…", or null for the default (all ones of the access size; any write). */
  data: string | null;
}

/** The JSON form of an ioreq_answer body (data as "0x…", or null). */
export const ioreqAnswerToJson = (a: IoreqAnswerBody): IoreqAnswerJson => ({ id: a.id, data: a.data === undefined ? null : hex(a.data) });

/** Reads an ioreq_answer body back from its JSON form. */
export function ioreqAnswerFromJson(j: Record<string, unknown>): IoreqAnswerBody {
  const id = requestId(j.id, 'ioreq_answer');
  if (j.data === null || j.data === undefined) return { id, data: undefined };
  const data = big(j.data, 'ioreq_answer: data');
  if (data > U64_MAX) throw new WireError('ioreq_answer: data does not fit in 64 bits');
  return { id, data };
}

// ---- benchmark control: guest accesses timed inside the daemon (docs/protocol.md "Benchmark control")

/** Most accesses one bench_guest_accesses frame may ask for: 50,000 latencies of up to 10 s fit in a 1 MiB reply. */
export const MAX_BENCH_GUEST_ACCESSES = 50_000;

/** bench_guest_accesses: `warmup` untimed accesses, then `count` timed ones, all the same access, one after another. */
export interface BenchGuestAccessesBody {
  /**
   * The access repeated, as guest_access takes it: its domain is checked as for guest_access (EPERM on a
   * connection restricted to another domain).
   */
  access: GuestAccess;
  /** Timed accesses, 1 … {@link MAX_BENCH_GUEST_ACCESSES} (50,000); one latency each in the reply. */
  count: number;
  /** Untimed accesses made first, 0 … {@link MAX_BENCH_GUEST_ACCESSES} (0 when absent on the wire). */
  warmup: number;
}

/** The JSON body of a bench_guest_accesses frame, as {@link benchGuestAccessesToJson} writes it. */
export interface BenchGuestAccessesJson {
  /** The access in guest_access's JSON form (`addr`, `value` as "0x…"; see {@link guestAccessToJson}). */
  access: Record<string, unknown>;
  /** {@link BenchGuestAccessesBody.count}. */
  count: number;
  /** {@link BenchGuestAccessesBody.warmup}. */
  warmup: number;
}

/** The JSON form of a bench_guest_accesses body (the access as guest_access takes it). */
export const benchGuestAccessesToJson = (b: BenchGuestAccessesBody): BenchGuestAccessesJson => ({ access: guestAccessToJson(b.access), count: b.count, warmup: b.warmup });

/** Reads a bench_guest_accesses body: `count` is 1 … MAX_BENCH_GUEST_ACCESSES, `warmup` 0 … that (InputError naming it otherwise). */
export function benchGuestAccessesFromJson(j: Record<string, unknown>): BenchGuestAccessesBody {
  const a = j.access;
  if (a === null || typeof a !== 'object' || Array.isArray(a)) throw new WireError('bench_guest_accesses: access must be a JSON object (a guest_access body)');
  const { count, warmup = 0 } = j;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > MAX_BENCH_GUEST_ACCESSES)
    throw new InputError('count', count, `must be an integer 1 … ${MAX_BENCH_GUEST_ACCESSES}`);
  if (typeof warmup !== 'number' || !Number.isInteger(warmup) || warmup < 0 || warmup > MAX_BENCH_GUEST_ACCESSES)
    throw new InputError('warmup', warmup, `must be an integer 0 … ${MAX_BENCH_GUEST_ACCESSES}`);
  return { access: guestAccessFromJson(a as Record<string, unknown>), count, warmup };
}

/** bench_guest_accesses' reply: each timed access's duration in ns (issue to completion), and how many ended how. */
export interface BenchGuestAccessesResult {
  /**
   * `count` durations in ns, in the order the accesses ran, each from issue to completion as the daemon's
   * `process.hrtime.bigint()` measured it (the ioreq path alone, not the client's round trip).
   */
  latenciesNs: number[];
  /** Timed accesses per outcome (all `ioreq` when every access reached a device model). */
  outcomes: Partial<Record<GuestAccessOutcome, number>>;
}

/** Reads a bench_guest_accesses reply. */
export function benchGuestAccessesResultFromJson(j: Record<string, unknown>): BenchGuestAccessesResult {
  const { latenciesNs, outcomes } = j;
  if (!Array.isArray(latenciesNs) || !latenciesNs.every((x) => typeof x === 'number')) throw new WireError('bench_guest_accesses: latenciesNs must be an array of numbers');
  if (outcomes === null || typeof outcomes !== 'object' || Array.isArray(outcomes)) throw new WireError('bench_guest_accesses: outcomes must be a JSON object');
  return { latenciesNs: latenciesNs as number[], outcomes: outcomes as BenchGuestAccessesResult['outcomes'] };
}

/** Bytes one guest_ram_write or guest_ram_read moves at most: 65536 (as hex, 128 KiB of JSON). */
export const MAX_GUEST_RAM_BYTES = 65536;

/** guest_ram_write's JSON body: bytes to store in a guest's RAM. */
export interface GuestRamWriteJson {
  /** The guest. */
  domid: number;
  /** Guest physical address of the first byte, as "0x…". */
  gpa: string;
  /** The bytes as hex (two digits a byte, 1 … {@link MAX_GUEST_RAM_BYTES} bytes). */
  hex: string;
}

/** guest_ram_read's JSON body (the reply is `{ "hex": "…" }`). */
export interface GuestRamReadJson {
  /** The guest. */
  domid: number;
  /** Guest physical address of the first byte, as "0x…". */
  gpa: string;
  /** Bytes to read, 1 … {@link MAX_GUEST_RAM_BYTES}. */
  length: number;
}

/** Bytes as lower-case hex, two digits a byte (guest RAM frames). */
export const bytesToHex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

/** Hex (two digits a byte, any case) back to bytes; a WireError for anything else. */
export function hexToBytes(v: unknown, field: string): Uint8Array {
  if (typeof v !== 'string' || v.length % 2 !== 0 || !/^[0-9a-f]*$/i.test(v)) throw new WireError(`${field} must be hex digits, two a byte`);
  const out = new Uint8Array(v.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(v.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** A guest_ram_write body as the daemon uses it. */
export interface GuestRamWrite {
  /** The guest. */
  domid: number;
  /** Guest physical address of the first byte. */
  gpa: bigint;
  /** The bytes to write. */
  bytes: Uint8Array;
}

/** A guest_ram_read body as the daemon uses it. */
export interface GuestRamRead {
  /** The guest. */
  domid: number;
  /** Guest physical address of the first byte. */
  gpa: bigint;
  /** Bytes to read. */
  length: number;
}

/** Reads a guest_ram_write body: domid, gpa and the bytes. */
export function guestRamWriteFromJson(j: Record<string, unknown>): GuestRamWrite {
  return { domid: j.domid as number, gpa: big(j.gpa, 'gpa'), bytes: hexToBytes(j.hex, 'hex') };
}

/** Reads a guest_ram_read body: domid, gpa and length. */
export function guestRamReadFromJson(j: Record<string, unknown>): GuestRamRead {
  return { domid: j.domid as number, gpa: big(j.gpa, 'gpa'), length: j.length as number };
}
