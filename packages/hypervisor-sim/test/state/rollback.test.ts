/**
 * Setting a running hypervisor back to a durable state (state/rollback.ts; docs/reliability.md "Disk full"): every
 * kind of change since is undone, in place; what the state does not hold survives where its object stays (a
 * server's pages, a domain's guest RAM, a client's event-channel binding); afterwards the hypervisor answers the
 * same calls as one restored from the same state.
 */
import { describe, expect, it } from 'vitest';
import { decodeDmOp, encodeDmOp } from '@xenmem/abi-types';
import { Hypervisor } from '../../src/hypervisor.js';
import { P2M_RAM_RO } from '../../src/p2m-types.js';
import * as ops from '../../src/xenstore/operations.js';
import { DeltaTracker, checkInvariants, decodeState, encodeState, restore, rollbackTo, snapshot } from '../../src/state/index.js';
import { HVMMEM_IOREQ_SERVER, dm, richHypervisor } from './rich-state.js';

const ROOT = { domid: 0, privileged: true, home: '/local/domain/0' };
const HVMMEM_RAM_RO = 1;

describe('rollbackTo', () => {
  it('undoes domains, servers, ranges, claims, p2m, counters, events and xenstore nodes created, destroyed or changed since', async () => {
    const hv = await richHypervisor();
    ops.write(hv.xenstore, ROOT, '/local/domain/1/kept', Buffer.from('old'));
    await hv.guestRamWrite(1, 0x5000n, new Uint8Array([1, 2, 3, 4]));
    const [a, b] = [...hv.domain(1)!.servers.keys()];
    const serverA = hv.domain(1)!.servers.get(a!)!;
    const bound = await hv.bindInterdomain(0, 1, serverA.vcpuPorts[0]!);
    expect(bound.rc).toBe(0);
    const saved = encodeState(snapshot(hv));

    // Changes of every kind the state holds.
    await dm(hv, 0, 1, 'set_mem_type', { mem_type: HVMMEM_RAM_RO, first_pfn: 0x7000n, nr: 0x30 });
    await hv.seedP2m(1, 0x9000n, 4, 1);
    await dm(hv, 0, 1, 'map_io_range_to_ioreq_server', { id: a, type: 0, start: 0x60n, end: 0x64n });
    await dm(hv, 0, 1, 'set_ioreq_server_state', { id: a, enabled: 0 });
    await dm(hv, 0, 1, 'destroy_ioreq_server', { id: b });
    const fresh = (await dm(hv, 0, 1, 'create_ioreq_server', { handle_bufioreq: 1 })).id as number;
    await dm(hv, 0, 1, 'get_ioreq_server_info', { id: fresh });
    const claimant = hv.domain(2)!.ioreq.owner!;
    await dm(hv, 3, 2, 'map_mem_type_to_ioreq_server', { id: claimant, type: HVMMEM_IOREQ_SERVER, flags: 0 });
    await dm(hv, 3, 2, 'set_mem_type', { mem_type: HVMMEM_RAM_RO, first_pfn: 0x300n, nr: 2 });
    await hv.destroyDomain(4);
    await hv.createDomain({ domid: 4, maxGpfn: 0xfff, vcpus: 1 });
    await hv.createDomain({ domid: 5, maxGpfn: 0xff });
    ops.write(hv.xenstore, ROOT, '/local/domain/1/kept', Buffer.from('new'));
    ops.write(hv.xenstore, ROOT, '/local/domain/1/added', Buffer.from('x'));
    expect(encodeState(snapshot(hv))).not.toEqual(saved);

    rollbackTo(hv, decodeState(saved));
    expect(new TextDecoder().decode(encodeState(snapshot(hv)))).toBe(new TextDecoder().decode(saved));
    expect(checkInvariants(hv)).toEqual([]);
    expect(hv.xenstore.get('/local/domain/1/kept')?.value.toString()).toBe('old');
    expect(hv.xenstore.get('/local/domain/1/added')).toBeUndefined();
    // In place: the server that stayed is the same object (a device model's mapping of its pages stays valid),
    // the client's binding to its port is still bound, and domain 1's RAM keeps its bytes.
    expect(hv.domain(1)!.servers.get(a!)).toBe(serverA);
    expect(hv.evtchn.state(0, bound.localPort)).toBe('interdomain');
    expect(hv.evtchn.state(1, serverA.vcpuPorts[0]!)).toBe('interdomain');
    expect([...(await hv.guestRamRead(1, 0x5000n, 4))]).toEqual([1, 2, 3, 4]);
    // The server destroyed since is back (the one created since is gone: the snapshot above is equal).
    expect(hv.domain(1)!.servers.has(b!)).toBe(true);
  });

  it('leaves a hypervisor that goes on exactly as one restored from the same state', async () => {
    const hv = await richHypervisor();
    const saved = encodeState(snapshot(hv));
    const b = [...hv.domain(1)!.servers.keys()][1]!;
    await dm(hv, 0, 1, 'destroy_ioreq_server', { id: b });
    await dm(hv, 0, 1, 'create_ioreq_server', { handle_bufioreq: 2 });
    await dm(hv, 0, 1, 'create_ioreq_server', { handle_bufioreq: 0 });
    await hv.destroyDomain(2);
    rollbackTo(hv, decodeState(saved));
    const again = new Hypervisor({ release: '4.22' });
    await restore(again, decodeState(saved));

    const results: unknown[][] = [[], []];
    for (const [k, h] of [hv, again].entries()) {
      const call = async (caller: number, domid: number, op: string, fields: Record<string, unknown>) => {
        const buf = encodeDmOp(op as Parameters<typeof encodeDmOp>[0], fields);
        const r = await h.dmOp(caller, domid, [buf]);
        results[k]!.push([op, r.rc, decodeDmOp(buf).payload]);
        return decodeDmOp(buf).payload as Record<string, unknown>;
      };
      // The next servers get the same ids, ports and gfns; the destroyed-and-restored one answers as before.
      const id = (await call(0, 1, 'create_ioreq_server', { handle_bufioreq: 1 })).id as number;
      await call(0, 1, 'get_ioreq_server_info', { id });
      await call(0, 1, 'get_ioreq_server_info', { id: b });
      await call(0, 1, 'map_io_range_to_ioreq_server', { id: b, type: 1, start: 0xd0000000n, end: 0xd0000fffn });
      await call(3, 2, 'create_ioreq_server', { handle_bufioreq: 1 });
      await call(0, 2, 'set_mem_type', { mem_type: HVMMEM_IOREQ_SERVER, first_pfn: 0x20n, nr: 2 });
      results[k]!.push(new TextDecoder().decode(encodeState(snapshot(h))), h.evtchn.portsInUse(1), h.evtchn.portsInUse(2));
    }
    expect(results[0]).toEqual(results[1]);
  });

  it('a new tracker after each rollback takes over the p2m watch instead of stacking another wrapper on it', async () => {
    const hv = await richHypervisor();
    const first = new DeltaTracker(hv);
    const set = hv.domain(1)!.p2m.set;
    const latest = [new DeltaTracker(hv), new DeltaTracker(hv)][1]!;
    expect(hv.domain(1)!.p2m.set).toBe(set);
    await dm(hv, 0, 1, 'set_mem_type', { mem_type: HVMMEM_RAM_RO, first_pfn: 0x7000n, nr: 2 });
    expect(latest.capture()?.p2m).toEqual([[1, 0x7000, 2, [[0x7000, 2, P2M_RAM_RO]]]]);
    expect(first.capture()?.p2m ?? []).toEqual([]);
  });
});
