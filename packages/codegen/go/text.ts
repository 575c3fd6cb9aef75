/**
 * Go text: string literals, value literals and the frame of every generated .go file (the generated
 * marker, the package clause, the imports). Output is laid out as gofmt would leave it: no aligned
 * columns are needed because every table row is one line and every comment sits on its own line.
 */
import { generatedMarker, type GeneratedFile } from '../header.js';

export const GO_DIR = 'bindings/go';
export const GO_PACKAGE = 'xenabi';

/** A Go interpreted string literal (JSON's escapes are all valid Go escapes). */
export const goStr = (text: string): string => JSON.stringify(text);

/** An unsigned integer as Go source: decimal below 2^16, hex above. */
export function goUint(v: number | bigint): string {
  const b = BigInt(v);
  return b < 0x10000n ? b.toString() : `0x${b.toString(16)}`;
}

/** A comment block: each line of `text` prefixed by `// `. */
export const goDoc = (text: string): string[] => text.split('\n').map((l) => (l === '' ? '//' : `// ${l}`));

/** One .go file of package xenabi under bindings/go; `packageDoc` is the package's doc comment, in one file. */
export function goFile(name: string, imports: readonly string[], body: readonly string[], packageDoc: readonly string[] = []): GeneratedFile {
  const head = [generatedMarker('go', 'go'), '', ...packageDoc, `package ${GO_PACKAGE}`, ''];
  if (imports.length === 1) head.push(`import ${goStr(imports[0]!)}`, '');
  else if (imports.length > 1) head.push('import (', ...[...imports].sort().map((i) => `\t${goStr(i)}`), ')', '');
  return { path: `${GO_DIR}/${name}`, contents: `${[...head, ...body].join('\n').replace(/\n+$/, '')}\n` };
}
