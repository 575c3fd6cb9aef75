import { describe, expect, it } from 'vitest';
import type { IoreqRecord } from '@xenmem/sim-protocol';
import { CORES, dm, hypervisor } from '../hypervisor/harness.js';
import { DM, DOMAIN, attach, bufSlot, pointers, setPointers, setState, slot } from './dm.js';

const VGA = { start: 0xa0000n, end: 0xbffffn };

// The buffered ring, xen/include/public/hvm/ioreq.h and ioreq.c (ioreq_send_buffered; stdvga writes and TIMEOFFSET).
describe.each(CORES)('buffered ioreqs (%s core)', (_name, core) => {
  const setup = async (bufioreq: number, bind = true) => {
    const hv = await hypervisor(core, '4.22', 'never', [DOMAIN]);
    await dm(hv, 'set_mem_type', { nr: 0x20, mem_type: 2, first_pfn: 0xa0n }, { caller: DM });
    return { hv, s: await attach(hv, { bufioreq, ...VGA, bind }) };
  };
  const write = (hv: Awaited<ReturnType<typeof hypervisor>>, addr: bigint, size: number, value: bigint, count = 1) =>
    hv.guestAccess({ domid: 1, vcpu: 0, kind: 'write', addr, size, value, count });

  it('a VGA write takes a slot at write_pointer % 511, notifies the ring port, and returns at once', async () => {
    const { hv, s } = await setup(2);
    const r = await write(hv, 0xa1234n, 2, 0xbeefn);
    expect(r).toEqual({ outcome: 'ioreq', value: null, ioreqs: [{ server: s.id, type: 'copy', dir: 'write', addr: 0xa1234n, size: 2, count: 1, data: 0xbeefn, df: false, buffered: true }] });
    expect(pointers(s.buf!)).toEqual({ read: 0, write: 1 });
    expect(bufSlot(s.buf!, 0)).toEqual({ type: 1, pad: 0, dir: 0, size: 1, addr: 0xa1234, data: 0xbeef });
    expect(s.buf!.read(8, 8)).toEqual(Uint8Array.of(0x01, 0x44, 0x23, 0xa1, 0xef, 0xbe, 0, 0)); // type | size 1<<10 | addr<<12
    expect(await hv.pending(DM)).toBe(s.bufPort);
    expect(slot(s.sync, 0).state).toBe(0); // the synchronous slot was never used
  });

  it('an 8-byte write takes two slots (high half in the second); reads and rep writes go synchronously', async () => {
    const { hv, s } = await setup(1, false);
    setPointers(s.buf!, 510, 510);
    await write(hv, 0xb0000n, 8, 0x1111222233334444n);
    // LEGACY: no canonicalisation; with no device model on the ring, the handler drained it at once.
    expect(pointers(s.buf!)).toEqual({ read: 512, write: 512 });
    expect(bufSlot(s.buf!, 510)).toMatchObject({ size: 3, addr: 0xb0000, data: 0x33334444 });
    expect(bufSlot(s.buf!, 0)).toMatchObject({ size: 3, addr: 0xb0000, data: 0x11112222 });
    const seen: IoreqRecord[] = [];
    hv.setIoreqHandler((_d, req) => void seen.push({ ...req }));
    await hv.guestAccess({ domid: 1, vcpu: 0, kind: 'read', addr: 0xa0000n, size: 1 });
    await write(hv, 0xa0000n, 1, 1n, 2);
    expect(seen.map((q) => q.buffered)).toEqual([false, false]);
    expect(pointers(s.buf!)).toEqual({ read: 512, write: 512 });
  });

  it('ring full (write − read ≥ 511 − qw): the write falls back to the synchronous path', async () => {
    const { hv, s } = await setup(2);
    setPointers(s.buf!, 0, 510);
    const pending = write(hv, 0xa0000n, 8, 5n); // needs 2 slots, 1 left
    expect(await hv.pending(DM)).toBe(s.ports[0]); // the synchronous request's notification
    expect(slot(s.sync, 0)).toMatchObject({ addr: 0xa0000n, size: 8, data: 5n, state: 1 });
    setState(s.sync, 0, 3);
    await hv.notify(DM, s.ports[0]!);
    const one = await pending;
    expect(one.ioreqs[0]!.buffered).toBe(false);
    expect(pointers(s.buf!)).toEqual({ read: 0, write: 510 });
    const small = await write(hv, 0xa0000n, 4, 6n); // fits the last slot
    expect(small.ioreqs[0]!.buffered).toBe(true);
    expect(pointers(s.buf!)).toEqual({ read: 0, write: 511 });
  });

  it('ATOMIC canonicalises both pointers once read_pointer reaches 511; LEGACY leaves them', async () => {
    for (const [mode, expected] of [
      [2, { read: 489, write: 490 }],
      [1, { read: 1000, write: 1001 }],
    ] as const) {
      const { hv, s } = await setup(mode);
      setPointers(s.buf!, 1000, 1000);
      await write(hv, 0xa0010n, 1, 0x7fn);
      expect(pointers(s.buf!), `mode ${mode}`).toEqual(expected);
      expect(bufSlot(s.buf!, 1000 % 511)).toMatchObject({ size: 0, addr: 0xa0010, data: 0x7f });
    }
  });

  it('without an attached ring the handler sees buffered writes and the ring drains at once; no buffering: synchronous', async () => {
    const { hv, s } = await setup(2, false);
    const seen: IoreqRecord[] = [];
    hv.setIoreqHandler((_d, req) => void seen.push({ ...req }));
    for (let i = 0; i < 600; i++) await write(hv, 0xa0000n, 1, BigInt(i & 0xff));
    expect(seen.every((q) => q.buffered)).toBe(true);
    expect(pointers(s.buf!)).toEqual({ read: 600 % 511, write: 600 % 511 });
    const off = await setup(0, false);
    off.hv.setIoreqHandler(() => undefined);
    expect((await write(off.hv, 0xa0000n, 1, 1n)).ioreqs[0]!.buffered).toBe(false);
  });

  it('TIMEOFFSET goes through every buffered ring (two slots), skipping servers without buffering', async () => {
    const { hv, s } = await setup(2);
    const plain = (await dm(hv, 'create_ioreq_server', {}, { caller: DM })).out.id as number;
    await dm(hv, 'set_ioreq_server_state', { id: plain, enabled: 1 }, { caller: DM });
    const r = await hv.broadcastTimeoffset(1, 0x123456789an);
    expect(r).toEqual({ outcome: 'ioreq', value: null, ioreqs: [{ server: s.id, type: 'timeoffset', dir: 'write', addr: 0n, size: 8, count: 1, data: 0x123456789an, df: false, buffered: true }] });
    expect([bufSlot(s.buf!, 0), bufSlot(s.buf!, 1)]).toEqual([
      { type: 7, pad: 0, dir: 0, size: 3, addr: 0, data: 0x3456789a },
      { type: 7, pad: 0, dir: 0, size: 3, addr: 0, data: 0x12 },
    ]);
    expect(await hv.pending(DM)).toBe(s.bufPort);
  });
});
