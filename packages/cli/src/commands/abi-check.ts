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
    for (const f of findings) {
      const tag = f.severity === 'exception' ? 'exception' : 'violation';
      io.out(`${tag} [${f.rule}] ${f.subject}: ${f.message}\n`);
      if (f.exception) io.out(`  recorded reason: ${f.exception.reason}\n`);
    }
    if (result.usable) {
      const violations = findings.filter((f) => f.severity === 'violation').length;
      io.out(`${violations === 0 ? 'ok' : 'FAILED'}: checked against ${result.basePath}; ${violations} violation${violations === 1 ? '' : 's'}, ${findings.length - violations} recorded exception${findings.length - violations === 1 ? '' : 's'}\n`);
    }
  }
  return !result.usable ? EXIT_USAGE : result.ok ? EXIT_OK : EXIT_FAILURE;
}
