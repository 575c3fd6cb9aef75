/**
 * A host's event channels: /dev/xen/evtchn, opened at the first use, and the ports its native thread
 * reports, handed to pending() callers in order, each once. The thread keeps the process alive only while
 * someone waits.
 */
import type { Binding } from './binding.js';
import { call } from './errors.js';

function abortError(signal: AbortSignal): Error {
  if (signal.reason instanceof Error) return signal.reason;
  const e = new Error('The operation was aborted');
  e.name = 'AbortError';
  return e;
}

export class EventChannels {
  private dev: Binding.Evtchn | null = null;
  private readonly ports: number[] = [];
  private readonly waiters: { resolve: (port: number) => void; reject: (e: Error) => void }[] = [];
  /** The domain a restrict named before the device was open: applied when it opens. */
  private restrictTo: number | null = null;

  constructor(private readonly binding: typeof Binding) {}

  /** The open device (opened now if it was not). */
  device(): Binding.Evtchn {
    if (this.dev === null) {
      this.dev = call(() => this.binding.Evtchn.open((port: number) => this.deliver(port)));
      this.dev.unref();
      if (this.restrictTo !== null) {
        const rc = this.dev.restrict(this.restrictTo);
        if (rc < 0) throw new Error(`IOCTL_EVTCHN_RESTRICT_DOMID ${this.restrictTo} failed with ${rc}`);
      }
    }
    return this.dev;
  }

  /** IOCTL_EVTCHN_RESTRICT_DOMID now if the device is open, else when it opens. */
  restrict(domid: number): number {
    if (this.dev === null) {
      this.restrictTo = domid;
      return 0;
    }
    return this.dev.restrict(domid);
  }

  private deliver(port: number): void {
    const waiter = this.waiters.shift();
    if (waiter) {
      if (this.waiters.length === 0) this.dev?.unref();
      waiter.resolve(port);
    } else {
      this.ports.push(port);
    }
  }

  /** The next pending port, or an AbortError when `signal` aborts. */
  pending(signal?: AbortSignal): Promise<number> {
    const dev = this.device();
    const queued = this.ports.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (signal?.aborted) return Promise.reject(abortError(signal));
    return new Promise<number>((resolve, reject) => {
      const waiter = {
        resolve: (port: number) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(port);
        },
        reject,
      };
      const onAbort = () => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        if (this.waiters.length === 0) this.dev?.unref();
        reject(abortError(signal!));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      if (this.waiters.push(waiter) === 1) dev.ref();
    });
  }

  /** Stops the thread and closes the device; waiters reject. */
  close(): void {
    this.dev?.close();
    this.dev = null;
    for (const w of this.waiters.splice(0)) w.reject(new Error('the host was closed'));
  }
}
