/**
 * Errors as values. A Xen error carries Xen's errno; an input error says which argument was unusable.
 */
import { ERRNO, type ErrnoName } from './generated/index.js';

/** An error Xen returned (or would return): `-errno` from a hypercall. */
export class XenError extends Error {
  /** Xen's errno number (public/errno.h), e.g. 22 for EINVAL; the hypercall returned its negative. */
  readonly errno: number;
  /** The errno name, e.g. "EINVAL". */
  readonly code: ErrnoName;
  /** The op that failed, e.g. "set_mem_type". */
  readonly op: string;

  /** The error `op` failed with: `code`, and an optional `detail` for the message. */
  constructor(code: ErrnoName, op: string, detail?: string) {
    super(`${op}: ${code}${detail ? ` (${detail})` : ''}`);
    this.name = 'XenError';
    this.code = code;
    this.errno = ERRNO[code].value;
    this.op = op;
  }

  /** The XenError for a hypercall return code (a negative errno). */
  static fromReturnCode(rc: number, op: string, detail?: string): XenError {
    const code = errnoName(-rc);
    if (code === undefined) throw new InputError('rc', rc, `is not a Xen errno (op ${op})`);
    return new XenError(code, op, detail);
  }
}

/** An argument the library cannot use: an unknown name, a version above the latest, a value out of range. */
export class InputError extends Error {
  /** Which argument, e.g. "iface" or "mem_type". */
  readonly argument: string;
  /** The rejected value, as given. */
  readonly value: unknown;

  /** An error for `argument` = `value`; `problem` completes the message, e.g. "is not a uint16". */
  constructor(argument: string, value: unknown, problem: string) {
    super(`${argument} ${formatValue(value)} ${problem}`);
    this.name = 'InputError';
    this.argument = argument;
    this.value = value;
  }
}

function formatValue(v: unknown): string {
  if (typeof v === 'bigint') return `0x${v.toString(16)}`;
  try {
    return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `0x${x.toString(16)}` : x)) ?? String(v);
  } catch {
    return String(v);
  }
}

/** The errno name of a positive errno value. */
export function errnoName(errno: number): ErrnoName | undefined {
  return (Object.keys(ERRNO) as ErrnoName[]).find((k) => ERRNO[k].value === errno);
}

/** The value of an errno name. */
export function errnoValue(name: ErrnoName): number {
  return ERRNO[name].value;
}
