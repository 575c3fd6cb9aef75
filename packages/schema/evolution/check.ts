/**
 * checkEvolution: may `next` follow `base` (a released snapshot) without breaking Xen's ABI?
 *
 * Both inputs are validated first. Input that fails validation is unusable and reported as such (the CLI exits 2
 * for it); the rules run only on usable input. The one overlap is uniqueness: duplicate numbers and names fail
 * validateSchema too, but they are evolution mistakes with rule ids, so the checker reports them as findings and
 * does not count them against usability.
 *
 * A finding that `next.exceptions` records ({ rule, value, release }) is reported with severity 'exception' and
 * its reason, and does not fail the check: Xen 4.9 tightened what 4 (ioreq_server) accepts and kept the number.
 */
import type { SchemaProblem } from '../validate.js';
import { validateSchema } from '../validate.js';
import type { XenAbiSchema } from '../types.js';
import { checkDuplicates } from './duplicates.js';
import { checkAcceptTightened, checkBurntRejected } from './hvmmem-acceptance.js';
import { checkHvmmemNames } from './hvmmem-names.js';
import { checkLayouts } from './layouts.js';
import { checkReserved } from './reserved.js';
import { sortByRule, type EvolutionFinding, type RuleFinding } from './rules.js';

/** What changed between two schemas and which changes break the evolution rules. */
export interface EvolutionReport {
  /** True when both inputs are usable and no finding is a violation. */
  ok: boolean;
  /** False when either input failed validation (apart from the duplicates reported as findings). */
  usable: boolean;
  /** Validation problems that make an input unusable, with JSON paths. */
  problems: {
    /** Problems of the base (the released snapshot). */
    base: SchemaProblem[];
    /** Problems of the schema being checked. */
    next: SchemaProblem[];
  };
  /** Every rule finding, violations and recorded exceptions, in EVOLUTION_RULES order. */
  findings: EvolutionFinding[];
}

/**
 * validateSchema's uniqueness checks for hvmmem report at exactly these paths (`hvmmemTypes`,
 * `hvmmemTypes[i]`, `hvmmemTypes[i].names`); the duplicate rules cover them.
 */
const DUPLICATE_PROBLEM_PATH = /^hvmmemTypes(\[\d+\](\.names)?)?$/;

function applyExceptions(findings: readonly RuleFinding[], next: XenAbiSchema): EvolutionFinding[] {
  return findings.map(({ rule, subject, message, fix, value, release }): EvolutionFinding => {
    const exception = next.exceptions.find((e) => e.rule === rule && e.value === value && e.release === release);
    return exception
      ? { rule, severity: 'exception', subject, message: `${message} Allowed: schema.exceptions records it as deliberate.`, exception: { reason: exception.reason } }
      : { rule, severity: 'violation', subject, message: `${message} ${fix}` };
  });
}

/** Compares two schemas under the evolution rules. */
export function checkEvolution(base: XenAbiSchema, next: XenAbiSchema): EvolutionReport {
  const baseResult = validateSchema(base);
  const nextResult = validateSchema(next);
  const baseProblems = baseResult.ok ? [] : baseResult.problems;
  let nextProblems = nextResult.ok ? [] : nextResult.problems;

  // Duplicate problems come from validateSchema's cross-checks, which run only once the shape is right, so the
  // hvmmem data is safe to read whenever they appear.
  const shapeOk = nextResult.ok || nextProblems.some((p) => DUPLICATE_PROBLEM_PATH.test(p.path));
  const duplicates = shapeOk ? checkDuplicates(next) : [];
  if (duplicates.length) nextProblems = nextProblems.filter((p) => !DUPLICATE_PROBLEM_PATH.test(p.path));

  const usable = baseProblems.length === 0 && nextProblems.length === 0;
  const raw: RuleFinding[] = [...duplicates];
  if (usable) {
    raw.push(
      ...checkHvmmemNames(base, next),
      ...checkBurntRejected(next),
      ...checkAcceptTightened(base, next),
      ...checkReserved(base, next),
      ...checkLayouts(base, next),
    );
  }
  const findings = sortByRule(applyExceptions(raw, next));
  return {
    ok: usable && findings.every((f) => f.severity !== 'violation'),
    usable,
    problems: { base: baseProblems, next: nextProblems },
    findings,
  };
}
