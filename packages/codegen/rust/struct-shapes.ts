/**
 * The shapes of a struct planned as a Rust `#[repr(C)]` struct: its fields (plain, bit-field storage,
 * padding) and its union, and what planning one struct asks of the layouts planned so far. Types only,
 * shared by the planner (struct-plan.ts, bit-fields.ts), the layouts (struct-layouts.ts) and the writers.
 */

import type { Field, ReleaseName, Struct } from '@xenmem/schema';

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

/** What planning one struct asks of the layouts planned so far (`StructLayouts` in struct-layouts.ts). */
export interface LayoutLookup {
  /** Every layout planned so far; a plan is pushed here before its fields are planned. */
  readonly plans: StructPlan[];
  /** The Rust name of a layout: Xen's for the newest, `<name>_<from>` for older ones. */
  rustName(st: Struct): string;
  /** Where the layout is in the schema, for doc comments. */
  schemaPath(st: Struct): string;
  /** The newest layout of `name`. */
  latest(name: string): StructPlan | undefined;
  /** The layout of `name` that holds at `release`, else the newest. */
  at(name: string, release: ReleaseName): StructPlan | undefined;
}
