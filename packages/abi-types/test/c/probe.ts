/**
 * C probe generator for the header tests: from schema/xen-abi.json, a C program that prints one line per fact
 * (`<key> <value>`: every constant, struct size, alignment, field offset and size, bit-field bits, bit-pack value),
 * plus the values the schema expects for those lines.
 *
 * The same probe source is built against our headers and against Xen's, so it names only what the chosen headers
 * define at the chosen interface version: our headers (the newest Xen headers plus *_legacy.h), or one Xen
 * release's headers as the schema records them. Macros are probed under #ifdef and print "absent" when missing;
 * enumerators cannot be probed that way, so the ones that must not exist come back as `absentEnumerators` for a
 * separate translation unit that must fail to compile.
 */
import type { BitPack, Field, ReleaseName, Struct, XenAbiSchema } from '@xenmem/schema';
import { compareReleases, formatIfaceHex, ifaceInRange, newestRelease, parseIfaceHex, releaseInRange } from '@xenmem/schema';

export type ProbeScope =
  /** What our headers define: the newest Xen headers' names plus the *_legacy.h ones. */
  | { kind: 'xenmem' }
  /** What Xen `release`'s public headers define. */
  | { kind: 'xen'; release: ReleaseName };

export interface ProbeOptions {
  scope: ProbeScope;
  /** The interface version the headers see (an undefined one is the schema's undefinedValue). */
  iface: number;
  /**
   * Which names: those Xen's headers show every client ("public"), those they show only to __XEN_TOOLS__ builds
   * ("tools"), or both. Names Xen dropped ("removed") counted as tools-only while they existed.
   */
  visibility: 'public' | 'tools' | 'all';
  /** Also probe the `<struct>_t` typedefs (ours has one for every struct; Xen's not always). */
  typedefs: boolean;
  /** Also print __XEN_LATEST_INTERFACE_VERSION__ (it differs between releases by design). */
  latest: boolean;
  /**
   * Also print each macro's C type (signedness and width), as `type NAME signed32`. The schema records values,
   * not literal types, so these lines have no expected value: they exist to compare two sets of headers.
   */
  literalTypes?: boolean;
}

export interface Probe {
  /** C source; the caller puts the headers in front (-include or #include). */
  source: string;
  /** Line key → the value schema/xen-abi.json gives for it, for every line the probe prints but `type` lines. */
  expected: Map<string, string>;
  /** hvmmem enumerators the headers must not define at this interface version. */
  absentEnumerators: string[];
}

type Vis = 'public' | 'tools' | 'removed';

interface Emitter {
  lines: string[];
  expected: Map<string, string>;
  needsBits: boolean;
  literalTypes: boolean;
}

const C_STR = (s: string) => JSON.stringify(s);

function add(e: Emitter, key: string, expected: string, code: string[]): void {
  if (e.expected.has(key)) throw new Error(`probe: duplicate line ${key}`);
  e.expected.set(key, expected);
  e.lines.push(...code);
}

function macro(e: Emitter, name: string, expected: number | undefined): void {
  const key = `const ${name}`;
  // (X)*0-1 is -1 in X's type: positive exactly when that type is unsigned.
  const type = `type ${name}`;
  const typeLine = `    printf("%s %ssigned%zu\\n", ${C_STR(type)}, (${name}) * 0 - 1 > 0 ? "un" : "", sizeof(${name}) * 8);`;
  add(e, key, expected === undefined ? 'absent' : String(expected), [
    `#ifdef ${name}`,
    `    printf("%s %lld\\n", ${C_STR(key)}, (long long)(${name}));`,
    ...(e.literalTypes ? [typeLine] : []),
    '#else',
    `    puts(${C_STR(`${key} absent`)});`,
    '#endif',
  ]);
}

function enumerator(e: Emitter, name: string, expected: number): void {
  const key = `const ${name}`;
  add(e, key, String(expected), [`    printf("%s %lld\\n", ${C_STR(key)}, (long long)(${name}));`]);
}

function sizeLine(e: Emitter, key: string, expr: string, expected: number): void {
  add(e, key, String(expected), [`    printf("%s %zu\\n", ${C_STR(key)}, (size_t)(${expr}));`]);
}

/** Bytes a bit-field covers when all its bits are set, as `offset:mask` pairs (little-endian storage unit). */
export function bitFieldBytes(f: Field): string {
  if (f.bits === undefined) throw new Error(`${f.name} is not a bit-field`);
  const bytes = new Map<number, number>();
  for (let b = f.bits.shift; b < f.bits.shift + f.bits.width; b++) {
    const at = f.offset + Math.floor(b / 8);
    bytes.set(at, (bytes.get(at) ?? 0) | (1 << (b % 8)));
  }
  return [...bytes].sort(([a], [b]) => a - b).map(([at, m]) => `${at}:${m.toString(16).padStart(2, '0')}`).join(',');
}

function structLines(e: Emitter, s: XenAbiSchema, st: Struct, scope: ProbeScope, typedefs: boolean, iface: number): void {
  const tag = `struct ${st.name}`;
  sizeLine(e, `sizeof ${tag}`, `sizeof(${tag})`, st.size);
  sizeLine(e, `alignof ${tag}`, `_Alignof(${tag})`, st.align);
  if (typedefs) sizeLine(e, `typedef ${st.name}_t`, `sizeof(${st.name}_t)`, st.size);
  for (const f of st.fields) {
    if (f.bits !== undefined) {
      e.needsBits = true;
      const key = `bits ${tag}.${f.name}`;
      add(e, key, bitFieldBytes(f), [
        `    { ${tag} v; memset(&v, 0, sizeof v); v.${f.name} = ones; bits(${C_STR(key)}, &v, sizeof v); }`,
      ]);
      continue;
    }
    // A renamed field (xen_memory_reservation.mem_flags, address_bits before 0x00030209) under its name at `iface`.
    const name = f.legacyName !== undefined && iface < parseIfaceHex(f.legacyName.below) ? f.legacyName.name : f.name;
    sizeLine(e, `offsetof ${tag}.${name}`, `offsetof(${tag}, ${name})`, f.offset);
    sizeLine(e, `fieldsize ${tag}.${name}`, `sizeof(((${tag} *)0)->${name})`, f.size);
    if (f.type === 'union' && st.role === 'dm_op') {
      // xen_dm_op.u holds one member per DMOP, named after the op.
      for (const op of [...s.dmops].sort((a, b) => a.value - b.value)) {
        if (scope.kind === 'xen' && compareReleases(op.firstRelease, scope.release) > 0) continue;
        const payload = structAt(s, op.struct, scope);
        if (!payload) throw new Error(`probe: ${op.cName} payload ${op.struct} has no layout in scope`);
        sizeLine(e, `offsetof ${tag}.${f.name}.${op.name}`, `offsetof(${tag}, ${f.name}.${op.name})`, f.offset);
        sizeLine(e, `fieldsize ${tag}.${f.name}.${op.name}`, `sizeof(((${tag} *)0)->${f.name}.${op.name})`, payload.size);
      }
    }
  }
}

/** The layout of struct `name` in scope: at the release, or (ours) the newest, else the last one Xen had. */
function structAt(s: XenAbiSchema, name: string, scope: ProbeScope): Struct | undefined {
  const entries = s.structs.filter((st) => st.name === name);
  if (scope.kind === 'xen') return entries.find((st) => releaseInRange(scope.release, st.releases));
  const newest = newestRelease(s);
  return entries.find((st) => releaseInRange(newest, st.releases)) ?? [...entries].sort((a, b) => compareReleases(b.releases.to ?? newest, a.releases.to ?? newest))[0];
}

/** Argument tuples that exercise each part's position and mask, with the value the schema's layout gives. */
export function bitPackVectors(p: BitPack): { args: bigint[]; value: bigint }[] {
  const max = p.parts.map((x) => (1n << BigInt(x.width)) - 1n);
  const pack = (args: bigint[]) => p.parts.reduce((acc, x, i) => acc | ((args[i]! & max[i]!) << BigInt(x.shift)), 0n);
  const tuples: bigint[][] = [];
  p.parts.forEach((_, i) => tuples.push(p.parts.map((_, j) => (j === i ? max[j]! : 0n))));
  tuples.push([...max]);
  // One bit above each part's width must be masked off.
  p.parts.forEach((x, i) => {
    if (x.width < 31) tuples.push(p.parts.map((_, j) => (j === i ? (max[j]! << 1n) | 1n : 0n)));
  });
  tuples.push(p.parts.map((_, i) => BigInt(i + 1)));
  return tuples.map((args) => ({ args, value: pack(args) }));
}

export function buildProbe(s: XenAbiSchema, o: ProbeOptions): Probe {
  const e: Emitter = { lines: [], expected: new Map(), needsBits: false, literalTypes: o.literalTypes ?? false };
  const absentEnumerators: string[] = [];
  const wanted = (v: Vis) =>
    o.visibility === 'all' || (o.visibility === 'public' ? v === 'public' : v === 'tools' || v === 'removed');
  const r = o.scope.kind === 'xen' ? o.scope.release : undefined;
  const since = (first: ReleaseName) => r === undefined || compareReleases(first, r) <= 0;
  const until = (last: ReleaseName | undefined) => r === undefined || last === undefined || compareReleases(r, last) <= 0;

  if (wanted('public')) {
    add(e, 'iface __XEN_INTERFACE_VERSION__', formatIfaceHex(o.iface), [
      `    printf("%s 0x%08llx\\n", "iface __XEN_INTERFACE_VERSION__", (unsigned long long)(__XEN_INTERFACE_VERSION__));`,
    ]);
    if (o.latest) {
      const latest = r === undefined
        ? Math.max(...s.releases.map((x) => parseIfaceHex(x.latestInterfaceVersion)))
        : parseIfaceHex(s.releases.find((x) => x.name === r)!.latestInterfaceVersion);
      add(e, 'iface __XEN_LATEST_INTERFACE_VERSION__', formatIfaceHex(latest), [
        `    printf("%s 0x%08llx\\n", "iface __XEN_LATEST_INTERFACE_VERSION__", (unsigned long long)(__XEN_LATEST_INTERFACE_VERSION__));`,
      ]);
    }
    for (const h of [...s.hypercalls].sort((a, b) => a.value - b.value))
      macro(e, h.cName, h.legacyValue !== undefined && o.iface < parseIfaceHex(h.legacyValue.below) ? h.legacyValue.value : h.value);
    for (const v of [...s.hvmmemTypes].sort((a, b) => a.value - b.value))
      for (const n of v.names) {
        if (!since(n.firstRelease)) continue;
        if (ifaceInRange(o.iface, n.iface)) enumerator(e, n.cName, v.value);
        else absentEnumerators.push(n.cName);
      }
  }

  for (const op of [...s.hvmops].sort((a, b) => a.value - b.value)) {
    if (!since(op.firstRelease) || !until(op.lastHeaderRelease) || !wanted(op.visibility)) continue;
    macro(e, op.cName, ifaceInRange(o.iface, op.iface ?? {}) ? op.value : undefined);
  }
  if (wanted('public')) for (const op of [...s.dmops].sort((a, b) => a.value - b.value)) if (since(op.firstRelease)) macro(e, op.cName, op.value);
  for (const g of s.constants) {
    if (!until(g.lastHeaderRelease) || !wanted(g.visibility)) continue;
    // Enumerators (xs_wire.h's enum xsd_sockmsg_type) cannot be probed with #ifdef: they must exist.
    for (const c of [...g.members].sort((a, b) => a.value - b.value))
      if (since(c.firstRelease)) (g.cEnum !== undefined ? enumerator : macro)(e, c.cName, c.value);
  }
  for (const p of s.bitPacks) {
    if (!since(p.firstRelease) || !until(p.lastHeaderRelease) || !wanted(p.visibility)) continue;
    for (const { args, value } of bitPackVectors(p)) {
      const call = `${p.cName}(${args.map((a) => `0x${a.toString(16)}u`).join(', ')})`;
      add(e, `pack ${call.replace(/ /g, '')}`, value.toString(), [
        `    printf("%s %llu\\n", ${C_STR(`pack ${call.replace(/ /g, '')}`)}, (unsigned long long)(${call}));`,
      ]);
    }
  }

  // xs_wire.h's xsd_errors[] (both sides are compiled after <errno.h>): each entry's string and errno, in order.
  if (wanted('public') && s.xsdErrors?.length) {
    const listed = s.xsdErrors.filter((x) => since(x.firstRelease));
    sizeLine(e, 'count xsd_errors', 'sizeof(xsd_errors) / sizeof(xsd_errors[0])', listed.length);
    for (const x of listed) {
      const errno = s.errno.find((v) => v.name === x.errno);
      if (!errno) throw new Error(`probe: xsdErrors[${x.index}] names ${x.errno}, which errno[] does not list`);
      add(e, `xsd_errors[${x.index}]`, `${x.errno}=${errno.value}`, [
        `    printf("%s %s=%d\\n", ${C_STR(`xsd_errors[${x.index}]`)}, xsd_errors[${x.index}].errstring, xsd_errors[${x.index}].errnum);`,
      ]);
    }
  }

  const names = [...new Set(s.structs.map((st) => st.name))];
  const structs = names.map((n) => structAt(s, n, o.scope)).filter((st): st is Struct => st !== undefined && wanted(st.visibility));
  const ctypes = new Map<string, { size: number; where: string }>();
  for (const st of structs) {
    structLines(e, s, st, o.scope, o.typedefs, o.iface);
    for (const f of st.fields)
      if (f.cType !== undefined && !f.cType.endsWith('*') && !ctypes.has(f.cType)) ctypes.set(f.cType, { size: f.size / (f.count ?? 1), where: `${st.name}.${f.name}` });
  }
  for (const [name, t] of [...ctypes].sort(([a], [b]) => a.localeCompare(b))) sizeLine(e, `ctype ${name}`, `sizeof(${name})`, t.size);

  const src = [
    '/* Probe generated by packages/abi-types/test/c/probe.ts from schema/xen-abi.json. */',
    '#include <stddef.h>',
    '#include <stdint.h>',
    '#include <stdio.h>',
    '#include <string.h>',
    '',
    ...(e.needsBits
      ? [
          '/* Prints the bytes a bit-field set to all ones covers, as offset:mask pairs. */',
          'static void bits(const char *key, const void *obj, size_t n) {',
          '    const unsigned char *p = obj;',
          '    int any = 0;',
          '    printf("%s ", key);',
          '    for (size_t i = 0; i < n; i++)',
          '        if (p[i]) { printf("%s%zu:%02x", any ? "," : "", i, (unsigned)p[i]); any = 1; }',
          '    puts(any ? "" : "none");',
          '}',
          '',
        ]
      : []),
    'int main(void) {',
    ...(e.needsBits ? ['    static volatile unsigned long long ones = ~0ull;'] : []),
    ...e.lines,
    '    return 0;',
    '}',
    '',
  ].join('\n');
  return { source: src, expected: e.expected, absentEnumerators };
}

/** A translation unit that uses each name; it must fail to compile, naming every one as undeclared. */
export function absentEnumeratorSource(names: string[]): string {
  return [
    '/* Every name below must be undeclared at this interface version. */',
    'int main(void) {',
    '    long sum = 0;',
    ...names.map((n) => `    sum += (long)${n};`),
    '    return (int)sum;',
    '}',
    '',
  ].join('\n');
}

/** Parses probe output into key → value (the value is the last word of the line). */
export function parseProbeOutput(stdout: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    if (!line.trim()) continue;
    const at = line.lastIndexOf(' ');
    if (at <= 0) throw new Error(`probe printed an unparsable line: ${JSON.stringify(line)}`);
    const key = line.slice(0, at);
    if (out.has(key)) throw new Error(`probe printed ${key} twice`);
    out.set(key, line.slice(at + 1));
  }
  return out;
}
