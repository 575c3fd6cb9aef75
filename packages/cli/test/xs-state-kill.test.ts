/**
 * The xenstore under `xenmem sim serve --state FILE` survives SIGKILL (docs/reliability.md "Daemon state
 * file"): writes stream into the real daemon's xenstore socket and it is killed while one is in flight;
 * restarted with the same --state, every write whose reply arrived is there, with its value, and the one in
 * flight is either there or not. 3 kills in `npm test`; XENMEM_LONG=1: 12.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONST } from '@xenmem/abi-types';
import { mulberry32, XsError } from '@xenmem/hypervisor-sim';
import { afterAll, describe, expect, it } from 'vitest';
import { pathPayload, XsClient } from '../src/xs-client.js';
import { exited, startServe } from './serve-child.js';

const KILLS = process.env.XENMEM_LONG === '1' ? 12 : 3;
const T = CONST.xs_wire_type;
const dir = mkdtempSync(join(tmpdir(), 'xenmem-xs-kill-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function serve(socket: string, state: string): Promise<ChildProcess> {
  return startServe(['--socket', socket, '--state', state, '--xen', '4.17', '--no-shm']);
}


describe('xenstore contents across SIGKILL', () => {
  it(`${KILLS} kills: every acknowledged write survives`, async () => {
    const rand = mulberry32(0xc0ffee);
    const socket = join(dir, 's');
    const state = join(dir, 'state.json');
    let acked = 0;
    for (let k = 0; k < KILLS; k++) {
      let child = await serve(socket, state);
      const xs = await XsClient.connect(socket);
      const stopAt = acked + 20 + Math.floor(rand() * 80);
      while (acked < stopAt) {
        await xs.request(T.write, pathPayload(`/k/${acked}`, `v${acked}`), 'write', `/k/${acked}`);
        acked++;
      }
      // One more write in flight when the kill lands.
      const inFlight = acked;
      const last = xs.request(T.write, pathPayload(`/k/${acked}`, `v${acked}`), 'write', `/k/${acked}`).then(
        () => true,
        () => false,
      );
      child.kill('SIGKILL');
      await exited(child);
      if (await last) acked++;
      xs.close();

      child = await serve(socket, state);
      const check = await XsClient.connect(socket);
      for (let i = 0; i < acked; i++) expect((await check.request(T.read, pathPayload(`/k/${i}`), 'read', `/k/${i}`)).toString()).toBe(`v${i}`);
      // The write in flight: there with its value, or not there at all.
      const maybe = await check.request(T.read, pathPayload(`/k/${inFlight}`), 'read', '').then(
        (v) => v.toString(),
        (e: unknown) => (e instanceof XsError ? e.code : String(e)),
      );
      expect([`v${inFlight}`, 'ENOENT']).toContain(maybe);
      if (maybe !== 'ENOENT' && inFlight === acked) acked++;
      check.close();
      child.kill('SIGTERM');
      await exited(child);
    }
    expect(acked).toBeGreaterThan(KILLS * 20);
  });
});
