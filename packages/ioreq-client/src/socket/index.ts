/** The socket backend: a SimulatorBackend over `xenmem sim serve` (docs/protocol.md). */
export { SocketBackend, type SocketBackendOptions } from './socket-backend.js';
export { DaemonError } from './session.js';
