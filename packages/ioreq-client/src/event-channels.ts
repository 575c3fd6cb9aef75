/**
 * Event channels of one device-model domain over one backend, as libxenevtchn offers them
 * (bind_interdomain, unbind, notify, pending). `XenBackend.pending(caller)` reports every notified port of
 * the caller, so when several ioreq servers share a backend and caller, one pending loop runs for all of
 * them and hands each port to whoever bound it (QEMU opens one xenevtchn handle per server instead).
 * The loop runs while a port is bound and is aborted when the last one is unbound.
 */
import { XenError, type XenBackend } from '@xenmem/abi-types';

export interface PortListener {
  /** The port was notified. */
  notified(localPort: number): void;
  /** pending() failed: no more notifications will come. */
  failed(error: unknown): void;
}

const shared = new WeakMap<XenBackend, Map<number, EventChannels>>();

export class EventChannels {
  private readonly listeners = new Map<number, PortListener>();
  private abort: AbortController | null = null;

  private constructor(
    private readonly backend: XenBackend,
    private readonly caller: number,
  ) {}

  /** The event channels of domain `caller` over `backend`, shared by every server of that caller. */
  static of(backend: XenBackend, caller: number): EventChannels {
    let byCaller = shared.get(backend);
    if (!byCaller) shared.set(backend, (byCaller = new Map()));
    let channels = byCaller.get(caller);
    if (!channels) byCaller.set(caller, (channels = new EventChannels(backend, caller)));
    return channels;
  }

  /** `xenevtchn_bind_interdomain`: returns the local port; its notifications go to `listener`. */
  async bind(remoteDomid: number, remotePort: number, listener: PortListener): Promise<number> {
    const { rc, localPort } = await this.backend.bindInterdomain(this.caller, remoteDomid, remotePort);
    if (rc < 0) throw XenError.fromReturnCode(rc, 'bind_interdomain', `remote port ${remotePort} of domain ${remoteDomid}`);
    this.listeners.set(localPort, listener);
    if (this.abort === null) this.run();
    return localPort;
  }

  /** `xenevtchn_unbind`. */
  async unbind(localPort: number): Promise<void> {
    this.listeners.delete(localPort);
    if (this.listeners.size === 0 && this.abort !== null) {
      this.abort.abort();
      this.abort = null;
    }
    const rc = await this.backend.unbindPort(this.caller, localPort);
    if (rc < 0) throw XenError.fromReturnCode(rc, 'unbind', `local port ${localPort}`);
  }

  /** `xenevtchn_notify`. */
  async notify(localPort: number): Promise<void> {
    const rc = await this.backend.notify(this.caller, localPort);
    if (rc < 0) throw XenError.fromReturnCode(rc, 'notify', `local port ${localPort}`);
  }

  private run(): void {
    const abort = new AbortController();
    this.abort = abort;
    void (async () => {
      while (!abort.signal.aborted) {
        let port: number;
        try {
          port = await this.backend.pending(this.caller, abort.signal);
        } catch (error) {
          if (abort.signal.aborted) return;
          const listeners = [...this.listeners.values()];
          this.listeners.clear();
          this.abort = null;
          for (const l of listeners) l.failed(error);
          return;
        }
        // A port nobody here bound (bound through the backend directly) is not ours to report.
        this.listeners.get(port)?.notified(port);
      }
    })();
  }
}
