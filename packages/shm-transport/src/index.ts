/**
 * `@xenmem/shm-transport`: a shared-memory channel between the xenmem simulator daemon and a device
 * model process, the way Xen shares an ioreq server's pages and rings its event channels: a file
 * under /dev/shm mapped MAP_SHARED by both, u32 atomics on its words, and futex wake-ups (Linux).
 *
 * The native addon (napi-rs) is loaded once, on import. Where it does not load (another platform, or
 * not built) the package still imports: {@link available} is false, {@link unavailableReason} says
 * why, and creating a region or a watcher throws {@link ShmTransportUnavailableError}.
 */
import { binding, reason } from './binding.js';

/** Whether the native binary loaded; when false, {@link unavailableReason} says why. */
export const available: boolean = binding !== null;

/** Why the native binary did not load, in one line; null when {@link available}. */
export const unavailableReason: string | null = reason;

export { ShmRegion } from './region.js';
export { Watcher } from './watcher.js';
export { ShmError, ShmTransportUnavailableError } from './errors.js';
