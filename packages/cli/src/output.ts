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

/** An aligned plain-text table: a header row, a rule, then rows. */
export function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...cells.slice(1).map(line)].join('\n') + '\n';
}
