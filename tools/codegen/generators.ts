import type { XenAbiSchema } from '@xenmem/schema';
import type { GeneratedFile } from './header.js';
import { generateTypeScript } from './ts.js';
import { generateC } from './c.js';
import { generateDocs } from './docs.js';
import { generateRust } from './rust/index.js';
import { generateGo } from './go/index.js';
import { generatePython } from './python/index.js';
import { generateVectors } from './vectors.js';
import { generateRustVectors } from './rust-vectors.js';

/** Every generator, in output order. Each takes the validated schema and returns whole files. */
export const GENERATORS: ReadonlyArray<(schema: XenAbiSchema) => GeneratedFile[]> = [generateTypeScript, generateC, generateRust, generateRustVectors, generateDocs, generateVectors, generateGo, generatePython];
