/**
 * Event delivery. The hypervisor queues notifications per caller domain (`pending(caller)`); the daemon runs
 * one pump per caller that has bound ports and hands each notified port to the connection that bound it,
 * as an event frame. A port nobody holds any more (its connection closed and unbound it) is dropped.
 */
import type { XenBackend } from '@xenmem/abi-types';
import type { Connection } from './connection.js';

export class EventPumps {
  private readonly pumps = new Map<number, AbortController>();

  constructor(
    private readonly hv: XenBackend,
    /** The open connection of `caller` that bound `port`, if any. */
    private readonly owner: (caller: number, port: number) => Connection | undefined,
  ) {}

  /** Starts the pump for a caller unless it runs. */
  ensure(caller: number): void {
    if (this.pumps.has(caller)) return;
    const abort = new AbortController();
    this.pumps.set(caller, abort);
    void this.run(caller, abort.signal);
  }

  /** Stops a caller's pump (no connection of that caller holds a port any more). */
  stop(caller: number): void {
    this.pumps.get(caller)?.abort();
    this.pumps.delete(caller);
  }

  stopAll(): void {
    for (const caller of [...this.pumps.keys()]) this.stop(caller);
  }

  private async run(caller: number, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      let port: number;
      try {
        port = await this.hv.pending(caller, signal);
      } catch {
        break; // aborted, or the backend failed: a later bind starts a new pump
      }
      this.owner(caller, port)?.deliverEvent(port);
    }
    if (this.pumps.get(caller)?.signal === signal) this.pumps.delete(caller);
  }
}
