/**
 * Guest RAM in a sparse file under /dev/shm (docs/protocol.md "Guest RAM"): one file per domain, mode 0600, named
 * after the daemon's arena (`xenmem-<pid>-<8 hex>-dom<domid>`), its length (maxGpfn + 1) × 4096 set with ftruncate.
 * tmpfs allocates a page only when it is written, so a domain of 16 TiB costs nothing until touched. The daemon
 * reads and writes it with pread/pwrite; a device model maps pages of it with MAP_SHARED (map_foreign_batch gives
 * the path and offsets), so both see the same bytes. Plain `fs` calls: no native addon is needed.
 */
import { closeSync, ftruncateSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { PAGE_SIZE } from '../ioreq/pages.js';
import { forEachPage, type GuestRam, type GuestRamStore } from '../ram/guest-ram.js';
import { SHM_DIR } from './shm.js';

/** Pages read at once when populate_physmap checks which pages hold bytes to clear (1 MiB). */
const ZERO_SCAN_PAGES = (1 << 20) / PAGE_SIZE;

export class FileRam implements GuestRam {
  private fd: number | null;
  /** Gfns written by the daemon or mapped by a device model (maybeTouched). */
  private readonly known = new Set<number>();

  constructor(
    readonly path: string,
    readonly size: number,
    /** Told once when the file is removed (the store forgets it). */
    private readonly onDispose: () => void = () => {},
  ) {
    this.fd = openSync(path, 'wx+', 0o600);
    try {
      ftruncateSync(this.fd, size);
    } catch (e) {
      // Not handed out yet: removed here, without telling the store.
      closeSync(this.fd);
      unlinkSync(path);
      throw e;
    }
  }

  read(gpa: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    if (this.fd === null) return out;
    const inside = Math.max(0, Math.min(length, this.size - gpa));
    let done = 0;
    while (done < inside) {
      const n = readSync(this.fd, out, done, inside - done, gpa + done);
      if (n === 0) break;
      done += n;
    }
    return out;
  }

  write(gpa: number, bytes: Uint8Array): void {
    if (this.fd === null) return;
    const inside = Math.max(0, Math.min(bytes.length, this.size - gpa));
    forEachPage(gpa, inside, (gfn) => this.known.add(gfn));
    let done = 0;
    while (done < inside) done += writeSync(this.fd, bytes, done, inside - done, gpa + done);
  }

  zero(gfn: number, count: number): void {
    if (this.fd === null) return;
    const blank = new Uint8Array(PAGE_SIZE);
    for (let first = gfn; first < gfn + count; first += ZERO_SCAN_PAGES) {
      const n = Math.min(ZERO_SCAN_PAGES, gfn + count - first);
      const bytes = this.read(first * PAGE_SIZE, n * PAGE_SIZE);
      for (let i = 0; i < n; i++) {
        // Reading a hole allocates nothing; only a page that holds bytes is written (with zeros).
        if (bytes.subarray(i * PAGE_SIZE, (i + 1) * PAGE_SIZE).some((b) => b !== 0)) writeSync(this.fd, blank, 0, PAGE_SIZE, (first + i) * PAGE_SIZE);
        this.known.delete(first + i);
      }
    }
  }

  maybeTouched(): Iterable<number> {
    return [...this.known];
  }

  exposed(gfn: number, count: number): void {
    for (let g = gfn; g < gfn + count; g++) this.known.add(g);
  }

  dispose(): void {
    if (this.fd === null) return;
    const fd = this.fd;
    this.fd = null;
    this.known.clear();
    this.onDispose();
    try {
      unlinkSync(this.path);
    } catch {
      // removed already
    }
    closeSync(fd);
  }
}

/** Makes one RAM file per domain, and removes every file it made that is still there when the daemon stops. */
export class RamFileStore implements GuestRamStore {
  private readonly files = new Set<FileRam>();

  /** `prefix` is the daemon's arena-style name, `xenmem-<pid>-<8 hex>`. */
  constructor(
    private readonly prefix: string,
    private readonly dir = SHM_DIR,
  ) {}

  create(domid: number, maxGpfn: number): GuestRam {
    const file: FileRam = new FileRam(join(this.dir, `${this.prefix}-dom${domid}`), (maxGpfn + 1) * PAGE_SIZE, () => this.files.delete(file));
    this.files.add(file);
    return file;
  }

  /** Removes the files of every domain still alive. */
  close(): void {
    for (const f of [...this.files]) f.dispose();
  }
}
