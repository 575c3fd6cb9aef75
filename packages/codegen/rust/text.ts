/**
 * Rust text: string literals, identifiers, and the rustdoc sentences every generated item carries.
 *
 * Schema prose becomes rustdoc markdown here, and every doc comment ends with the schema entry the item
 * comes from, so a reader of the crate can find the source of each symbol.
 */

import { formatIfaceHex } from '@xenmem/schema';

/** A Rust string literal. (JSON.stringify would emit `\uXXXX`, which Rust does not accept.) */
export function rustStr(text: string): string {
  let out = '"';
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\u{${code.toString(16)}}`;
    else out += ch;
  }
  return `${out}"`;
}

/**
 * Schema prose as rustdoc markdown: C identifiers (anything with an underscore) become code spans, and
 * the rest is escaped, since `buf[1]` would be read as a link and `<x>` as HTML.
 */
export function prose(text: string): string {
  return text
    .split(/([A-Za-z0-9_]*_[A-Za-z0-9_]*)/)
    .map((part, i) => (i % 2 === 1 ? `\`${part}\`` : part.replace(/([\\[\]<>`])/g, '\\$1')))
    .join('');
}

/** Markdown as a sentence: capital first letter, closing period. */
export function capital(markdown: string): string {
  const t = markdown.trim();
  if (t === '') return t;
  return (/^[a-z]/.test(t) ? t[0]!.toUpperCase() + t.slice(1) : t) + (/[.!?]$/.test(t) ? '' : '.');
}

/** Schema prose as a doc sentence: "ordinary RAM" → "Ordinary RAM." */
export function sentence(text: string): string {
  return capital(prose(text));
}

/**
 * Doc-comment lines: the given lines ('' makes a paragraph break), then the schema entry the item comes
 * from, so every generated symbol points back to its source.
 */
export function doc(indent: string, lines: string[], schemaPath: string): string[] {
  const body = lines.map((l) => (l === '' ? `${indent}///` : `${indent}/// ${l}`));
  return [...body, ...(lines.length ? [`${indent}///`] : []), `${indent}/// schema: \`${schemaPath}\``];
}

export const hex32 = (n: number) => formatIfaceHex(n);
export const hexMask = (n: number, digits: number) => `0x${n.toString(16).padStart(digits, '0')}`;

const RUST_KEYWORDS = new Set(
  'as async await break const continue crate dyn else enum extern false fn for gen if impl in let loop match mod move mut pub ref return self Self static struct super trait true type unsafe use where while abstract become box do final macro override priv try typeof unsized virtual yield'.split(
    ' ',
  ),
);

/** A schema name as a Rust identifier: keywords become raw identifiers (`type` → `r#type`). */
export function rustIdent(name: string): string {
  if (['self', 'Self', 'super', 'crate'].includes(name)) throw new Error(`"${name}" cannot be a Rust identifier, not even a raw one`);
  return RUST_KEYWORDS.has(name) ? `r#${name}` : name;
}

/** `map_mem_type` → `MapMemType`, for Rust-side names the schema has no Xen spelling for. */
export function pascal(name: string): string {
  return name
    .split(/[_\-.]/)
    .filter(Boolean)
    .map((p) => p[0]!.toUpperCase() + p.slice(1))
    .join('');
}
