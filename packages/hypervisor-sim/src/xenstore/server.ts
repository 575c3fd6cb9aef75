/**
 * The xenstore's Unix socket: every connection is domain 0 (a process that can open the socket is the host's
 * toolstack, as with xenstored's socket), speaking the xenstore wire protocol. The socket is created as the
 * daemon's own (mode 0600, a stale socket replaced, links refused). A header announcing more than
 * XENSTORE_PAYLOAD_MAX bytes ends that connection, as xenstored's ignore_connection() drops a socket
 * connection; nothing a client sends ends the server.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { claimSocketPath, inodeOf, listenPrivately, releaseSocketPath } from '../socket-path.js';
import { encodeMessage, XsReader } from './wire.js';
import type { Xenstore } from './xenstore.js';

export interface XenstoreServer {
  readonly path: string;
  close(): Promise<void>;
}

/** Listens on `path` for xenstore clients of `xs`; resolves once the socket accepts connections. */
export async function serveXenstore(xs: Xenstore, path: string): Promise<XenstoreServer> {
  await claimSocketPath(path);
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    const reader = new XsReader();
    const conn = xs.connect(0, (m) => {
      const bytes = encodeMessage(m);
      if (!socket.destroyed) socket.write(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length));
    });
    const end = () => {
      sockets.delete(socket);
      xs.disconnect(conn);
    };
    socket.on('data', (chunk: Buffer) => {
      if (reader.push(chunk, (m) => xs.handle(conn, m)) === 'bad') socket.destroy();
    });
    socket.on('error', () => {});
    socket.on('close', end);
  });
  server.on('error', () => {});
  await listenPrivately(server, path);
  const ino = inodeOf(path);
  return {
    path,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
      releaseSocketPath(path, ino);
    },
  };
}
