/**
 * Errors as values. A Xen error carries Xen's errno; an input error says which argument was unusable.
 */
import { ERRNO, type ErrnoName } from './generated/index.js';

/**
 * Why a simulated hypercall failed: the check that failed, as a stable id from the simulator's closed list
 * (docs/simulator.md, "Why an errno"), and a sentence. A real Xen host gives none.
 */
export interface XenErrorReason {
  /** The check that failed, e.g. "hvmmem-unused", "not-emulator". */
  readonly id: string;
  /** What failed, in one sentence. */
  readonly message: string;
}

/** An error Xen returned (or would return): `-errno` from a hypercall. */
export class XenError extends Error {
  /** Xen's errno number (public/errno.h), e.g. 22 for EINVAL; the hypercall returned its negative. */
  readonly errno: number;
  /** The errno name, e.g. "EINVAL". */
  readonly code: ErrnoName;
  /** The op that failed, e.g. "set_mem_type". */
  readonly op: string;
  /** Why the simulator refused the call (the check that failed); undefined on a real Xen host. */
  readonly reason?: XenErrorReason;

  /**
   * The error `op` failed with: `code`, an optional `detail` for the message, and the simulator's `reason`
   * when there is one (kept apart from the message, which stays as Xen's errno and the detail).
   */
  constructor(code: ErrnoName, op: string, detail?: string, reason?: XenErrorReason) {
    super(`${op}: ${code}${detail ? ` (${detail})` : ''}`);
    this.name = 'XenError';
    this.code = code;
    this.errno = ERRNO[code].value;
    this.op = op;
    if (reason) this.reason = reason;
  }

  /** The XenError for a hypercall return code (a negative errno), with the simulator's reason if it gave one. */
  static fromReturnCode(rc: number, op: string, detail?: string, reason?: XenErrorReason): XenError {
    const code = errnoName(-rc);
    if (code === undefined) throw new InputError('rc', rc, `is not a Xen errno (op ${op})`);
    return new XenError(code, op, detail, reason);
  }
}

/** An argument the library cannot use: an unknown name, a version above the latest, a value out of range. */
export class InputError extends Error {
  /** Which argument, e.g. "iface" or "mem_type". */
  readonly argument: string;
  /** The rejected value, as given. */
  readonly value: unknown;
  /** What is wrong with the value: the message after the argument and the value, e.g. "is not a uint16". */
  readonly problem: string;

  /** An error for `argument` = `value`; `problem` completes the message, e.g. "is not a uint16". */
  constructor(argument: string, value: unknown, problem: string) {
    super(`${argument} ${formatValue(value)} ${problem}`);
    this.name = 'InputError';
    this.argument = argument;
    this.value = value;
    this.problem = problem;
  }

  /** The same refusal named by another argument: the CLI flag or variable that gave an API's field. */
  renamed(argument: string): InputError {
    return new InputError(argument, this.value, this.problem);
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
