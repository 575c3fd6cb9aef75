/**
 * What every section of the Rust module is generated from: the schema, its releases in order, and the
 * registry of module-level item names that keeps two schema entries from defining the same Rust item.
 */

import type { ReleaseName, XenAbiSchema } from '@xenmem/schema';

/**
 * Names of items at module level. Xen's own names go into one Rust namespace here, so a schema that gave
 * two things the same C name (or one that clashes with a helper of this file) fails generation, not rustc.
 */
export class ItemNames {
  private readonly owners = new Map<string, string>();
  claim(name: string, owner: string): string {
    const prev = this.owners.get(name);
    if (prev !== undefined) throw new Error(`Rust item "${name}" would be defined twice: by ${prev} and by ${owner}`);
    this.owners.set(name, owner);
    return name;
  }
}

/** What every section needs: the schema, its releases in order, and the item-name registry. */
export interface Ctx {
  s: XenAbiSchema;
  releases: ReleaseName[];
  newest: ReleaseName;
  items: ItemNames;
}
