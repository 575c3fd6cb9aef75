/** The schema's limits by release (buffers per dm_op, preemption interval, ranges per rangeset, …). */
import { LIMITS, type LimitId, type ReleaseName } from './generated/index.js';
import { entryAt } from './release.js';

/** One limit as the schema records it: id, release range, value, and the errno when it is hit. */
export type LimitEntry = (typeof LIMITS)[number];

/** The limit `id` in force at `release`, or undefined where the schema records none. A misspelt id fails to compile. */
export function limitAt(id: LimitId, release: ReleaseName): LimitEntry | undefined {
  return entryAt(LIMITS.filter((l) => l.id === id), release);
}

/** Every entry of the limit `id`, in the schema's order (oldest releases first): for a value a release does not select. */
export function limitEntries(id: LimitId): LimitEntry[] {
  return LIMITS.filter((l) => l.id === id);
}
