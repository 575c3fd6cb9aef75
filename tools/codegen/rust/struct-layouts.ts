/**
 * Struct layouts as planned for Rust: the shapes of a planned `#[repr(C)]` struct, its fields and its
 * union, and `StructLayouts`, which names every layout of every struct (the newest keeps Xen's name, older
 * ones get `_<from>`) and plans each once.
 */

import type { Field, ReleaseName, Struct } from '@xenmem/schema';
import { compareReleases, formatRange, releasesIn } from '@xenmem/schema';
import type { Ctx } from './context.js';
import { planStruct } from './struct-plan.js';

/** One member of a bit-field storage unit: a C bit-field, or a plain field the unit overlaps. */
export interface BitMember {
  field: Field;
  /** Bit position inside the storage integer (little-endian: byte k holds bits 8k … 8k+7). */
  shift: number;
  width: number;
  rust: string;
}

/** One field of the Rust struct. */
export type RustField =
  | { kind: 'plain'; field: Field; name: string; rust: string; offset: number; size: number; alignMin: number; alignMax: number; zero: string }
  | { kind: 'bits'; name: string; rust: string; offset: number; size: number; members: BitMember[] }
  | { kind: 'pad'; name: string; offset: number; size: number };

/** A struct of the schema, planned as a Rust `#[repr(C)]` struct. */
export interface StructPlan {
  struct: Struct;
  rustName: string;
  schemaPath: string;
  fields: RustField[];
  /** `align(N)` to add to `repr(C)`, when the fields alone would align less on some target. */
  forceAlign: number | undefined;
  /** Unions have no PartialEq/Eq/Hash, so neither do the structs that hold one. */
  holdsUnion: boolean;
  /** The union type this struct defines for a `union` field, if any. */
  union?: UnionPlan;
}

export interface UnionPlan {
  rustName: string;
  size: number;
  /** Alignment on every target: the largest of the members' (each forced to the schema's). */
  align: number;
  members: { name: string; rust: string; doc: string[]; size: number; align: number }[];
  /** The member `ZERO` initialises: one that spans the whole union, so no byte is left undefined. */
  zeroMember: string;
}

/** Structs by name and release: the newest layout of a name keeps Xen's name, older ones get `_<from>`. */
export class StructLayouts {
  readonly plans: StructPlan[] = [];
  private readonly byName = new Map<string, Struct[]>();
  constructor(private readonly ctx: Ctx) {
    for (const st of ctx.s.structs) this.byName.set(st.name, [...(this.byName.get(st.name) ?? []), st]);
    for (const variants of this.byName.values()) variants.sort((a, b) => compareReleases(a.releases.from, b.releases.from));
  }

  rustName(st: Struct): string {
    const variants = this.byName.get(st.name)!;
    return variants[variants.length - 1] === st ? st.name : `${st.name}_${st.releases.from.replace('.', '_')}`;
  }

  schemaPath(st: Struct): string {
    return this.byName.get(st.name)!.length > 1 ? `structs[name=${st.name}, releases=${formatRange(st.releases)}]` : `structs[name=${st.name}]`;
  }

  /** The newest layout of `name`. */
  latest(name: string): StructPlan | undefined {
    const variants = this.byName.get(name);
    const st = variants?.[variants.length - 1];
    return st && this.plan(st);
  }

  /** The layout of `name` that holds at `release`, else the newest. */
  at(name: string, release: ReleaseName): StructPlan | undefined {
    const variants = this.byName.get(name) ?? [];
    const st = variants.find((v) => releasesIn(this.ctx.s, v.releases).includes(release)) ?? variants[variants.length - 1];
    return st && this.plan(st);
  }

  plan(st: Struct): StructPlan {
    const done = this.plans.find((p) => p.struct === st);
    return done ?? planStruct(this.ctx, this, st);
  }

  /**
   * Every struct, in name order (code-unit order, not the locale's, so every machine writes the same file).
   * A struct is planned after the structs it holds, so `plans` lists those first.
   */
  planAll(): StructPlan[] {
    const byName = (a: Struct, b: Struct) => (a.name < b.name ? -1 : a.name > b.name ? 1 : compareReleases(a.releases.from, b.releases.from));
    for (const st of [...this.ctx.s.structs].sort(byName)) this.plan(st);
    return this.plans;
  }
}
