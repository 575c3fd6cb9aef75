/** DeviceModel against a scripted backend: what no simulator answer can show. */
import { describe, expect, it } from 'vitest';
import { InputError, XenError, type HypercallBackend, type HypercallOutcome } from '@xenmem/abi-types';
import { DeviceModel } from '../src/index.js';

/** A backend that records the buffers and answers with `rc`, letting `reply` write results in place. */
function scripted(release: string, rc: number, reply: (bufs: Uint8Array[]) => void = () => {}) {
  const seen: { hypercall: string; op: number; sizes: number[] }[] = [];
  const outcome = (): HypercallOutcome => ({ rc, continuations: 0, progress: null });
  const backend: HypercallBackend = {
    release,
    async dmOp(_caller, _domid, bufs) {
      seen.push({ hypercall: 'dm_op', op: new DataView(bufs[0]!.buffer).getUint32(0, true), sizes: bufs.map((b) => b.length) });
      reply(bufs);
      return outcome();
    },
    async hvmOp(_caller, op, buf) {
      seen.push({ hypercall: 'hvm_op', op, sizes: [buf.length] });
      reply([buf]);
      return outcome();
    },
  };
  return { backend, seen };
}

describe('DeviceModel (scripted backend)', () => {
  it('get_mem_type: a number without a name at the client\'s version decodes to type null', async () => {
    const { backend } = scripted('4.22', 0, ([buf]) => new DataView(buf!.buffer).setUint16(2, 9, true));
    expect(await new DeviceModel({ backend, iface: '4.22' }).getMemType(1, 0)).toEqual({ type: null, memType: 9 });
  });

  it('get_mem_type: 3 is mmio_write_dm to a 4.6 client and unused to a 4.7 one', async () => {
    const { backend } = scripted('4.22', 0, ([buf]) => new DataView(buf!.buffer).setUint16(2, 3, true));
    expect(await new DeviceModel({ backend, iface: '4.6' }).getMemType(1, 0)).toEqual({ type: 'mmio_write_dm', memType: 3 });
    expect(await new DeviceModel({ backend, iface: 0x00040700 }).getMemType(1, 0)).toEqual({ type: 'unused', memType: 3 });
  });

  it('track_dirty_vram sizes buf[1] as (nr+7)/8 bytes', async () => {
    const { backend, seen } = scripted('4.22', 0);
    const dm = new DeviceModel({ backend, iface: '4.22' });
    for (const nr of [0, 1, 8, 9, 4096]) await dm.trackDirtyVram(1, 0, nr);
    expect(seen.map((s) => s.sizes)).toEqual([[32, 0], [32, 1], [32, 1], [32, 2], [32, 512]]);
  });

  it('a Xen error carries errno, code and op; an errno Xen does not have is refused', async () => {
    const dm = new DeviceModel({ backend: scripted('4.22', -16).backend, iface: '4.22' });
    const err = await dm.setMemType(1, 'ram_rw', 0, 1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(XenError);
    expect(err).toMatchObject({ errno: 16, code: 'EBUSY', op: 'set_mem_type' });
    const odd = await new DeviceModel({ backend: scripted('4.22', -999).backend, iface: '4.22' }).nrVcpus(1).catch((e: unknown) => e);
    expect(odd).toBeInstanceOf(InputError);
    expect(odd).toMatchObject({ argument: 'rc' });
  });

  it('the backend\'s release must be one the schema knows; it picks the hypercall family', async () => {
    expect(() => new DeviceModel({ backend: scripted('4.23', 0).backend, iface: '4.22' })).toThrow(expect.objectContaining({ name: 'InputError', argument: 'release' }));
    const old = scripted('4.6', 0);
    await new DeviceModel({ backend: old.backend, iface: '4.6' }).setMemType(1, 'mmio_write_dm', 0, 1);
    const recent = scripted('4.9', 0);
    await new DeviceModel({ backend: recent.backend, iface: '4.6' }).setMemType(1, 'mmio_write_dm', 0, 1);
    expect([old.seen, recent.seen]).toEqual([[{ hypercall: 'hvm_op', op: 8, sizes: [16] }], [{ hypercall: 'dm_op', op: 12, sizes: [32] }]]);
  });
});
