/**
 * @xenmem/hypervisor-sim: one Xen release's behaviour for domains, the p2m, DM ops, HVMOPs and guest
 * accesses, in process. Pass a `Hypervisor` wherever a SimulatorBackend is wanted.
 *
 * @packageDocumentation
 */
export { Hypervisor, type CallFailure, type HypervisorOptions } from './hypervisor.js';
export { SIMULATED_RELEASES, SIMULATED_RANGE } from './simulated-releases.js';
export type { IoreqPageStore } from './ioreq/pages.js';
export type { GuestRam, GuestRamStore } from './ram/guest-ram.js';
export type { ForeignBatch } from './foreign-batch.js';
export { mulberry32, type PreemptPolicy } from './preempt.js';
export * from './p2m/index.js';
export * from './scenario/index.js';
export { startDaemon, type Daemon, type DaemonOptions } from './daemon/index.js';
export { XsError, XsReader, XS_HEADER_BYTES, encodeMessage, type XsdErrorName, type XsMessage, type XsPerm } from './xenstore/index.js';
export { StateFile, StateStore, RequestMark, readDurableState, type DurableState, snapshot, restore, checkInvariants, type StateStoreOptions, type HypervisorState, type XsNodeRecord, type DomainState, type ServerState } from './state/index.js';
export type { LoggedEvent } from './domain.js';
export { domainSvg, p2mColour, P2M_TYPE_COLOURS } from './domain-svg.js';
