/**
 * Persistence of a Hypervisor's state across daemon restarts (`startDaemon({ statePath })`,
 * `xenmem sim serve --state FILE`; docs/reliability.md "Daemon state file").
 */
export { checkStatePath, readStateFile, writeStateFileAtomic, writeStateFileAtomicAsync, removeStaleTemps } from './file.js';
export { StateStore, StateFile, RequestMark, readDurableState, type DurableState, DEFAULT_COMPACT_BYTES, type StateStoreOptions } from './store.js';
export { journalPath, journalGenerations, readJournalChain, JOURNAL_FORMAT, JOURNAL_VERSION } from './journal.js';
export { frameRecord, scanRecords, RECORD_HEADER_BYTES } from './record.js';
export { applyDelta, DeltaTracker, type StateDelta } from './delta.js';
export { restore } from './restore.js';
export { rollbackTo } from './rollback.js';
export { snapshot, encodeState, decodeState, checkInvariants, STATE_FORMAT, STATE_VERSION, type HypervisorState, type DomainState, type ServerState } from './snapshot.js';

export type { XsNodeRecord } from './xenstore.js';
