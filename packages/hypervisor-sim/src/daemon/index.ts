/** The simulator daemon: one Hypervisor served over a Unix socket (docs/protocol.md). */
export { startDaemon, DEFAULT_FRAME_TIMEOUT_MS, DEFAULT_MAX_CONNECTIONS, type Daemon, type DaemonOptions } from './daemon.js';
