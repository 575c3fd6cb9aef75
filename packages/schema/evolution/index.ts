/**
 * The ABI evolution checker: rules, the checker, released snapshots and the replay of Xen's history.
 * `xenmem abi check` is a thin wrapper over checkAbi.
 */
export { EVOLUTION_RULES, type EvolutionFinding, type EvolutionRuleId } from './rules.js';
export { checkEvolution, type EvolutionReport } from './check.js';
export { layoutDifferences } from './layouts.js';
export { schemaAsOfRelease, UnknownReleaseError } from './history.js';
export {
  checkSnapshots,
  listSnapshots,
  loadReleasedSnapshots,
  manifestLine,
  newestSnapshot,
  parseSnapshotFileName,
  RELEASED_DIR,
  sha256,
  SNAPSHOT_MANIFEST,
  snapshotFileName,
  writeSnapshot,
  type LoadedSnapshot,
  type ReleasedSnapshot,
  type SnapshotCheck,
  type SnapshotWriteResult,
} from './snapshots.js';
export { checkAbi, SCHEMA_FILE, type AbiCheckOptions, type AbiCheckResult } from './abi-check.js';
