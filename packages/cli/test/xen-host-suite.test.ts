/**
 * The DeviceModel suite a third time, on the host backend (@xenmem/xen-host's XenHost) under the kernel-interface
 * emulation: one daemon per release, one child process per caller domain the suite uses, each run as
 * `xenmem sim exec --socket S --caller N -- node xen-host-child.mjs`, making its hypercalls through
 * /dev/xen/privcmd as on a Xen host. The fixture creates the domains through a SocketBackend on the same
 * daemon, as a toolstack would, and destroys them before the next test.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { HypercallOutcome } from '@xenmem/abi-types';
import { Hypervisor, startDaemon, type Daemon } from '@xenmem/hypervisor-sim';
import { SocketBackend } from '@xenmem/ioreq-client';
import { deviceModelSuite, type SuiteBackend, type SuiteRelease } from '../../ioreq-client/test/device-model-suite.js';

const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const CHILD = fileURLToPath(new URL('fixtures/xen-host-child.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'xenmem-xen-host-'));

/** A child process acting as one caller domain. */
class Caller {
  private readonly waiting = new Map<number, (reply: { rc: number; bufs: string[] }) => void>();
  private next = 0;
  readonly ready: Promise<{ release: string; caller: number }>;
  private stderr = '';

  constructor(private readonly proc: ChildProcessWithoutNullStreams) {
    let hello!: (h: { release: string; caller: number }) => void;
    this.ready = new Promise((resolve, reject) => {
      hello = resolve;
      proc.on('exit', (code) => reject(new Error(`the host child exited with ${code}: ${this.stderr}`)));
    });
    proc.stderr.on('data', (d: Buffer) => (this.stderr += d.toString()));
    createInterface({ input: proc.stdout }).on('line', (line) => {
      const m = JSON.parse(line) as { id?: number; rc: number; bufs: string[]; release: string; caller: number };
      if (m.id === undefined) hello(m);
      else this.waiting.get(m.id)?.(m);
    });
  }

  async call(call: 'dmOp' | 'hvmOp', domid: number, op: number, bufs: Uint8Array[]): Promise<HypercallOutcome> {
    await this.ready;
    const id = this.next++;
    const reply = await new Promise<{ rc: number; bufs: string[] }>((resolve) => {
      this.waiting.set(id, resolve);
      this.proc.stdin.write(`${JSON.stringify({ id, call, domid, op, bufs: bufs.map((b) => Buffer.from(b).toString('hex')) })}\n`);
    });
    this.waiting.delete(id);
    reply.bufs.forEach((h, i) => bufs[i]!.set(Buffer.from(h, 'hex')));
    return { rc: reply.rc, continuations: 0, progress: null };
  }

  async close(): Promise<void> {
    const exited = new Promise((resolve) => this.proc.once('exit', resolve));
    this.proc.stdin.end();
    await exited;
  }
}

/** One release: its daemon, the toolstack's connection, and a child per caller. */
interface Site {
  daemon: Daemon;
  toolstack: SocketBackend;
  callers: Map<number, Caller>;
}
const sites = new Map<SuiteRelease, Site>();

async function site(release: SuiteRelease): Promise<Site> {
  let s = sites.get(release);
  if (!s) {
    const daemon = await startDaemon({ socketPath: join(dir, `xen-${release}.sock`), hypervisor: new Hypervisor({ release }) });
    s = { daemon, toolstack: await SocketBackend.connect(daemon.address), callers: new Map() };
    sites.set(release, s);
  }
  return s;
}

function callerOf(s: Site, caller: number): Caller {
  let c = s.callers.get(caller);
  if (!c) {
    const env = { ...process.env };
    delete env.LD_PRELOAD;
    const proc = spawn(process.execPath, [BIN, 'sim', 'exec', '--socket', s.daemon.address, '--caller', String(caller), '--', process.execPath, CHILD], { env });
    c = new Caller(proc);
    s.callers.set(caller, c);
  }
  return c;
}

afterAll(async () => {
  for (const s of sites.values()) {
    for (const c of s.callers.values()) await c.close();
    await s.toolstack.close();
    await s.daemon.close();
  }
  rmSync(dir, { recursive: true, force: true });
});

/** The suite's backend: hypercalls from the child of their caller; domains from the toolstack's connection. */
async function hostBackend(release: SuiteRelease): Promise<SuiteBackend> {
  const s = await site(release);
  for (const domid of await s.toolstack.listDomains()) await s.toolstack.destroyDomain(domid);
  return {
    release,
    dmOp: (caller, domid, bufs) => callerOf(s, caller).call('dmOp', domid, 0, bufs),
    hvmOp: (caller, op, buf) => callerOf(s, caller).call('hvmOp', 0, op, [buf]),
    createDomain: (config) => s.toolstack.createDomain(config),
    inspect: (domid) => s.toolstack.inspect(domid),
    privcmd: true,
  };
}

deviceModelSuite(hostBackend);

describe('the host children', () => {
  it.each(['4.8', '4.11', '4.22'] as const)('learn the release from xen_version and act as their --caller (Xen %s)', async (release) => {
    const s = await site(release);
    expect(await callerOf(s, 3).ready).toEqual({ release, caller: 3 });
  });
});
