/**
 * `xenmem abi check [--base OLD.json] [NEW.json] [--json]`: the schema against the ABI evolution rules.
 * The base is the newest snapshot in schema/released/ unless --base names one. Exit 0 clean (recorded
 * exceptions are shown, not failed), 1 on a violation or an edited snapshot, 2 on unusable input.
 */
import { resolve } from 'node:path';
import { checkAbi } from '@xenmem/schema';
import type { CommandOptions } from '../argv.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, type Io } from '../io.js';
import { printJson } from '../output.js';

export type AbiCheckOptions = CommandOptions<'abi check'>;

/**
 * Findings that differ only in their subject and numbers (one removal can break the same rule for dozens of
 * names) are one group, in the order their first member came.
 */
function groupFindings<F extends { severity: string; rule: string; subject: string; message: string; exception?: unknown }>(findings: readonly F[]): F[][] {
  const groups = new Map<string, F[]>();
  for (const f of findings) {
    const shape = f.message.split(f.subject).join('…').replace(/0x[0-9a-f]+|\d+/gi, 'N');
    const key = `${f.severity}|${f.rule}|${f.exception ? JSON.stringify(f.exception) : ''}|${shape}`;
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  return [...groups.values()];
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
      io.err('xenmem abi check: unusable input\n');
      for (const [which, problems] of Object.entries(report.problems)) for (const p of problems) io.err(`  ${which}: ${p.path || '(document)'}: ${p.message}\n`);
    }
    const violations = findings.filter((f) => f.severity === 'violation').length;
    const verdict = `${violations} violation${violations === 1 ? '' : 's'}, ${findings.length - violations} recorded exception${findings.length - violations === 1 ? '' : 's'}`;
    const groups = groupFindings(findings);
    if (groups.length < findings.length) io.out(`${verdict} in ${groups.length} group${groups.length === 1 ? '' : 's'} of near-identical findings:\n`);
    for (const g of groups) {
      const f = g[0]!;
      const tag = f.severity === 'exception' ? 'exception' : 'violation';
      io.out(`${tag} [${f.rule}] ${f.subject}: ${f.message}\n`);
      if (g.length > 1) io.out(`  and ${g.length - 1} more alike: ${g.slice(1).map((x) => x.subject).join(', ')}\n`);
      if (f.exception) io.out(`  recorded reason: ${f.exception.reason}\n`);
    }
    if (result.usable) io.out(`${violations === 0 ? 'ok' : 'FAILED'}: checked against ${result.basePath}; ${verdict}\n`);
  }
  return !result.usable ? EXIT_USAGE : result.ok ? EXIT_OK : EXIT_FAILURE;
}
