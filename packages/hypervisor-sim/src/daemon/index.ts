/** The simulator daemon: one Hypervisor served over a Unix socket (docs/protocol.md). */
export { startDaemon, type Daemon, type DaemonOptions } from './daemon.js';
