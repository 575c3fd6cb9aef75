/**
 * The whole `xenmem abi check` over files: the snapshots are intact, and the schema file may follow the base
 * (the newest snapshot, or a file given with --base). The CLI only prints what this returns and picks the exit
 * code: 2 when `usable` is false, 1 when `ok` is false, else 0.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DATA_DIR } from '../paths.js';
import type { XenAbiSchema } from '../types.js';
import type { SchemaProblem } from '../validate.js';
import { checkEvolution, type EvolutionReport } from './check.js';
import { checkSnapshots, newestSnapshot, RELEASED_DIR, type SnapshotCheck } from './snapshots.js';

/** schema/xen-abi.json of this checkout, or the copy shipped in the package (see ../paths.ts). */
export const SCHEMA_FILE = join(DATA_DIR, 'xen-abi.json');

/** Options of {@link checkAbi}: the schema, the base snapshot and the released folder. */
export interface AbiCheckOptions {
  /** The schema to check (default: schema/xen-abi.json). */
  schemaPath?: string;
  /** The released snapshots (default: schema/released/). */
  releasedDir?: string;
  /** Compare with this file instead of the newest snapshot. */
  basePath?: string;
  /** Compare snapshots with git history too (default: true; skipped outside a git checkout). */
  git?: boolean;
}

/** The result of {@link checkAbi}: the evolution report and any problems loading the schemas. */
export interface AbiCheckResult {
  /** True when the snapshots are intact and the evolution report is ok. */
  ok: boolean;
  /** False when an input could not be read or validated: nothing was really checked. */
  usable: boolean;
  /** The base compared with, if one was found. */
  basePath: string | undefined;
  /**
   * Whether the released snapshots under schema/released/ still match their manifest (and git history, when
   * checked).
   */
  snapshots: SnapshotCheck;
  /** The evolution report: the working schema compared with `basePath`. */
  report: EvolutionReport;
}

type Read = { ok: true; doc: unknown } | { ok: false; problems: SchemaProblem[] };

/** Reads and parses a JSON file; validation is the checker's job (it reports duplicates as rule findings). */
function readJson(path: string): Read {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    return { ok: false, problems: [{ path: '', message: `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}` }] };
  }
  try {
    return { ok: true, doc: JSON.parse(text) as unknown };
  } catch (err) {
    return { ok: false, problems: [{ path: '', message: `${path} is not JSON: ${(err as Error).message}` }] };
  }
}

function unusable(base: SchemaProblem[], next: SchemaProblem[]): EvolutionReport {
  return { ok: false, usable: false, problems: { base, next }, findings: [] };
}

/** Checks the current schema against the newest released snapshot (or a given base) under the evolution rules. */
export function checkAbi(options: AbiCheckOptions = {}): AbiCheckResult {
  const releasedDir = options.releasedDir ?? RELEASED_DIR;
  const schemaPath = options.schemaPath ?? SCHEMA_FILE;
  const snapshots = checkSnapshots(releasedDir, options.git === undefined ? {} : { git: options.git });
  const basePath = options.basePath ?? newestSnapshot(releasedDir)?.path;

  let report: EvolutionReport;
  const next = readJson(schemaPath);
  if (basePath === undefined) {
    report = unusable([{ path: '', message: `no released snapshot in ${releasedDir}; take one (writeSnapshot) or pass a base file` }], next.ok ? [] : next.problems);
  } else {
    const base = readJson(basePath);
    report = base.ok && next.ok ? checkEvolution(base.doc as XenAbiSchema, next.doc as XenAbiSchema) : unusable(base.ok ? [] : base.problems, next.ok ? [] : next.problems);
  }
  return { ok: snapshots.ok && report.ok, usable: report.usable, basePath, snapshots, report };
}
