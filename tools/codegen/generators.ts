import type { XenAbiSchema } from '@xenmem/schema';
import type { GeneratedFile } from './header.js';
import { generateTypeScript } from './ts.js';

/** Every generator, in output order. Each takes the validated schema and returns whole files. */
export const GENERATORS: ReadonlyArray<(schema: XenAbiSchema) => GeneratedFile[]> = [generateTypeScript];
