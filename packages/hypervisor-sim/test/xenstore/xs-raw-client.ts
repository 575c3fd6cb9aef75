/** A xenstore wire client for tests: raw bytes out, whole messages in (header decoded by hand, little-endian x86). */
import { connect, type Socket } from 'node:net';
import { CONST } from '@xenmem/abi-types';

const T = CONST.xs_wire_type;


export interface RawXsMessage {
  type: number;
  reqId: number;
  txId: number;
  payload: Buffer;
}

export class XsRawClient {
  private buf = Buffer.alloc(0);
  readonly messages: RawXsMessage[] = [];
  private waiters: (() => void)[] = [];
  closed = false;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buf = Buffer.concat([this.buf, chunk] as Uint8Array[]);
      while (this.buf.length >= 16) {
        const len = this.buf.readUInt32LE(12);
        if (this.buf.length < 16 + len) break;
        this.messages.push({ type: this.buf.readUInt32LE(0), reqId: this.buf.readUInt32LE(4), txId: this.buf.readUInt32LE(8), payload: this.buf.subarray(16, 16 + len) });
        this.buf = this.buf.subarray(16 + len);
      }
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => {});
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  static open(path: string): Promise<XsRawClient> {
    return new Promise((resolve, reject) => {
      const s = connect(path);
      s.once('connect', () => resolve(new XsRawClient(s)));
      s.once('error', reject);
    });
  }

  /** Header bytes for a message, built by hand (the layout under test). */
  static header(type: number, reqId: number, txId: number, len: number): Buffer {
    const h = Buffer.alloc(16);
    h.writeUInt32LE(type, 0);
    h.writeUInt32LE(reqId, 4);
    h.writeUInt32LE(txId, 8);
    h.writeUInt32LE(len, 12);
    return h;
  }

  sendRaw(bytes: Buffer): void {
    this.socket.write(bytes as Uint8Array);
  }

  send(type: number, payload: Buffer | string, reqId = 0, txId = 0): void {
    const p = typeof payload === 'string' ? Buffer.from(payload, 'latin1') : payload;
    this.sendRaw(Buffer.concat([XsRawClient.header(type, reqId, txId, p.length), p] as Uint8Array[]));
  }

  /** The next message (or null after timeoutMs or when the connection closed). */
  async next(timeoutMs = 3000): Promise<RawXsMessage | null> {
    const deadline = Date.now() + timeoutMs;
    while (this.messages.length === 0) {
      if (this.closed || Date.now() >= deadline) return null;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, deadline - Date.now());
        this.waiters.push(() => (clearTimeout(t), resolve()));
      });
    }
    return this.messages.shift()!;
  }

  /** Sends a request and returns the reply (events that arrive first stay queued in `events`). */
  async request(type: number, payload: Buffer | string, txId = 0, reqId = 7): Promise<RawXsMessage> {
    this.send(type, payload, reqId, txId);
    for (;;) {
      const m = await this.next();
      if (!m) throw new Error(`no reply to type ${type}`);
      if (m.type === T.watch_event) this.events.push(m);
      else return m;
    }
  }

  readonly events: RawXsMessage[] = [];

  /** The next watch event, as [path, token]. */
  async event(timeoutMs = 3000): Promise<[string, string] | null> {
    const m = this.events.shift() ?? (await this.next(timeoutMs));
    if (!m) return null;
    if (m.type !== T.watch_event) throw new Error(`expected a watch event, got type ${m.type}`);
    const [path, token] = m.payload.toString('latin1').split('\0');
    return [path!, token!];
  }

  close(): void {
    this.socket.destroy();
  }
}
