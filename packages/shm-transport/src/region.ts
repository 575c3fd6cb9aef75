/**
 * `ShmRegion`: one process's mapping of a file shared with another process, the memory Xen shares
 * between an ioreq server and its device model (the ioreq page, the buffered ioreq ring) and the
 * 32-bit words its event channels ring. Words are read and changed with sequentially consistent
 * atomics; a process sleeps on a word with FUTEX_WAIT and is woken with FUTEX_WAKE (shared futexes:
 * the kernel matches waiters by file and offset, across processes).
 */
import { binding, reason, type Binding } from './binding.js';
import { call, expectNumbers, expectString, ShmTransportUnavailableError } from './errors.js';

/** The native region behind each wrapper, for `Watcher` (not exported from the package). */
const natives = new WeakMap<ShmRegion, Binding.ShmRegion>();

/** The native region of `region`; a TypeError if `region` is no ShmRegion. */
export function nativeRegion(region: ShmRegion): Binding.ShmRegion {
  const native = natives.get(region);
  if (!native) throw new TypeError(`region must be a ShmRegion, got ${typeof region}`);
  return native;
}

function native(): NonNullable<typeof binding> {
  if (!binding) throw new ShmTransportUnavailableError(reason ?? 'unknown');
  return binding;
}

/**
 * A file under /dev/shm (or any tmpfs or regular file) mapped MAP_SHARED into this process. Two
 * regions over one file, in one process or two, see the same bytes and the same words.
 *
 * @example
 * ```ts
 * const dm = ShmRegion.create('/dev/shm/xenmem-ioreq-1', 8192);
 * const sim = ShmRegion.open('/dev/shm/xenmem-ioreq-1');
 * sim.bytes[0] = 1;
 * sim.signal(4096);                        // doorbell: add 1 and FUTEX_WAKE
 * dm.wait(4096, 0, 1000);                  // → 1
 * ```
 */
export class ShmRegion {
  readonly #native: Binding.ShmRegion;
  /** The path, read once: the word operations name it in their errors and are called per notification. */
  readonly #path: string;

  private constructor(native: Binding.ShmRegion) {
    this.#native = native;
    this.#path = native.path;
    natives.set(this, native);
  }

  /**
   * Creates `path` (O_CREAT|O_EXCL|O_NOFOLLOW, mode 0600: an existing path or a symlink is refused
   * with `EEXIST`) of `size` bytes (a multiple of 4096, > 0, ≤ 1 GiB), zero-filled, and maps it
   * MAP_SHARED.
   *
   * @throws ShmError when the file cannot be made or mapped; RangeError for a bad `size`;
   *   ShmTransportUnavailableError when the addon did not load.
   */
  static create(path: string, size: number): ShmRegion {
    const addon = native();
    expectString('path', path);
    if (typeof size !== 'number') expectNumbers({ size });
    return new ShmRegion(call(path, () => addon.ShmRegion.create(path, size)));
  }

  /**
   * Maps an existing regular file (O_NOFOLLOW: a symlink is refused with `ELOOP`); its size, from
   * fstat, must be a positive multiple of 4096 (else `EINVAL`).
   *
   * @throws ShmError (`ENOENT`, `ELOOP`, `EINVAL`, …); ShmTransportUnavailableError when the addon did not load.
   */
  static open(path: string): ShmRegion {
    const addon = native();
    expectString('path', path);
    return new ShmRegion(call(path, () => addon.ShmRegion.open(path)));
  }

  /** The file's path, as given to create() or open(). */
  get path(): string {
    return this.#path;
  }

  /** The mapping's size in bytes. */
  get size(): number {
    return this.#native.size;
  }

  /** Whether close() has run. */
  get closed(): boolean {
    return this.#native.closed;
  }

  /**
   * A Uint8Array over the whole mapping, without a copy (the same array on every read). close()
   * detaches it: its length becomes 0, and it never reaches unmapped memory.
   */
  get bytes(): Uint8Array {
    return call(this.#path, () => this.#native.bytes);
  }

  /** The 32-bit word at `offset` (a multiple of 4 inside the region), read with a sequentially consistent load. */
  load(offset: number): number {
    if (typeof offset !== 'number') expectNumbers({ offset });
    return call(this.#path, () => this.#native.load(offset));
  }

  /** Stores `value` (0…2^32 − 1) in the word at `offset`. */
  store(offset: number, value: number): void {
    if (typeof offset !== 'number' || typeof value !== 'number') expectNumbers({ offset, value });
    call(this.#path, () => this.#native.store(offset, value));
  }

  /** Adds `value` (0…2^32 − 1) to the word, wrapping at 2^32; returns the previous value. */
  add(offset: number, value: number): number {
    if (typeof offset !== 'number' || typeof value !== 'number') expectNumbers({ offset, value });
    return call(this.#path, () => this.#native.add(offset, value));
  }

  /** ORs `bits` (0…2^32 − 1) into the word; returns the previous value. */
  or(offset: number, bits: number): number {
    if (typeof offset !== 'number' || typeof bits !== 'number') expectNumbers({ offset, bits });
    return call(this.#path, () => this.#native.or(offset, bits));
  }

  /** Stores `value` in the word; returns the previous value. */
  exchange(offset: number, value: number): number {
    if (typeof offset !== 'number' || typeof value !== 'number') expectNumbers({ offset, value });
    return call(this.#path, () => this.#native.exchange(offset, value));
  }

  /**
   * FUTEX_WAKE on the word (shared, not FUTEX_PRIVATE_FLAG: waiters in every process mapping the file);
   * wakes up to `count` waiters (default: all) and returns how many it woke.
   */
  wake(offset: number, count?: number): number {
    expectNumbers(count === undefined ? { offset } : { offset, count });
    return call(this.#path, () => this.#native.wake(offset, count));
  }

  /** Xen's event-channel notify: add(offset, 1), then wakes every waiter; returns the new value. */
  signal(offset: number): number {
    if (typeof offset !== 'number') expectNumbers({ offset });
    return call(this.#path, () => this.#native.signal(offset));
  }

  /**
   * Blocks the calling thread until the word differs from `expected` or `timeoutMs` passes: first spins
   * for up to `spinUs` microseconds (default 0, at most 1000000) re-reading the word, then sleeps in
   * FUTEX_WAIT for the time left. Returns the word's value when it returned: `expected` means it timed
   * out. `timeoutMs` 0 only checks; `Infinity` waits without limit.
   */
  wait(offset: number, expected: number, timeoutMs: number, spinUs?: number): number {
    expectNumbers(spinUs === undefined ? { offset, expected, timeoutMs } : { offset, expected, timeoutMs, spinUs });
    return call(this.#path, () => this.#native.wait(offset, expected, timeoutMs, spinUs));
  }

  /**
   * Detaches `bytes`, then unmaps; idempotent. Watchers of this region keep the mapping until they
   * stop. Every later call except `bytes`, `unlink()` and `close()` throws ShmError `EBADF`.
   */
  close(): void {
    call(this.#path, () => this.#native.close());
  }

  /** Removes the file (the mapping stays valid until close()); ShmError `ENOENT` if it is gone already. */
  unlink(): void {
    call(this.#path, () => this.#native.unlink());
  }
}
