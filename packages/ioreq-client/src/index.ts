/**
 * @xenmem/ioreq-client: a typed, versioned device-model client for Xen over any backend.
 * `DeviceModel` offers every libxendevicemodel 1.4 call plus get_mem_type; `IoreqServer` a device model's
 * life cycle; `SocketBackend` the simulator daemon's client (socket, or shared memory when both sides can).
 *
 * @packageDocumentation
 */
export {
  DeviceModel,
  type DeviceModelOptions,
  type BufioreqHandling,
  type MemAccessFlags,
  type MemCacheattr,
  type InjectEventType,
  type IoreqServerInfo,
  type ModifiedMemoryExtent,
  type MemTypeAt,
} from './device-model.js';
export { IoreqServer, type IoreqServerOptions, type IoreqRequestsOptions } from './ioreq-server.js';
export type { IoreqRequest, SyncIoreqRequest, BufferedIoreqRequest, IoreqType } from './ioreq-request.js';
export { SocketBackend, type SocketBackendOptions, DaemonError } from './socket/index.js';
