/**
 * Python generator: bindings/python, a pure-Python package xenmem_abi (3.9+, no dependencies) with its
 * pyproject.toml and pytest tests.
 *
 * One file per module: releases.ts (releases, errno, limits), hvmmem.ts (names per interface version, the
 * era IntEnums, verdicts per release), ops.ts, constants.ts, structs.ts (dataclass codecs), project.ts
 * (pyproject.toml, __init__.py, py.typed) and tests.ts. text.ts writes Python text.
 */
import type { XenAbiSchema } from '@xenmem/schema';
import type { GeneratedFile } from '../header.js';
import { pyConstants } from './constants.js';
import { pyHvmmem } from './hvmmem.js';
import { pyOps } from './ops.js';
import { pyProject } from './project.js';
import { pyReleases } from './releases.js';
import { pyStructs } from './structs.js';
import { pyTests } from './tests.js';

export { PY_DIR } from './text.js';

export function generatePython(schema: XenAbiSchema): GeneratedFile[] {
  const modules = [pyReleases(schema), pyHvmmem(schema), pyOps(schema), pyConstants(schema), pyStructs(schema)];
  return [...pyProject(schema, modules.map((m) => m.exports)), ...modules.map((m) => m.file), ...pyTests(schema)];
}
