/**
 * Xen's side of the ioreq protocol (xen/common/ioreq.c @ RELEASE-4.22.0: `ioreq_send`, `wait_for_io`,
 * `ioreq_send_buffered`, `ioreq_broadcast`):
 * - synchronous: the slot must be NONE with the vCPU's port in vp_eport, else the send is refused; Xen
 *   writes the request, sets READY, notifies the vCPU's port and the vCPU blocks until the device model
 *   sets IORESP_READY (Xen then sets NONE and takes `data`). A state going backwards (among READY,
 *   INPROCESS, IORESP_READY) or an unknown state crashes the domain; NONE ends the wait with data ~0
 *   (the emulator died while the request was in flight).
 * - a server with no device model attached (its synchronous page never mapped, or the vCPU's port never
 *   bound by its emulator) is answered by the hypervisor's IoreqHandler, through the same bytes:
 *   READY → INPROCESS → handler → data, IORESP_READY → NONE. The handler may answer later (a promise):
 *   the vCPU stays blocked, its request pending, until it does.
 * - buffered: a write goes into the ring and the ring's port is notified; it never gets a response. Without
 *   an attached device model the handler sees it and the ring is drained at once.
 */
import { CONST, CONSTANTS } from '@xenmem/abi-types';
import type { IoreqRecord, IoreqTypeName } from '@xenmem/sim-protocol';
import type { Domain } from '../domain.js';
import type { Host } from '../host.js';
import { ringConsume, ringPut } from '../ioreq/ring.js';
import type { IoreqServer } from '../ioreq/server.js';
import type { IoreqWait, SendResult } from '../ioreq/wait.js';
import {
  STATE_IOREQ_INPROCESS,
  STATE_IOREQ_NONE,
  STATE_IOREQ_READY,
  STATE_IORESP_READY,
  setSlotData,
  setSlotState,
  slotData,
  slotPort,
  slotState,
  writeSlot,
} from '../ioreq/pages.js';

const U64 = (1n << 64n) - 1n;
const allOnes = (size: number) => (size >= 8 ? U64 : (1n << BigInt(8 * size)) - 1n);
const TYPE_NUMBER = Object.fromEntries(CONSTANTS.ioreq_type.members.map((m) => [m.name, m.value])) as Record<IoreqTypeName, number>;
const DIR_NUMBER = Object.fromEntries(CONSTANTS.ioreq_dir.members.map((m) => [m.name, m.value])) as Record<'read' | 'write', number>;
const BUFIOREQ_ATOMIC = CONST.bufioreq.atomic;

/** Whether a device model is attached to a server's synchronous path for a vCPU. */
export function syncAttached(hv: Host, domain: Domain, s: IoreqServer, vcpu: number): boolean {
  return s.ioreqPageMapped && hv.evtchn.attached(domain.domid, s.vcpuPorts[vcpu] ?? null, s.emulator);
}

function bufAttached(hv: Host, domain: Domain, s: IoreqServer): boolean {
  return s.bufioreqPageMapped && hv.evtchn.attached(domain.domid, s.bufioreqPort, s.emulator);
}

/** `ioreq_send(s, p, 0)` followed by the vCPU's wait; resolves when the request completes. */
export function sendSync(hv: Host, domain: Domain, s: IoreqServer, vcpu: number, record: IoreqRecord): Promise<SendResult> {
  const page = s.ioreqPage;
  const port = s.vcpuPorts[vcpu]!;
  if (slotState(page, vcpu) !== STATE_IOREQ_NONE || slotPort(page, vcpu) !== port) return Promise.resolve({ kind: 'refused' });
  writeSlot(page, vcpu, {
    addr: record.addr,
    data: record.data,
    count: record.count,
    size: record.size,
    vp_eport: port,
    state: STATE_IOREQ_NONE,
    dir: DIR_NUMBER[record.dir],
    df: record.df ? 1 : 0,
    data_is_ptr: record.dataIsPtr ? 1 : 0,
    type: TYPE_NUMBER[record.type],
  });
  setSlotState(page, vcpu, STATE_IOREQ_READY);
  if (!syncAttached(hv, domain, s, vcpu)) {
    hv.evtchn.notifyFromXen(domain.domid, port);
    // The hypervisor's handler plays the device model, on the same bytes.
    setSlotState(page, vcpu, STATE_IOREQ_INPROCESS);
    return new Promise<SendResult>((resolve, reject) => {
      // The vCPU is blocked (and its request pending) until the handler answers, which may take a while (a
      // daemon forwards it to a client). A crash or the server's end completes the wait meanwhile, as for
      // an attached device model; the handler's late answer is then dropped.
      const wait: IoreqWait = { vcpu, server: s, port, record, prev: STATE_IOREQ_INPROCESS, sleeping: true, resolve };
      domain.ioreqWaits.push(wait);
      callHandler(hv, domain, s, vcpu, record).then(
        (answer) => {
          if (!domain.ioreqWaits.includes(wait)) return;
          // A data_is_ptr read's data went into guest RAM; `data` stays the buffer's address.
          if (record.dir === 'read' && !record.dataIsPtr) setSlotData(page, vcpu, (answer ?? allOnes(record.size)) & U64);
          setSlotState(page, vcpu, STATE_IORESP_READY);
          setSlotState(page, vcpu, STATE_IOREQ_NONE);
          finish(domain, wait, { kind: 'done', data: slotData(page, vcpu) });
        },
        (err: unknown) => {
          if (!domain.ioreqWaits.includes(wait)) return;
          // The handler failed: the slot is freed and the access fails with the handler's error.
          setSlotState(page, vcpu, STATE_IOREQ_NONE);
          domain.ioreqWaits.splice(domain.ioreqWaits.indexOf(wait), 1);
          reject(err);
        },
      );
    });
  }
  return new Promise<SendResult>((resolve) => {
    const wait: IoreqWait = { vcpu, server: s, port, record, prev: STATE_IOREQ_NONE, sleeping: false, resolve };
    domain.ioreqWaits.push(wait);
    hv.evtchn.notifyFromXen(domain.domid, port);
    if (domain.ioreqWaits.includes(wait)) examine(domain, wait);
  });
}

/** One pass of wait_for_io's loop, run when the vCPU's port is notified. */
function examine(domain: Domain, wait: IoreqWait): void {
  const page = wait.server.ioreqPage;
  const state = slotState(page, wait.vcpu);
  if (wait.sleeping && state === wait.prev) return; // wait_on_xen_event_channel: nothing changed yet
  wait.sleeping = false;
  if (state === STATE_IOREQ_NONE) return finish(domain, wait, { kind: 'done', data: U64 });
  if (state < wait.prev) return crashDomain(domain, `Weird HVM ioreq state transition ${wait.prev} -> ${state}`);
  wait.prev = state;
  switch (state) {
    case STATE_IORESP_READY:
      setSlotState(page, wait.vcpu, STATE_IOREQ_NONE);
      return finish(domain, wait, { kind: 'done', data: slotData(page, wait.vcpu) });
    case STATE_IOREQ_READY:
    case STATE_IOREQ_INPROCESS:
      wait.sleeping = true;
      return;
    default:
      return crashDomain(domain, `Weird HVM iorequest state ${state}`);
  }
}

function finish(domain: Domain, wait: IoreqWait, result: SendResult): void {
  const i = domain.ioreqWaits.indexOf(wait);
  if (i >= 0) domain.ioreqWaits.splice(i, 1);
  wait.resolve(result);
}

/** Xen's end of a channel was notified: a vCPU waiting on that port looks at its slot again. */
export function xenEvent(domain: Domain, port: number): void {
  for (const wait of [...domain.ioreqWaits]) if (wait.port === port && domain.ioreqWaits.includes(wait)) examine(domain, wait);
}

/**
 * `domain_crash`: the domain is shut down as crashed. Its vCPUs stop (waiting accesses end with 'crash',
 * later ones report 'crash' at once); hypercalls on it still work, as the domain is not dying.
 */
export function crashDomain(domain: Domain, reason: string): void {
  if (!domain.crashed) {
    domain.crashed = true;
    domain.events.push({ op: 'domain_crash', args: { reason } });
  }
  for (const wait of domain.ioreqWaits.splice(0)) wait.resolve({ kind: 'crash' });
}

/** The server is going away (destroy, or the domain is destroyed): its waiters complete as if it died (data ~0). */
export function abandonWaits(domain: Domain, s: IoreqServer | null): void {
  for (const wait of [...domain.ioreqWaits]) if (s === null || wait.server === s) finish(domain, wait, { kind: 'done', data: U64 });
}

/**
 * `ioreq_send(s, p, 1)`: puts a write into the server's ring; false when the server has no ring or it is
 * full (the caller then uses the synchronous path). Marks the record buffered.
 */
export function sendBuffered(hv: Host, domain: Domain, s: IoreqServer, record: IoreqRecord): boolean {
  const handled = putBuffered(hv, domain, s, record, 0);
  // Nobody waits for a buffered request: a handler's failure is dropped.
  handled?.catch(() => {});
  return handled !== null;
}

/**
 * As sendBuffered, for a guest access on `vcpu`: null when the request did not go into the ring, else a
 * promise that settles once the hypervisor's handler (when it plays the device model) has taken the request,
 * so that a handler has seen every request of an access before the access completes. The ring is drained
 * at once either way; the handler's answer is ignored (a buffered request gets no response).
 */
export function putBuffered(hv: Host, domain: Domain, s: IoreqServer, record: IoreqRecord, vcpu: number): Promise<void> | null {
  const page = s.bufioreqPage;
  if (!page || s.bufioreqPort === null) return null;
  if (!ringPut(page, s.bufioreq === BUFIOREQ_ATOMIC, { type: TYPE_NUMBER[record.type], addr: record.addr, size: record.size, data: record.data })) return null;
  record.buffered = true;
  let handled: Promise<void> = Promise.resolve();
  if (!bufAttached(hv, domain, s)) {
    // The hypervisor's handler plays the device model and drains the ring at once.
    handled = callHandler(hv, domain, s, vcpu, record).then(() => undefined);
    ringConsume(page, record.size === 8 ? 2 : 1);
  }
  hv.evtchn.notifyFromXen(domain.domid, s.bufioreqPort);
  return handled;
}

/** Calls the hypervisor's IoreqHandler now (so handlers see requests in the order they are sent); its answer as a promise. */
function callHandler(hv: Host, domain: Domain, s: IoreqServer, vcpu: number, record: IoreqRecord): Promise<bigint | undefined> {
  try {
    return Promise.resolve(hv.ioreqHandler(domain.domid, record, { vcpu, emulator: s.emulator }));
  } catch (err) {
    return Promise.reject(err);
  }
}

/** A new request record (what Xen puts in ioreq_t, by name); `dataIsPtr`: `data` is a buffer's guest physical address. */
export function makeRecord(server: number, type: IoreqTypeName, dir: 'read' | 'write', addr: bigint, size: number, count: number, data: bigint, df: boolean, dataIsPtr = false): IoreqRecord {
  return { server, type, dir, addr, size, count, data, df, buffered: false, ...(dataIsPtr && { dataIsPtr: true as const }) };
}

