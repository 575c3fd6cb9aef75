import type { XenAbiSchema } from '@xenmem/schema';
import type { GeneratedFile } from './header.js';
import { TARGETS } from './targets.js';
import { generateVectors } from './vectors.js';
import { generateRustVectors } from './rust-vectors.js';

/**
 * Every generator `npm run codegen` runs over this repository: the built-in targets of `xenmem gen`, then the
 * cross-language test vectors (schema/vectors.json, and the Rust test that reads its copy). Each takes the
 * validated schema and returns whole files with repository paths.
 */
export const GENERATORS: ReadonlyArray<(schema: XenAbiSchema) => GeneratedFile[]> = [...TARGETS.map((t) => t.generate), generateRustVectors, generateVectors];
