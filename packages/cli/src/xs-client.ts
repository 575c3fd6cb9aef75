/**
 * A xenstore wire client for the `xenmem xs` commands: one connection to the daemon's xenstore socket
 * (`S.xenstore` beside the main socket S, docs/protocol.md "Xenstore socket"), requests answered in order, watch
 * events handed to a listener. An XS_ERROR reply rejects with XsError (its error name).
 */
import { connect, type Socket } from 'node:net';
import { CONST } from '@xenmem/abi-types';
import { XsError, XsReader, encodeMessage, type XsdErrorName, type XsMessage } from '@xenmem/hypervisor-sim';
import { BackendUnavailable } from './backend.js';
import { EXIT_FAILURE, type Io } from './io.js';

/** The xenstore socket of the daemon whose main socket is `socketPath`. */
export function xenstoreSocketOf(socketPath: string): string {
  return `${socketPath}.xenstore`;
}

export class XsClient {
  private readonly reader = new XsReader();
  private readonly waiting: { resolve: (m: XsMessage) => void; reject: (e: Error) => void }[] = [];
  private nextReqId = 1;
  /** Called with each watch event's path and token. */
  onEvent: (path: string, token: string) => void = () => {};

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.reader.push(chunk, (m) => {
        if (m.type === CONST.xs_wire_type.watch_event) {
          const [path = '', token = ''] = m.payload.toString('latin1').split('\0');
          this.onEvent(path, token);
        } else this.waiting.shift()?.resolve(m);
      });
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      for (const w of this.waiting.splice(0)) w.reject(new BackendUnavailable(this.socket.remoteAddress ?? 'xenstore', 'the xenstore closed the connection'));
    });
  }

  /** Connects to the xenstore of the daemon at `socketPath`; BackendUnavailable when nothing listens there. */
  static connect(socketPath: string): Promise<XsClient> {
    const path = xenstoreSocketOf(socketPath);
    return new Promise((resolve, reject) => {
      const s = connect(path);
      s.once('connect', () => resolve(new XsClient(s)));
      s.once('error', (e: NodeJS.ErrnoException) => reject(new BackendUnavailable(path, e.code ?? e.message, `start the simulator first (xenmem sim serve --socket ${socketPath}); its xenstore listens on ${path}`)));
    });
  }

  /** One request; resolves with the reply's payload, rejects with XsError for an XS_ERROR reply. */
  request(type: number, payload: Buffer, op: string, what: string): Promise<Buffer> {
    return new Promise<XsMessage>((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      const bytes = encodeMessage({ type, reqId: this.nextReqId++, txId: 0, payload });
      this.socket.write(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length));
    }).then((m) => {
      if (m.type !== CONST.xs_wire_type.error) return m.payload;
      throw new XsError(m.payload.toString('latin1').replace(/\0$/, '') as XsdErrorName, op, what);
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

/** A path (or path and value) as a request payload: NUL-terminated path, then the value's bytes. */
export function pathPayload(path: string, value?: string): Buffer {
  return Buffer.from(value === undefined ? `${path}\0` : `${path}\0${value}`, 'utf8');
}

/** What `xs` commands print for a xenstore error: the path, the error name, and what it means. */
export function xsErrorLine(label: string, path: string, e: XsError): string {
  const meaning: Partial<Record<XsdErrorName, string>> = {
    ENOENT: 'no such node',
    EACCES: 'permission denied',
    EINVAL: 'not a valid path or request (absolute, or relative to /local/domain/0; letters, digits and -/_@ only)',
    E2BIG: 'the reply would not fit in one xenstore message',
  };
  return `${label}: ${path}: ${e.code}${meaning[e.code] ? ` (${meaning[e.code]})` : ''}\n`;
}

/**
 * Runs `body` with a client connected to the xenstore of the daemon at `socketPath`, closing it after. A
 * xenstore error is printed (exit 1); a missing daemon is BackendUnavailable (runCli prints it, exit 1).
 */
export async function withXenstore(socketPath: string, label: string, path: string, io: Io, body: (xs: XsClient) => Promise<number>): Promise<number> {
  const xs = await XsClient.connect(socketPath);
  try {
    return await body(xs);
  } catch (e) {
    if (!(e instanceof XsError)) throw e;
    io.err(xsErrorLine(label, path, e));
    return EXIT_FAILURE;
  } finally {
    xs.close();
  }
}
