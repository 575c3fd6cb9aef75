/**
 * Rust generator: packages/abi-types/rust/src/generated.rs, the tables and layouts of the `xenmem-abi` crate.
 *
 * Everything the crate knows about Xen is written here from the schema: releases, errno, hvmmem names per
 * interface version and what each release does with each number, op numbers, constants, `#[repr(C)]`
 * structs with compile-time size/offset/align checks, and the per-release p2m behaviour (type names,
 * classes, transitions, the get_mem_type projection). Names are Xen's own (`HVMMEM_unused`,
 * `XEN_DMOP_set_mem_type`, `xen_dm_op_set_mem_type`) so a reader of Xen's headers recognises them.
 * Rules are emitted as data (tables), never as logic: the lookups over them (`hvmmem_acceptance`,
 * `p2m_transition`, `get_mem_type`, the name lookups) are hand-written in the crate (src/hvmmem.rs, src/p2m.rs),
 * as the TS runtime's are over its generated tables, and their names are reserved here. The file ends with a
 * test module generated from the same schema, so `cargo test` checks the tables and the hand-written lookups
 * against the data they came from. The hand-written lib.rs re-exports both and adds helpers.
 *
 * Every problem the Rust output could not represent faithfully (a field repr(C) cannot place, a union
 * whose members do not fill it, a get_mem_type step naming a class not recorded at a release) throws:
 * a generator that guessed would hide a schema mistake behind a compile error or, worse, a wrong table.
 *
 * One file per part of the module, in output order: shared-types.ts (module head and the types every
 * section uses), releases.ts, errno.ts, hvmmem.ts, p2m.ts (with p2m-masks.ts, transitions.ts and
 * get-mem-type.ts), ops.ts, constants.ts (constant groups and bit packs), limits.ts, structs.ts (planned
 * by struct-layouts.ts, struct-plan.ts and bit-fields.ts over the shapes in struct-shapes.ts) and test-module.ts. text.ts writes Rust text,
 * exprs.ts writes schema values as Rust expressions, and context.ts holds what every section reads.
 */

import type { XenAbiSchema } from '@xenmem/schema';
import { newestRelease, releaseNames } from '@xenmem/schema';
import type { GeneratedFile } from '../header.js';
import { constantsSection, bitPacksSection } from './constants.js';
import { ItemNames, type Ctx } from './context.js';
import { errnoSection } from './errno.js';
import { hvmmemSection } from './hvmmem.js';
import { limitsSection } from './limits.js';
import { opsSection } from './ops.js';
import { p2mSection } from './p2m.js';
import { releasesSection } from './releases.js';
import { moduleHead } from './shared-types.js';
import { StructLayouts } from './struct-layouts.js';
import { structsSection } from './structs.js';
import { testsSection } from './test-module.js';

export { evaluateGetMemType } from './get-mem-type.js';
export { rustIdent, rustStr } from './text.js';

export const RUST_OUT = 'packages/abi-types/rust/src/generated.rs';

/** The Rust crate's generated module, from a validated schema. */
export function generateRust(schema: XenAbiSchema): GeneratedFile[] {
  const releases = releaseNames(schema);
  const ctx: Ctx = { s: schema, releases, newest: newestRelease(schema), items: new ItemNames() };
  for (const n of ['ReleaseRange', 'IfaceRange', 'Visibility', 'Arch']) ctx.items.claim(n, 'the shared types');
  const layouts = new StructLayouts(ctx);
  const structs = structsSection(ctx, layouts);
  const lines = [
    ...moduleHead(ctx),
    ...releasesSection(ctx),
    ...errnoSection(ctx),
    ...hvmmemSection(ctx),
    ...p2mSection(ctx),
    ...opsSection(ctx, layouts),
    ...constantsSection(ctx),
    ...bitPacksSection(ctx),
    ...limitsSection(ctx),
    ...structs,
    ...testsSection(ctx, layouts),
  ];
  return [{ path: RUST_OUT, contents: `${lines.join('\n')}\n` }];
}
