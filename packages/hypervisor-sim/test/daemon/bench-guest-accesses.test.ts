/** bench_guest_accesses (docs/protocol.md "Benchmark control"): guest accesses made and timed inside the daemon. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  FrameKind,
  benchGuestAccessesResultFromJson,
  benchGuestAccessesToJson,
  decodeJson,
  encodeJson,
  encodeRestrict,
  decodeStatus,
  guestAccessResultFromJson,
  guestAccessToJson,
  type ErrorBody,
  type Frame,
  type GuestAccess,
} from '@xenmem/sim-protocol';
import { Hypervisor } from '../../src/hypervisor.js';
import { startDaemon, type Daemon } from '../../src/daemon/index.js';
import { RawClient } from './raw-client.js';

let dir: string;
let daemon: Daemon | null = null;
const clients: RawClient[] = [];
/** A 4-byte port write no ioreq server claims. */
const OUT: GuestAccess = { domid: 1, vcpu: 0, kind: 'out', addr: 0xc000n, size: 4, value: 0x12345678n };

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'xenmem-daemon-bench-'));
  const hv = new Hypervisor({ release: '4.22' });
  await hv.createDomain({ domid: 1, maxGpfn: 0xfffff });
  await hv.createDomain({ domid: 2, maxGpfn: 0xfffff });
  daemon = await startDaemon({ socketPath: join(dir, 'sim.sock'), hypervisor: hv, trace: join(dir, 'trace.jsonl') });
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.socket.destroy();
  await daemon?.close();
  daemon = null;
  rmSync(dir, { recursive: true, force: true });
});

async function client(caller = 0): Promise<RawClient> {
  const c = await RawClient.open(daemon!.address, caller);
  clients.push(c);
  return c;
}

const bench = (c: RawClient, body: unknown) => c.request(FrameKind.benchGuestAccesses, encodeJson(body));
const errorOf = (f: Frame) => (expect(f.kind).toBe(FrameKind.error), decodeJson(f.payload, 'error') as unknown as ErrorBody);

describe('bench_guest_accesses', () => {
  it('replies with exactly count latencies (positive integers, ns) and the outcome of each timed access', async () => {
    const c = await client();
    const single = await c.request(FrameKind.guestAccess, encodeJson(guestAccessToJson(OUT)));
    const { outcome } = guestAccessResultFromJson(decodeJson(single.payload, 'guest_access')!);
    const reply = await bench(c, benchGuestAccessesToJson({ access: OUT, count: 37, warmup: 5 }));
    expect(reply.kind).toBe(FrameKind.json);
    const r = benchGuestAccessesResultFromJson(decodeJson(reply.payload, 'bench_guest_accesses')!);
    expect(r.latenciesNs).toHaveLength(37);
    for (const ns of r.latenciesNs) expect(Number.isInteger(ns) && ns > 0).toBe(true);
    expect(r.outcomes).toEqual({ [outcome]: 37 });
  });

  it('traces one line per frame, not one per access', async () => {
    const c = await client();
    await bench(c, benchGuestAccessesToJson({ access: OUT, count: 4, warmup: 2 }));
    await daemon!.close();
    daemon = null;
    const lines = readFileSync(join(dir, 'trace.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const benchLines = lines.filter((l) => l['call'] === 'bench_guest_accesses');
    expect(benchLines).toHaveLength(1);
    expect(benchLines[0]).toMatchObject({ caller: 0, domid: 1, kind: 'out', addr: '0xc000', count: 4, warmup: 2 });
    expect(lines.filter((l) => l['call'] === 'guest_access')).toHaveLength(0);
  });

  it.each([
    [0, 0],
    [50_001, 50_001],
    [2.5, 2.5],
    ['7', '7'],
  ])('count %j: error frame (errno 0) naming count, and the connection goes on', async (count, value) => {
    const c = await client();
    const e = errorOf(await bench(c, { access: guestAccessToJson(OUT), count }));
    expect(e).toEqual({ errno: 0, message: `count ${JSON.stringify(value)} must be an integer 1 … 50000`, argument: 'count', value });
    const ok = await bench(c, benchGuestAccessesToJson({ access: OUT, count: 1, warmup: 0 }));
    expect(ok.kind).toBe(FrameKind.json);
  });

  it('warmup out of range: error frame naming warmup', async () => {
    const c = await client();
    expect(errorOf(await bench(c, { access: guestAccessToJson(OUT), count: 1, warmup: -1 }))).toMatchObject({ errno: 0, argument: 'warmup', value: -1 });
  });

  it('a body without an access object: error frame errno 22', async () => {
    const c = await client();
    expect(errorOf(await bench(c, { count: 1 }))).toMatchObject({ errno: 22, message: expect.stringMatching(/^bench_guest_accesses: access must be a JSON object/) });
  });

  it('a connection restricted to domain 2 gets EPERM for domain 1 and may bench domain 2', async () => {
    const c = await client();
    expect(decodeStatus((await c.request(FrameKind.restrict, encodeRestrict(2))).payload)).toBe(0);
    expect(errorOf(await bench(c, benchGuestAccessesToJson({ access: OUT, count: 3, warmup: 0 })))).toMatchObject({ errno: 1 });
    const ok = await bench(c, benchGuestAccessesToJson({ access: { ...OUT, domid: 2 }, count: 3, warmup: 0 }));
    expect(benchGuestAccessesResultFromJson(decodeJson(ok.payload, 'bench_guest_accesses')!).latenciesNs).toHaveLength(3);
  });
});
