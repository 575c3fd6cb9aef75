/**
 * Malformed xenstore messages: bad lengths, missing NULs, unknown types, over-long paths, junk transaction
 * ids. Every request gets a reply of its own type or an XS_ERROR with one of xenstored's error strings, a
 * header announcing more than XENSTORE_PAYLOAD_MAX bytes ends only that connection, and the daemon keeps
 * serving. `npm test` runs 600 messages; XENMEM_LONG=1 runs 20000.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hypervisor } from '../../src/hypervisor.js';
import { startDaemon, type Daemon } from '../../src/daemon/index.js';
import { mulberry32 } from '../../src/preempt.js';
import { CONST, XSD_ERRORS } from '@xenmem/abi-types';

import { XsRawClient } from '../xenstore/xs-raw-client.js';

const T = CONST.xs_wire_type;

const MESSAGES = process.env['XENMEM_LONG'] === '1' ? 20_000 : 600;
let dir: string;
let daemon: Daemon;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'xenmem-xs-fuzz-'));
  daemon = await startDaemon({ socketPath: join(dir, 'sim.sock'), hypervisor: new Hypervisor({ release: '4.17' }), shm: false });
});

afterAll(async () => {
  await daemon.close();
  rmSync(dir, { recursive: true, force: true });
});

const ERRORS = new Set(XSD_ERRORS.map((e) => `${e.errno}\0`));
const PIECES = ['/', 'a', 'b/c', '/local/domain/0', '@introduceDomain', '@releaseDomain', 'T', 'F', 'n0', 'b1', 'r0x7', '-1', '0', '99', ' ', '//', '\xff', 'é', '..'];

describe('xenstore fuzz', () => {
  it(`${MESSAGES} random messages get xenstored's replies and the daemon lives`, async () => {
    const rand = mulberry32(0x5eed);
    const int = (n: number) => Math.floor(rand() * n);
    let c = await XsRawClient.open(daemon.xenstore);
    let dropped = 0;
    for (let i = 0; i < MESSAGES; i++) {
      const types = [...Object.values(T), 20, 23, 24, 0xffff, int(0xffffffff)];
      const type = types[int(types.length)]!;
      const parts: string[] = [];
      for (let k = int(4); k > 0; k--) parts.push(int(8) === 0 ? '/p/' + 'x'.repeat(CONST.xs_limits.abs_path_max) : PIECES[int(PIECES.length)]!);
      let payload = Buffer.from(parts.join('\0') + (int(3) === 0 ? '' : '\0'), 'latin1');
      if (payload.length > CONST.xs_limits.payload_max) payload = payload.subarray(0, CONST.xs_limits.payload_max);
      if (int(60) === 0) {
        // A header that claims too much: xenstored drops the connection.
        c.sendRaw(XsRawClient.header(type, i, 0, CONST.xs_limits.payload_max + 1 + int(1 << 20)));
        // Watch events sent before may still arrive; then the connection closes with nothing else.
        for (let m = await c.next(2000); m !== null; m = await c.next(2000)) expect(m.type).toBe(T.watch_event);
        expect(c.closed).toBe(true);
        dropped++;
        c = await XsRawClient.open(daemon.xenstore);
        continue;
      }
      const txId = int(5) === 0 ? int(4) : 0;
      const reply = await c.request(type, payload, txId, i);
      expect(reply.reqId).toBe(i);
      expect(reply.txId).toBe(txId);
      if (reply.type === T.error) expect(ERRORS.has(reply.payload.toString('latin1')), reply.payload.toString('latin1')).toBe(true);
      else expect(reply.type).toBe(type);
      c.events.length = 0;
    }
    expect(dropped).toBeGreaterThan(0);
    const check = await XsRawClient.open(daemon.xenstore);
    // (The fuzz may have removed anything, /local/domain/0 included.)
    expect((await check.request(T.write, '/alive\0yes')).type).toBe(T.write);
    expect((await check.request(T.read, '/alive\0')).payload.toString()).toBe('yes');
    check.close();
    c.close();
  });
});
