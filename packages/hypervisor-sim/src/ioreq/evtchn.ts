/**
 * Event channels, as far as ioreq servers need them (xen/common/event_channel.c @ RELEASE-4.22.0):
 * - Xen allocates unbound channels in the target domain whose remote end is the emulator domain
 *   (`alloc_unbound_xen_event_channel`): one per vCPU and one for the buffered ring;
 * - the emulator binds them interdomain (`evtchn_bind_interdomain`) into its own port space;
 * - a notification on one end becomes pending on the other: for a Xen-owned end it wakes Xen (the
 *   vCPU waiting for its ioreq), for an emulator's end it is queued for `xenevtchn_pending`.
 * Port numbers are per domain, from 1 upwards (port 0 is never handed out), whether the domain is a
 * simulated guest or only a caller id (a device-model domain the simulator does not run).
 */
import { fail, OK } from '../errno.js';

type ChannelState = 'unbound' | 'interdomain';

interface Channel {
  state: ChannelState;
  /** unbound: the domain allowed to bind it; interdomain: the peer's domain. */
  remoteDomid: number;
  /** interdomain: the peer's port. */
  remotePort: number | null;
  /** A channel Xen itself consumes (ioreq server ports): notifications to it wake Xen, not a queue. */
  xen: boolean;
  /** Whether it was ever bound interdomain (the emulator attached once; Xen keeps sending after it goes). */
  wasBound: boolean;
}

interface Waiter {
  resolve: (port: number) => void;
  reject: (e: Error) => void;
  signal: AbortSignal | undefined;
}

/** Xen's side of a notification on one of its own ports. */
export type XenEventHook = (domid: number, port: number) => void;

export class EventChannels {
  private readonly ports = new Map<number, Map<number, Channel>>();
  private readonly nextPort = new Map<number, number>();
  private readonly queues = new Map<number, number[]>();
  private readonly waiters = new Map<number, Waiter[]>();
  /** Signals with an abort listener already: a pending() loop passes the same one each time, so it gets one listener. */
  private readonly watched = new WeakSet<AbortSignal>();

  constructor(private readonly onXenEvent: XenEventHook) {}

  private table(domid: number): Map<number, Channel> {
    let t = this.ports.get(domid);
    if (!t) this.ports.set(domid, (t = new Map()));
    return t;
  }

  private allocate(domid: number, channel: Channel): number {
    const port = this.nextPort.get(domid) ?? 1;
    this.nextPort.set(domid, port + 1);
    this.table(domid).set(port, channel);
    return port;
  }

  /** `alloc_unbound_xen_event_channel(d, remote)`: a Xen-consumed port in `domid` that `remoteDomid` may bind. */
  allocUnboundXen(domid: number, remoteDomid: number): number {
    return this.allocate(domid, { state: 'unbound', remoteDomid, remotePort: null, xen: true, wasBound: false });
  }

  /**
   * Restoring saved state (state/): `domid`'s port `port` as a Xen-consumed unbound port that `remoteDomid` may
   * bind, outside the numbering order; false when the port is in use.
   */
  restoreXen(domid: number, port: number, remoteDomid: number): boolean {
    const t = this.table(domid);
    if (t.has(port)) return false;
    t.set(port, { state: 'unbound', remoteDomid, remotePort: null, xen: true, wasBound: false });
    return true;
  }

  /** Restoring saved state: the number `domid`'s next allocation gets. */
  restoreNextPort(domid: number, port: number): void {
    this.nextPort.set(domid, port);
  }

  /** The ports of `domid` in use, ascending. */
  portsInUse(domid: number): number[] {
    return [...(this.ports.get(domid)?.keys() ?? [])].sort((a, b) => a - b);
  }

  /**
   * `evtchn_bind_interdomain` (event_channel.c): ESRCH without the remote domain; EINVAL when the remote
   * port does not exist, is not unbound (already bound counts), or is reserved for another domain.
   */
  bindInterdomain(caller: number, remoteDomid: number, remotePort: number, remoteExists: boolean): { rc: number; localPort: number } {
    if (!remoteExists) return { rc: fail('ESRCH', 'domain-missing'), localPort: 0 };
    const remote = Number.isInteger(remotePort) ? this.ports.get(remoteDomid)?.get(remotePort) : undefined;
    if (!remote || remote.state !== 'unbound' || remote.remoteDomid !== caller) return { rc: fail('EINVAL', 'evtchn-remote-not-unbound'), localPort: 0 };
    const localPort = this.allocate(caller, { state: 'interdomain', remoteDomid, remotePort, xen: false, wasBound: true });
    Object.assign(remote, { state: 'interdomain', remoteDomid: caller, remotePort: localPort, wasBound: true });
    return { rc: OK, localPort };
  }

  /** `evtchn_close` on the caller's port: EINVAL for a port not in use; an interdomain peer goes back to unbound. */
  unbind(caller: number, localPort: number): number {
    const t = this.ports.get(caller);
    const ch = Number.isInteger(localPort) ? t?.get(localPort) : undefined;
    if (!t || !ch) return fail('EINVAL', 'evtchn-port-unknown');
    this.close(caller, localPort);
    return OK;
  }

  /** Frees a port; its interdomain peer becomes unbound, reserved for this domain again (evtchn_close). */
  close(domid: number, port: number): void {
    const ch = this.ports.get(domid)?.get(port);
    if (!ch) return;
    if (ch.state === 'interdomain' && ch.remotePort !== null) {
      const peer = this.ports.get(ch.remoteDomid)?.get(ch.remotePort);
      if (peer) Object.assign(peer, { state: 'unbound', remoteDomid: domid, remotePort: null });
    }
    this.ports.get(domid)!.delete(port);
  }

  /** A domain is gone: every port of it closes, and its numbering starts again should the domid return. */
  closeDomain(domid: number): void {
    for (const port of [...(this.ports.get(domid)?.keys() ?? [])]) this.close(domid, port);
    this.ports.delete(domid);
    this.nextPort.delete(domid);
    this.queues.delete(domid);
  }

  /** `evtchn_send` by `caller`: EINVAL for a port not in use; an unbound port drops the event (0). */
  notify(caller: number, localPort: number): number {
    const ch = Number.isInteger(localPort) ? this.ports.get(caller)?.get(localPort) : undefined;
    if (!ch) return fail('EINVAL', 'evtchn-port-unknown');
    if (ch.state === 'interdomain' && ch.remotePort !== null) this.deliver(ch.remoteDomid, ch.remotePort);
    return OK;
  }

  /** `notify_via_xen_event_channel`: Xen signals the peer of one of its ports (dropped while unbound). */
  notifyFromXen(domid: number, port: number): void {
    const ch = this.ports.get(domid)?.get(port);
    if (ch?.state === 'interdomain' && ch.remotePort !== null) this.deliver(ch.remoteDomid, ch.remotePort);
  }

  private deliver(domid: number, port: number): void {
    const ch = this.ports.get(domid)?.get(port);
    if (!ch) return;
    if (ch.xen) return this.onXenEvent(domid, port);
    const waiter = this.waiters.get(domid)?.shift();
    if (waiter) return waiter.resolve(port);
    let q = this.queues.get(domid);
    if (!q) this.queues.set(domid, (q = []));
    q.push(port);
  }

  /** `xenevtchn_pending`: the caller's next notified port, in order; rejects with an AbortError on abort. */
  pending(caller: number, signal?: AbortSignal): Promise<number> {
    if (signal?.aborted) return Promise.reject(abortError());
    const queued = this.queues.get(caller)?.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return new Promise<number>((resolve, reject) => {
      let list = this.waiters.get(caller);
      if (!list) this.waiters.set(caller, (list = []));
      list.push({ resolve, reject, signal });
      if (signal && !this.watched.has(signal)) {
        this.watched.add(signal);
        signal.addEventListener('abort', () => this.abortWaiters(signal), { once: true });
      }
    });
  }

  /** Rejects, with an AbortError, every waiter that passed `signal`. */
  private abortWaiters(signal: AbortSignal): void {
    for (const [caller, list] of this.waiters) {
      const keep = list.filter((w) => w.signal !== signal);
      if (keep.length === list.length) continue;
      this.waiters.set(caller, keep);
      for (const w of list) if (w.signal === signal) w.reject(abortError());
    }
  }

  /** Whether Xen's port `port` of `domid` is bound by (or was once bound by) `emulator`. */
  attached(domid: number, port: number | null, emulator: number): boolean {
    if (port === null) return false;
    const ch = this.ports.get(domid)?.get(port);
    return !!ch && ch.wasBound && ch.remoteDomid === emulator;
  }

  /** The port's state, for inspection. */
  state(domid: number, port: number): ChannelState | null {
    return this.ports.get(domid)?.get(port)?.state ?? null;
  }
}

/** Node's DOMException (not in the ES lib typings this package compiles against). */
const DomException = (globalThis as unknown as { DOMException: new (message: string, name: string) => Error }).DOMException;

function abortError(): Error {
  return new DomException('The operation was aborted', 'AbortError');
}
