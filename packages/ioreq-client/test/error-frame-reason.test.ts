/**
 * An error frame's `reason` (docs/protocol.md "Errors and limits") reaches the XenError the call rejects with:
 * a daemon that could not make a change durable answers errno 5 with reason `state-not-durable`. The daemon
 * here is a stand-in that answers every request so.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XenError } from '@xenmem/abi-types';
import { FrameDecoder, FrameKind, WIRE_PROTOCOL_VERSION, daemonReason, encodeFrame, encodeJson } from '@xenmem/sim-protocol';
import { DeviceModel, SocketBackend } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'xenmem-error-reason-'));
const path = join(dir, 's');
const server = createServer((socket) => {
  const decoder = new FrameDecoder();
  socket.on('data', (chunk: Buffer) => {
    for (const f of decoder.push(new Uint8Array(chunk))) {
      if (f.kind === FrameKind.hello) socket.write(encodeFrame(FrameKind.welcome, f.id, encodeJson({ protocol: WIRE_PROTOCOL_VERSION, release: '4.22', shm: false })));
      else socket.write(encodeFrame(FrameKind.error, f.id, encodeJson({ errno: 5, message: 'the request was undone: disk full', reason: daemonReason('state-not-durable') })));
    }
  });
});
await new Promise<void>((resolve) => server.listen(path, resolve));
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

describe('an error frame with a reason', () => {
  it('rejects with a XenError carrying errno 5 (EIO) and the reason', async () => {
    const backend = await SocketBackend.connect(path, { caller: 0 });
    const dm = new DeviceModel({ backend, iface: '4.22' });
    const e = await dm.setMemType(1, 'ram_ro', 0x1000, 1).then(() => null, (x: unknown) => x);
    expect(e).toBeInstanceOf(XenError);
    expect({ errno: (e as XenError).errno, code: (e as XenError).code, reason: (e as XenError).reason }).toEqual({
      errno: 5,
      code: 'EIO',
      reason: { id: 'state-not-durable', message: daemonReason('state-not-durable').message },
    });
    await backend.close();
  });
});
