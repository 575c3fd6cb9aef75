/**
 * Just enough of the xenstore wire protocol (xen/include/public/io/xs_wire.h @ RELEASE-4.17.0: a 16-byte
 * `struct xsd_sockmsg` header of type, req_id, tx_id and len, host byte order, then len payload bytes) for
 * ioreq-roundtrip-qemu to learn the moment QEMU writes its state: a WATCH on the node, and a READ after each
 * event (the first event fires when the watch is set).
 */
import { connect, type Socket } from 'node:net';
import { CONST, decodeStruct, encodeStructAt, sizeOf } from '@xenmem/abi-types';

const HEADER = sizeOf('xsd_sockmsg');

function message(type: number, reqId: number, ...strings: string[]): Uint8Array {
  const payload = new TextEncoder().encode(strings.map((s) => `${s}\0`).join(''));
  const bytes = new Uint8Array(HEADER + payload.length);
  encodeStructAt('xsd_sockmsg', { type, req_id: reqId, tx_id: 0, len: payload.length }, bytes);
  bytes.set(payload, HEADER);
  return bytes;
}

/**
 * Resolves once node `path` reads `value` on the xenstore at socket `xenstore` (watching it, so no polling);
 * rejects on an error reply other than ENOENT, or when `abort` fires first.
 */
export function waitForXenstoreValue(xenstore: string, path: string, value: string, abort: Promise<never>): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const socket: Socket = connect(xenstore);
    let buffer = new Uint8Array(0);
    let reqId = 1;
    const done = (err?: Error) => (socket.destroy(), err ? reject(err) : resolve());
    abort.catch(done);
    socket.on('error', (e) => done(new Error(`no xenstore answers at ${xenstore} (QEMU needs one): ${e.message}`)));
    socket.on('connect', () => socket.write(message(CONST.xs_wire_type.watch, reqId++, path, 'bench')));
    socket.on('data', (chunk: Uint8Array) => {
      const joined = new Uint8Array(buffer.length + chunk.length);
      joined.set(buffer);
      joined.set(chunk, buffer.length);
      buffer = joined;
      for (;;) {
        if (buffer.length < HEADER) break;
        const { type, len } = decodeStruct('xsd_sockmsg', buffer);
        if (buffer.length < HEADER + len) break;
        const body = new TextDecoder('latin1').decode(buffer.subarray(HEADER, HEADER + len));
        buffer = buffer.subarray(HEADER + len);
        if (type === CONST.xs_wire_type.watch_event) socket.write(message(CONST.xs_wire_type.read, reqId++, path));
        else if (type === CONST.xs_wire_type.read && body === value) done();
        else if (type === CONST.xs_wire_type.error && !body.startsWith('ENOENT')) done(new Error(`xenstore at ${xenstore}: ${body.replace(/\0+$/, '')} for ${path}`));
      }
    });
  });
}
