/** Python text: literals and the frame of every generated module (marker, module docstring, imports). */
import { generatedMarker, type GeneratedFile } from '../header.js';

export const PY_DIR = 'bindings/python';
export const PY_PACKAGE = 'xenmem_abi';

/** A Python string literal (JSON's escapes are all valid Python escapes). */
export const pyStr = (text: string): string => JSON.stringify(text);

/** An integer as Python source: decimal below 2^16, hex above. */
export function pyInt(v: number | bigint): string {
  const b = BigInt(v);
  return b < 0x10000n ? b.toString() : `0x${b.toString(16)}`;
}

/** A Python file under bindings/python: the marker, a docstring, `from __future__ import annotations`, imports. */
export function pyFile(path: string, docstring: string, imports: readonly string[], body: readonly string[]): GeneratedFile {
  const head = [generatedMarker('python', 'python'), `"""${docstring}"""`, '', 'from __future__ import annotations', '', ...imports];
  if (imports.length > 0) head.push('');
  const text = [...head, '', ...body].join('\n').replace(/\n{3,}(?=\S)/g, '\n\n\n').replace(/\n+$/, '');
  return { path: `${PY_DIR}/${path}`, contents: `${text}\n` };
}
