/** The Python project around package xenmem_abi: pyproject.toml, the package's __init__.py and py.typed. */
import type { XenAbiSchema } from '@xenmem/schema';
import { newestRelease, releaseNames } from '@xenmem/schema';
import { generatedMarker, type GeneratedFile } from '../header.js';
import { PY_DIR, PY_PACKAGE, pyFile } from './text.js';

/** What each module of the package exports, for __init__.py. */
export interface PyModule {
  module: string;
  names: string[];
}

export function pyProject(schema: XenAbiSchema, modules: readonly PyModule[]): GeneratedFile[] {
  const releases = releaseNames(schema);
  const pyproject = [
    generatedMarker('python', 'toml'),
    '[build-system]',
    'requires = ["setuptools>=61"]',
    'build-backend = "setuptools.build_meta"',
    '',
    '[project]',
    'name = "xenmem-abi"',
    'version = "0.1.0"',
    `description = "Xen's HVM memory-type ABI (Xen ${releases[0]} to ${newestRelease(schema)}) as Python data and byte-exact struct codecs"`,
    'requires-python = ">=3.9"',
    'dependencies = []',
    'license = { text = "MIT" }',
    '',
    '[tool.setuptools]',
    `packages = ["${PY_PACKAGE}"]`,
    '',
    '[tool.setuptools.package-data]',
    `${PY_PACKAGE} = ["py.typed"]`,
    '',
    '[tool.pytest.ini_options]',
    'testpaths = ["tests"]',
    'pythonpath = ["."]',
    '',
    '[tool.mypy]',
    'strict = true',
    '',
  ].join('\n');
  const all = modules.flatMap((m) => m.names).sort();
  const init = pyFile(
    `${PY_PACKAGE}/__init__.py`,
    `Xen's HVM memory-type ABI for Xen ${releases[0]} to ${newestRelease(schema)}: hvmmem names per interface version, what each
release does with each hvmmem number, HVMOP/DMOP numbers, constants, errno values, limits, and byte-exact
little-endian codecs (pack/unpack) for the dm_op structs, the HVMOP arguments, ioreq and buf_ioreq.`,
    modules.map((m) => `from .${m.module} import (\n${m.names.map((n) => `    ${n},`).join('\n')}\n)`),
    ['__all__ = [', ...all.map((n) => `    "${n}",`), ']'],
  );
  return [{ path: `${PY_DIR}/pyproject.toml`, contents: pyproject }, init, { path: `${PY_DIR}/${PY_PACKAGE}/py.typed`, contents: '' }];
}
