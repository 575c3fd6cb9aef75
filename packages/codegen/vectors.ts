/**
 * Vectors generator: schema/vectors.json, the golden bytes every binding's tests check its codecs against
 * (TS, Rust, C, Go and Python). The cases and their rule are in bindings/vector-cases.ts.
 */
import type { XenAbiSchema } from '@xenmem/schema';
import { formatRange } from '@xenmem/schema';
import { generatedMarker, type GeneratedFile } from './header.js';
import { codecLayouts } from './bindings/layouts.js';
import { VECTOR_RULE, hexOf, jsonValue, vectorCases } from './bindings/vector-cases.js';

export const VECTORS_OUT = 'schema/vectors.json';

/** The text of schema/vectors.json; the Go and Python targets ship the same bytes beside their tests. */
export function vectorsJson(schema: XenAbiSchema): string {
  const vectors = vectorCases(codecLayouts(schema)).map((c) => ({
    layout: c.layout.id,
    struct: c.layout.struct.name,
    releases: formatRange(c.layout.struct.releases),
    case: c.name,
    size: c.layout.struct.size,
    fields: Object.fromEntries(c.values.map(([f, v]) => [f.name, jsonValue(f, v)])),
    hex: hexOf(c.bytes),
  }));
  const doc = { generated: generatedMarker('vectors.ts', 'json'), rule: VECTOR_RULE, vectors };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

export function generateVectors(schema: XenAbiSchema): GeneratedFile[] {
  return [{ path: VECTORS_OUT, contents: vectorsJson(schema) }];
}
