/** A bare client for the daemon tests: frames in, frames out, nothing interpreted (hypervisor-sim may not import ioreq-client). */
import { connect, type Socket } from 'node:net';
import { FrameDecoder, FrameKind, WIRE_PROTOCOL_VERSION, decodeJson, encodeFrame, encodeHello, type Frame } from '@xenmem/sim-protocol';

export class RawClient {
  readonly frames: Frame[] = [];
  private waiters: (() => void)[] = [];
  private nextId = 1;
  closed = false;
  readonly whenClosed: Promise<void>;

  private constructor(readonly socket: Socket) {
    const decoder = new FrameDecoder();
    socket.on('data', (chunk: Buffer) => {
      this.frames.push(...decoder.push(new Uint8Array(chunk)));
      this.wake();
    });
    socket.on('error', () => {});
    this.whenClosed = new Promise((resolve) =>
      socket.on('close', () => {
        this.closed = true;
        this.wake();
        resolve();
      }),
    );
  }

  static async open(path: string, caller?: number): Promise<RawClient> {
    const socket = connect(path);
    await new Promise<void>((resolve, reject) => (socket.once('connect', resolve), socket.once('error', reject)));
    const c = new RawClient(socket);
    if (caller !== undefined) {
      const w = await c.request(FrameKind.hello, encodeHello({ protocol: WIRE_PROTOCOL_VERSION, caller }));
      if (w.kind !== FrameKind.welcome) throw new Error(`hello refused: ${JSON.stringify(decodeJson(w.payload, 'error'))}`);
    }
    return c;
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Resolves when a frame matching `pred` has arrived (taking it out), or null when the connection closed. */
  async take(pred: (f: Frame) => boolean, timeoutMs = 5000): Promise<Frame | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.frames.findIndex(pred);
      if (i >= 0) return this.frames.splice(i, 1)[0]!;
      if (this.closed) return null;
      if (Date.now() > deadline) throw new Error('no matching frame in time');
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  write(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  send(kind: number, payload: Uint8Array = new Uint8Array(0)): number {
    const id = this.nextId++;
    this.write(encodeFrame(kind, id, payload));
    return id;
  }

  async request(kind: number, payload: Uint8Array = new Uint8Array(0)): Promise<Frame> {
    const id = this.send(kind, payload);
    const f = await this.take((x) => x.id === id && x.kind < 0xa0);
    if (!f) throw new Error('connection closed before the reply');
    return f;
  }

  end(): Promise<void> {
    this.socket.end();
    return this.whenClosed;
  }
}
