/**
 * `--trace FILE`: every hypercall and every ioreq as one JSON line. 64-bit values as "0x…" strings
 * (DESIGN.md "JSON conventions"); `t` is milliseconds since the daemon started.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { hex, type IoreqRecord } from '@xenmem/sim-protocol';

export interface TraceRecord {
  /** "dm_op", "hvm_op", "acquire_resource", "map_foreign_gfn", "bind_interdomain", "unbind", "notify", "ioreq", … */
  call: string;
  conn: number;
  caller: number;
  [key: string]: unknown;
}

export class Trace {
  private readonly out: WriteStream | null;
  private readonly start = Date.now();

  constructor(path: string | undefined) {
    this.out = path ? createWriteStream(path, { flags: 'a', mode: 0o600 }) : null;
    this.out?.on('error', () => {}); // a trace that cannot be written never stops the daemon
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
