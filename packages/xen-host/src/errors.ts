/**
 * The errors opening a host can give: {@link XenHostError} when a /dev/xen node cannot be opened or mapped
 * (no Xen here, no permission), {@link XenHostUnavailableError} when the native addon did not load. Calls on
 * an open host return Xen's codes as the backend interface says (rc < 0); DeviceModel turns them into
 * XenErrors.
 */
import { constants } from 'node:os';

/** errno number → name (`2` → `'ENOENT'`), from Node's table for this platform. */
const ERRNO_NAMES = new Map(Object.entries(constants.errno).map(([name, errno]) => [errno, name]));

/** What to do about an errno of opening a /dev/xen node, in a few words. */
function advice(path: string, code: string): string {
  if (code === 'ENOENT')
    return `no Xen here: this machine is not a Xen domain, or Linux's Xen drivers are not loaded (modprobe xen-privcmd xen-evtchn). On a machine without Xen use the simulator: xenmem sim serve, then the socket backend`;
  if (code === 'EACCES' || code === 'EPERM') return `run as root, or give this user read-write access to ${path} (and the other /dev/xen nodes)`;
  return `see errno(3)`;
}

/** A /dev/xen node could not be opened or mapped: `errno`/`code` as in errno(3), `path` the node. */
export class XenHostError extends Error {
  /** Always `'XenHostError'`. */
  override readonly name = 'XenHostError';
  /** The errno name, e.g. `'ENOENT'`. */
  readonly code: string;
  /** Made from the failed call (`op`, e.g. `'open'`), the node and the errno number. */
  constructor(
    /** The failed call: `open` or `mmap`. */
    readonly op: string,
    /** The node, e.g. `/dev/xen/privcmd`. */
    readonly path: string,
    /** The errno number, e.g. 2. */
    readonly errno: number,
    options?: ErrorOptions,
  ) {
    const code = ERRNO_NAMES.get(errno) ?? `errno ${errno}`;
    super(`cannot ${op} ${path}: ${code}: ${advice(path, code)}`, options);
    this.code = code;
  }
}

/** The native addon did not load (another platform, or not built): `reason` says why in one line. */
export class XenHostUnavailableError extends Error {
  /** Always `'XenHostUnavailableError'`. */
  override readonly name = 'XenHostUnavailableError';
  /** Made when the addon did not load, with the one-line reason. */
  constructor(
    /** Why the addon did not load. */
    readonly reason: string,
  ) {
    super(`the Xen host backend is unavailable: ${reason}`);
  }
}

/**
 * Runs a call into the addon, rethrowing its errors as the documented ones: a message `<op> '<path>': … (os
 * error N)` → XenHostError; `InvalidArg` → RangeError.
 */
export function call<T>(f: () => T): T {
  try {
    return f();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if ((err as { code?: unknown } | null)?.code === 'InvalidArg') throw new RangeError(message, { cause: err });
    const os = /^([a-z]+) '([^']+)': .* \(os error (\d+)\)$/s.exec(message);
    if (os) throw new XenHostError(os[1]!, os[2]!, Number(os[3]), { cause: err });
    throw err;
  }
}
