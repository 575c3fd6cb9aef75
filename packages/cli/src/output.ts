/**
 * Rendering: one JSON document for --json (64-bit values as "0x…" strings, since JSON numbers lose
 * them), or aligned text tables for people.
 */
import type { Io } from './io.js';

export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? '0x' + v.toString(16) : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v), 2) + '\n';
}

export function printJson(io: Io, value: unknown): void {
  io.out(toJson(value));
}

/** Splits `text` at blanks into lines of at most `width` characters (a longer word stays whole). */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return [...lines, line];
}

/**
 * An aligned plain-text table: a header row, a rule, then rows. With `width` (the terminal's), the last column is
 * wrapped so that lines fit, its continuation lines aligned under it.
 */
export function table(headers: string[], rows: (string | number)[][], width?: number): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const indent = widths.slice(0, -1).reduce((n, w) => n + w + 2, 0);
  // The last column never gets narrower than 25 characters: below that, lines are left long rather than unreadable.
  const room = width === undefined ? Infinity : Math.max(width - indent, 25);
  const line = (r: string[]) => {
    const head = r.slice(0, -1).map((c, i) => c.padEnd(widths[i]!) + '  ').join('');
    const last = r[r.length - 1] ?? '';
    const parts = last.length > room ? wrap(last, room) : [last];
    return [head + parts[0], ...parts.slice(1).map((p) => ' '.repeat(indent) + p)].map((l) => l.trimEnd()).join('\n');
  };
  return [line(headers), line(widths.map((w) => '-'.repeat(Math.min(w, room)))), ...cells.slice(1).map(line)].join('\n') + '\n';
}
