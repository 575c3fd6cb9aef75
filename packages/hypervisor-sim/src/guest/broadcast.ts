/**
 * `ioreq_broadcast` (xen/common/ioreq.c ioreq_broadcast() @ RELEASE-4.22.0): a request to every enabled server. IOREQ_TYPE_INVALIDATE (the
 * mapcache flush, `send_invalidate_ioreq`: size 4, write, data ~0, count 0) goes synchronously and the
 * vCPU waits for every server; IOREQ_TYPE_TIMEOFFSET (`send_timeoffset_req`: size 8, count 1, data =
 * the offset) goes through the buffered ring, so servers without buffering are skipped. A server whose
 * send fails is left out (Xen only logs it).
 */
import type { GuestAccessResult, IoreqRecord } from '@xenmem/sim-protocol';
import type { Domain } from '../domain.js';
import type { Host } from '../host.js';
import { serversInOrder } from './route.js';
import { onVcpu } from './vcpu.js';
import { makeRecord, sendBuffered, sendSync } from './ioreq-send.js';

const U64 = (1n << 64n) - 1n;

export function broadcastInvalidate(hv: Host, domain: Domain, vcpu: number): Promise<GuestAccessResult> {
  return onVcpu(domain, vcpu, async () => {
    if (domain.crashed) return { outcome: 'crash', value: null, ioreqs: [] };
    const sent: { record: IoreqRecord; done: Promise<{ kind: string }> }[] = [];
    for (const s of serversInOrder(domain, hv.release)) {
      const record = makeRecord(s.id, 'invalidate', 'write', 0n, 4, 0, U64, false);
      sent.push({ record, done: sendSync(hv, domain, s, vcpu, record) });
    }
    const results = await Promise.all(sent.map((x) => x.done));
    const ioreqs = sent.filter((_, i) => results[i]!.kind !== 'refused').map((x) => x.record);
    const outcome = results.some((r) => r.kind === 'crash') ? 'crash' : ioreqs.length ? 'ioreq' : 'null';
    return { outcome, value: null, ioreqs };
  });
}

export function broadcastTimeoffset(hv: Host, domain: Domain, offset: bigint): GuestAccessResult {
  if (domain.crashed) return { outcome: 'crash', value: null, ioreqs: [] };
  const ioreqs: IoreqRecord[] = [];
  for (const s of serversInOrder(domain, hv.release)) {
    const record = makeRecord(s.id, 'timeoffset', 'write', 0n, 8, 1, offset & U64, false);
    if (sendBuffered(hv, domain, s, record)) ioreqs.push(record);
  }
  return { outcome: ioreqs.length ? 'ioreq' : 'null', value: null, ioreqs };
}
