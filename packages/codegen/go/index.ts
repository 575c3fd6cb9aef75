/**
 * Go generator: bindings/go, a Go module (no dependencies) with package xenabi.
 *
 * One file per part: module.ts (go.mod, the package doc), releases.ts (releases, errno, limits), hvmmem.ts
 * (names per interface version, verdicts per release), ops.ts, constants.ts, structs.ts (codecs) and tests.ts
 * (the package's _test.go files, from the same schema and the shared vectors). text.ts writes Go text.
 */
import type { XenAbiSchema } from '@xenmem/schema';
import type { GeneratedFile } from '../header.js';
import { goConstants } from './constants.js';
import { goHvmmem } from './hvmmem.js';
import { goModule } from './module.js';
import { goOps } from './ops.js';
import { goReleases } from './releases.js';
import { goStructs } from './structs.js';
import { goTests } from './tests.js';

export { GO_DIR } from './text.js';

export function generateGo(schema: XenAbiSchema): GeneratedFile[] {
  return [...goModule(schema), goReleases(schema), goHvmmem(schema), goOps(schema), goConstants(schema), ...goStructs(schema), ...goTests(schema)];
}
