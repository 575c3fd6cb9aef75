/**
 * A built-in target generated from the shipped schema at one interface version (what `xenmem gen --target T
 * --iface V` writes), for the binding tests to build and run like the committed output.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadSchemaFile } from '@xenmem/schema';
import { findTarget, generateTarget, type TargetName } from '../targets.js';

/** Writes target `name` at `iface` into `out` (created); returns `out`. */
export function writeTargetAt(repo: string, name: TargetName, iface: number, out: string): string {
  const loaded = loadSchemaFile(join(repo, 'schema/xen-abi.json'));
  if (!loaded.ok) throw new Error('the shipped schema does not load');
  for (const f of generateTarget(findTarget(name)!, loaded.schema, iface)) {
    mkdirSync(dirname(join(out, f.path)), { recursive: true });
    writeFileSync(join(out, f.path), f.contents);
  }
  return out;
}
