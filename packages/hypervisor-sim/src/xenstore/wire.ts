/**
 * The xenstore wire format (xen/include/public/io/xs_wire.h @ RELEASE-4.17.0): struct xsd_sockmsg
 * { uint32_t type, req_id, tx_id, len; } in host byte order, then `len` bytes of payload (at most
 * XENSTORE_PAYLOAD_MAX); payloads are NUL-separated strings.
 */
import { endianness } from 'node:os';
import { CONST, STRUCTS } from '@xenmem/abi-types';

const SOCKMSG = STRUCTS.xsd_sockmsg;
/** A field's offset in struct xsd_sockmsg (every field is a uint32_t). */
const at = (field: (typeof SOCKMSG.fields)[number]['name']) => SOCKMSG.fields.find((f) => f.name === field)!.offset;
/** sizeof(struct xsd_sockmsg). */
export const XS_HEADER_BYTES = SOCKMSG.size;
const LE = endianness() === 'LE';

/** One xenstore message: its header fields and payload. */
export interface XsMessage {
  /** xsd_sockmsg.type: the request's type (CONST.xs_wire_type), its reply's, XS_ERROR or XS_WATCH_EVENT. */
  type: number;
  /** xsd_sockmsg.req_id: chosen by the client, echoed by the reply (0 in watch events). */
  reqId: number;
  /** xsd_sockmsg.tx_id: the transaction the request belongs to (0: none), echoed by the reply. */
  txId: number;
  /** The payload (xsd_sockmsg.len bytes). */
  payload: Buffer;
}

/** The parts one after another, in a new buffer. */
export function joinBytes(parts: readonly Buffer[]): Buffer {
  const out = Buffer.alloc(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A copy that owns its bytes (not a view of a larger buffer). */
export function copyBytes(b: Buffer): Buffer {
  return joinBytes([b]);
}

/** A message as bytes: the header in host byte order, then the payload. */
export function encodeMessage(m: XsMessage): Buffer {
  const out = Buffer.alloc(XS_HEADER_BYTES + m.payload.length);
  const put = (v: number, at: number) => (LE ? out.writeUInt32LE(v >>> 0, at) : out.writeUInt32BE(v >>> 0, at));
  put(m.type, at('type'));
  put(m.reqId, at('req_id'));
  put(m.txId, at('tx_id'));
  put(m.payload.length, at('len'));
  out.set(m.payload, XS_HEADER_BYTES);
  return out;
}

/** The header fields at the start of `b` (at least XS_HEADER_BYTES long). */
export function decodeHeader(b: Buffer): { type: number; reqId: number; txId: number; len: number } {
  const get = (at: number) => (LE ? b.readUInt32LE(at) : b.readUInt32BE(at));
  return { type: get(at('type')), reqId: get(at('req_id')), txId: get(at('tx_id')), len: get(at('len')) };
}

/**
 * Splits a byte stream into messages. A header announcing more than XENSTORE_PAYLOAD_MAX bytes makes the
 * stream unusable (xenstored's handle_input() then drops a socket connection): `push` returns 'bad'.
 */
export class XsReader {
  private buf = Buffer.alloc(0);

  /** Takes more bytes; calls `onMessage` for each message completed; 'bad' once a header announces too much. */
  push(chunk: Buffer, onMessage: (m: XsMessage) => void): 'ok' | 'bad' {
    this.buf = this.buf.length === 0 ? chunk : joinBytes([this.buf, chunk]);
    while (this.buf.length >= XS_HEADER_BYTES) {
      const h = decodeHeader(this.buf);
      if (h.len > CONST.xs_limits.payload_max) return 'bad';
      if (this.buf.length < XS_HEADER_BYTES + h.len) break;
      const payload = copyBytes(this.buf.subarray(XS_HEADER_BYTES, XS_HEADER_BYTES + h.len));
      this.buf = this.buf.subarray(XS_HEADER_BYTES + h.len);
      onMessage({ type: h.type, reqId: h.reqId, txId: h.txId, payload });
    }
    return 'ok';
  }
}

/** onearg(): the payload as one string when it holds exactly one NUL, at its end; else null. */
export function oneArg(payload: Buffer): string | null {
  if (payload.length === 0 || payload.indexOf(0) !== payload.length - 1) return null;
  return payload.subarray(0, payload.length - 1).toString('latin1');
}

/** get_strings(): the NUL-terminated strings at the start of the payload (bytes after the last NUL are not one). */
export function strings(payload: Buffer): string[] {
  const out: string[] = [];
  let at = 0;
  for (let nul = payload.indexOf(0, at); nul >= 0; nul = payload.indexOf(0, at)) {
    out.push(payload.subarray(at, nul).toString('latin1'));
    at = nul + 1;
  }
  return out;
}

/** Strings as a payload, each NUL-terminated. */
export function stringsPayload(list: readonly string[]): Buffer {
  return Buffer.from(list.map((s) => `${s}\0`).join(''), 'latin1');
}
