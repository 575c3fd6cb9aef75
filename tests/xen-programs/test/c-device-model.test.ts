/**
 * examples/c-device-model built against Debian's libxen-dev (the project-local cache, scripts/deb-cache.mjs)
 * and run unmodified under `xenmem sim exec`, at Xen 4.17 and 4.22: the guest's port accesses reach its
 * register bank, its claim of the ioreq_server page type routes the guest's writes to the claimed pages to it
 * while reads stay RAM accesses, and SIGTERM makes it destroy its server.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GuestAccess } from '@xenmem/sim-protocol';
import { SocketBackend } from '@xenmem/ioreq-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEB_ROOT, DebCacheError, ensureDebSet, libraryPath } from '../../../scripts/deb-cache.mjs';
import { Daemon, type Program, REPO } from './harness.js';

const DOMID = 1;
const PORT = 0xc100n;
/** The two claimed pages: gfn 0x200 and 0x201. */
const GFN = 0x200n;
const PAGE = 0x1000n;

/** Builds regbank-dm into a temporary directory against the cached libxen-dev; a reason when the cache cannot be had. */
function build(): { binary: string } | { unavailable: string } {
  try {
    ensureDebSet('libxen-dev', { log: () => {} });
  } catch (e) {
    if (e instanceof DebCacheError) return { unavailable: e.message };
    throw e;
  }
  const out = mkdtempSync(join(tmpdir(), 'xenmem-regbank-'));
  const make = spawnSync('make', ['-C', join(REPO, 'examples/c-device-model'), `OUT=${out}`, `XEN_ROOT=${DEB_ROOT}`], { encoding: 'utf8' });
  if (make.status !== 0) throw new Error(`make of examples/c-device-model failed (${make.status}):\n${make.stdout}${make.stderr}`);
  return { binary: join(out, 'regbank-dm') };
}

const built = build();
const unavailable = 'unavailable' in built ? built.unavailable : undefined;
if (unavailable !== undefined) {
  if (process.env.CI === 'true') throw new Error(`the C example needs libxen-dev from the package cache: ${unavailable}`);
  console.warn(`skipped: the C example needs libxen-dev from the package cache: ${unavailable}`);
}

describe.skipIf(unavailable !== undefined).each(['4.17', '4.22'])('examples/c-device-model (regbank-dm) at Xen %s', (release) => {
  let daemon: Daemon;
  let dm: Program;
  let guest: SocketBackend;
  const access = (a: Omit<GuestAccess, 'domid'>) => guest.guestAccess({ domid: DOMID, ...a });
  const inb = async (port: bigint, size: number, vcpu = 0) => {
    const r = await access({ vcpu, kind: 'in', addr: port, size });
    expect(r.outcome).toBe('ioreq');
    return r.value;
  };

  beforeAll(async () => {
    daemon = await Daemon.start(release, [`domid=${DOMID},max-gpfn=0xfffff,vcpus=2`]);
    dm = daemon.exec('binary' in built ? built.binary : '', ['--domid', String(DOMID), '--port', `0x${PORT.toString(16)}`, '--gfn', `0x${GFN.toString(16)}`, '--pages', '2', '--vcpus', '2'], {
      LD_LIBRARY_PATH: libraryPath(DEB_ROOT),
    });
    await dm.line(/^ready server \d+ /m);
    guest = await SocketBackend.connect(daemon.socket, { caller: 0, transport: 'socket' });
  });

  afterAll(async () => {
    await guest?.close();
    await dm?.stop('SIGKILL');
    await daemon?.stop();
  });

  it('creates an enabled server with its port range, claims ioreq_server and retypes the two pages', async () => {
    expect(dm.stdout).toMatch(/^ready server (\d+) ports 0xc100-0xc11f claimed gfn 0x200\+2 vcpus 2$/m);
    const view = await guest.inspect(DOMID);
    expect(view.servers).toHaveLength(1);
    const server = view.servers![0]!;
    expect(server).toMatchObject({ emulator: 0, bufioreq: 0, enabled: true, pages: 'resource', ranges: { port: [['0xc100', '0xc11f']], memory: [], pci: [] } });
    expect(server.ports.vcpu).toHaveLength(2);
    expect(view.ioreqClaim).toEqual({ owner: server.id, flags: 2, entryCount: 2 });
  });

  it('answers port reads with what port writes stored, at every width, from either vCPU', async () => {
    expect((await access({ vcpu: 0, kind: 'out', addr: PORT, size: 4, value: 0x12345678n })).outcome).toBe('ioreq');
    expect(await inb(PORT, 4)).toBe(0x12345678n);
    expect(await inb(PORT + 1n, 2)).toBe(0x3456n);
    expect(await inb(PORT + 3n, 1, 1)).toBe(0x12n);
    expect((await access({ vcpu: 1, kind: 'out', addr: PORT + 6n, size: 1, value: 0xabn })).outcome).toBe('ioreq');
    expect(await inb(PORT + 4n, 4)).toBe(0x00ab0000n);
    expect(await inb(PORT + 0xcn, 4)).toBe(0n);
    // A read-only register ignores a write.
    expect((await access({ vcpu: 0, kind: 'out', addr: PORT + 0x10n, size: 4, value: 7n })).outcome).toBe('ioreq');
    expect(await inb(PORT + 0x10n, 4)).toBe(0n);
  });

  it('receives the guest writes to a claimed page; reads of it and writes elsewhere stay in RAM', async () => {
    const gpa = (GFN + 1n) * PAGE + 0x18n;
    expect((await access({ vcpu: 0, kind: 'write', addr: gpa, size: 4, value: 0xdeadbeefn })).outcome).toBe('ioreq');
    expect(await inb(PORT + 0x10n, 4)).toBe(1n);
    expect(await inb(PORT + 0x14n, 4)).toBe(gpa);
    expect(await inb(PORT + 0x18n, 4)).toBe(0xdeadbeefn);
    expect(await inb(PORT + 0x1cn, 4)).toBe(4n);
    // The write went to the device model, not into RAM: the read finds the page's bytes unchanged.
    expect(await access({ vcpu: 0, kind: 'read', addr: gpa, size: 4 })).toMatchObject({ outcome: 'ram', value: 0n });
    expect((await access({ vcpu: 1, kind: 'write', addr: (GFN + 2n) * PAGE, size: 2, value: 0x55aan })).outcome).toBe('ram');
    expect(await inb(PORT + 0x10n, 4)).toBe(1n);
  });

  it('on SIGTERM disables and destroys its server, and exits 0', async () => {
    expect(await dm.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(dm.stdout).toMatch(/^stopped: server \d+ destroyed, 1 claimed-page writes seen$/m);
    expect(dm.stderr).toBe('');
    const view = await guest.inspect(DOMID);
    expect(view.servers).toEqual([]);
    expect(view.ioreqClaim.owner).toBeNull();
  });
});
