/**
 * The ABI evolution rules: their stable ids, what each one means, and the shape of what the checker reports.
 *
 * The rules cover the public ABI only: hvmmem numbers and names, HVMOP/DMOP and hypercall numbers, constants,
 * errno values, release interface versions and struct layouts. The internal p2m types, classes and transition
 * tables are left out on purpose: Xen renames them freely (p2m_mmio_write_dm became p2m_ioreq_server at 4.8,
 * commit cb34624af5, keeping value 15) and no client ever sees them.
 */
import type { ReleaseName } from '../types.js';

/**
 * Every rule, in the order findings are reported: `id`, the stable rule id (the CLI, docs and `schema.exceptions`
 * use it), and `meaning`, the change the rule forbids.
 */
export const EVOLUTION_RULES = [
  { id: 'duplicate-number', meaning: 'an hvmmem number has more than one name (or entry) at one interface version' },
  { id: 'duplicate-name', meaning: 'an hvmmem name is given to more than one number at one interface version' },
  { id: 'value-removed', meaning: 'an hvmmem number present in the base is missing' },
  { id: 'name-removed', meaning: 'an hvmmem name that resolved at some interface version in the base no longer resolves there' },
  { id: 'old-name-broken', meaning: 'an hvmmem name that resolved at some interface version in the base now resolves to another number there' },
  { id: 'meaning-changed', meaning: "an hvmmem number's semantics tag changed without burning the number" },
  { id: 'burnt-reused', meaning: 'an hvmmem number burnt in the base gets a non-placeholder name' },
  { id: 'burnt-not-rejected', meaning: 'a burnt hvmmem number is still accepted by some release from the burn on' },
  { id: 'accept-tightened', meaning: 'a new release accepts an hvmmem number (same semantics) with more requirements, or no longer accepts it' },
  { id: 'reserved-not-append-only', meaning: 'an op, hypercall, constant, errno or release was removed, renamed or renumbered' },
  { id: 'struct-layout-changed', meaning: "a struct's (or bit pack's) size, alignment, offsets or field sizes changed for a release" },
  { id: 'snapshot-edited', meaning: 'a released snapshot (or its manifest line) no longer matches what was released' },
  { id: 'snapshot-removed', meaning: 'a snapshot listed in the manifest is missing' },
  { id: 'snapshot-unlisted', meaning: 'a snapshot file has no line in the manifest' },
  { id: 'snapshot-misnamed', meaning: 'a file in the snapshot folder does not follow the naming scheme' },
] as const satisfies readonly { id: string; meaning: string }[];

export type EvolutionRuleId = (typeof EVOLUTION_RULES)[number]['id'];

export interface EvolutionFinding {
  /** Stable rule id (see EVOLUTION_RULES). */
  rule: EvolutionRuleId;
  /** 'exception' when `schema.exceptions` records this change deliberately; it does not fail the check. */
  severity: 'violation' | 'exception';
  /** What the finding is about, e.g. "hvmmem value 3", "DMOP 12", "struct xen_dm_op_set_mem_type". */
  subject: string;
  /** What is wrong and how to fix it. */
  message: string;
  /** The recorded exception, for severity 'exception'. */
  exception?: {
    /** Why the change is deliberate, copied from the matching `schema.exceptions` entry. */
    reason: string;
  };
}

/**
 * A finding as a rule produces it, before `schema.exceptions` is consulted. Rules about one hvmmem number at one
 * release carry both, so that an exception `{ rule, value, release }` can match them.
 */
export interface RuleFinding {
  rule: EvolutionRuleId;
  subject: string;
  /** What is wrong. */
  message: string;
  /** How to fix it (left out when an exception allows the change). */
  fix: string;
  value?: number;
  release?: ReleaseName;
}

/** Orders findings by the catalogue, keeping each rule's own order. */
export function sortByRule<T extends { rule: EvolutionRuleId }>(findings: readonly T[]): T[] {
  const rank = new Map<string, number>(EVOLUTION_RULES.map((r, i) => [r.id, i]));
  return findings
    .map((f, i) => ({ f, i }))
    .sort((a, b) => (rank.get(a.f.rule) ?? 0) - (rank.get(b.f.rule) ?? 0) || a.i - b.i)
    .map(({ f }) => f);
}
