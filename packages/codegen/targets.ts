/**
 * The built-in targets of `xenmem gen --target`: which generator writes each, and where its output sits in this
 * repository (the files are written under the user's --out directory with that prefix removed). With `--iface V`
 * every target runs over the schema resolved at V (at-iface.ts); the C target also pins its headers to V.
 */
import type { XenAbiSchema } from '@xenmem/schema';
import type { GeneratedFile } from './header.js';
import { generateTypeScript } from './ts.js';
import { generateC } from './c.js';
import { generateDocs } from './docs.js';
import { generateRust } from './rust/index.js';
import { generateGo } from './go/index.js';
import { generatePython } from './python/index.js';
import { schemaAtIface } from './at-iface.js';

/** A built-in target's name, as `--target` takes it. */
export type TargetName = 'c' | 'rust' | 'ts' | 'docs' | 'go' | 'python';

/** One built-in target. */
export interface Target {
  /** Its name, as `--target` takes it. */
  name: TargetName;
  /** What it writes, for help text and docs/codegen.md. */
  description: string;
  /** Where this repository commits its output (the generator's paths start with it); `xenmem gen --check` runs over it in the tests. */
  committedDir: string;
  /**
   * The generator: the validated schema to whole files, with repository paths under {@link Target.committedDir}.
   * `options.iface` is given when the schema was resolved at that interface version (`--iface`).
   */
  generate: (schema: XenAbiSchema, options?: TargetOptions) => GeneratedFile[];
}

/** What a target is told besides the schema. */
export interface TargetOptions {
  /** The interface version the schema was resolved at (`xenmem gen --iface`); absent: every version. */
  iface?: number;
}

/** The built-in targets, in the order help lists them. */
export const TARGETS: readonly Target[] = [
  { name: 'c', description: 'C headers (xenmem.h and one header per Xen header it mirrors)', committedDir: 'packages/abi-types/include/xenmem', generate: generateC },
  { name: 'rust', description: 'one Rust module, generated.rs (the tables of the xenmem-abi crate)', committedDir: 'packages/abi-types/rust/src', generate: generateRust },
  { name: 'ts', description: 'TypeScript modules (the tables of @xenmem/abi-types)', committedDir: 'packages/abi-types/src/generated', generate: generateTypeScript },
  { name: 'docs', description: 'Markdown reference pages of the ABI', committedDir: 'docs/abi', generate: generateDocs },
  { name: 'go', description: 'a Go module (go.mod) with package xenabi and its tests', committedDir: 'bindings/go', generate: generateGo },
  { name: 'python', description: 'a Python project (pyproject.toml) with package xenmem_abi and its tests', committedDir: 'bindings/python', generate: generatePython },
];

/** The target named `name`, or undefined. */
export function findTarget(name: string): Target | undefined {
  return TARGETS.find((t) => t.name === name);
}

/**
 * A target's files with paths relative to the output directory (its committed directory's prefix removed); with
 * `iface`, generated from the schema as a client compiled at that interface version sees it.
 */
export function generateTarget(target: Target, schema: XenAbiSchema, iface?: number): GeneratedFile[] {
  const prefix = `${target.committedDir}/`;
  const files = iface === undefined ? target.generate(schema) : target.generate(schemaAtIface(schema, iface), { iface });
  return files.map((f) => {
    if (!f.path.startsWith(prefix)) throw new Error(`generator of target ${target.name} wrote ${f.path}, outside ${target.committedDir}`);
    return { path: f.path.slice(prefix.length), contents: f.contents };
  });
}
