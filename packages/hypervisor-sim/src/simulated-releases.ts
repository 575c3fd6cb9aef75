/**
 * The Xen releases the simulator models: those whose behaviour schema/xen-abi.json records
 * (releases[].behaviourRecorded). Every refusal of a release, in the Hypervisor and in scenario files, names this
 * range; the CLI's help and the README are tested against it.
 */
import { RELEASES } from '@xenmem/abi-types';

/** The simulated releases, oldest first. */
export const SIMULATED_RELEASES: readonly string[] = RELEASES.filter((r) => r.behaviourRecorded).map((r) => r.name);

/** The simulated releases as a range, e.g. "4.6–4.22" (the schema records them without a gap). */
export const SIMULATED_RANGE = `${SIMULATED_RELEASES[0]}–${SIMULATED_RELEASES[SIMULATED_RELEASES.length - 1]}`;

/** The problem text of a release the simulator does not model, after the release's name. */
export const NOT_SIMULATED = `is not simulated: the simulator covers Xen ${SIMULATED_RANGE}`;

/** Whether the simulator models this release name (exactly as the schema spells it). */
export function isSimulatedRelease(name: string): boolean {
  return SIMULATED_RELEASES.includes(name);
}
