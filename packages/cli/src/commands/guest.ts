/**
 * `xenmem guest out|in|write|read`: one access by a guest vCPU on the simulator daemon (the guest_access frame),
 * routed exactly as the simulator routes it (docs/simulator.md "Guest accesses"). With --count and --buffer-gpa it
 * is a rep string access whose data lies in guest RAM: its requests carry data_is_ptr = 1 and the buffer's address.
 * A vCPU blocked on an ioreq that no device model answers within --timeout is reported as `pending` (exit 1) and
 * stays blocked on the daemon; a later access on it is refused, as a blocked vCPU on Xen executes nothing.
 */
import { InputError } from '@xenmem/abi-types';
import { guestAccessResultToJson, hex, type GuestAccess, type GuestAccessResult, type IoreqRecord } from '@xenmem/sim-protocol';
import type { GuestAccessOptions } from '../parsed.js';
import { withBackend, type CliEnv, type ConnectedBackend } from '../backend.js';
import { EXIT_FAILURE, EXIT_OK, type Io } from '../io.js';
import { printJson } from '../output.js';

/** Outcomes that end the command with exit 0. */
const SUCCESS = new Set(['ram', 'ioreq', 'null', 'discarded']);

export async function runGuestAccess(o: GuestAccessOptions, io: Io, env: CliEnv): Promise<number> {
  const access: GuestAccess = {
    domid: o.domid,
    vcpu: o.vcpu,
    kind: o.kind,
    addr: o.addr,
    size: o.size,
    ...(o.value !== undefined && { value: o.value }),
    ...(o.buffer !== undefined && { count: o.count!, buffer: o.buffer }),
  };
  if (o.value !== undefined && o.size < 8 && o.value >> BigInt(8 * o.size) !== 0n) throw new InputError('--value', hex(o.value), `does not fit --size ${o.size}`);
  return withBackend(env, o.socket, 0, async (backend) => {
    const blocked = await blockedOn(backend, o.domid, o.vcpu);
    if (blocked) {
      io.err(
        `xenmem guest ${o.kind}: vCPU ${o.vcpu} of domain ${o.domid} is blocked on an ioreq to server ${blocked.server} (${describe(blocked.request)}) that no device model has answered: on Xen it executes nothing until one does\n` +
          `  answer it with a device model, or see it with xenmem sim inspect --socket ${o.socket} --domid ${o.domid}\n`,
      );
      return EXIT_FAILURE;
    }
    const sent = backend.guestAccess(access);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<'pending'>((resolve) => (timer = setTimeout(() => resolve('pending'), o.timeoutMs)));
    // Closing the connection on a timeout rejects the access's promise on this side; the daemon keeps the access.
    sent.catch(() => {});
    let result: GuestAccessResult | 'pending';
    try {
      result = await Promise.race([sent, timedOut]);
    } finally {
      clearTimeout(timer);
    }
    if (result === 'pending') {
      const waiting = await blockedOn(backend, o.domid, o.vcpu);
      result = { outcome: 'pending' as GuestAccessResult['outcome'], value: null, ioreqs: waiting ? [waiting.request] : [] };
    }
    print(io, o, result);
    return SUCCESS.has(result.outcome) ? EXIT_OK : EXIT_FAILURE;
  });
}

/** The request a vCPU is blocked on, as `sim inspect` lists it, or null. */
async function blockedOn(backend: ConnectedBackend, domid: number, vcpu: number): Promise<{ server: number; request: IoreqRecord } | null> {
  const pending = (await backend.inspect(domid)).pending ?? [];
  return pending.find((p) => p.vcpu === vcpu) ?? null;
}

function describe(r: IoreqRecord): string {
  return `${r.type} ${r.dir} ${hex(r.addr)} size ${r.size}${r.count !== 1 ? ` count ${r.count}` : ''}${r.dataIsPtr ? ` data_is_ptr ${hex(r.data)}` : ''}`;
}

function print(io: Io, o: GuestAccessOptions, r: GuestAccessResult): void {
  if (o.json) return printJson(io, guestAccessResultToJson(r));
  io.out(`${r.outcome}${r.value !== null ? ` ${hex(r.value)}` : ''}\n`);
  for (const q of r.ioreqs) io.out(`  ioreq to server ${q.server}: ${describe(q)}${q.dataIsPtr ? '' : ` data ${hex(q.data)}`}${q.buffered ? ' (buffered)' : ''}\n`);
}
