/**
 * A backend wrapper that records every hypercall a DeviceModel makes, with copies of the buffers as they
 * were sent, so tests can assert the exact bytes (and that client-side refusals send nothing) over any
 * backend.
 */
import { decodeDmOp, decodeHvmOpArg, hvmOpByNumber, type HvmOpName, type HypercallBackend } from '@xenmem/abi-types';

export interface RecordedCall {
  hypercall: 'dm_op' | 'hvm_op';
  caller: number;
  /** The dm_op's domid argument; null for an hvm_op (its struct carries the domid). */
  domid: number | null;
  /** The op number: the dm_op's from buf[0], or the hvm_op's command word. */
  op: number;
  /** Buffers as sent (copies taken before the call). */
  sent: Uint8Array[];
  rc: number;
}

export interface Recording {
  backend: HypercallBackend;
  calls: RecordedCall[];
  /** The one call made so far, asserting there was exactly one, and forgets it. */
  only(): RecordedCall;
  /** Forgets the calls so far. */
  clear(): void;
}

export function recording(inner: HypercallBackend): Recording {
  const calls: RecordedCall[] = [];
  const backend: HypercallBackend = {
    get release() {
      return inner.release;
    },
    async dmOp(caller, domid, bufs) {
      const sent = bufs.map((b) => b.slice());
      const outcome = await inner.dmOp(caller, domid, bufs);
      const op = sent[0] && sent[0].length >= 4 ? new DataView(sent[0].buffer).getUint32(0, true) : -1;
      calls.push({ hypercall: 'dm_op', caller, domid, op, sent, rc: outcome.rc });
      return outcome;
    },
    async hvmOp(caller, op, buf) {
      const sent = [buf.slice()];
      const outcome = await inner.hvmOp(caller, op, buf);
      calls.push({ hypercall: 'hvm_op', caller, domid: null, op, sent, rc: outcome.rc });
      return outcome;
    },
  };
  return {
    backend,
    calls,
    only() {
      if (calls.length !== 1) throw new Error(`expected exactly one hypercall, got ${calls.length}`);
      const c = calls[0]!;
      calls.length = 0;
      return c;
    },
    clear() {
      calls.length = 0;
    },
  };
}

/** The payload of a recorded dm_op's buf[0] (xen_dm_op: op, pad, then the op's struct). */
export function dmPayload(call: RecordedCall): { op: number; pad: number; payload: Record<string, unknown> | undefined } {
  const d = decodeDmOp(call.sent[0]!);
  return { op: d.op, pad: d.pad, payload: d.payload };
}

/** The struct of a recorded hvm_op. */
export function hvmArg(call: RecordedCall): Record<string, unknown> {
  const op = hvmOpByNumber(call.op);
  if (!op) throw new Error(`unknown HVMOP ${call.op}`);
  return decodeHvmOpArg(op.name as HvmOpName, call.sent[0]!);
}
