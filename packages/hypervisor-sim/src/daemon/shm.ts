/**
 * The daemon's side of the shared-memory transport (docs/protocol.md "Shared memory"). One arena file under
 * /dev/shm holds every ioreq server's pages (the hypervisor's page store: a page moves in when the daemon
 * starts or when a server is created, and its slot is reused once the server is gone) and one doorbell page
 * per connection that opened it. A device-model process maps the arena and reads the requests Xen writes, and
 * writes its responses, in the same bytes; notifications go through the doorbell with futex wake-ups.
 * `@xenmem/shm-transport` is optional: without it (or off Linux) the daemon offers the socket alone.
 */
import { readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { doorbellAwait, doorbellPost, doorbellSeqOffset, doorbellTake } from '@xenmem/sim-protocol';
import type { ShmRegion, Watcher } from '@xenmem/shm-transport';
import type { IoreqPageStore } from '../ioreq/pages.js';
import { PAGE_SIZE } from '../ioreq/pages.js';

type ShmTransport = typeof import('@xenmem/shm-transport');

/** Where arenas are created. */
export const SHM_DIR = '/dev/shm';
/** Arena size: 8192 pages (32 MiB of address space; tmpfs gives memory only to pages touched). */
export const ARENA_PAGES = 8192;
/** An arena, or a domain's RAM file beside it (daemon/ram-file.ts): both carry the daemon's pid. */
const NAME = /^xenmem-(\d+)-[0-9a-f]{8}(-dom\d+)?$/;

/** Loads the native transport: the module, or why it cannot be used. */
export async function loadShmTransport(): Promise<{ transport: ShmTransport } | { reason: string }> {
  try {
    const transport = (await import('@xenmem/shm-transport')) as ShmTransport;
    return transport.available ? { transport } : { reason: transport.unavailableReason ?? 'the native transport did not load' };
  } catch (e) {
    return { reason: `@xenmem/shm-transport is not installed (${(e as Error).message.split('\n')[0]})` };
  }
}

/** The arena: a page store for the hypervisor, and doorbell pages for connections. */
export class ShmArena implements IoreqPageStore {
  private readonly free: number[] = [];

  /** The arena as 32-bit words, for reads that need no atomic operation (doorbellTake's hints). */
  readonly words: Uint32Array;

  private constructor(
    readonly transport: ShmTransport,
    readonly region: ShmRegion,
  ) {
    for (let i = ARENA_PAGES - 1; i >= 0; i--) this.free.push(i);
    this.words = new Uint32Array(region.bytes.buffer, region.bytes.byteOffset, region.size / 4);
  }

  /** Creates a fresh arena file (mode 0600) after removing arenas left by daemons that no longer run. */
  static create(transport: ShmTransport, name: string, dir = SHM_DIR): ShmArena {
    return new ShmArena(transport, transport.ShmRegion.create(join(dir, name), ARENA_PAGES * PAGE_SIZE));
  }

  get path(): string {
    return this.region.path;
  }

  /** Pages in use (server pages and doorbells). */
  get pagesInUse(): number {
    return ARENA_PAGES - this.free.length;
  }

  adopt(page: Uint8Array): Uint8Array | null {
    const index = this.free.pop();
    if (index === undefined) return null;
    const view = this.region.bytes.subarray(index * PAGE_SIZE, (index + 1) * PAGE_SIZE);
    view.set(page);
    return view;
  }

  release(page: Uint8Array): void {
    const offset = this.offsetOf(page);
    if (offset === null) return;
    page.fill(0);
    this.free.push(offset / PAGE_SIZE);
  }

  /** Where a page lies in the arena, or null for a page outside it. */
  offsetOf(page: Uint8Array): number | null {
    return page.buffer === this.region.bytes.buffer && page.byteLength === PAGE_SIZE ? page.byteOffset : null;
  }

  /** A zeroed doorbell page for a connection (null when the arena is full). */
  allocDoorbell(): number | null {
    const page = this.adopt(new Uint8Array(PAGE_SIZE));
    return page ? page.byteOffset : null;
  }

  /** Gives a doorbell page back. */
  releaseDoorbell(offset: number): void {
    this.release(this.region.bytes.subarray(offset, offset + PAGE_SIZE));
  }

  /** Unmaps and removes the arena file. */
  close(): void {
    try {
      this.region.unlink();
    } catch {
      // already gone
    }
    this.region.close();
  }
}

/**
 * One connection's doorbell: posts events to the client, and hands the client's notifications to `onNotify`
 * — from a native watcher thread that wakes the event loop, or, within `pollUs` of posting an event, from the
 * daemon's own thread polling for the answer (DaemonOptions.shmPollUs).
 */
export class Doorbell {
  private readonly watcher: Watcher;
  private readonly take: () => void;
  private readonly seqOffset: number;

  constructor(
    private readonly arena: ShmArena,
    readonly offset: number,
    onNotify: (port: number) => void,
    private readonly pollUs = 0,
  ) {
    this.take = () => {
      let ports: number[];
      try {
        ports = doorbellTake(arena.region, offset, 'toDaemon', arena.words);
      } catch {
        return; // the arena is being closed with the daemon: nothing is left to notify
      }
      for (const port of ports) onNotify(port);
    };
    this.seqOffset = doorbellSeqOffset(offset, 'toDaemon');
    this.watcher = new arena.transport.Watcher(arena.region, this.seqOffset, this.take);
    this.watcher.unref();
  }

  /**
   * Posts a port to the client; false when it does not fit the bitmap (send it as a frame). With a poll
   * window, then spins up to `pollUs` for the client's next notification and takes it at once.
   */
  post(port: number): boolean {
    const region = this.arena.region;
    const seen = this.pollUs > 0 ? region.load(this.seqOffset) : 0;
    if (!doorbellPost(region, this.offset, 'toClient', port)) return false;
    if (this.pollUs > 0 && doorbellAwait(region, this.offset, 'toDaemon', seen, this.pollUs)) this.take();
    return true;
  }

  close(): void {
    this.watcher.stop();
    this.arena.releaseDoorbell(this.offset);
  }
}

/**
 * A fresh name for this daemon's files under /dev/shm, `xenmem-<pid>-<8 hex>` (the arena; RAM files add
 * `-dom<domid>`), after removing the files of daemons whose process is gone (killed before they could remove their own).
 */
export function shmFileName(dir = SHM_DIR): string {
  removeStaleFiles(dir);
  return `xenmem-${process.pid}-${Math.floor(Math.random() * 0x100000000).toString(16).padStart(8, '0')}`;
}

function removeStaleFiles(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const m = NAME.exec(name);
    if (!m || alive(Number(m[1]))) continue;
    try {
      unlinkSync(join(dir, name));
    } catch {
      // another user's file, or gone already
    }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
