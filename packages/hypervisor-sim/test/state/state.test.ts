/**
 * The daemon's state file (docs/reliability.md "Daemon state file"): a rich state comes back exactly
 * (leftover p2m_ioreq_server pages after a destroy included), writes are atomic (a writer killed at any
 * moment leaves the old or the new file), symbolic links and broken or mismatching files are refused.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError, decodeDmOp, encodeDmOp } from '@xenmem/abi-types';
import { FrameKind, decodeJson, encodeJson, seedP2mToJson, type DomainInspection } from '@xenmem/sim-protocol';
import { Hypervisor } from '../../src/hypervisor.js';
import { P2M_IOREQ_SERVER } from '../../src/p2m-types.js';
import { startDaemon } from '../../src/daemon/index.js';
import { StateFile, checkInvariants, decodeState, encodeState, readDurableState, readStateFile, removeStaleTemps, restore, snapshot, writeStateFileAtomic } from '../../src/state/index.js';
import { RawClient } from '../daemon/raw-client.js';
import { HVMMEM_IOREQ_SERVER, dm, richHypervisor } from './rich-state.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'xenmem-state-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function views(hv: Hypervisor, domids: number[]): Promise<DomainInspection[]> {
  return Promise.all(domids.map((d) => hv.inspect(d)));
}

describe('snapshot and restore', () => {
  it('bring back a rich state exactly, leftover ioreq_server pages after a destroy included', async () => {
    const hv = await richHypervisor();
    const before = await views(hv, [1, 2, 4]);
    expect(before[0]!.ioreqClaim).toEqual({ owner: null, flags: 0, entryCount: 0x43 });
    expect(before[0]!.servers!.map((s) => s.pages)).toEqual(['gfns', 'resource']);
    expect(before[1]!.ioreqClaim.owner).not.toBeNull();
    expect(checkInvariants(hv)).toEqual([]);

    const bytes = encodeState(snapshot(hv));
    const again = new Hypervisor({ release: '4.22' });
    await restore(again, decodeState(bytes));
    expect(checkInvariants(again)).toEqual([]);
    expect(await views(again, [1, 2, 4])).toEqual(before);
    expect(encodeState(snapshot(again))).toEqual(bytes);
    const p2m = again.domain(1)!.p2m.countByType(0, 0x100000)[P2M_IOREQ_SERVER];
    expect(p2m).toBe(again.domain(1)!.ioreq.entryCount);
    // Page bytes are rebuilt: the published ports are back in the vp_eport fields, the rest is zero.
    const s = again.domain(1)!.servers.get(before[0]!.servers![0]!.id)!;
    expect(new DataView(s.ioreqPage.buffer).getUint32(24, true)).toBe(s.vcpuPorts[0]);
    expect(new DataView(s.ioreqPage.buffer).getUint32(32 + 24, true)).toBe(s.vcpuPorts[1]);

    // Both go on alike: the next server gets the same id, ports and gfns; the same ops give the same results.
    const results: unknown[][] = [[], []];
    for (const [k, h] of [hv, again].entries()) {
      const rc = async (domid: number, op: string, fields: Record<string, unknown>) => {
        const buf = encodeDmOp(op as Parameters<typeof encodeDmOp>[0], fields);
        const r = await h.dmOp(0, domid, [buf]);
        results[k]!.push([op, r.rc, decodeDmOp(buf).payload]);
        return decodeDmOp(buf).payload as Record<string, unknown>;
      };
      const id = (await rc(1, 'create_ioreq_server', { handle_bufioreq: 1 })).id as number;
      await rc(1, 'get_ioreq_server_info', { id });
      await rc(1, 'map_mem_type_to_ioreq_server', { id, type: HVMMEM_IOREQ_SERVER, flags: 2 }); // EBUSY: leftover entries
      await rc(1, 'set_mem_type', { mem_type: 0, first_pfn: 0x1000n, nr: 0x40 });
      await rc(1, 'set_mem_type', { mem_type: 0, first_pfn: 0x2000n, nr: 3 });
      await rc(1, 'map_mem_type_to_ioreq_server', { id, type: HVMMEM_IOREQ_SERVER, flags: 2 });
      await rc(1, 'create_ioreq_server', { handle_bufioreq: 0 });
      await rc(2, 'set_mem_type', { mem_type: HVMMEM_IOREQ_SERVER, first_pfn: 0x20n, nr: 2 });
    }
    expect(results[1]).toEqual(results[0]);
    expect(results[0]!.map((r) => (r as unknown[])[1])).toEqual([0, 0, -16, 0, 0, 0, 0, 0]);
    expect(await views(again, [1, 2, 4])).toEqual(await views(hv, [1, 2, 4]));
    expect((await again.inspect(1)).ioreqClaim).toMatchObject({ entryCount: 0, flags: 2 });
  });

  it('refuses a state of another release, a hypervisor with domains, and an entry_count that does not match the p2m', async () => {
    const hv = await richHypervisor();
    const state = snapshot(hv);
    await expect(restore(new Hypervisor({ release: '4.12' }), state)).rejects.toThrow(/Xen 4.22 simulator; this one is Xen 4.12/);
    await expect(restore(hv, state)).rejects.toThrow(/without domains/);
    const broken = decodeState(encodeState(state));
    broken.domains[0]!.claim.entryCount += 1;
    await expect(restore(new Hypervisor({ release: '4.22' }), broken)).rejects.toThrow(/entry_count 68 is not the 67 p2m_ioreq_server pages/);
    const ownerless = decodeState(encodeState(state));
    ownerless.domains[1]!.claim.owner = 9;
    await expect(restore(new Hypervisor({ release: '4.22' }), ownerless)).rejects.toThrow(/owner 9 is not one of its servers/);
    expect(() => decodeState(new TextEncoder().encode('{"format":"xenmem-sim-state","version":1,"rel'))).toThrow(InputError);
    expect(() => decodeState(new TextEncoder().encode('{"format":"other"}'))).toThrow(/is not a xenmem-sim-state document/);
  });
});

describe('the state file', () => {
  it('is written atomically: a writer SIGKILLed at random moments leaves the old or the new file, never a mix', async () => {
    const path = join(dir, 'state.json');
    const dist = fileURLToPath(new URL('../../dist/state/file.js', import.meta.url));
    expect(existsSync(dist), 'build @xenmem/hypervisor-sim first').toBe(true);
    // Two versions of 2 MiB each; the writer alternates between them as fast as it can.
    const script = `
      import { writeStateFileAtomic } from ${JSON.stringify(dist)};
      const v = [new Uint8Array(2 << 20).fill(0x41), new Uint8Array(2 << 20).fill(0x42)];
      writeStateFileAtomic(process.argv[1], v[0]);
      process.stdout.write('ready\\n');
      for (let i = 1; ; i++) writeStateFileAtomic(process.argv[1], v[i & 1]);`;
    for (let k = 0; k < 5; k++) {
      const child = spawn(process.execPath, ['--input-type=module', '-e', script, path], { stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
      await new Promise((r) => setTimeout(r, 20 + Math.random() * 80));
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
      const bytes = readFileSync(path);
      expect(bytes.length).toBe(2 << 20);
      expect(bytes[0] === 0x41 || bytes[0] === 0x42).toBe(true);
      expect(bytes.every((b) => b === bytes[0])).toBe(true);
    }
    // What the killed writers left behind is removed the next time a daemon opens the file.
    removeStaleTemps(path);
    expect(readdirSync(dir)).toEqual(['state.json']);
    expect(lstatSync(path).mode & 0o777).toBe(0o600);
  });

  it('keeps the old file when a write fails', () => {
    const sub = join(dir, 'ro');
    mkdirSync(sub);
    const path = join(sub, 'state.json');
    writeStateFileAtomic(path, new TextEncoder().encode('old'));
    rmSync(sub, { recursive: true });
    expect(() => writeStateFileAtomic(path, new TextEncoder().encode('new'))).toThrow();
    mkdirSync(sub);
    writeStateFileAtomic(path, new TextEncoder().encode('old'));
    // A temporary name already taken (O_EXCL) fails the write, and the old file stays.
    writeFileSync(join(sub, `.state.json.tmp-${process.pid}-999999`), '');
    expect(readStateFile(path)).toEqual(new TextEncoder().encode('old'));
  });

  it('refuses a symbolic link (to a file or dangling) and anything but a regular file, and leaves the target alone', async () => {
    const target = join(dir, 'target.json');
    writeFileSync(target, 'precious');
    const link = join(dir, 'link.json');
    symlinkSync(target, link);
    const dangling = join(dir, 'dangling.json');
    symlinkSync(join(dir, 'nowhere.json'), dangling);
    const hv = new Hypervisor({ release: '4.22' });
    for (const p of [link, dangling]) {
      expect(() => readStateFile(p)).toThrow(/symbolic link/);
      expect(() => writeStateFileAtomic(p, new Uint8Array(1))).toThrow(/symbolic link/);
      await expect(StateFile.open(p, hv)).rejects.toThrow(/symbolic link/);
      await expect(startDaemon({ socketPath: join(dir, 's.sock'), hypervisor: hv, statePath: p })).rejects.toThrow(/symbolic link/);
    }
    expect(readFileSync(target, 'utf8')).toBe('precious');
    expect(existsSync(join(dir, 'nowhere.json'))).toBe(false);
    mkdirSync(join(dir, 'adir'));
    expect(() => readStateFile(join(dir, 'adir'))).toThrow(/not a regular file/);
  });
});

describe('startDaemon({ statePath })', () => {
  it('writes the state (snapshot + journal) before each reply, and a new daemon restores it', async () => {
    const statePath = join(dir, 'state.json');
    const socketPath = join(dir, 'sim.sock');
    const hv = new Hypervisor({ release: '4.22' });
    await hv.createDomain({ domid: 1, maxGpfn: 0xfffff });
    let daemon = await startDaemon({ socketPath, hypervisor: hv, statePath });
    expect(daemon.restored).toBe(false);
    expect(readDurableState(statePath, '4.22')!.state.domains.map((d) => d.domid)).toEqual([1]);
    const c = await RawClient.open(socketPath, 0);
    expect((await c.request(FrameKind.seedP2m, encodeJson(seedP2mToJson(1, 0x10n, 4, 1)))).kind).toBe(FrameKind.json);
    // The reply came: the file has the change already (no close needed, as after a SIGKILL).
    expect(readDurableState(statePath, '4.22')!.state.domains[0]!.p2m).toEqual([[0x10, 4, 1]]);
    expect((await c.request(FrameKind.createDomain, encodeJson({ domid: 5, maxGpfn: 0xff }))).kind).toBe(FrameKind.json);
    expect(readDurableState(statePath, '4.22')!.state.domains.map((d) => d.domid)).toEqual([1, 5]);
    const expected = await views(hv, [1, 5]);
    c.socket.destroy();
    await daemon.close();

    const hv2 = new Hypervisor({ release: '4.22' });
    daemon = await startDaemon({ socketPath, hypervisor: hv2, statePath });
    try {
      expect(daemon.restored).toBe(true);
      const c2 = await RawClient.open(socketPath, 0);
      const got = decodeJson((await c2.request(FrameKind.inspect, encodeJson({ domid: 5 }))).payload, 'inspect');
      expect(got).toMatchObject({ domid: 5, maxGpfn: 0xff });
      expect(await views(hv2, [1, 5])).toEqual(expected);
      c2.socket.destroy();
    } finally {
      await daemon.close();
    }
  });

  it('refuses to start on a broken state file and leaves it as it is', async () => {
    const statePath = join(dir, 'state.json');
    writeFileSync(statePath, '{"format":"xenmem-sim-state","vers');
    await expect(startDaemon({ socketPath: join(dir, 'sim.sock'), hypervisor: new Hypervisor({ release: '4.22' }), statePath })).rejects.toThrow(InputError);
    expect(readFileSync(statePath, 'utf8')).toBe('{"format":"xenmem-sim-state","vers');
  });
});
