/**
 * The internal p2m model per release: type names, classes, set_mem_type's per-page transitions and
 * get_mem_type's lossy projection. Xen renames internal types freely; this is behaviour, not ABI.
 */
import { GET_MEM_TYPE, P2M_CLASSES, P2M_TYPES, TRANSITIONS, type ReleaseName } from './generated/index.js';
import { entryAt, releaseInRange, type GeneratedRange } from './release.js';

/** The name of an internal p2m type at a release (15 is p2m_mmio_write_dm in 4.6–4.7, p2m_ioreq_server from 4.8). */
export function p2mName(value: number, release: ReleaseName): string | undefined {
  return P2M_TYPES.find((t) => t.value === value)?.names.find((n) => releaseInRange(release, n.releases))?.name;
}

/** The number of an internal p2m type name at a release. */
export function p2mValue(name: string, release: ReleaseName): number | undefined {
  return P2M_TYPES.find((t) => t.names.some((n) => n.name === name && releaseInRange(release, n.releases)))?.value;
}

/** Members of a type class (e.g. P2M_RAM_TYPES) at a release, or undefined where it is not recorded. */
export function p2mClassMembers(className: string, release: ReleaseName): readonly number[] | undefined {
  const byRelease: readonly { releases: GeneratedRange; types: readonly number[] }[] = P2M_CLASSES.find((c) => c.name === className)?.byRelease ?? [];
  return entryAt(byRelease, release)?.types;
}

/**
 * set_mem_type's per-page outcome at a release for a page of type `from` asked to become hvmmem `to`:
 * "ok", an errno name, or undefined when the value is refused before the loop (see hvmmemVerdict).
 */
export function transitionOutcome(release: ReleaseName, from: number, to: number): string | undefined {
  const table = entryAt(TRANSITIONS, release);
  const row = table?.rows.find((r) => r.from === from);
  return row ? (row.to as Record<string, string | undefined>)[String(to)] : undefined;
}

/** Internal types the per-page lookup populates before the transition check (PoD becomes ram_rw). */
export function populatedByLookup(release: ReleaseName): readonly number[] {
  return entryAt(TRANSITIONS, release)?.populatedByLookup ?? [];
}

/** get_mem_type at a release: the hvmmem number reported for an internal type (first matching step wins). */
export function getMemTypeResult(release: ReleaseName, p2m: number): number | undefined {
  const projection = entryAt(GET_MEM_TYPE, release);
  if (!projection) return undefined;
  for (const step of projection.steps) {
    if (step.match === 'else') return step.result;
    if (step.match === 'type' && step.p2m === p2m) return step.result;
    if (step.match === 'class' && p2mClassMembers(step.class!, release)?.includes(p2m)) return step.result;
  }
  return undefined;
}
