/**
 * Builds the per-page outcome table the p2m core takes, from the schema's transition table of a
 * release: outcomes[oldType] = 0 to change the page, or the errno that stops the loop there.
 */
import { ERRNO, P2M_TYPES, transitionOutcome, populatedByLookup, type ErrnoName, type ReleaseName } from '@xenmem/abi-types';
import { P2M_TYPE_COUNT, type OutcomeTable } from './p2m/core.js';
import { P2M_RAM_RW } from './p2m-types.js';

const RAM_RW = P2M_RAM_RW; // the type get_gfn_unshare's P2M_ALLOC lookup turns populate-on-demand pages into

export function outcomeTable(release: ReleaseName, hvmmemValue: number): OutcomeTable {
  const table = new Int32Array(P2M_TYPE_COUNT);
  const populated = populatedByLookup(release);
  for (const t of P2M_TYPES) {
    const from = populated.includes(t.value) ? RAM_RW : t.value;
    const outcome = transitionOutcome(release, from, hvmmemValue);
    // A type with no row at this release (e.g. 15 before 4.6) cannot be in the table; refuse like Xen's default.
    table[t.value] = outcome === 'ok' ? 0 : ERRNO[(outcome ?? 'EINVAL') as ErrnoName].value;
  }
  return table;
}
