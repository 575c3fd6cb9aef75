/**
 * `xenmem abi check [--base OLD.json] [NEW.json] [--json]`: the schema against the ABI evolution rules.
 * The base is the newest snapshot in schema/released/ unless --base names one. Exit 0 clean (recorded
 * exceptions are shown, not failed), 1 on a violation or an edited snapshot, 2 on unusable input.
 */
import { resolve } from 'node:path';
import { checkAbi } from '@xenmem/schema';
import type { CommandOptions } from '../parsed.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, type Io } from '../io.js';
import { printJson } from '../output.js';

export type AbiCheckOptions = CommandOptions<'abi check'>;

/** Items whose `key` is the same are one group, in the order their first member came. */
function groupBy<T>(items: readonly T[], key: (item: T) => string): T[][] {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return [...groups.values()];
}

/** Indices in a JSON path and numbers in a sentence, blanked: what near-identical lines share. */
const shape = (text: string) => text.replace(/0x[0-9a-f]+|\d+/gi, 'N');

/**
 * A finding's sentence with what names its subject blanked: the subject's own words (`EPERM` of "errno EPERM"),
 * C names (`XEN_DMOP_create_ioreq_server`) and numbers. Findings of one rule whose sentences then agree broke
 * the rule the same way, each for another name (every errno renumbered, every DMOP renamed).
 */
function findingShape(message: string, subject: string): string {
  const words = subject.split(/\s+/).filter((w) => w.length > 1 && !/^\d+$/.test(w));
  const cNames = message.replace(/\b[A-Za-z][A-Za-z0-9]*_[A-Za-z0-9_]+\b/g, 'NAME');
  return shape(words.reduce((text, w) => text.split(w).join('…'), cNames));
}

/** `a, b, c` or, for a long list, its first and last with the count between. */
function places(items: readonly string[]): string {
  return items.length <= 4 ? items.join(', ') : `${items.slice(0, 2).join(', ')}, … ${items.length - 3} more …, ${items[items.length - 1]}`;
}

export function runAbiCheck(opts: AbiCheckOptions, io: Io): number {
  const result = checkAbi({
    ...(opts.next !== undefined && { schemaPath: resolve(opts.next) }),
    ...(opts.base !== undefined && { basePath: resolve(opts.base) }),
  });
  const { report, snapshots } = result;
  const findings = [...snapshots.findings, ...report.findings];
  if (opts.json) {
    printJson(io, { ok: result.ok, usable: result.usable, base: result.basePath ?? null, problems: report.problems, findings });
  } else {
    if (!result.usable) {
      // One removal can leave dozens of references dangling: problems alike but for their indices are one line.
      const all = Object.entries(report.problems).flatMap(([which, problems]) => problems.map((p) => ({ which, path: p.path || '(document)', message: p.message })));
      const groups = groupBy(all, (p) => `${p.which}|${shape(p.path)}|${p.message}`);
      io.err(`xenmem abi check: unusable input: ${all.length} problem${all.length === 1 ? '' : 's'}${groups.length < all.length ? ` in ${groups.length} group${groups.length === 1 ? '' : 's'}` : ''}\n`);
      for (const g of groups) {
        const p = g[0]!;
        io.err(g.length === 1 ? `  ${p.which}: ${p.path}: ${p.message}\n` : `  ${p.which}: ${p.message} (${g.length} places: ${places(g.map((x) => x.path))})\n`);
      }
    }
    const violations = findings.filter((f) => f.severity === 'violation').length;
    const verdict = `${violations} violation${violations === 1 ? '' : 's'}, ${findings.length - violations} recorded exception${findings.length - violations === 1 ? '' : 's'}`;
    // Findings that differ only in their subject and numbers (the same rule broken for many names) are one group.
    const groups = groupBy(findings, (f) => `${f.severity}|${f.rule}|${f.exception ? JSON.stringify(f.exception) : ''}|${findingShape(f.message, f.subject)}`);
    if (groups.length < findings.length) io.out(`${verdict} in ${groups.length} group${groups.length === 1 ? '' : 's'} of near-identical findings:\n`);
    for (const g of groups) {
      const f = g[0]!;
      const tag = f.severity === 'exception' ? 'exception' : 'violation';
      io.out(`${tag} [${f.rule}] ${f.subject}: ${f.message}\n`);
      if (g.length > 1) io.out(`  and ${g.length - 1} more alike: ${places(g.slice(1).map((x) => x.subject))}\n`);
      if (f.exception) io.out(`  recorded reason: ${f.exception.reason}\n`);
    }
    if (result.usable) io.out(`${violations === 0 ? 'ok' : 'FAILED'}: checked against ${result.basePath}; ${verdict}\n`);
  }
  return !result.usable ? EXIT_USAGE : result.ok ? EXIT_OK : EXIT_FAILURE;
}
