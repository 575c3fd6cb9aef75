/**
 * The errors the transport throws. A failed system call is a {@link ShmError} with its errno, the
 * way Node's fs errors carry one; a bad argument is a RangeError (a TypeError for a value of the wrong
 * JS type) naming the argument and the value it got; a missing addon a
 * {@link ShmTransportUnavailableError}.
 */
import { constants } from 'node:os';

/** errno number → name (`17` → `'EEXIST'`), from Node's table for this platform. */
const ERRNO_NAMES = new Map(Object.entries(constants.errno).map(([name, errno]) => [errno, name]));

/**
 * A system call on a region's file or words failed: `errno`/`code` as in `errno(3)`, `op` the call
 * (`create`, `open`, `fstat`, `mmap`, `unlink`, `futex wait`, `futex wake`), `path` the file. Use of a
 * closed region is `EBADF`; a file that is no region (not regular, not whole pages) is `EINVAL`.
 */
export class ShmError extends Error {
  /** Always `'ShmError'`. */
  override readonly name = 'ShmError';
  /** Made by the wrapper from the addon's error; `message` gets the `code` as prefix. */
  constructor(
    /** The errno number, e.g. 17. */
    readonly errno: number,
    /** The errno name, e.g. `'EEXIST'`. */
    readonly code: string,
    /** The failed call, e.g. `'create'`. */
    readonly op: string,
    /** The region's file. */
    readonly path: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(`${code}: ${message}`, options);
  }
}

/** The native addon did not load (another platform, or not built): `reason` says why in one line. */
export class ShmTransportUnavailableError extends Error {
  /** Always `'ShmTransportUnavailableError'`. */
  override readonly name = 'ShmTransportUnavailableError';
  /** Made when the addon did not load, with the one-line reason. */
  constructor(
    /** Why the addon did not load. */
    readonly reason: string,
  ) {
    super(`the native shared-memory transport is unavailable: ${reason}`);
  }
}

/** napi error codes that mean a JS value of the wrong type (napi-rs `Status`). */
const TYPE_STATUSES = new Set(['ObjectExpected', 'StringExpected', 'NumberExpected', 'FunctionExpected', 'BooleanExpected']);

/**
 * Runs a call into the addon, rethrowing its errors as the documented ones: `InvalidArg` → RangeError,
 * a message ending in `(os error N)` → ShmError, wrong JS types → TypeError.
 */
export function call<T>(path: string, f: () => T): T {
  try {
    return f();
  } catch (err) {
    const code = (err as { code?: unknown } | null)?.code;
    const message = err instanceof Error ? err.message : String(err);
    if (code === 'InvalidArg') throw new RangeError(message, { cause: err });
    if (typeof code === 'string' && TYPE_STATUSES.has(code)) throw new TypeError(message, { cause: err });
    const os = /^(.*) \(os error (\d+)\)$/s.exec(message);
    if (os) {
      const errno = Number(os[2]);
      const op = /^([a-z]+(?: [a-z]+)?) '/.exec(message)?.[1] ?? (message.includes('is closed') ? 'use' : 'unknown');
      throw new ShmError(errno, ERRNO_NAMES.get(errno) ?? `errno ${errno}`, op, path, message, { cause: err });
    }
    throw err;
  }
}

/** Throws a TypeError naming each argument that is not a number (the addon's own messages name none). */
export function expectNumbers(args: Record<string, unknown>): void {
  for (const [name, v] of Object.entries(args)) {
    if (typeof v !== 'number') throw new TypeError(`${name} must be a number, got ${typeof v} ${describe(v)}`);
  }
}

/** Throws a TypeError unless `v` is a string. */
export function expectString(name: string, v: unknown): asserts v is string {
  if (typeof v !== 'string') throw new TypeError(`${name} must be a string, got ${typeof v} ${describe(v)}`);
}

function describe(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}
