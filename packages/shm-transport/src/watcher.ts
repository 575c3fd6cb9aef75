/**
 * `Watcher`: event-loop notifications of a word's changes, for a process that cannot block its JS
 * thread in wait() (the simulator daemon watching a device model's doorbell).
 */
import { binding, reason, type Binding } from './binding.js';
import { call, expectNumbers, ShmTransportUnavailableError } from './errors.js';
import { nativeRegion, type ShmRegion } from './region.js';

/**
 * A native thread waiting on one word of a region: whenever the word's value differs from the last
 * value reported, `onChange(value)` is called on the JS thread (through a threadsafe function). Calls
 * coalesce: several changes may be reported once, with the latest value. The value at construction
 * counts as seen. The watcher keeps the event loop alive until stop() unless unref() is called, and it
 * keeps the region's mapping alive until stop() even if the region is closed.
 *
 * An exception thrown by `onChange` is an uncaught exception of the process.
 *
 * @example
 * ```ts
 * const watcher = new Watcher(region, 4096, (value) => console.log('doorbell', value));
 * // … later
 * watcher.stop();
 * ```
 */
export class Watcher {
  readonly #native: Binding.Watcher;
  readonly #path: string;
  #stopped = false;
  #last: number;

  /**
   * Starts the thread. `offset` is a word of `region` (a multiple of 4 inside it); `spinUs`
   * (default 0, at most 1000000) is how long the thread spins re-reading the word before each
   * FUTEX_WAIT.
   *
   * @throws ShmTransportUnavailableError when the addon did not load; ShmError `EBADF` for a closed
   *   region; RangeError for a bad `offset` or `spinUs`.
   */
  constructor(region: ShmRegion, offset: number, onChange: (value: number) => void, spinUs?: number) {
    if (!binding) throw new ShmTransportUnavailableError(reason ?? 'unknown');
    const addon = binding;
    const native = nativeRegion(region);
    expectNumbers(spinUs === undefined ? { offset } : { offset, spinUs });
    if (typeof onChange !== 'function') throw new TypeError(`onChange must be a function, got ${typeof onChange}`);
    this.#path = region.path;
    // Reports queued before stop() still reach this callback; they are dropped here, as are repeats
    // of the last value (a change and its reversal can coalesce into one).
    const report = (value: number): void => {
      if (this.#stopped || value === this.#last) return;
      this.#last = value;
      onChange(value);
    };
    this.#native = call(this.#path, () => new addon.Watcher(native, offset, report, spinUs));
    this.#last = this.#native.initial;
  }

  /** Stops the thread and waits for it to end; idempotent. No onChange call happens after it returns. */
  stop(): void {
    this.#stopped = true;
    call(this.#path, () => this.#native.stop());
  }

  /** Lets the process exit while the watcher runs. */
  unref(): void {
    call(this.#path, () => this.#native.unref());
  }

  /** Keeps the process alive while the watcher runs (the default). */
  ref(): void {
    call(this.#path, () => this.#native.ref());
  }
}
