/** The Xen release every benchmark workload runs at. */
import { RELEASES, type ReleaseName } from '@xenmem/abi-types';

/** The newest release the simulator models: the one every workload runs at. */
export const BENCH_RELEASE: ReleaseName = RELEASES.filter((r) => r.behaviourRecorded).at(-1)!.name as ReleaseName;
