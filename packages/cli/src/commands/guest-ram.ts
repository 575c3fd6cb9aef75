/**
 * `xenmem guest write-ram` and `xenmem guest read-ram`: a guest's RAM bytes on the simulator daemon (the
 * guest_ram_write and guest_ram_read frames; at most 65536 bytes within the guest's frames 0 … max-gpfn).
 */
import { InputError } from '@xenmem/abi-types';
import { bytesToHex, hex, hexToBytes } from '@xenmem/sim-protocol';
import type { GuestReadRamOptions, GuestWriteRamOptions } from '../parsed.js';
import { withBackend, type CliEnv } from '../backend.js';
import { EXIT_OK, type Io } from '../io.js';
import { printJson } from '../output.js';

export async function runGuestWriteRam(o: GuestWriteRamOptions, io: Io, env: CliEnv): Promise<number> {
  const bytes = hexToBytes(o.hex, '--hex');
  return withBackend(env, o.socket, 0, async (backend) => {
    await asFlags(backend.guestRamWrite(o.domid, o.gpa, bytes));
    if (o.json) printJson(io, { domid: o.domid, gpa: hex(o.gpa), length: bytes.length });
    else io.out(`wrote ${bytes.length} byte${bytes.length === 1 ? '' : 's'} at ${hex(o.gpa)} of domain ${o.domid}\n`);
    return EXIT_OK;
  });
}

export async function runGuestReadRam(o: GuestReadRamOptions, io: Io, env: CliEnv): Promise<number> {
  return withBackend(env, o.socket, 0, async (backend) => {
    const text = bytesToHex(await asFlags(backend.guestRamRead(o.domid, o.gpa, o.length)));
    if (o.json) printJson(io, { domid: o.domid, gpa: hex(o.gpa), hex: text });
    else io.out(`${text}\n`);
    return EXIT_OK;
  });
}

/** The daemon's refusal of an argument, named by the flag that gave it (`gpa` → `--gpa`, `length` → `--length`). */
async function asFlags<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (err) {
    if (!(err instanceof InputError) || !['gpa', 'length', 'bytes'].includes(err.argument)) throw err;
    const flag = err.argument === 'bytes' ? '--hex' : `--${err.argument}`;
    throw err.renamed(flag);
  }
}
