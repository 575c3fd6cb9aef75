/**
 * Whether a step's result meets its `expect`. Only the fields listed are compared:
 * - `ok`: rc is 0 (true) or not (false); `error`: the errno name, or null for success;
 * - numbers and "0x…" text compare by value (0x10 equals 16);
 * - objects compare on the fields the expectation gives; lists compare element by element and must
 *   have the same length (`ioreqs`, `p2m`, `events`, `dirty`);
 * - `ioreq` holds if ANY request in `ioreqs` matches; `ioreq: null` means the access caused none;
 * - a server (`server`, `ioreqClaim.owner`) may be expected by alias or by id.
 */
import type { Mismatch } from './types.js';

/** How to tell whether an expected server (alias or id) is the server a result names (alias or id). */
export type ServerResolver = (name: string) => number | undefined;

function asInteger(v: unknown): bigint | undefined {
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  if (typeof v === 'string' && /^0x[0-9a-fA-F]+$/.test(v)) return BigInt(v);
  return undefined;
}

const SERVER_FIELDS = new Set(['server', 'owner']);

function sameServer(expected: unknown, actual: unknown, resolve: ServerResolver): boolean {
  if (expected === actual) return true;
  const e = typeof expected === 'string' ? resolve(expected) : expected;
  const a = typeof actual === 'string' ? resolve(actual) : actual;
  return e !== undefined && e === a;
}

/** Compares one expected value with the actual one; pushes what differs. */
function compare(path: string, key: string, expected: unknown, actual: unknown, resolve: ServerResolver, out: Mismatch[]): void {
  const before = out.length;
  if (SERVER_FIELDS.has(key) && expected !== null && actual !== null && actual !== undefined) {
    if (!sameServer(expected, actual, resolve)) out.push({ field: path, expected, actual });
    return;
  }
  if (expected === null || typeof expected !== 'object') {
    const e = asInteger(expected);
    const a = asInteger(actual);
    const equal = e !== undefined && a !== undefined ? e === a : expected === actual;
    if (!equal) out.push({ field: path, expected, actual: actual === undefined ? null : actual });
    return;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) {
      out.push({ field: path, expected, actual: actual ?? null });
      return;
    }
    expected.forEach((item, i) => compare(`${path}[${i}]`, key, item, actual[i], resolve, out));
    return;
  }
  if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) {
    out.push({ field: path, expected, actual: actual ?? null });
    return;
  }
  for (const [k, v] of Object.entries(expected)) compare(`${path}.${k}`, k, v, (actual as Record<string, unknown>)[k], resolve, out);
  // A list element that differs is reported once, as a whole, so the message shows what was there.
  if (out.length > before && /\]$/.test(path)) out.splice(before, out.length - before, { field: path, expected, actual });
}

/** The mismatches between an expectation and a result (empty: the expectation holds). */
export function checkExpect(expect: Record<string, unknown>, result: Record<string, unknown>, resolve: ServerResolver): Mismatch[] {
  const out: Mismatch[] = [];
  for (const [key, expected] of Object.entries(expect)) {
    switch (key) {
      case 'ok': {
        const ok = result.rc === 0;
        if (ok !== expected) out.push({ field: 'ok', expected, actual: result.rc === null ? null : ok });
        break;
      }
      case 'ioreq': {
        const ioreqs = (result.ioreqs as Record<string, unknown>[] | undefined) ?? [];
        if (expected === null) {
          if (ioreqs.length) out.push({ field: 'ioreq', expected: null, actual: ioreqs });
          break;
        }
        const matches = ioreqs.some((r) => {
          const probe: Mismatch[] = [];
          compare('ioreq', 'ioreq', expected, r, resolve, probe);
          return probe.length === 0;
        });
        if (!matches) out.push({ field: 'ioreq', expected, actual: ioreqs });
        break;
      }
      default:
        compare(key, key, expected, result[key], resolve, out);
    }
  }
  return out;
}
