/**
 * One xenstore request on the daemon's xenstore socket (`S.xenstore`), as libxenstore sends it: a
 * `struct xsd_sockmsg` header (xen/include/public/io/xs_wire.h @ RELEASE-4.17.0) and NUL-terminated strings.
 * The reply's type (the request's, or XS_ERROR) and payload. Connections there are domain 0's.
 */
import { connect } from 'node:net';
import { CONST, decodeStruct, encodeStructAt, sizeOf } from '@xenmem/abi-types';

const HEADER = sizeOf('xsd_sockmsg');

export function xsRequest(xenstore: string, type: number, ...strings: string[]): Promise<{ type: number; body: string }> {
  const payload = new TextEncoder().encode(strings.map((s) => `${s}\0`).join(''));
  const message = new Uint8Array(HEADER + payload.length);
  encodeStructAt('xsd_sockmsg', { type, req_id: 1, tx_id: 0, len: payload.length }, message);
  message.set(payload, HEADER);
  return new Promise((resolve, reject) => {
    const socket = connect(xenstore, () => socket.write(message));
    let buffer = new Uint8Array(0);
    socket.on('error', reject);
    socket.on('data', (chunk: Uint8Array) => {
      const joined = new Uint8Array(buffer.length + chunk.length);
      joined.set(buffer);
      joined.set(chunk, buffer.length);
      buffer = joined;
      if (buffer.length < HEADER) return;
      const h = decodeStruct('xsd_sockmsg', buffer);
      if (buffer.length < HEADER + h.len) return;
      socket.destroy();
      resolve({ type: h.type, body: new TextDecoder('latin1').decode(buffer.subarray(HEADER, HEADER + h.len)) });
    });
  });
}

/** The value of node `path`, or undefined when it does not exist. */
export async function xsRead(xenstore: string, path: string): Promise<string | undefined> {
  const r = await xsRequest(xenstore, CONST.xs_wire_type.read, path);
  if (r.type === CONST.xs_wire_type.error) {
    if (r.body.startsWith('ENOENT')) return undefined;
    throw new Error(`xenstore read ${path}: ${r.body}`);
  }
  return r.body;
}

/** Removes node `path` and what is under it. */
export async function xsRm(xenstore: string, path: string): Promise<void> {
  const r = await xsRequest(xenstore, CONST.xs_wire_type.rm, path);
  if (r.type === CONST.xs_wire_type.error) throw new Error(`xenstore rm ${path}: ${r.body}`);
}
