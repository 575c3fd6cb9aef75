/**
 * C generator: packages/abi-types/include/xenmem/*.h.
 *
 * The headers are a stand-alone alternative to Xen's public headers for the HVM memory-type ABI (not meant to be
 * included beside them): the same names, values and `#if __XEN_INTERFACE_VERSION__` guards, every struct with
 * static assertions on its size, alignment and field offsets (XENMEM_STATIC_ASSERT: `_Static_assert` in C,
 * `static_assert` in C++, so C++ device models include them too), and Xen's tools-only names without
 * `__XEN_TOOLS__`.
 * Which Xen header a fact lives in is data (`header` in the schema); it picks our file of the same base name, and
 * anything gone from the newest Xen headers (visibility "removed") goes to `<base>_legacy.h`, which the umbrella
 * `xenmem.h` does not include.
 *
 * Layout facts were measured on x86_64; the headers refuse non-LP64 targets rather than fail an assert.
 */
import type { BitPack, ConstantGroup, DmOp, Field, HvmOp, HvmmemName, IfaceRange, Struct, XenAbiSchema } from '@xenmem/schema';
import { compareReleases, formatIfaceHex, formatRange, newestRelease, parseIfaceHex, releaseInRange } from '@xenmem/schema';
import { generatedMarker, type GeneratedFile } from './header.js';

const OUT = 'packages/abi-types/include/xenmem';
const MARKER = generatedMarker('c.ts', 'c');
const SCHEMA = 'schema/xen-abi.json';

/** Xen headers that carry facts without a `header` field in the schema. */
const HVM_OP_H = 'hvm/hvm_op.h';
const DM_OP_H = 'hvm/dm_op.h';
const XS_WIRE_H = 'io/xs_wire.h';
const XEN_H = 'xen.h';
const COMPAT = 'xen-compat.h';
/** The layout checks' macros (xen.h defines them for C and for C++). */
const STATIC_ASSERT = 'XENMEM_STATIC_ASSERT';
const ALIGNOF = 'XENMEM_ALIGNOF';
const UMBRELLA = 'xenmem.h';

const UINT_C: Record<string, string> = { uint8: 'uint8_t', uint16: 'uint16_t', uint32: 'uint32_t', uint64: 'uint64_t' };
const UINT_SIZE: Record<string, number> = { uint8: 1, uint16: 2, uint32: 4, uint64: 8 };

/** Names whose definition is not a plain typedef of the field's integer type. */
const ALIGNED_U64 = 'uint64_aligned_t';
const HANDLE_RE = /^XEN_GUEST_HANDLE(_64)?\(([A-Za-z_][A-Za-z0-9_]*)\)$/;
/** A plain pointer, as Linux's ioctl structs carry them: `void *`, `const xen_pfn_t *`, `const struct x *`. */
const POINTER_RE = /^(?:const )?(struct )?([A-Za-z_][A-Za-z0-9_]*) \*$/;
/** C's own types, which a pointer may name without a typedef. */
const C_BUILTIN = new Set(['void', 'char', 'int', 'unsigned', 'long']);

class GenError extends Error {}
function fail(message: string): never {
  throw new GenError(`generateC: ${message}`);
}

// ---------------------------------------------------------------------------------------------------------------
// Text helpers

function commentText(text: string): string {
  return text.replace(/\*\//g, '* /').replace(/\s+/g, ' ').trim();
}

/** A doc comment (or a plain one with `open` = '/*'), on one line when it fits, else wrapped at ~115 columns. */
function doc(text: string, indent = '', open = '/**'): string[] {
  const t = commentText(text);
  if (indent.length + open.length + t.length + 4 <= 116) return [`${indent}${open} ${t} */`];
  const out = [`${indent}${open}`];
  let line = '';
  for (const word of t.split(' ')) {
    if (line && indent.length + 3 + line.length + 1 + word.length > 114) {
      out.push(`${indent} * ${line}`);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(`${indent} * ${line}`);
  out.push(`${indent} */`);
  return out;
}

/**
 * A C integer literal of the right type for `value` (unsigned above INT32_MAX, as Xen writes such values; unsigned
 * long, written in hex, for `long` ones such as ioctl numbers).
 */
export function cLiteral(value: number, unsigned = false, long = false): string {
  if (!Number.isSafeInteger(value)) fail(`value ${value} is not an integer`);
  if (long) {
    if (value < 0) fail(`value ${value} cannot be an unsigned long`);
    return value > 0xffff ? `0x${value.toString(16).padStart(8, '0')}ul` : `${value}ul`;
  }
  if (value < 0) return value >= -0x80000000 ? `(${value})` : `(${value}LL)`;
  if (value <= 0x7fffffff) return unsigned ? `${value}u` : String(value);
  if (value <= 0xffffffff) return `0x${value.toString(16)}u`;
  return `0x${value.toString(16)}ull`;
}

const hexIface = (text: string) => formatIfaceHex(parseIfaceHex(text));

/** The preprocessor condition for an interface-version range, or undefined when the range is open. */
export function ifaceCondition(range: IfaceRange | undefined): string | undefined {
  if (range === undefined) return undefined;
  const parts: string[] = [];
  if (range.from !== undefined) parts.push(`__XEN_INTERFACE_VERSION__ >= ${hexIface(range.from)}`);
  if (range.below !== undefined) parts.push(`__XEN_INTERFACE_VERSION__ < ${hexIface(range.below)}`);
  return parts.length ? parts.join(' && ') : undefined;
}

function guardName(file: string): string {
  return `XENMEM_${file.replace(/[^A-Za-z0-9]/g, '_').toUpperCase()}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Where things go

/** Our file for a Xen header: its base name, or `<base>_legacy.h` for what the newest Xen headers dropped. */
function fileFor(xenHeader: string, removed: boolean): string {
  const base = xenHeader.split('/').pop() ?? '';
  if (!/^[a-z0-9_]+\.h$/.test(base)) fail(`cannot place Xen header ${JSON.stringify(xenHeader)}`);
  if (base === UMBRELLA || base === COMPAT) fail(`Xen header ${xenHeader} would overwrite our ${base}`);
  return removed ? base.replace(/\.h$/, '_legacy.h') : base;
}

/** Struct layouts as the newest headers have them, plus the last layout of each struct they dropped. */
function currentStructs(s: XenAbiSchema, newest: string): Struct[] {
  const byName = new Map<string, Struct[]>();
  for (const st of s.structs) byName.set(st.name, [...(byName.get(st.name) ?? []), st]);
  const out: Struct[] = [];
  for (const [name, entries] of byName) {
    const now = entries.filter((e) => releaseInRange(newest, e.releases));
    if (now.length > 1) fail(`struct ${name} has ${now.length} entries covering Xen ${newest}`);
    if (now[0]) {
      if (now[0].visibility === 'removed') fail(`struct ${name} is "removed" but its entry covers the newest release ${newest}`);
      out.push(now[0]);
      continue;
    }
    const last = [...entries].sort((a, b) => compareReleases(b.releases.to ?? newest, a.releases.to ?? newest))[0]!;
    if (last.visibility !== 'removed') fail(`struct ${name} ends at Xen ${last.releases.to} but is not marked "removed"`);
    out.push(last);
  }
  return out;
}

function isRemovedOp(op: HvmOp, newest: string): boolean {
  return op.lastHeaderRelease !== undefined && compareReleases(op.lastHeaderRelease, newest) < 0;
}

const toolsNote = "Xen's headers define it only for __XEN__/__XEN_TOOLS__ builds; here it needs neither.";

// ---------------------------------------------------------------------------------------------------------------
// Structs

function cTypeOf(st: Struct, f: Field): string {
  if (f.cType !== undefined) return f.cType;
  if (f.type === 'struct') {
    if (f.element === undefined) fail(`struct ${st.name}.${f.name} is a struct field without "element"`);
    return `struct ${f.element}`;
  }
  const c = UINT_C[f.type];
  if (c === undefined) fail(`struct ${st.name}.${f.name}: no C type for field type ${f.type}`);
  return c;
}

/** Fields in declaration order: by bit position (a bit-field's storage unit offset plus its shift). */
function declarationOrder(st: Struct): Field[] {
  const pos = (f: Field) => f.offset * 8 + (f.bits?.shift ?? 0);
  const sorted = [...st.fields].sort((a, b) => pos(a) - pos(b));
  for (let i = 1; i < sorted.length; i++)
    if (pos(sorted[i]!) === pos(sorted[i - 1]!)) fail(`struct ${st.name}: fields ${sorted[i - 1]!.name} and ${sorted[i]!.name} start at the same bit`);
  return sorted;
}

function fieldNote(f: Field): string | undefined {
  const parts: string[] = [];
  if (f.dir !== undefined) parts.push({ in: 'IN', out: 'OUT', inout: 'IN/OUT' }[f.dir]);
  if (f.mustBeZero) parts.push('must be zero');
  if (f.description) parts.push(f.description);
  return parts.length ? commentText(parts.join('; ')) : undefined;
}

function unionMembers(s: XenAbiSchema, st: Struct, f: Field, structs: Map<string, Struct>): DmOp[] {
  if (st.role !== 'dm_op') fail(`struct ${st.name}.${f.name}: the schema lists union members only for xen_dm_op (role "dm_op")`);
  const ops = [...s.dmops].sort((a, b) => a.value - b.value);
  for (const op of ops) {
    const payload = structs.get(op.struct);
    if (!payload) fail(`${op.cName}: payload struct ${op.struct} is not in the schema's structs`);
    if (payload.size > f.size) fail(`${op.cName}: payload ${op.struct} (${payload.size} bytes) exceeds ${st.name}.${f.name} (${f.size} bytes)`);
  }
  return ops;
}

function structLines(s: XenAbiSchema, st: Struct, structs: Map<string, Struct>): string[] {
  const tag = `struct ${st.name}`;
  const ref = `schema: structs[name=${st.name}, releases ${formatRange(st.releases)}]`;
  const out = [...doc(`${tag}: ${st.description} Xen ${formatRange(st.releases)}, ${st.size} bytes, alignment ${st.align}. ${ref}`)];
  out.push(`${tag} {`);
  for (const f of declarationOrder(st)) {
    const note = fieldNote(f);
    const tail = note ? ` /* ${note} */` : '';
    if (f.type === 'union') {
      out.push('    union {');
      for (const op of unionMembers(s, st, f, structs)) out.push(`        struct ${op.struct} ${op.name}; /* ${op.cName} */`);
      out.push(`    } ${f.name};${tail}`);
      continue;
    }
    if (f.type === 'handle' && (f.cType === undefined || !(HANDLE_RE.test(f.cType) || POINTER_RE.test(f.cType))))
      fail(`struct ${st.name}.${f.name}: a handle needs cType XEN_GUEST_HANDLE(x), XEN_GUEST_HANDLE_64(x) or a pointer type ("const x *")`);
    const type = cTypeOf(st, f);
    const declare = (name: string) => `${type}${type.endsWith('*') ? '' : ' '}${name}`;
    if (f.bits !== undefined) {
      if (f.count !== undefined || f.legacyName !== undefined) fail(`struct ${st.name}.${f.name}: a bit-field cannot be an array or renamed`);
      out.push(`    ${declare(f.name)}:${f.bits.width};${tail}`);
      continue;
    }
    const dims = f.count !== undefined ? `[${f.count}]` : '';
    if (f.legacyName === undefined) {
      out.push(`    ${declare(f.name)}${dims};${tail}`);
      continue;
    }
    // Xen renamed the field at an interface version. Below it Xen's name is the old one; here both names work
    // there (an anonymous union), so code written against the newest headers compiles at every version.
    out.push(
      `#if ${legacyCondition(f)}`,
      `    ${declare(f.name)}${dims};${tail}`,
      '#else',
      `    union { ${declare(f.name)}${dims}; ${declare(f.legacyName.name)}${dims}; }; /* Xen's name below ${f.legacyName.below} is ${f.legacyName.name} */`,
      '#endif',
    );
  }
  out.push('};');
  out.push(`typedef ${tag} ${st.name}_t;`);
  const msg = (what: string) => JSON.stringify(`${tag}: ${what}, as ${SCHEMA} records`);
  out.push(`${STATIC_ASSERT}(sizeof(${tag}) == ${st.size}, ${msg(`sizeof must be ${st.size}`)});`);
  out.push(`${STATIC_ASSERT}(${ALIGNOF}(${tag}) == ${st.align}, ${msg(`alignment must be ${st.align}`)});`);
  for (const f of st.fields) {
    if (f.bits !== undefined) continue; // offsetof cannot name a bit-field; the C header test checks their bits
    const asserts = (name: string) => [
      `${STATIC_ASSERT}(offsetof(${tag}, ${name}) == ${f.offset}, ${msg(`${name} must be at offset ${f.offset}`)});`,
      `${STATIC_ASSERT}(sizeof(((${tag} *)0)->${name}) == ${f.size}, ${msg(`${name} must be ${f.size} bytes`)});`,
    ];
    out.push(...asserts(f.name));
    if (f.legacyName !== undefined) out.push(`#if !(${legacyCondition(f)})`, ...asserts(f.legacyName.name), '#endif');
  }
  return out;
}

/** The condition under which a renamed field has its current name. */
function legacyCondition(f: Field): string {
  return ifaceCondition({ from: f.legacyName!.below })!;
}

/** Structs in an order C accepts (what a field names comes first), else by op number, else schema order. */
function structOrder(s: XenAbiSchema, list: Struct[], all: Map<string, Struct>): Struct[] {
  const opKey = new Map<string, number>();
  for (const op of s.dmops) if (!opKey.has(op.struct)) opKey.set(op.struct, op.value);
  for (const op of s.hvmops) if (op.struct !== undefined && !opKey.has(op.struct)) opKey.set(op.struct, op.value);
  const sorted = list
    .map((st, i) => ({ st, i }))
    .sort((a, b) => (opKey.get(a.st.name) ?? Infinity) - (opKey.get(b.st.name) ?? Infinity) || a.i - b.i)
    .map((e) => e.st);
  const inList = new Set(list.map((x) => x.name));
  const done = new Set<string>();
  const out: Struct[] = [];
  const visit = (st: Struct, path: string[]) => {
    if (done.has(st.name)) return;
    if (path.includes(st.name)) fail(`structs contain each other: ${[...path, st.name].join(' -> ')}`);
    for (const dep of structDeps(s, st)) {
      const d = all.get(dep);
      if (d && inList.has(dep)) visit(d, [...path, st.name]);
    }
    done.add(st.name);
    out.push(st);
  };
  for (const st of sorted) visit(st, []);
  return out;
}

function structDeps(s: XenAbiSchema, st: Struct): string[] {
  const deps: string[] = [];
  for (const f of st.fields) {
    if (f.type === 'struct' && f.element !== undefined) deps.push(f.element);
    if (f.type === 'union' && st.role === 'dm_op') deps.push(...s.dmops.map((op) => op.struct));
  }
  return deps;
}

// ---------------------------------------------------------------------------------------------------------------
// Per-section emitters

function constantGroupLines(g: ConstantGroup): string[] {
  if (g.cEnum !== undefined) return constantEnumLines(g, g.cEnum);
  const out = doc(`${g.name}: ${g.description}${g.visibility === 'tools' ? ` ${toolsNote}` : ''} schema: constants[name=${g.name}]`, '', '/*');
  for (const c of [...g.members].sort((a, b) => a.value - b.value)) {
    const what = c.description ? `${c.description}. ` : '';
    out.push(...doc(`${c.cName}: ${what}Xen ${c.firstRelease}+. schema: constants[name=${g.name}].members[name=${c.name}]`));
    out.push(`#define ${c.cName} ${cLiteral(c.value, c.cUnsigned === true, c.cUnsignedLong === true)}`);
  }
  return out;
}

/** A group Xen declares as an enum (xs_wire.h's `enum xsd_sockmsg_type`): the enum, every value explicit. */
function constantEnumLines(g: ConstantGroup, tag: string): string[] {
  const out = [...doc(`enum ${tag} (${g.name}): ${g.description} schema: constants[name=${g.name}]`), `enum ${tag} {`];
  for (const c of [...g.members].sort((a, b) => a.value - b.value)) {
    if (c.cUnsigned || c.cUnsignedLong) fail(`constants[name=${g.name}].members[name=${c.name}]: an enumerator cannot be an unsigned literal`);
    if (c.value > 0x7fffffff) fail(`constants[name=${g.name}].members[name=${c.name}]: ${c.value} does not fit an enumerator`);
    const what = c.description ? `${c.description}. ` : '';
    out.push(...doc(`${c.cName}: ${what}Xen ${c.firstRelease}+. schema: constants[name=${g.name}].members[name=${c.name}]`, '    '));
    out.push(`    ${c.cName} = ${cLiteral(c.value)},`);
  }
  out.push('};');
  return out;
}

function bitPackLines(p: BitPack): string[] {
  const args = p.parts.map((x) => x.name);
  const layout = p.parts.map((x) => `${x.name} in bits ${x.shift + x.width - 1}..${x.shift}`).join(', ');
  const terms = p.parts.map((x) => {
    if (x.width < 1 || x.width > 32 || x.shift < 0 || x.shift + x.width > 64) fail(`bit pack ${p.cName}: part ${x.name} does not fit`);
    const mask = `0x${(2 ** x.width - 1).toString(16)}u`;
    const masked = `((${x.name}) & ${mask})`;
    return x.shift === 0 ? masked : `(${masked} << ${x.shift})`;
  });
  const tools = p.visibility === 'tools' ? ` ${toolsNote}` : '';
  return [
    ...doc(`${p.cName}(${args.join(', ')}): ${p.description} Parts: ${layout}; each is masked to its width.${tools} Xen ${p.firstRelease}+. schema: bitPacks[name=${p.name}]`),
    `#define ${p.cName}(${args.join(', ')}) \\`,
    `    (${terms.join(' | ')})`,
  ];
}

function hvmopLines(ops: HvmOp[], removed: boolean): string[] {
  const out: string[] = [];
  let open: string | undefined;
  const close = () => {
    if (open !== undefined) out.push(`#endif /* ${open} */`);
    open = undefined;
  };
  for (const op of [...ops].sort((a, b) => a.value - b.value)) {
    const cond = removed ? undefined : ifaceCondition(op.iface);
    if (cond !== open) {
      close();
      if (cond !== undefined) out.push(`#if ${cond}`);
      open = cond;
    }
    const handled = op.dispatched.length ? `handled by Xen ${op.dispatched.map(formatRange).join(', ')}` : 'no release handles it (ENOSYS)';
    const parts = [
      `${op.cName}: ${op.description}.`,
      op.struct ? `Argument: struct ${op.struct}.` : '',
      `Xen ${op.firstRelease}${op.lastHeaderRelease ? `–${op.lastHeaderRelease}` : '+'}, ${handled}.`,
      op.movedToDmop !== undefined ? `Replaced by DMOP ${op.movedToDmop}.` : '',
      op.visibility === 'tools' && !removed ? toolsNote : '',
      `schema: hvmops[value=${op.value}]`,
    ];
    out.push(...doc(parts.filter(Boolean).join(' ')));
    out.push(`#define ${op.cName} ${cLiteral(op.value)}`);
  }
  close();
  return out;
}

function nameDoc(v: number, n: HvmmemName, pinned: string | undefined): string[] {
  const at = ifaceCondition(n.iface) ?? (pinned === undefined ? 'every interface version' : `interface version ${pinned}`);
  return doc(`${n.cName} = ${v} (${at}): ${n.description} Xen ${n.firstRelease}+. schema: hvmmemTypes[value=${v}].names[name=${n.name}]`, '    ');
}

function hvmmemEnumLines(s: XenAbiSchema, pinned: string | undefined): string[] {
  const names = pinned === undefined ? "The names of a number depend on __XEN_INTERFACE_VERSION__ exactly as in Xen's hvm_op.h." : `The names are those of interface version ${pinned}.`;
  const out = [
    ...doc(`hvmmem_type_t: memory types of set_mem_type/get_mem_type; every struct carries them as uint16_t. ${names} schema: hvmmemTypes[]`),
    'typedef enum {',
  ];
  for (const v of [...s.hvmmemTypes].sort((a, b) => a.value - b.value)) {
    const named = v.names.map((n) => ({ n, cond: ifaceCondition(n.iface) }));
    const first = named[0];
    const second = named[1];
    const complementary =
      named.length === 2 && first && second &&
      ((first.n.iface.below !== undefined && first.n.iface.from === undefined && second.n.iface.from === first.n.iface.below && second.n.iface.below === undefined) ||
        (second.n.iface.below !== undefined && second.n.iface.from === undefined && first.n.iface.from === second.n.iface.below && first.n.iface.below === undefined));
    if (complementary) {
      const [lo, hi] = first.n.iface.below !== undefined ? [first, second] : [second, first];
      out.push(`#if ${lo.cond}`, ...nameDoc(v.value, lo.n, pinned), `    ${lo.n.cName} = ${v.value},`, '#else', ...nameDoc(v.value, hi.n, pinned), `    ${hi.n.cName} = ${v.value},`, `#endif`);
      continue;
    }
    for (const { n, cond } of named) {
      if (cond) out.push(`#if ${cond}`);
      out.push(...nameDoc(v.value, n, pinned), `    ${n.cName} = ${v.value},`);
      if (cond) out.push('#endif');
    }
  }
  out.push('} hvmmem_type_t;');
  return out;
}

function dmopLines(s: XenAbiSchema): string[] {
  const out: string[] = [];
  for (const op of [...s.dmops].sort((a, b) => a.value - b.value)) {
    const replaces = op.replacesHvmop !== undefined ? ` Replaces HVMOP ${op.replacesHvmop}.` : op.replacesOther ? ` Replaces ${op.replacesOther}.` : '';
    out.push(
      ...doc(`${op.cName}: ${op.description}. Payload: u.${op.name} (struct ${op.struct}). Xen ${op.firstRelease}+, ${op.arch.join('/')}.${replaces} schema: dmops[value=${op.value}]`),
    );
    out.push(`#define ${op.cName} ${cLiteral(op.value)}`);
  }
  return out;
}

/**
 * xs_wire.h's `struct xsd_errors` and its `xsd_errors[]` table, in the schema's order: like Xen's, the table exists
 * only when <errno.h> came first (EINVAL is defined), since it names the errno macros.
 */
function xsdErrorLines(s: XenAbiSchema): string[] {
  const errors = s.xsdErrors ?? [];
  errors.forEach((e, i) => {
    if (e.index !== i) fail(`xsdErrors[${i}] has index ${e.index}`);
  });
  return [
    ...doc('struct xsd_errors: an errno and its name, the string an XS_ERROR reply carries. schema: xsdErrors[]'),
    'struct xsd_errors {',
    '    int errnum;',
    '    const char *errstring;',
    '};',
    '#ifdef EINVAL',
    '#define XSD_ERROR(x) { x, #x }',
    ...doc(`xsd_errors: the error strings xenstored sends, in xs_wire.h's order (new ones are only appended). schema: xsdErrors[]`),
    'static const struct xsd_errors xsd_errors[]',
    '#if defined(__GNUC__)',
    '__attribute__((unused))',
    '#endif',
    '    = {',
    ...errors.map((e) => `    XSD_ERROR(${e.errno}), /* Xen ${e.firstRelease}+. schema: xsdErrors[index=${e.index}] */`),
    '};',
    '#endif',
  ];
}

/** The C types struct fields name (domid_t, evtchn_port_t, …), derived from the fields that use them. */
function baseTypeLines(structs: Struct[]): string[] {
  const plain = new Map<string, { type: string; size: number; where: string }>();
  // Prefer an example from a struct the newest headers still have.
  structs = [...structs].sort((a, b) => Number(a.visibility === 'removed') - Number(b.visibility === 'removed'));
  const handles = new Map<string, string>();
  let aligned = false;
  for (const st of structs)
    for (const f of st.fields) {
      if (f.cType === undefined) continue;
      const where = `${st.name}.${f.name}`;
      if (f.cType === ALIGNED_U64) {
        if (f.type !== 'uint64') fail(`${where}: uint64_aligned_t on a ${f.type} field`);
        aligned = true;
        continue;
      }
      const h = HANDLE_RE.exec(f.cType);
      const ptr = POINTER_RE.exec(f.cType);
      if (h || ptr) {
        if (f.type !== 'handle') fail(`${where}: ${f.cType} on a ${f.type} field`);
        const name = (h ?? ptr)![2]!;
        if (h) handles.set(name, name === 'void' ? 'void' : /^u?int(8|16|32|64)$/.test(name) ? `${name}_t` : name);
        // What it points at needs a typedef when it is neither C's own type nor a struct nor an <stdint.h> one.
        const plainName = !(ptr?.[1]) && !C_BUILTIN.has(name) && !/^u?int(8|16|32|64)$/.test(name);
        if (f.pointee !== undefined) {
          if (!plainName) fail(`${where}: "pointee" is for a typedef'd element, not ${name}`);
          const prev = plain.get(name);
          const type = UINT_C[f.pointee]!;
          if (prev && prev.type !== type) fail(`${name} is ${prev.type} at ${prev.where} but ${type} at ${where}`);
          if (!prev) plain.set(name, { type, size: UINT_SIZE[f.pointee]!, where });
        } else if (plainName && ptr) fail(`${where}: ${f.cType} points at ${name}: say what it is with "pointee"`);
        continue;
      }
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(f.cType)) fail(`${where}: cannot define C type ${JSON.stringify(f.cType)}`);
      const type = UINT_C[f.type];
      const size = UINT_SIZE[f.type];
      if (type === undefined || size === undefined) fail(`${where}: typedef ${f.cType} of a ${f.type} field`);
      const elem = f.size / (f.count ?? 1);
      if (elem !== size) fail(`${where}: ${f.cType} is ${elem} bytes but ${f.type} is ${size}`);
      const prev = plain.get(f.cType);
      if (prev && prev.type !== type) fail(`${f.cType} is ${prev.type} at ${prev.where} but ${type} at ${where}`);
      if (!prev) plain.set(f.cType, { type, size, where });
    }
  const out: string[] = [];
  for (const [name, t] of [...plain].sort(([a], [b]) => a.localeCompare(b))) {
    out.push(...doc(`${name}: a ${t.size * 8}-bit unsigned integer (e.g. ${t.where}). schema: structs[].fields[].cType`));
    out.push(`typedef ${t.type} ${name};`);
  }
  if (aligned) {
    out.push(
      ...doc(`uint64_aligned_t: a uint64_t aligned to 8 even where uint64_t is not, as Xen's tools build defines it. A definition already made (as a macro) wins.`),
      `#ifndef ${ALIGNED_U64}`,
      '#if defined(__GNUC__)',
      `#define ${ALIGNED_U64} uint64_t __attribute__((__aligned__(8)))`,
      '#else',
      `#define ${ALIGNED_U64} uint64_t`,
      '#endif',
      '#endif',
    );
  }
  if (handles.size) {
    out.push(
      ...doc('Guest handles: a pointer into the caller\'s memory, wrapped in a struct so that handles of different types do not mix. XEN_GUEST_HANDLE_64 is the same on LP64 targets.'),
      '#define XEN_GUEST_HANDLE(name) __guest_handle_ ## name',
      '#define XEN_GUEST_HANDLE_64(name) XEN_GUEST_HANDLE(name)',
      '#define set_xen_guest_handle(hnd, val) do { (hnd).p = (val); } while (0)',
    );
    for (const [name, elem] of [...handles].sort(([a], [b]) => a.localeCompare(b))) out.push(`typedef struct { ${elem} *p; } __guest_handle_${name};`);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Files

interface Draft {
  name: string;
  summary: string[];
  /** `<system.h>` or one of our files; system headers first, ours in insertion order. */
  includes: Set<string>;
  sections: string[][];
}

function emit(d: Draft): GeneratedFile {
  const guard = guardName(d.name);
  const lines = [MARKER, '/*', ` * xenmem/${d.name}`, ' *', ...d.summary.map((l) => (l ? ` * ${l}` : ' *')), ' */', `#ifndef ${guard}`, `#define ${guard}`, ''];
  const inc = [...[...d.includes].filter((i) => i.startsWith('<')).sort(), ...[...d.includes].filter((i) => !i.startsWith('<'))];
  for (const i of inc) lines.push(`#include ${i.startsWith('<') ? i : `"${i}"`}`);
  if (inc.length) lines.push('');
  for (const sec of d.sections.filter((x) => x.length)) lines.push(...sec, '');
  lines.push(`#endif /* ${guard} */`, '');
  return { path: `${OUT}/${d.name}`, contents: lines.join('\n') };
}

/** Options of the C target. */
export interface COptions {
  /**
   * The interface version `schema` was resolved at (at-iface.ts, `xenmem gen --iface`): the headers are pinned to
   * it. An undefined `__XEN_INTERFACE_VERSION__` means it, and any other value stops the build with #error, since
   * the headers no longer hold another version's names.
   */
  iface?: number;
}

export function generateC(schema: XenAbiSchema, options: COptions = {}): GeneratedFile[] {
  const pinned = options.iface === undefined ? undefined : formatIfaceHex(options.iface);
  const newest = newestRelease(schema);
  const structs = currentStructs(schema, newest);
  const structMap = new Map(structs.map((st) => [st.name, st]));
  const latest = Math.max(...schema.releases.map((r) => parseIfaceHex(r.latestInterfaceVersion)));
  const latestReleases = schema.releases.filter((r) => parseIfaceHex(r.latestInterfaceVersion) === latest).map((r) => r.name).sort(compareReleases);
  const undefinedValue = hexIface(schema.interfaceVersion.undefinedValue);

  const bases = new Map<string, string>();
  const drafts = new Map<string, Draft>();
  const draft = (xenHeader: string, removed: boolean): Draft => {
    const name = fileFor(xenHeader, removed);
    const base = name.replace(/_legacy\.h$/, '.h');
    const seen = bases.get(base);
    if (seen !== undefined && seen !== xenHeader) fail(`Xen headers ${seen} and ${xenHeader} would share our ${base}`);
    bases.set(base, xenHeader);
    let d = drafts.get(name);
    if (!d) {
      d = { name, summary: [], includes: new Set(name === XEN_H ? [] : [XEN_H]), sections: [] };
      drafts.set(name, d);
    }
    return d;
  };

  // xen-compat.h: the interface-version rules, or the one version the headers are pinned to.
  const latestLine = `- __XEN_LATEST_INTERFACE_VERSION__ is ${formatIfaceHex(latest)} (Xen ${latestReleases[0]}${latestReleases.length > 1 ? `–${latestReleases[latestReleases.length - 1]}` : ''});`;
  const compat: Draft = {
    name: COMPAT,
    summary:
      pinned === undefined
        ? [
            'Interface-version rules (schema: interfaceVersion, releases[].latestInterfaceVersion):',
            latestLine,
            `- an undefined __XEN_INTERFACE_VERSION__ means ${undefinedValue}, the legacy interface, as in Xen;`,
            '- a version above the latest stops the build with #error, as in Xen.',
            "Unlike Xen's xen-compat.h, __XEN__ and __XEN_TOOLS__ do not force the latest version: these headers give the",
            'tools-only names without them. A tools build that wants what Xen gives it defines',
            '__XEN_INTERFACE_VERSION__=__XEN_LATEST_INTERFACE_VERSION__ itself.',
          ]
        : [
            `These headers are pinned to interface version ${pinned} (xenmem gen --iface ${pinned}): every name, number and`,
            `field is what Xen's headers give a client compiled at ${pinned}, without #if. Therefore:`,
            latestLine,
            `- an undefined __XEN_INTERFACE_VERSION__ means ${pinned} (not ${undefinedValue} as in Xen);`,
            `- any other __XEN_INTERFACE_VERSION__ stops the build with #error: generate the headers for that version.`,
          ],
    includes: new Set(),
    sections: [
      [
        `#define __XEN_LATEST_INTERFACE_VERSION__ ${formatIfaceHex(latest)}`,
        '',
        '#if !defined(__XEN_INTERFACE_VERSION__)',
        `#define __XEN_INTERFACE_VERSION__ ${pinned ?? undefinedValue}`,
        ...(pinned === undefined
          ? []
          : ['#elif __XEN_INTERFACE_VERSION__ != ' + pinned, `#error "xenmem: these headers are pinned to __XEN_INTERFACE_VERSION__ ${pinned} (xenmem gen --iface ${pinned}); generate them for the version you compile at"`]),
        '#endif',
        '',
        '#if __XEN_INTERFACE_VERSION__ > __XEN_LATEST_INTERFACE_VERSION__',
        `#error "xenmem: __XEN_INTERFACE_VERSION__ is above ${formatIfaceHex(latest)}, the latest interface version these headers describe (schema/xen-abi.json)"`,
        '#endif',
      ],
    ],
  };

  // xen.h: hypercall numbers, the target check and the C types the structs name.
  const xen = draft(XEN_H, false);
  xen.summary.push(
    'Hypercall numbers and the C types the other headers use (domid_t, uint64_aligned_t, guest handles, …).',
    'Every xenmem header includes this one, which includes xen-compat.h for __XEN_INTERFACE_VERSION__.',
  );
  for (const i of ['<stddef.h>', '<stdint.h>', COMPAT]) xen.includes.add(i);
  xen.sections.push([
    '#if !defined(__LP64__) && !defined(_LP64)',
    `#error "xenmem: these headers describe the LP64 (x86_64) layouts recorded in ${SCHEMA}; 32-bit targets are not supported"`,
    '#endif',
  ]);
  xen.sections.push([
    ...doc(`${STATIC_ASSERT} and ${ALIGNOF}: C11's _Static_assert and _Alignof, which C++ (11 and later) spells static_assert and alignof, so that device models written in C++ include these headers too.`),
    '#ifdef __cplusplus',
    `#define ${STATIC_ASSERT}(expr, message) static_assert(expr, message)`,
    `#define ${ALIGNOF}(type) alignof(type)`,
    '#else',
    `#define ${STATIC_ASSERT}(expr, message) _Static_assert(expr, message)`,
    `#define ${ALIGNOF}(type) _Alignof(type)`,
    '#endif',
  ]);
  xen.sections.push(
    [...schema.hypercalls]
      .sort((a, b) => a.value - b.value)
      .flatMap((h) => [
        ...doc(`${h.cName}: the ${h.name} hypercall. schema: hypercalls[name=${h.name}]`),
        ...(h.legacyValue === undefined
          ? [`#define ${h.cName} ${cLiteral(h.value)}`]
          : [
              // Xen's xen.h gives old interface versions the hypercall this one replaced.
              `#if ${ifaceCondition({ from: h.legacyValue.below })}`,
              `#define ${h.cName} ${cLiteral(h.value)}`,
              '#else',
              `#define ${h.cName} ${cLiteral(h.legacyValue.value)} /* ${h.legacyValue.cName}, below ${h.legacyValue.below} */`,
              '#endif',
            ]),
      ]),
  );
  xen.sections.push(baseTypeLines(structs));

  // HVMOPs and hvmmem_type_t.
  const removedFrom = (last: string) => schema.releases.map((r) => r.name).sort(compareReleases).find((r) => compareReleases(r, last) > 0) ?? newest;
  const hvm = draft(HVM_OP_H, false);
  hvm.summary.push(
    `HVMOP numbers of Xen ${newest}'s hvm/hvm_op.h ${pinned === undefined ? 'with its interface-version guards' : `at interface version ${pinned}`}, hvmmem_type_t, the public HVMOP`,
    'structs and the tools-only constants kept there. The HVMOPs Xen dropped in 4.9 are in hvm_op_legacy.h.',
  );
  const currentOps = schema.hvmops.filter((op) => !isRemovedOp(op, newest));
  const legacyOps = schema.hvmops.filter((op) => isRemovedOp(op, newest));
  hvm.sections.push(hvmopLines(currentOps, false), hvmmemEnumLines(schema, pinned));
  if (legacyOps.length) {
    const legacy = draft(HVM_OP_H, true);
    const last = legacyOps.map((op) => op.lastHeaderRelease!).sort(compareReleases).pop()!;
    const first = legacyOps.map((op) => op.firstRelease).sort(compareReleases)[0]!;
    legacy.summary.push(
      `The old hypercall ABI for talking to hypervisors up to Xen ${last}: the tools-only HVMOPs, their structs and`,
      `constants as Xen ${first}–${last} defined them, removed from Xen's headers in ${removedFrom(last)} when these ops moved to`,
      `XEN_DMOP_* (dm_op.h). Xen defined them only for __XEN__/__XEN_TOOLS__ builds; here they are unconditional and`,
      'do not depend on __XEN_INTERFACE_VERSION__. A hypervisor from 4.9 on answers these op numbers with -ENOSYS.',
      'Not included by xenmem.h: include this file only to speak to those hypervisors.',
    );
    legacy.sections.push(hvmopLines(legacyOps, true));
  }

  // DMOPs.
  const dm = draft(DM_OP_H, false);
  dm.summary.push(
    'The dm_op hypercall (__HYPERVISOR_dm_op): XEN_DMOP_* numbers, their constants, every payload struct under Xen\'s',
    'struct name with a _t typedef, struct xen_dm_op with its union, and struct xen_dm_op_buf.',
  );
  dm.sections.push(dmopLines(schema));

  // The xenstore error strings.
  if (schema.xsdErrors?.length) draft(XS_WIRE_H, false).sections.push(xsdErrorLines(schema));

  // Constants, bit packs and structs, by the Xen header the schema names.
  for (const g of schema.constants) draft(g.header, g.visibility === 'removed').sections.push(constantGroupLines(g));
  for (const p of schema.bitPacks) draft(p.header, p.visibility === 'removed').sections.push(bitPackLines(p));
  const byFile = new Map<string, Struct[]>();
  for (const st of structs) {
    const d = draft(st.header, st.visibility === 'removed');
    byFile.set(d.name, [...(byFile.get(d.name) ?? []), st]);
  }
  for (const [name, list] of byFile) {
    const d = drafts.get(name)!;
    for (const st of list)
      for (const dep of structDeps(schema, st)) {
        const target = structMap.get(dep);
        if (!target) fail(`struct ${st.name} uses struct ${dep}, which the schema does not define`);
        const other = fileFor(target.header, target.visibility === 'removed');
        if (other !== name) d.includes.add(other);
      }
    d.sections.push(structOrder(schema, list, structMap).flatMap((st, i) => [...(i ? [''] : []), ...structLines(schema, st, structMap)]));
  }

  for (const d of drafts.values()) {
    if (d.summary.length === 0) {
      const xenHeader = bases.get(d.name.replace(/_legacy\.h$/, '.h'));
      const what = [
        ...schema.constants.filter((g) => fileFor(g.header, g.visibility === 'removed') === d.name).map((g) => g.description),
        ...(byFile.get(d.name) ?? []).map((st) => `struct ${st.name}.`),
      ];
      const from = xenHeader?.startsWith('sys/')
        ? `From Linux's Xen driver interface, ${xenHeader} as installed under /usr/include/xen (Xen's tools/include/xen-sys/Linux/${xenHeader.slice(4)}):`
        : `From Xen's ${xenHeader}:`;
      d.summary.push(from, ...what.map((w) => `- ${commentText(w)}`));
    }
    d.summary.push('', `Generated from ${SCHEMA}; every symbol's comment names its schema entry.`);
  }

  const umbrellaIncludes = [COMPAT, XEN_H, ...[...drafts.keys()].filter((n) => n !== XEN_H && !n.endsWith('_legacy.h')).sort()];
  const umbrella: Draft = {
    name: UMBRELLA,
    summary: [
      "Everything xenmem knows about Xen's HVM memory-type ABI, as a stand-alone alternative to Xen's public headers",
      ...(pinned === undefined
        ? ['(do not include both). Define __XEN_INTERFACE_VERSION__ before including it to pick the names of that interface', `version; undefined means ${undefinedValue}, as in Xen. C11; LP64 targets.`]
        : [`(do not include both), pinned to interface version ${pinned} (see xen-compat.h). C11; LP64 targets.`]),
      ...[...drafts.keys()].filter((n) => n.endsWith('_legacy.h')).sort().map((n) => `${n} (names Xen's newest headers dropped) is not included: include it explicitly.`),
    ],
    includes: new Set(umbrellaIncludes),
    sections: [],
  };
  const files = [emit(compat), ...[...drafts.values()].sort((a, b) => a.name.localeCompare(b.name)).map(emit), emit(umbrella)];
  return files;
}
