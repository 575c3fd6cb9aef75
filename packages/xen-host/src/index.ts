/**
 * `@xenmem/xen-host`: DeviceModel and IoreqServer on a real Xen host. `await XenHost.open()` is a
 * XenBackend over Linux's /dev/xen/privcmd and /dev/xen/evtchn (dom0, or a stub domain).
 *
 * The native addon (napi-rs) is loaded once, on import. Where it does not load (another platform, or not
 * built) the package still imports: {@link available} is false, {@link unavailableReason} says why, and
 * `XenHost.open()` rejects with {@link XenHostUnavailableError}.
 */
import { binding, reason } from './binding.js';

/** Whether the native binary loaded; when false, {@link unavailableReason} says why. */
export const available: boolean = binding !== null;

/** Why the native binary did not load, in one line; null when {@link available}. */
export const unavailableReason: string | null = reason;

export { XenHost, type XenHostOptions } from './xen-host.js';
export { XenHostError, XenHostUnavailableError } from './errors.js';
