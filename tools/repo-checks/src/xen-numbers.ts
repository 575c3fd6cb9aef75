/**
 * Bare Xen numbers: numbers written by hand in code although schema/xen-abi.json gives them a name.
 *
 * A *Xen number* is a value the schema names: a constant (constants[].members[].value), a limit, a hypercall,
 * HVMOP or DMOP number, an errno, an hvmmem or p2m type number, the count of p2m types, a struct's size or a
 * field's offset. A *Xen name* is the upper-cased C name of one of those (`HVMMEM_ioreq_server` →
 * HVMMEM_IOREQ_SERVER, `p2m_ram_rw` → P2M_RAM_RW) or any tail of it of two words or more (RANGE_PORT, RAM_RW).
 *
 * A numeric literal expression (`4`, `0xff`, `1 << 18`, `2 ** 32 - 1`, `0xfeff7n`) in a scanned file is *bare*
 * when
 *  - it is the whole value of a `const` or `static readonly` binding and either the binding has a Xen name (any
 *    value, 0 and 1 too) or the value is a Xen number ≥ 2; or
 *  - it is an operand of a comparison (`<`, `<=`, `>`, `>=`, `===`, `!==`) and its value is a Xen number ≥ 2 that
 *    is neither a power of two nor the largest value of an integer type (0xff, 0xffff, 0xffffffff).
 * 0 and 1 are left out of the value rules: they are everywhere and name nothing on their own. Powers of two are
 * left out of comparisons: there they are widths and byte counts (`size === 8`, `bits > 32`) that only happen to
 * equal a Xen number; so are the largest u8/u16/u32/u64 values, which bound a width (`id > 0xffff` checks a
 * uint16) even where Xen names the value (XS_INVALID is 0xffff). Masks (`& 0xff`) are bit arithmetic and are not looked at; a named mask is a binding.
 *
 * Scanned: every .ts file under packages/<name>/src, packages/codegen (the generators, whose sources sit at its
 * top) and tools/, except generated files (a `generated/` folder, or a first line saying "@generated"), tests
 * (`test/` folders, `*.test.ts`) and node_modules/dist.
 * An exception is an {@link XenNumberException}: a file, a pattern its line matches, and why the number stays.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import ts from 'typescript';

/** The parts of schema/xen-abi.json this check reads. */
export interface SchemaNumbers {
  constants: { members: { cName: string; value: number }[] }[];
  limits: { id: string; cName?: string; value: number }[];
  hypercalls: { cName: string; value: number }[];
  hvmops: { cName: string; value: number }[];
  dmops: { cName: string; value: number }[];
  errno: { name: string; value: number }[];
  hvmmemTypes: { value: number; names: { cName: string }[] }[];
  p2mTypes: { value: number; names: { name: string }[] }[];
  structs: { name: string; size: number; fields: { name: string; offset: number }[] }[];
}

/** The values the schema names, each with the names it goes by (for messages), and the Xen names. */
export interface XenVocabulary {
  numbers: Map<number, string[]>;
  names: Set<string>;
}

export function xenVocabulary(schema: SchemaNumbers): XenVocabulary {
  const numbers = new Map<number, string[]>();
  const names = new Set<string>();
  const number = (value: number, name: string) => numbers.set(value, [...(numbers.get(value) ?? []), name]);
  const cName = (name: string) => {
    const words = name.toUpperCase().split('_').filter(Boolean);
    for (let i = 0; i + 2 <= words.length; i++) names.add(words.slice(i).join('_'));
  };
  for (const g of schema.constants) for (const m of g.members) (number(m.value, m.cName), cName(m.cName));
  for (const l of schema.limits) (number(l.value, l.cName ?? `limit ${l.id}`), l.cName && cName(l.cName));
  for (const h of [...schema.hypercalls, ...schema.hvmops, ...schema.dmops]) (number(h.value, h.cName), cName(h.cName));
  for (const e of schema.errno) number(e.value, e.name);
  for (const v of schema.hvmmemTypes) for (const n of v.names) (number(v.value, n.cName), cName(n.cName));
  for (const t of schema.p2mTypes) for (const n of t.names) (number(t.value, n.name), cName(n.name));
  number(schema.p2mTypes.length, 'the count of p2m types');
  for (const s of schema.structs) {
    number(s.size, `sizeof(${s.name})`);
    for (const f of s.fields) if (f.offset >= 2) number(f.offset, `offsetof(${s.name}, ${f.name})`);
  }
  return { numbers, names };
}

/** One bare Xen number. */
export interface BareXenNumber {
  /** Repository-relative path, with `/`. */
  file: string;
  /** 1-based line. */
  line: number;
  /** The line's text, trimmed. */
  text: string;
  /** The expression as written. */
  literal: string;
  value: number;
  /** What makes it a Xen number: the schema's names for the value, or the Xen name of its binding. */
  why: string;
}

/** The value of a numeric literal expression, or undefined when it is anything else. */
export function literalValue(node: ts.Node): number | undefined {
  if (ts.isNumericLiteral(node)) return Number(node.text);
  if (ts.isBigIntLiteral(node)) return Number(BigInt(node.text.slice(0, -1)));
  if (ts.isParenthesizedExpression(node)) return literalValue(node.expression);
  if (ts.isPrefixUnaryExpression(node) && node.operator === ts.SyntaxKind.MinusToken) {
    const v = literalValue(node.operand);
    return v === undefined ? undefined : -v;
  }
  if (ts.isBinaryExpression(node)) {
    const a = literalValue(node.left);
    const b = literalValue(node.right);
    if (a === undefined || b === undefined) return undefined;
    switch (node.operatorToken.kind) {
      case ts.SyntaxKind.PlusToken: return a + b;
      case ts.SyntaxKind.MinusToken: return a - b;
      case ts.SyntaxKind.AsteriskToken: return a * b;
      case ts.SyntaxKind.AsteriskAsteriskToken: return a ** b;
      case ts.SyntaxKind.LessThanLessThanToken: return a * 2 ** b;
      case ts.SyntaxKind.BarToken: return Number(BigInt(a) | BigInt(b));
      default: return undefined;
    }
  }
  return undefined;
}

const COMPARISONS = new Set([
  ts.SyntaxKind.LessThanToken,
  ts.SyntaxKind.LessThanEqualsToken,
  ts.SyntaxKind.GreaterThanToken,
  ts.SyntaxKind.GreaterThanEqualsToken,
  ts.SyntaxKind.EqualsEqualsEqualsToken,
  ts.SyntaxKind.ExclamationEqualsEqualsToken,
]);

const isPowerOfTwo = (v: number) => Number.isInteger(Math.log2(v));
/** The largest value of a u8, u16, u32 or u64: a width bound, not a number with a meaning. */
const isWidthBound = (v: number) => [8, 16, 32, 64].some((bits) => v === 2 ** bits - 1);

/** The bare Xen numbers of one file's text. */
export function findBareXenNumbers(file: string, text: string, xen: XenVocabulary): BareXenNumber[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: BareXenNumber[] = [];
  const report = (node: ts.Node, value: number, why: string) => {
    const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
    found.push({ file, line: line + 1, text: text.split('\n')[line]!.trim(), literal: node.getText(source), value, why });
  };
  const byValue = (node: ts.Node, value: number) => {
    const names = xen.numbers.get(value);
    if (value >= 2 && names) report(node, value, names.join(', '));
  };
  const binding = (name: ts.Node, init: ts.Expression | undefined) => {
    const value = init && literalValue(init);
    if (value === undefined) return;
    const id = ts.isIdentifier(name) ? name.text : '';
    if (xen.names.has(id)) report(init!, value, `the binding is named ${id}`);
    else byValue(init!, value);
  };
  const visit = (node: ts.Node): void => {
    if (ts.isVariableDeclaration(node) && ts.isVariableDeclarationList(node.parent) && node.parent.flags & ts.NodeFlags.Const) {
      binding(node.name, node.initializer);
      if (node.initializer && literalValue(node.initializer) !== undefined) return;
    } else if (ts.isPropertyDeclaration(node) && node.modifiers?.some((m) => m.kind === ts.SyntaxKind.StaticKeyword) && node.modifiers.some((m) => m.kind === ts.SyntaxKind.ReadonlyKeyword)) {
      binding(node.name, node.initializer);
      if (node.initializer && literalValue(node.initializer) !== undefined) return;
    } else if (ts.isBinaryExpression(node) && COMPARISONS.has(node.operatorToken.kind) && literalValue(node) === undefined) {
      for (const side of [node.left, node.right]) {
        const value = literalValue(side);
        if (value !== undefined && !isPowerOfTwo(value) && !isWidthBound(value)) byValue(side, value);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** An allowed bare Xen number: the file, a pattern its line matches, and why it stays. */
export interface XenNumberException {
  file: string;
  line: RegExp;
  why: string;
}

/** Whether an exception covers a finding. */
export function allowedBy(finding: BareXenNumber, exception: XenNumberException): boolean {
  return finding.file === exception.file && exception.line.test(finding.text);
}

const SKIP_DIRS = new Set(['node_modules', 'dist', 'generated', 'test', 'target', 'coverage']);

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (!SKIP_DIRS.has(name) && !name.startsWith('.')) out.push(...tsFiles(path));
    } else if (name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** The files the check scans, repository-relative with `/`, sorted. */
export function scannedFiles(root: string): string[] {
  const packages = readdirSync(join(root, 'packages')).map((p) => join(root, 'packages', p, 'src'));
  const dirs = [...packages.filter((d) => statSync(d, { throwIfNoEntry: false })?.isDirectory()), join(root, 'packages/codegen'), join(root, 'tools')];
  return dirs
    .flatMap(tsFiles)
    .filter((f) => !readFileSync(f, 'utf8').split('\n', 1)[0]!.includes('@generated'))
    .map((f) => relative(root, f).split(sep).join('/'))
    .sort();
}

/** Every bare Xen number of the repository at `root`, allowed or not. */
export function scanRepository(root: string): BareXenNumber[] {
  const schema = JSON.parse(readFileSync(join(root, 'schema/xen-abi.json'), 'utf8')) as SchemaNumbers;
  const xen = xenVocabulary(schema);
  return scannedFiles(root).flatMap((f) => findBareXenNumbers(f, readFileSync(join(root, f), 'utf8'), xen));
}

/** The findings no exception covers: what the repository check fails on. */
export function unexplained(findings: readonly BareXenNumber[], exceptions: readonly XenNumberException[]): BareXenNumber[] {
  return findings.filter((f) => !exceptions.some((e) => allowedBy(f, e)));
}

/**
 * Numbers that equal a Xen number but are not one, or that the schema cannot hold, each with why it stays. A new
 * entry needs the same: say what the number is, and why the schema is not where it belongs.
 */
export const XEN_NUMBER_EXCEPTIONS: readonly XenNumberException[] = [
  { file: 'packages/hypervisor-sim/src/domain-svg.ts', line: /^const MARGIN = 20;|^const SERVER_H = 14;/, why: 'pixel sizes of the domain picture (margin, a server row\'s height)' },
  { file: 'packages/sim-protocol/src/wire/doorbell.ts', line: /^const WORDS_PER_SUMMARY_BIT = 8;/, why: 'layout of the daemon\'s doorbell page, the simulator\'s own protocol' },
  { file: 'packages/sim-protocol/src/wire/definitions.ts', line: /^export const FRAME_HEADER = 9;/, why: 'the daemon\'s frame header (length, kind, id), the simulator\'s own protocol' },
  { file: 'packages/sim-protocol/src/wire/frame.ts', line: /^if \(length < 5\) throw new WireError/, why: 'the daemon\'s smallest frame (kind + id), the simulator\'s own protocol' },
  { file: 'packages/sim-protocol/src/wire/definitions.ts', line: /^export const WIRE_PAGE_SIZE = 4096;/, why: 'the unit of the daemon\'s shared-memory file, fixed by its protocol whatever page a Xen struct has' },
  { file: 'packages/bench/src/ioreq-workloads.ts', line: /^export const DMOP_IN_FLIGHT = 32;|^const PFN_BASE = 0x100;/, why: 'benchmark parameters: calls in flight, the first pfn a workload touches' },
  { file: 'packages/bench/src/state-workload.ts', line: /^const FSYNC_RECORD_BYTES = 256;/, why: 'benchmark parameter: bytes per measured fsync (about one journal record)' },
  { file: 'packages/hypervisor-sim/src/state/record.ts', line: /^export const RECORD_HEADER_BYTES = 8;/, why: 'the state journal\'s record header (length, CRC-32), the simulator\'s own file format' },
  { file: 'packages/hypervisor-sim/src/state/snapshot.ts', line: /^export const STATE_VERSION = 2;/, why: 'version of the simulator\'s own state file format' },
  { file: 'packages/bench/src/report.ts', line: /x >= 10 \?|r >= 10 \?|^const rowH = 22;/, why: 'number formatting (digits from 10 up) and the chart\'s row height' },
  {
    file: 'packages/bench/src/workloads.ts',
    line: /^export const QUICK_SHRINK = 16;|^const WARM_DOMID = 2;|i < 10; i\+\+|^const sizeRuns = 8;|^const children = 3;|^const limitMiB = 16;|^const runs = 2 \*\* 16;/,
    why: 'benchmark parameters: sizes, repetitions, the warm-up domain\'s id, child processes, a memory cap',
  },
  { file: 'packages/cli/src/commands/demo.ts', line: /^const FIRST_PFN = 0x100n;|^const NR = 16;/, why: 'the demo\'s example range of pages' },
  { file: 'packages/cli/src/io.ts', line: /^export const EXIT_USAGE = 2;/, why: 'the CLI\'s exit code for a usage error' },
  { file: 'packages/hypervisor-sim/src/daemon/daemon.ts', line: /^const EMFILE = 24;/, why: 'Linux errno of accept(), not a Xen errno' },
  { file: 'packages/hypervisor-sim/src/daemon/daemon.ts', line: /^export const DEFAULT_MAX_CONNECTIONS = 64;/, why: 'the daemon\'s default client limit, a setting of the simulator (64 is only also sizeof(multicall_entry))' },
  { file: 'packages/hypervisor-sim/src/guest/access.ts', line: /^const PAGE = 4096n;/, why: 'x86\'s 4 KiB guest page (PAGE_SIZE); the schema records structs, not the page size' },
  { file: 'packages/sim-protocol/src/wire/control.ts', line: /^export const MAX_GUEST_RAM_BYTES = 65536;/, why: 'the daemon protocol\'s own limit on a guest_ram frame (64 KiB)' },
  { file: 'packages/sim-protocol/src/wire/payloads.ts', line: /^export const MAX_FOREIGN_BATCH = 65536;/, why: 'the daemon protocol\'s own limit on a map_foreign_batch frame (256 MiB of RAM)' },
  { file: 'packages/hypervisor-sim/src/guest/route.ts', line: /^const CF8_ENABLED = 0x80000000;/, why: 'the enable bit of the PCI configuration address at port 0xcf8, a PC fact (0x80000000 is only also PRIVCMD_MMAPBATCH_PAGED_ERROR)' },
];
