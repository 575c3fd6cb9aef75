/**
 * `--trace FILE`: every hypercall and every ioreq as one JSON line. 64-bit values as "0x…" strings
 * (docs/scenarios.md, "JSON conventions"); `t` is milliseconds since the daemon started.
 */
import { createWriteStream, existsSync, openSync, unlinkSync, type WriteStream } from 'node:fs';
import { decodeHvmOpArg, decodeStruct, DM_OP_HEADER, dmOpByNumber, hvmOpByNumber, InputError, layoutAt, resolveRelease } from '@xenmem/abi-types';
import { hex, type IoreqRecord } from '@xenmem/sim-protocol';

export interface TraceRecord {
  /** "dm_op", "hvm_op", "acquire_resource", "map_foreign_gfn", "bind_interdomain", "unbind", "notify", "ioreq", … */
  call: string;
  conn: number;
  caller: number;
  [key: string]: unknown;
}

/**
 * A dm_op's arguments as its trace line shows them: buf[0]'s payload struct decoded field by field at the daemon's
 * release (first_pfn, nr, mem_type, …), or null when the op is unknown or the buffer too short to hold it.
 */
export function dmOpTraceArgs(buf: Uint8Array | undefined, release: string): Record<string, unknown> | null {
  if (!buf || buf.length < DM_OP_HEADER) return null;
  const op = dmOpByNumber(new DataView(buf.buffer, buf.byteOffset, buf.byteLength).getUint32(0, true));
  if (!op) return null;
  try {
    return decodeStruct(layoutAt(op.struct, resolveRelease(release)), buf, DM_OP_HEADER) as unknown as Record<string, unknown>;
  } catch {
    return null;
  }
}

/** An hvm_op's arguments for its trace line: its argument struct decoded, or null (no struct, or too short). */
export function hvmOpTraceArgs(op: number, arg: Uint8Array): Record<string, unknown> | null {
  const known = hvmOpByNumber(op);
  if (!known || known.struct === null) return null;
  try {
    return decodeHvmOpArg(known.name, arg);
  } catch {
    return null;
  }
}

export class Trace {
  private readonly out: WriteStream | null;
  private readonly start = Date.now();

  /** Whether the trace file was created by this daemon (so a daemon that fails to start removes it). */
  private readonly created: boolean;

  /** Opens the trace file for appending at once: a path that cannot be opened is refused (InputError) before the daemon starts. */
  constructor(private readonly path: string | undefined) {
    let fd: number | undefined;
    this.created = path !== undefined && !existsSync(path);
    if (path) {
      try {
        fd = openSync(path, 'a', 0o600);
      } catch (e) {
        throw new InputError('trace', path, `cannot be opened for appending (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      }
    }
    this.out = path ? createWriteStream(path, { fd }) : null;
    this.out?.on('error', () => {}); // a trace that cannot be written later never stops the daemon
  }

  /** Closes the trace, and removes its file when this daemon created it (a start-up that failed). */
  async discard(): Promise<void> {
    await this.close();
    if (!this.created || !this.path) return;
    try {
      unlinkSync(this.path);
    } catch {
      // removed already
    }
  }

  write(record: TraceRecord): void {
    if (!this.out) return;
    this.out.write(JSON.stringify({ t: Date.now() - this.start, ...record }, (_k, v: unknown) => (typeof v === 'bigint' ? hex(v) : v)) + '\n');
  }

  ioreqs(conn: number, caller: number, domid: number, records: IoreqRecord[]): void {
    for (const r of records) this.write({ call: 'ioreq', conn, caller, domid, ...r });
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.out ? this.out.end(resolve) : resolve()));
  }
}
