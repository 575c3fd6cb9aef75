/**
 * SCHEDOP_remote_shutdown (xen/common/sched/core.c do_sched_op() @ RELEASE-4.17.0), in process and through
 * the daemon's sched_op frame: recorded in the domain's event log for a privileged caller; EFAULT for a short
 * argument, ESRCH for no such domain, EPERM for a caller that is not the domain's device model (or a connection
 * restricted to another domain), ENOSYS for the SCHEDOPs that act on the calling vCPU.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONST, ERRNO, encodeStruct, sizeOf } from '@xenmem/abi-types';
import { FrameKind, decodeHypercallDone, encodeRestrict, encodeSchedOpRequest } from '@xenmem/sim-protocol';
import { Hypervisor } from '../../src/hypervisor.js';
import { startDaemon, type Daemon } from '../../src/daemon/index.js';
import { RawClient } from '../daemon/raw-client.js';

const REMOTE_SHUTDOWN = CONST.sched_op.remote_shutdown;
const shutdown = (domain_id: number, reason: number) => encodeStruct('sched_remote_shutdown', { domain_id, reason });

async function hypervisor(): Promise<Hypervisor> {
  const hv = new Hypervisor({ release: '4.17' });
  await hv.createDomain({ domid: 1, maxGpfn: 0xfff });
  await hv.createDomain({ domid: 2, maxGpfn: 0xfff, dm: 3 });
  return hv;
}

describe('sched_op in process', () => {
  it('records remote_shutdown of a domain for the control domain and for its device model', async () => {
    const hv = await hypervisor();
    expect((await hv.schedOp(0, REMOTE_SHUTDOWN, shutdown(1, CONST.shutdown_reason.poweroff))).rc).toBe(0);
    expect((await hv.schedOp(3, REMOTE_SHUTDOWN, shutdown(2, CONST.shutdown_reason.crash))).rc).toBe(0);
    expect((await hv.inspect(1)).events).toEqual([{ op: 'remote_shutdown', args: { domain_id: 1, reason: CONST.shutdown_reason.poweroff } }]);
    expect((await hv.inspect(2)).events).toEqual([{ op: 'remote_shutdown', args: { domain_id: 2, reason: CONST.shutdown_reason.crash } }]);
  });

  it.each([
    ['a short argument', 0, REMOTE_SHUTDOWN, shutdown(1, 0).subarray(0, sizeOf('sched_remote_shutdown') - 1), -ERRNO.EFAULT.value, 'copy-fault'],
    ['no such domain', 0, REMOTE_SHUTDOWN, shutdown(9, 0), -ERRNO.ESRCH.value, 'domain-missing'],
    ['a caller that is not the device model', 3, REMOTE_SHUTDOWN, shutdown(1, 0), -ERRNO.EPERM.value, 'not-privileged'],
    ['a SCHEDOP on the calling vCPU', 0, 0, new Uint8Array(0), -ERRNO.ENOSYS.value, 'schedop-unknown'],
  ])('%s: rc %i', async (_what, caller, cmd, arg, rc, reason) => {
    const hv = await hypervisor();
    const outcome = await hv.schedOp(caller, cmd, arg);
    expect(outcome).toEqual({ rc, continuations: 0, progress: null, reason: expect.objectContaining({ id: reason }) });
    expect((await hv.inspect(1)).events).toEqual([]);
  });
});

describe('sched_op through the daemon', () => {
  let dir: string | null = null;
  let daemon: Daemon | null = null;
  afterEach(async () => {
    await daemon?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    daemon = null;
  });

  it('forwards the frame, copies the argument back, and refuses another domain on a restricted connection', async () => {
    dir = mkdtempSync(join(tmpdir(), 'xenmem-sched-op-'));
    const hv = await hypervisor();
    daemon = await startDaemon({ socketPath: join(dir, 'sim.sock'), hypervisor: hv });
    const c = await RawClient.open(daemon.address, 0);
    const arg = shutdown(1, CONST.shutdown_reason.reboot);
    const done = decodeHypercallDone((await c.request(FrameKind.schedOp, encodeSchedOpRequest({ cmd: REMOTE_SHUTDOWN, arg }))).payload);
    expect(done).toMatchObject({ rc: 0, bufs: [arg] });
    expect((await hv.inspect(1)).events).toEqual([{ op: 'remote_shutdown', args: { domain_id: 1, reason: CONST.shutdown_reason.reboot } }]);
    await c.request(FrameKind.restrict, encodeRestrict(2));
    const refused = decodeHypercallDone((await c.request(FrameKind.schedOp, encodeSchedOpRequest({ cmd: REMOTE_SHUTDOWN, arg }))).payload);
    expect(refused.rc).toBe(-ERRNO.EPERM.value);
    c.socket.destroy();
  });
});
