/**
 * When a long hypercall is preempted. Xen checks `hypercall_preempt_check()` every 256 pages; whether it
 * fires depends on pending work. The simulator makes that a policy: never, always, or seeded random, so
 * a scenario can exercise continuations reproducibly.
 */
import { InputError } from '@xenmem/abi-types';

/** When long-running ops are preempted: never, always, or at random (seeded). */
export type PreemptPolicy =
  | 'never'
  | 'always'
  | {
      /** Seed of the mulberry32 generator, so a run repeats exactly. */
      seed: number;
      /** Chance, 0 … 1, that each preemption check fires. */
      probability: number;
    };

export interface Preemptor {
  /** Whether preemption may ever fire (if not, loops run in one piece). */
  readonly possible: boolean;
  /** Asked at each preemption point. */
  pending(): boolean;
}

/** mulberry32: a small seeded PRNG, so a seed gives the same continuations on every run. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function makePreemptor(policy: PreemptPolicy = 'never'): Preemptor {
  if (policy === 'never') return { possible: false, pending: () => false };
  if (policy === 'always') return { possible: true, pending: () => true };
  if (typeof policy === 'object' && policy !== null && Number.isInteger(policy.seed) && typeof policy.probability === 'number' && policy.probability >= 0 && policy.probability <= 1) {
    const next = mulberry32(policy.seed);
    return { possible: policy.probability > 0, pending: () => next() < policy.probability };
  }
  throw new InputError('preempt', policy, 'must be "never", "always" or { seed: integer, probability: 0…1 }');
}

/** Lets other operations run between continuation chunks, as other vCPUs do on Xen. */
export function yieldToOthers(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
