/**
 * A daemon bad clients cannot hurt (docs/protocol.md "Errors and limits"): a connection flood beyond
 * maxConnections, half-sent frames (frameTimeoutMs), random bytes, truncated frames and a 4 GiB length
 * prefix cost the offending connection only; the daemon runs on and every other client's state is intact.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FrameKind, decodeJson, encodeFrame, encodeJson, seedP2mToJson, type ErrorBody, type Frame } from '@xenmem/sim-protocol';
import { Hypervisor } from '../../src/hypervisor.js';
import { mulberry32 } from '../../src/preempt.js';
import { startDaemon, DEFAULT_MAX_CONNECTIONS, type Daemon, type DaemonOptions } from '../../src/daemon/index.js';
import { RawClient } from './raw-client.js';

let dir: string;
let daemon: Daemon | null = null;
let hv: Hypervisor;
const clients: RawClient[] = [];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'xenmem-limits-'));
  hv = new Hypervisor({ release: '4.22' });
  await hv.createDomain({ domid: 1, maxGpfn: 0xfffff, vcpus: 2 });
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.socket.destroy();
  await daemon?.close();
  daemon = null;
  rmSync(dir, { recursive: true, force: true });
});

async function serve(options: Partial<DaemonOptions> = {}): Promise<string> {
  daemon = await startDaemon({ socketPath: join(dir, 'sim.sock'), hypervisor: hv, ...options });
  return daemon.address;
}

async function client(caller?: number): Promise<RawClient> {
  const c = await RawClient.open(daemon!.address, caller);
  clients.push(c);
  return c;
}

const errorOf = (f: Frame | null) => {
  expect(f?.kind).toBe(FrameKind.error);
  return decodeJson(f!.payload, 'error') as unknown as ErrorBody;
};

/** The good client's state: seeds a run, and reads it back through inspect. */
async function seed(c: RawClient, first: bigint, nr: number): Promise<void> {
  expect((await c.request(FrameKind.seedP2m, encodeJson(seedP2mToJson(1, first, nr, 1)))).kind).toBe(FrameKind.json);
}
async function p2mOf(c: RawClient): Promise<unknown> {
  const f = await c.request(FrameKind.inspect, encodeJson({ domid: 1 }));
  expect(f.kind).toBe(FrameKind.json);
  return (decodeJson(f.payload, 'inspect') as { p2m: unknown }).p2m;
}

describe('maxConnections', () => {
  it('refuses connections beyond the limit with an error frame (EMFILE) and closes them; the open ones go on', async () => {
    await serve({ maxConnections: 4 });
    const good = await client(0);
    await seed(good, 0x100n, 16);
    const before = await p2mOf(good);
    const others = await Promise.all([1, 2, 3].map(() => client(0)));
    const extra = await Promise.all(Array.from({ length: 10 }, () => client()));
    for (const c of extra) {
      expect(errorOf(await c.take(() => true))).toMatchObject({ errno: 24, message: expect.stringMatching(/too many connections.*at most 4/) });
      await c.whenClosed;
    }
    expect(daemon!.connections).toBe(4);
    expect(await p2mOf(good)).toEqual(before);
    for (const c of others) expect((await c.request(FrameKind.inspect, encodeJson({ domid: 1 }))).kind).toBe(FrameKind.json);
    // A slot freed by a closing client is taken by the next one.
    await others[0]!.end();
    for (let i = 0; i < 50 && daemon!.connections > 3; i++) await new Promise((r) => setTimeout(r, 10));
    const late = await client(0);
    expect(await p2mOf(late)).toEqual(before);
  });

  it(`defaults to ${DEFAULT_MAX_CONNECTIONS}: a flood of connections leaves the first client working`, async () => {
    expect(DEFAULT_MAX_CONNECTIONS).toBe(64);
    await serve();
    const good = await client(0);
    await seed(good, 0x200n, 4);
    const flood = await Promise.all(Array.from({ length: 80 }, () => client()));
    let refused = 0;
    await new Promise((r) => setTimeout(r, 100));
    for (const c of flood) if (c.frames.some((f) => f.kind === FrameKind.error && errorOf(f).errno === 24)) refused++;
    expect(refused).toBe(80 + 1 - DEFAULT_MAX_CONNECTIONS);
    expect(daemon!.connections).toBe(DEFAULT_MAX_CONNECTIONS);
    expect(await p2mOf(good)).toEqual(expect.arrayContaining([expect.objectContaining({ first: '0x200', count: '0x4' })]));
  });
});

describe('frameTimeoutMs', () => {
  it('closes a connection whose frame stays half-sent (error frame ETIMEDOUT); others continue', async () => {
    await serve({ frameTimeoutMs: 200 });
    const good = await client(0);
    const slow = await client(0);
    const frame = encodeFrame(FrameKind.inspect, 7, encodeJson({ domid: 1 }));
    const t0 = Date.now();
    slow.write(frame.subarray(0, 6));
    // The good client is served meanwhile, and after.
    await seed(good, 0x300n, 8);
    const err = errorOf(await slow.take(() => true, 3000));
    expect(err).toMatchObject({ errno: 110, message: expect.stringMatching(/not finished within 200 ms \(6 bytes/) });
    await slow.whenClosed;
    expect(Date.now() - t0).toBeGreaterThanOrEqual(190);
    expect(await p2mOf(good)).toEqual(expect.arrayContaining([expect.objectContaining({ first: '0x300', count: '0x8' })]));
  });

  it('is not reset by trickled bytes of the same frame', async () => {
    await serve({ frameTimeoutMs: 200 });
    const slow = await client(0);
    const frame = encodeFrame(FrameKind.inspect, 7, encodeJson({ domid: 1 }));
    let i = 0;
    const timer = setInterval(() => i < frame.length - 1 && !slow.closed && slow.write(frame.subarray(i, ++i)), 20);
    try {
      expect(errorOf(await slow.take(() => true, 3000)).errno).toBe(110);
      await slow.whenClosed;
      expect(i).toBeLessThan(frame.length - 1);
    } finally {
      clearInterval(timer);
    }
  });

  it('leaves a connection alone that finishes its frames in time', async () => {
    await serve({ frameTimeoutMs: 150 });
    const c = await client(0);
    for (let k = 0; k < 3; k++) {
      const id = 100 + k;
      const frame = encodeFrame(FrameKind.inspect, id, encodeJson({ domid: 1 }));
      c.write(frame.subarray(0, 5));
      await new Promise((r) => setTimeout(r, 100));
      c.write(frame.subarray(5));
      expect((await c.take((f) => f.id === id))?.kind).toBe(FrameKind.json);
    }
    await new Promise((r) => setTimeout(r, 200));
    expect(c.closed).toBe(false);
  });
});

describe('hostile bytes', () => {
  it('random frames, truncated frames and a 4 GiB length prefix cost only their own connection', async () => {
    await serve({ frameTimeoutMs: 300 });
    const good = await client(0);
    await seed(good, 0x400n, 32);
    const before = await p2mOf(good);
    const rand = mulberry32(0x5eed);

    // A 4 GiB length prefix: E2BIG at once, the connection closed, nothing buffered.
    const huge = await client();
    huge.write(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x01]));
    expect(errorOf(await huge.take(() => true))).toMatchObject({ errno: 7 });
    await huge.whenClosed;

    // Random bytes, before and after hello.
    for (let k = 0; k < 20; k++) {
      const c = await client(k % 2 === 0 ? undefined : 0);
      const bytes = new Uint8Array(1 + Math.floor(rand() * 200)).map(() => Math.floor(rand() * 256));
      c.write(bytes);
      // Whatever happens (error frame, close, or waiting for more), the daemon answers or times out.
      await Promise.race([c.whenClosed, new Promise((r) => setTimeout(r, 30))]);
    }
    // Valid frames with random kinds and payloads after hello.
    for (let k = 0; k < 30; k++) {
      const c = await client(0);
      const kind = Math.floor(rand() * 256);
      if (kind === FrameKind.destroyDomain || kind === FrameKind.createDomain || kind === FrameKind.seedP2m || kind === FrameKind.dmOp || kind === FrameKind.hvmOp) continue;
      c.write(encodeFrame(kind, k + 1, new Uint8Array(Math.floor(rand() * 64)).map(() => Math.floor(rand() * 256))));
    }
    // Truncated frames: the stream ends inside a frame.
    for (let k = 0; k < 5; k++) {
      const s = connect(daemon!.address);
      await new Promise<void>((resolve) => s.once('connect', resolve));
      s.on('error', () => {});
      const frame = encodeFrame(FrameKind.inspect, 1, encodeJson({ domid: 1 }));
      s.end(frame.subarray(0, 3 + k * 3));
    }
    await new Promise((r) => setTimeout(r, 400)); // past frameTimeoutMs: the half-sent ones are closed by now
    expect(await p2mOf(good)).toEqual(before);
    expect(daemon!.connections).toBeLessThanOrEqual(1 + 30);
    // The daemon still accepts and serves new clients.
    const fresh = await client(0);
    expect(await p2mOf(fresh)).toEqual(before);
  });
});
