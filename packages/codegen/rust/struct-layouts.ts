/**
 * `StructLayouts`, which names every layout of every struct (the newest keeps Xen's name, older ones get
 * `_<from>`) and plans each once (struct-plan.ts; the planned shapes are in struct-shapes.ts).
 */

import type { ReleaseName, Struct } from '@xenmem/schema';
import { compareReleases, formatRange, releasesIn } from '@xenmem/schema';
import type { Ctx } from './context.js';
import { planStruct } from './struct-plan.js';
import type { LayoutLookup, StructPlan } from './struct-shapes.js';

/** Structs by name and release: the newest layout of a name keeps Xen's name, older ones get `_<from>`. */
export class StructLayouts implements LayoutLookup {
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
