/**
 * What each release's set_mem_type does with each hvmmem number, before its per-page loop: accepted as a
 * p2m type, or rejected with an errno. The same rule as `hvmmemVerdict` in packages/abi-types/src/hvmmem.ts:
 * the acceptance entry covering the release decides, and a number without one gets `unlistedHvmmemError`.
 */
import type { ErrnoName, ReleaseName, XenAbiSchema } from '@xenmem/schema';
import { entryFor, releaseNames } from '@xenmem/schema';

/** One release's verdict on one number. */
export type Verdict = { release: ReleaseName; value: number } & ({ accepted: true; p2m: number } | { accepted: false; error: ErrnoName });

/** Every release × every listed hvmmem number, releases oldest first, numbers ascending. */
export function hvmmemVerdicts(schema: XenAbiSchema): Verdict[] {
  const values = [...schema.hvmmemTypes].sort((a, b) => a.value - b.value);
  return releaseNames(schema).flatMap((release) =>
    values.map((v): Verdict => {
      const entry = entryFor(v.hypervisor, release);
      if (entry === undefined) return { release, value: v.value, accepted: false, error: schema.unlistedHvmmemError };
      if (entry.accepted) {
        if (entry.p2m === undefined) throw new Error(`hvmmemTypes[value=${v.value}]: accepted at ${release} without a p2m type`);
        return { release, value: v.value, accepted: true, p2m: entry.p2m };
      }
      if (entry.error === undefined) throw new Error(`hvmmemTypes[value=${v.value}]: rejected at ${release} without an errno`);
      return { release, value: v.value, accepted: false, error: entry.error };
    }),
  );
}
