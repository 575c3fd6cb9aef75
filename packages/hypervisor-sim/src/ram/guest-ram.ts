/**
 * A domain's RAM contents, addressed by guest physical address (byte offset = gfn × 4096 + offset in the page).
 * Pages never written read as zero. Two backings: plain memory (sparse 4 KiB pages in a Map, the in-process
 * default) and a sparse file under /dev/shm that a device-model process maps with MAP_SHARED (the daemon's,
 * daemon/ram-file.ts), so the guest and the device model see the same bytes (docs/simulator.md "Guest RAM").
 */
import { InputError, type SharedPage } from '@xenmem/abi-types';
import { PAGE_SIZE } from '../ioreq/pages.js';

/** Where one domain's RAM bytes live: read, written and cleared by guest physical address. */
export interface GuestRam {
  /** Bytes [gpa, gpa + length) as they are now (a copy). */
  read(gpa: number, length: number): Uint8Array;
  /** Stores bytes at gpa. */
  write(gpa: number, bytes: Uint8Array): void;
  /** Gives `count` pages from `gfn` fresh zeroed frames (populate_physmap); pages never touched stay unallocated. */
  zero(gfn: number, count: number): void;
  /** The file a device model maps, or null for plain memory. */
  readonly path: string | null;
  /**
   * Gfns that may hold non-zero bytes: written through `write`, or handed to a device model that may have written
   * them through its mapping (`exposed`). Used to carry the contents over to another backing.
   */
  maybeTouched(): Iterable<number>;
  /** Records that a device model mapped these pages (it may write them behind the backing's back). */
  exposed(gfn: number, count: number): void;
  /** Frees the backing (removes its file); later reads give zeros and writes are dropped. */
  dispose(): void;
}

/** Creates a domain's RAM backing: the daemon installs one that makes files; absent, plain memory. */
export interface GuestRamStore {
  /** A backing for domain `domid` whose frames are 0 … maxGpfn. */
  create(domid: number, maxGpfn: number): GuestRam;
}

/** Plain memory: sparse 4 KiB pages. */
export class MemoryRam implements GuestRam {
  readonly path = null;
  private readonly pages = new Map<number, Uint8Array>();

  read(gpa: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    forEachPage(gpa, length, (gfn, offset, at, n) => {
      const page = this.pages.get(gfn);
      if (page) out.set(page.subarray(offset, offset + n), at);
    });
    return out;
  }

  write(gpa: number, bytes: Uint8Array): void {
    forEachPage(gpa, bytes.length, (gfn, offset, at, n) => {
      let page = this.pages.get(gfn);
      if (!page) this.pages.set(gfn, (page = new Uint8Array(PAGE_SIZE)));
      page.set(bytes.subarray(at, at + n), offset);
    });
  }

  zero(gfn: number, count: number): void {
    if (count > this.pages.size) {
      for (const g of [...this.pages.keys()]) if (g >= gfn && g < gfn + count) this.pages.delete(g);
    } else for (let g = gfn; g < gfn + count; g++) this.pages.delete(g);
  }

  maybeTouched(): Iterable<number> {
    return [...this.pages.keys()];
  }

  exposed(): void {
    // Mappings of plain memory go through SharedPage writes, which land in the pages themselves.
  }

  dispose(): void {
    this.pages.clear();
  }
}

/** Calls `fn` for each page piece of [gpa, gpa + length): its gfn, offset in the page, offset in the run, length. */
export function forEachPage(gpa: number, length: number, fn: (gfn: number, offset: number, at: number, n: number) => void): void {
  let at = 0;
  while (at < length) {
    const a = gpa + at;
    const gfn = Math.floor(a / PAGE_SIZE);
    const offset = a % PAGE_SIZE;
    const n = Math.min(PAGE_SIZE - offset, length - at);
    fn(gfn, offset, at, n);
    at += n;
  }
}

/** Copies what `from` may hold into `to` (pages that are all zero are skipped, so nothing new is allocated). */
export function copyRam(from: GuestRam, to: GuestRam): void {
  for (const gfn of from.maybeTouched()) {
    const bytes = from.read(gfn * PAGE_SIZE, PAGE_SIZE);
    if (bytes.some((b) => b !== 0)) to.write(gfn * PAGE_SIZE, bytes);
  }
}

/**
 * One RAM page as a device model that foreign-mapped it sees it (map_foreign_gfn): reads and writes go to the
 * domain's RAM where it lives now (`ram()`), so a domain whose RAM moved into a file is still seen.
 */
export class RamPageView implements SharedPage {
  constructor(
    private readonly ram: () => GuestRam,
    readonly gfn: number,
  ) {}

  read(offset: number, length: number): Uint8Array {
    check(offset, length);
    return this.ram().read(this.gfn * PAGE_SIZE + offset, length);
  }

  write(offset: number, bytes: Uint8Array): void {
    if (!(bytes instanceof Uint8Array)) throw new InputError('bytes', bytes, 'must be a Uint8Array');
    check(offset, bytes.length);
    this.ram().write(this.gfn * PAGE_SIZE + offset, bytes);
  }
}

function check(offset: number, length: number): void {
  if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > PAGE_SIZE)
    throw new InputError('offset', `${offset}+${length}`, `lies outside the ${PAGE_SIZE}-byte page`);
}
