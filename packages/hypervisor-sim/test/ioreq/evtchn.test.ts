import { describe, expect, it } from 'vitest';
import { CORES, ERR, dm, hypervisor } from '../hypervisor/harness.js';
import { DM, DOMAIN } from './dm.js';

// Event channels of ioreq servers, xen/common/event_channel.c (Xen's evtchn_bind_interdomain / evtchn_send / evtchn_close).
describe.each(CORES)('event channels (%s core)', (_name, core) => {
  async function setup() {
    const hv = await hypervisor(core, '4.22', 'never', [DOMAIN]);
    const id = (await dm(hv, 'create_ioreq_server', { handle_bufioreq: 1 }, { caller: DM })).out.id as number;
    return { hv, id };
  }

  it('the emulator binds each vCPU port and the buffered port; local ports count from 1 per caller', async () => {
    const { hv } = await setup();
    expect(await hv.bindInterdomain(DM, 1, 1)).toEqual({ rc: 0, localPort: 1 });
    expect(await hv.bindInterdomain(DM, 1, 3)).toEqual({ rc: 0, localPort: 2 });
    expect(await hv.bindInterdomain(DM, 1, 2)).toEqual({ rc: 0, localPort: 3 });
  });

  it('EINVAL: a port already bound, one reserved for another domain, one that does not exist; ESRCH: no domain', async () => {
    const { hv } = await setup();
    expect((await hv.bindInterdomain(DM, 1, 1)).rc).toBe(0);
    expect(await hv.bindInterdomain(DM, 1, 1)).toEqual({ rc: ERR.EINVAL, localPort: 0 });
    expect((await hv.bindInterdomain(0, 1, 2)).rc).toBe(ERR.EINVAL); // remote end is the emulator (5), not dom0
    expect((await hv.bindInterdomain(DM, 1, 99)).rc).toBe(ERR.EINVAL);
    expect((await hv.bindInterdomain(DM, 7, 1)).rc).toBe(ERR.ESRCH);
  });

  it('unbind frees the local port and makes the remote port bindable again; notify/unbind of unknown ports → EINVAL', async () => {
    const { hv } = await setup();
    const { localPort } = await hv.bindInterdomain(DM, 1, 1);
    expect(await hv.unbindPort(DM, localPort)).toBe(0);
    expect(await hv.unbindPort(DM, localPort)).toBe(ERR.EINVAL);
    expect(await hv.notify(DM, localPort)).toBe(ERR.EINVAL);
    expect(await hv.bindInterdomain(DM, 1, 1)).toEqual({ rc: 0, localPort: 2 });
  });

  it('pending: Xen notifications arrive in order; the wait is abortable with an AbortError', async () => {
    const { hv, id } = await setup();
    const sync = (await hv.acquireResource(DM, 1, 0, id, 1, 1)).pages[0]!;
    await dm(hv, 'map_io_range_to_ioreq_server', { id, type: 0, start: 0x10n, end: 0x10n }, { caller: DM });
    await dm(hv, 'set_ioreq_server_state', { id, enabled: 1 }, { caller: DM });
    const p0 = (await hv.bindInterdomain(DM, 1, 1)).localPort;
    const p1 = (await hv.bindInterdomain(DM, 1, 2)).localPort;
    const waiting = hv.pending(DM);
    const a = hv.guestAccess({ domid: 1, vcpu: 1, kind: 'out', addr: 0x10n, size: 1, value: 1n });
    expect(await waiting).toBe(p1);
    const b = hv.guestAccess({ domid: 1, vcpu: 0, kind: 'out', addr: 0x10n, size: 1, value: 2n });
    await new Promise((r) => setTimeout(r, 0));
    expect(await hv.pending(DM)).toBe(p0);
    for (const [vcpu, port] of [[0, p0], [1, p1]] as const) {
      sync.write(vcpu * 32 + 30, Uint8Array.of(3)); // STATE_IORESP_READY
      expect(await hv.notify(DM, port)).toBe(0);
    }
    expect((await a).outcome).toBe('ioreq');
    expect((await b).outcome).toBe('ioreq');
    const ac = new AbortController();
    const never = hv.pending(DM, ac.signal);
    ac.abort();
    await expect(never).rejects.toMatchObject({ name: 'AbortError' });
    await expect(hv.pending(DM, ac.signal)).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('destroying the server closes its channels; destroying the domain closes all of them', async () => {
    const { hv, id } = await setup();
    const { localPort } = await hv.bindInterdomain(DM, 1, 1);
    await dm(hv, 'destroy_ioreq_server', { id }, { caller: DM });
    expect(await hv.notify(DM, localPort)).toBe(0); // the local end is unbound now: the event is dropped
    expect((await hv.bindInterdomain(DM, 1, 1)).rc).toBe(ERR.EINVAL);
  });
});
