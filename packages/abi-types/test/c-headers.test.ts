/**
 * The generated C headers (packages/abi-types/include/xenmem/*.h), compiled with gcc:
 *  (a) against schema/xen-abi.json at several interface versions: a probe generated from the schema prints every
 *      value, size, offset and bit-field position, and each line must equal the schema's;
 *  (b) against Xen's own headers from Debian's libxen-dev, fetched into the project's package cache
 *      (.cache/debroot/usr/include/xen, by scripts/deb-cache.mjs, at the version its manifest records): the same
 *      probe, naming only what that Xen release defines, is built once over our headers and once over Xen's, and
 *      every line must match. The cache is used even where libxen-dev is installed, so the compared release is the
 *      recorded one.
 *
 * Probes are batched (one program per setting) and compiled in parallel, so the file stays within a few seconds.
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatIfaceHex, loadSchemaFile, parseIfaceHex, type XenAbiSchema } from '@xenmem/schema';
import { absentEnumeratorSource, buildProbe, parseProbeOutput, type ProbeOptions } from './c/probe.js';
import { ensureDebSet } from '../../../scripts/deb-cache.mjs';

const repoRoot = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const includeDir = join(repoRoot, 'packages/abi-types/include');
const headerDir = join(includeDir, 'xenmem');
const umbrella = join(headerDir, 'xenmem.h');
const legacyHeaders = existsSync(headerDir) ? readdirSync(headerDir).filter((f) => f.endsWith('_legacy.h')).sort() : [];
const REGEN = 'run `npm run codegen` (packages/codegen) to regenerate them';

/** Xen's public headers (set in (b)'s set-up): the cached libxen-dev, or another tree given as XENMEM_XEN_INCLUDE. */
let XEN_INCLUDE = '';
let XEN_I: string[] = [];
const SKIP_LIBXEN = process.env.XENMEM_SKIP_LIBXEN === '1';
/**
 * Xen's public headers need <errno.h> (for xs_wire.h's xsd_errors[]) and the fixed-width types first; then every
 * header the schema's facts come from. Linux's
 * driver headers (xen/sys/*.h) need <stddef.h>'s size_t, <sys/ioctl.h>'s _IOC and xen.h's domid_t and xen_pfn_t first.
 */
const XEN_PRELUDE = [
  '<errno.h>',
  '<stddef.h>',
  '<stdint.h>',
  '<sys/ioctl.h>',
  '<xen/xen.h>',
  '<xen/event_channel.h>',
  '<xen/hvm/hvm_op.h>',
  '<xen/hvm/dm_op.h>',
  '<xen/hvm/ioreq.h>',
  '<xen/hvm/params.h>',
  '<xen/memory.h>',
  '<xen/sched.h>',
  '<xen/version.h>',
  '<xen/io/xs_wire.h>',
  '<xen/sys/privcmd.h>',
  '<xen/sys/evtchn.h>',
  '<xen/sys/gntdev.h>',
]
  .map((h) => `#include ${h}`)
  .join('\n');

const CFLAGS = ['-std=c11', '-Wall', '-Wextra'];
/** <errno.h> first, as for Xen's: xs_wire.h's xsd_errors[] exists only where EINVAL is defined. */
const OURS = ['-I', includeDir, '-include', 'errno.h', '-include', umbrella, ...legacyHeaders.flatMap((h) => ['-include', join(headerDir, h)])];

function loadSchema(): XenAbiSchema {
  const loaded = loadSchemaFile(join(repoRoot, 'schema/xen-abi.json'));
  if (!loaded.ok) throw new Error(`schema/xen-abi.json is invalid: ${loaded.problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
  return loaded.schema;
}
const schema = loadSchema();

/** An interface-version setting: a -D__XEN_INTERFACE_VERSION__ value, or none. */
interface Setting {
  label: string;
  define?: string;
}
const setting = (hex?: string): Setting => (hex === undefined ? { label: 'undefined' } : { label: hex, define: hex });
const ifaceOf = (s: Setting) => parseIfaceHex(s.define ?? schema.interfaceVersion.undefinedValue);
const defines = (s: Setting) => (s.define === undefined ? [] : [`-D__XEN_INTERFACE_VERSION__=${s.define}`]);
const at = (s: Setting) => `__XEN_INTERFACE_VERSION__=${s.label}`;

/** The settings both comparisons use; 0x00040e00 is the latest Xen 4.14–4.18 headers accept. */
const SETTINGS = [setting('0x00040600'), setting('0x00040700'), setting('0x00040900'), setting('0x00040e00'), setting()];
/** Ours also at their own latest. */
const OUR_LATEST = formatIfaceHex(Math.max(...schema.releases.map((r) => parseIfaceHex(r.latestInterfaceVersion))));
const OUR_SETTINGS = [...SETTINGS, setting(OUR_LATEST)];
const ABOVE_LATEST = formatIfaceHex(parseIfaceHex(OUR_LATEST) + 0x100);

// ---------------------------------------------------------------------------------------------------------------
// gcc in child processes, a few at a time

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}
const slots = { free: Math.max(2, availableParallelism()), waiting: [] as (() => void)[] };
async function run(cmd: string, args: string[], cwd: string): Promise<Run> {
  // A finishing job hands its slot straight to the next waiting one.
  if (slots.free > 0) slots.free--;
  else await new Promise<void>((r) => slots.waiting.push(r));
  try {
    return await new Promise<Run>((done) =>
      execFile(cmd, args, { cwd, env: { ...process.env, LC_ALL: 'C' }, maxBuffer: 16 << 20 }, (err, stdout, stderr) =>
        done({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout: String(stdout), stderr: String(stderr) }),
      ),
    );
  } finally {
    const next = slots.waiting.shift();
    if (next) next();
    else slots.free++;
  }
}

let work: string;
let seq = 0;
function file(name: string, text: string): string {
  const path = join(work, `${seq++}-${name}`);
  writeFileSync(path, text);
  return path;
}

/**
 * Compiles and runs a probe; throws when it does not build, naming each symbol gcc found undeclared with the value
 * `expectedName` gives it, then gcc's messages.
 */
async function probeOutput(what: string, source: string, flags: string[], expected: Map<string, string>, expectedName: string): Promise<Map<string, string>> {
  const src = file(`${what.replace(/\W+/g, '_')}.c`, source);
  const exe = `${src}.out`;
  const cc = await run('gcc', [...flags, src, '-o', exe], work);
  if (cc.code !== 0) {
    const missing = [...new Set([...cc.stderr.matchAll(/error: '([A-Za-z_]\w*)' undeclared/g)].map((m) => m[1]!))];
    const named = missing.map((n) => `  ${n}: not declared, ${expectedName} gives ${expected.get(`const ${n}`) ?? '(no value)'}\n`).join('');
    throw new Error(`${what}: the probe does not compile\n${named}gcc ${[...flags, src].join(' ')}:\n${cc.stderr}`);
  }
  const out = await run(exe, [], work);
  if (out.code !== 0) throw new Error(`${what}: the probe exited ${out.code}:\n${out.stderr}`);
  return parseProbeOutput(out.stdout);
}

/** Names gcc reports as undeclared when the translation unit using them fails; throws if it compiles. */
async function undeclared(what: string, names: string[], prelude: string, flags: string[]): Promise<{ undeclared: string[]; otherErrors: string[] }> {
  const src = file(`${what.replace(/\W+/g, '_')}.c`, `${prelude}\n${absentEnumeratorSource(names)}`);
  const cc = await run('gcc', [...flags, '-fsyntax-only', src], work);
  if (cc.code === 0) throw new Error(`${what}: ${names.join(', ')} compiled, but must be undeclared at this interface version (schema/xen-abi.json gives them only at other versions)`);
  const found = [...cc.stderr.matchAll(/error: '([A-Za-z_]\w*)' undeclared/g)].map((m) => m[1]!);
  const otherErrors = cc.stderr.split('\n').filter((l) => /error:/.test(l) && !/undeclared/.test(l));
  return { undeclared: [...new Set(found)].sort(), otherErrors };
}

/** A promise's outcome, kept so that one setting's failure fails only that setting's tests. */
type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };
const settle = <T>(p: Promise<T>): Promise<Outcome<T>> => p.then((value) => ({ ok: true as const, value }), (error: unknown) => ({ ok: false as const, error }));
function valueOf<T>(o: Outcome<T> | undefined, what: string): T {
  if (o === undefined) throw new Error(`${what}: not built (see the first failure)`);
  if (!o.ok) throw o.error;
  return o.value;
}

/** One message per line whose value differs or that only one side printed. */
function differences(actual: Map<string, string>, expected: Map<string, string>, s: Setting, actualName: string, expectedName: string): string[] {
  const out: string[] = [];
  for (const [key, want] of expected) {
    const got = actual.get(key);
    if (got !== want) out.push(`${key} at ${at(s)}: ${actualName} gives ${got ?? '(no line)'}, ${expectedName} gives ${want}`);
  }
  for (const [key, got] of actual) if (!expected.has(key)) out.push(`${key} at ${at(s)}: ${actualName} gives ${got}, ${expectedName} has no such line`);
  return out;
}

beforeAll(() => {
  if (spawnSync('gcc', ['--version']).status !== 0) throw new Error('gcc is needed to compile the C headers: install it (apt-get install -y gcc)');
  if (spawnSync('g++', ['--version']).status !== 0) throw new Error('g++ is needed to compile the C headers as C++: install it (apt-get install -y g++)');
  work = mkdtempSync(join(tmpdir(), 'xenmem-c-'));
});
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------------------------
// (a) Our headers against the schema

describe('generated C headers against schema/xen-abi.json', () => {
  const ourProbe = (s: Setting) => buildProbe(schema, { scope: { kind: 'xenmem' }, iface: ifaceOf(s), visibility: 'all', typedefs: true, latest: true });
  const SCHEMA_NAME = 'schema/xen-abi.json';
  const outputs = new Map<string, Outcome<Map<string, string>>>();
  const absent = new Map<string, Outcome<{ names: string[]; undeclared: string[]; otherErrors: string[] }>>();
  const output = (label: string) => valueOf(outputs.get(label), `xenmem headers at __XEN_INTERFACE_VERSION__=${label}`);
  const absentAt = (label: string) => valueOf(absent.get(label), `undeclared hvmmem names at __XEN_INTERFACE_VERSION__=${label}`);

  beforeAll(async () => {
    if (!existsSync(umbrella)) throw new Error(`${umbrella} is missing: ${REGEN}`);
    await Promise.all(
      OUR_SETTINGS.flatMap((s) => {
        const probe = ourProbe(s);
        const flags = [...CFLAGS, '-Werror', ...OURS, ...defines(s)];
        const names = probe.absentEnumerators;
        return [
          settle(probeOutput(`xenmem headers at ${at(s)}`, probe.source, flags, probe.expected, SCHEMA_NAME)).then((o) => void outputs.set(s.label, o)),
          settle(undeclared(`xenmem headers at ${at(s)}`, names, '', flags).then((r) => ({ names, ...r }))).then((o) => void absent.set(s.label, o)),
        ];
      }),
    );
  }, 30_000);

  it.each(OUR_SETTINGS.map((s) => [s.label, s] as const))("at %s: every value, size, offset and bit-field position is the schema's", (_label, s) => {
    const probe = ourProbe(s);
    const out = output(s.label);
    expect(differences(out, probe.expected, s, 'xenmem header', SCHEMA_NAME)).toEqual([]);
    expect(out.size).toBeGreaterThan(300);
  });

  // Device models are written in C++ too: every header, its layout checks included, compiles there warning-free.
  it.each(['c++11', 'c++17', 'c++20'])('each header compiles on its own as %s (g++ -Wall -Wextra -Wpedantic -Werror) at every interface version', async (std) => {
    const headers = readdirSync(headerDir).filter((f) => f.endsWith('.h')).sort();
    const srcs = headers.map((h) => file(`alone-${h}.cc`, `#include <xenmem/${h}>\n`));
    const failures: string[] = [];
    await Promise.all(
      OUR_SETTINGS.map(async (s) => {
        const cc = await run('g++', [`-std=${std}`, '-Wall', '-Wextra', '-Wpedantic', '-Werror', '-I', includeDir, ...defines(s), '-fsyntax-only', ...srcs], work);
        if (cc.code !== 0) failures.push(`g++ -std=${std} at ${at(s)}:\n${cc.stderr}`);
      }),
    );
    expect(failures).toEqual([]);
  });

  it.each(OUR_SETTINGS.map((s) => [s.label, s] as const))('at %s: names of other interface versions are undeclared', (_label, s) => {
    const r = absentAt(s.label);
    expect(r.names.length, `at ${at(s)} the schema should leave out the hvmmem names of other interface versions`).toBeGreaterThan(0);
    expect(r.undeclared, `names gcc reports undeclared at ${at(s)}`).toEqual([...r.names].sort());
    expect(r.otherErrors, `other errors at ${at(s)}`).toEqual([]);
  });

  it('gives value 3 the name the interface version selects (xen/include/public/hvm/hvm_op.h @ RELEASE-4.7.0)', () => {
    const get = (label: string, name: string) => output(label).get(`const ${name}`);
    // 0x00040600 and undefined: mmio_write_dm; 0x00040700 and later: unused. ioreq_server is 4 everywhere.
    expect([get('0x00040600', 'HVMMEM_mmio_write_dm'), absentAt('0x00040600').undeclared]).toEqual(['3', ['HVMMEM_unused']]);
    expect([get('undefined', 'HVMMEM_mmio_write_dm'), absentAt('undefined').undeclared]).toEqual(['3', ['HVMMEM_unused']]);
    expect([get('0x00040700', 'HVMMEM_unused'), absentAt('0x00040700').undeclared]).toEqual(['3', ['HVMMEM_mmio_write_dm']]);
    expect([get('0x00040e00', 'HVMMEM_unused'), get('0x00040e00', 'HVMMEM_ioreq_server')]).toEqual(['3', '4']);
    expect([get('0x00040600', 'HVMOP_set_pci_intx_level'), get('0x00040900', 'HVMOP_set_pci_intx_level')]).toEqual(['2', 'absent']);
  });

  it('undefined __XEN_INTERFACE_VERSION__ is 0x00000000 and gives what 0x00040600 gives, but for the names Xen changed before 0x00040600', () => {
    const undef = output('undefined');
    const v46 = output('0x00040600');
    expect(undef.get('iface __XEN_INTERFACE_VERSION__')).toBe('0x00000000');
    // What the schema records as different below 0x00040600: renamed fields and hypercall numbers.
    const v46Iface = parseIfaceHex('0x00040600');
    const renamed = schema.structs.flatMap((st) =>
      st.fields.filter((f) => f.legacyName !== undefined && parseIfaceHex(f.legacyName.below) <= v46Iface).map((f) => ({ tag: `struct ${st.name}`, now: f.name, old: f.legacyName!.name })),
    );
    const renumbered = schema.hypercalls.filter((h) => h.legacyValue !== undefined && parseIfaceHex(h.legacyValue.below) <= v46Iface);
    expect([renamed.map((r) => `${r.tag}.${r.old}`), renumbered.map((h) => `${h.cName} ${h.legacyValue!.value}`)]).toEqual([
      ['struct xen_memory_reservation.address_bits'],
      ['__HYPERVISOR_sched_op 6'],
    ]);
    const keyAt46 = (k: string) => {
      for (const r of renamed) for (const kind of ['offsetof', 'fieldsize']) if (k === `${kind} ${r.tag}.${r.old}`) return `${kind} ${r.tag}.${r.now}`;
      return k;
    };
    const normalised = [...undef]
      .filter(([k]) => k !== 'iface __XEN_INTERFACE_VERSION__')
      .map(([k, v]) => [keyAt46(k), renumbered.some((h) => k === `const ${h.cName}`) ? v46.get(k) : v] as const);
    for (const h of renumbered) expect(undef.get(`const ${h.cName}`), h.cName).toBe(String(h.legacyValue!.value));
    expect(normalised).toEqual([...v46].filter(([k]) => k !== 'iface __XEN_INTERFACE_VERSION__'));
  });

  it(`a version above the latest (${ABOVE_LATEST}) stops the build with the #error`, async () => {
    const src = file('above.c', 'int main(void) { return 0; }\n');
    const cc = await run('gcc', [...CFLAGS, '-Werror', ...OURS, `-D__XEN_INTERFACE_VERSION__=${ABOVE_LATEST}`, '-fsyntax-only', src], work);
    expect(cc.code, `gcc at __XEN_INTERFACE_VERSION__=${ABOVE_LATEST} should fail`).not.toBe(0);
    expect(cc.stderr).toContain(`#error "xenmem: __XEN_INTERFACE_VERSION__ is above ${OUR_LATEST}, the latest interface version these headers describe`);
  });

  it('each header compiles on its own, warning-free, and none reaches for Xen\'s headers', async () => {
    const headers = readdirSync(headerDir).filter((f) => f.endsWith('.h')).sort();
    expect(headers).toEqual(expect.arrayContaining(['xen-compat.h', 'xen.h', 'hvm_op.h', 'hvm_op_legacy.h', 'dm_op.h', 'ioreq.h', 'params.h', 'memory.h', 'xenmem.h', 'sched.h', 'version.h', 'xs_wire.h', 'privcmd.h', 'evtchn.h', 'gntdev.h']));
    const srcs = headers.map((h) => file(`alone-${h}.c`, `#include <xenmem/${h}>\n`));
    const cc = await run('gcc', [...CFLAGS, '-Werror', '-I', includeDir, '-H', '-fsyntax-only', ...srcs], work);
    expect(cc.code, cc.stderr).toBe(0);
    const included = cc.stderr.split('\n').filter((l) => /^\.+ /.test(l)).map((l) => l.replace(/^\.+ /, ''));
    expect(included.filter((p) => !p.startsWith(`${includeDir}/`) && p.includes('/xen/'))).toEqual([]);
    for (const h of headers) {
      const text = readFileSync(join(headerDir, h), 'utf8');
      expect(text.split('\n')[0], `${h}: first line`).toBe('/* @generated by packages/codegen/c.ts from schema/xen-abi.json — DO NOT EDIT */');
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------
// (b) Our headers against Xen's own (Debian libxen-dev)

/**
 * Where Xen's installed headers truly differ from the newest-release facts our headers carry. Each entry must be
 * observed (a stale entry fails), and only the exact pair of values is accepted.
 */
interface KnownDifference {
  key: string;
  /** Interface-version settings it applies to; all when absent. */
  settings?: string[];
  xenmem: string;
  xen: string;
  reason: string;
}
// Differences between our headers and Xen's that the test accepts, each with its reason. The C literal types
// (Xen's `1u << n`) are recorded in the schema (constants[].members[].cUnsigned). Xen's memory.h defines the
// XENMEMF_* flags only for `__XEN_INTERFACE_VERSION__ >= 0x00030209`; the schema has no interface guard for a
// constant and every interface version of its releases is above that one, so only a client that sets no
// interface version at all (Xen's headers then take 0) sees them in ours and not in Xen's.
/** `xen` of a known difference where Xen's side has no line for the key at all. */
const NO_LINE = 'no such line';
const XENMEMF_UNGUARDED = 'memory.h defines XENMEMF_* from interface 0x00030209; ours define them unguarded';
const KNOWN_DIFFERENCES: KnownDifference[] = (
  [
    ['XENMEMF_populate_on_demand', '65536'],
    ['XENMEMF_exact_node_request', '131072'],
    ['XENMEMF_vnode', '262144'],
  ] as const
).flatMap(([name, value]) => [
  { key: `const ${name}`, settings: ['undefined'], xenmem: value, xen: 'absent', reason: XENMEMF_UNGUARDED },
  { key: `type ${name}`, settings: ['undefined'], xenmem: 'signed32', xen: NO_LINE, reason: XENMEMF_UNGUARDED },
]);

/**
 * Xen's headers and which release they are: XENMEM_XEN_INCLUDE with XENMEM_LIBXEN_RELEASE, else the libxen-dev of
 * the project's package cache (fetched on first use) and the Xen release of the version its manifest records.
 */
function xenHeaders(): { include: string; release: string } {
  const given = process.env.XENMEM_XEN_INCLUDE;
  if (given !== undefined) {
    const release = process.env.XENMEM_LIBXEN_RELEASE;
    if (!release) throw new Error('XENMEM_XEN_INCLUDE is set: say which Xen release it holds with XENMEM_LIBXEN_RELEASE, e.g. 4.17');
    return { include: given, release };
  }
  const { root, packages } = ensureDebSet('libxen-dev');
  const dev = packages.find((p) => p.package === 'libxen-dev');
  const m = /^(?:\d+:)?(\d+\.\d+)\./.exec(dev?.version ?? '');
  if (!m) throw new Error(`cannot tell the Xen release of the cached libxen-dev (version ${dev?.version ?? 'missing'}): see .cache/debs/manifest.json`);
  return { include: join(root, 'usr/include/xen'), release: m[1]! };
}

describe.skipIf(SKIP_LIBXEN)("generated C headers against Xen's own headers (libxen-dev)", () => {
  let release = '';
  type Pair = { ours: Outcome<Map<string, string>>; xen: Outcome<Map<string, string>> };
  const results = new Map<string, Pair>();
  const absentResults = new Map<string, { names: string[]; ours: Outcome<string[]>; xen: Outcome<string[]> }>();
  const observed = new Set<KnownDifference>();
  const pending = { ok: false as const, error: new Error('not built (see the first failure)') };

  const probeFor = (s: Setting, visibility: ProbeOptions['visibility']) =>
    buildProbe(schema, { scope: { kind: 'xen', release }, iface: ifaceOf(s), visibility, typedefs: false, latest: false, literalTypes: true });

  beforeAll(async () => {
    if (!existsSync(umbrella)) throw new Error(`${umbrella} is missing: ${REGEN}`);
    ({ include: XEN_INCLUDE, release } = xenHeaders());
    XEN_I = ['-I', dirname(XEN_INCLUDE)];
    if (!existsSync(join(XEN_INCLUDE, 'hvm/dm_op.h'))) throw new Error(`${XEN_INCLUDE}/hvm/dm_op.h is missing: these are not Xen's public headers`);
    const xenName = `Xen ${release} (${XEN_INCLUDE})`;
    const ourFlags = (s: Setting) => [...CFLAGS, '-Werror', ...OURS, ...defines(s)];
    const jobs: Promise<void>[] = [];
    for (const s of SETTINGS) {
      const probe = probeFor(s, 'public');
      const pair: Pair = { ours: pending, xen: pending };
      results.set(`public ${s.label}`, pair);
      jobs.push(settle(probeOutput(`xenmem headers at ${at(s)}`, probe.source, ourFlags(s), probe.expected, xenName)).then((o) => void (pair.ours = o)));
      jobs.push(settle(probeOutput(`${xenName} at ${at(s)}`, `${XEN_PRELUDE}\n${probe.source}`, [...CFLAGS, ...XEN_I, ...defines(s)], probe.expected, 'schema/xen-abi.json')).then((o) => void (pair.xen = o)));
      const entry = { names: probe.absentEnumerators, ours: pending as Outcome<string[]>, xen: pending as Outcome<string[]> };
      absentResults.set(s.label, entry);
      jobs.push(settle(undeclared(`xenmem headers at ${at(s)}`, entry.names, '', ourFlags(s))).then((o) => void (entry.ours = o.ok ? { ok: true, value: o.value.undeclared } : o)));
      jobs.push(settle(undeclared(`${xenName} at ${at(s)}`, entry.names, XEN_PRELUDE, [...CFLAGS, ...XEN_I, ...defines(s)])).then((o) => void (entry.xen = o.ok ? { ok: true, value: o.value.undeclared } : o)));
      // Tools-only names: Xen shows them only with __XEN_TOOLS__ (which forces its latest version); ours always.
      const tools = probeFor(s, 'tools');
      const toolsPair: Pair = { ours: pending, xen: pending };
      results.set(`tools ${s.label}`, toolsPair);
      jobs.push(settle(probeOutput(`xenmem headers (tools-only names) at ${at(s)}`, tools.source, ourFlags(s), tools.expected, `${xenName} with __XEN_TOOLS__`)).then((o) => void (toolsPair.ours = o)));
      jobs.push(settle(probeOutput(`${xenName} with __XEN_TOOLS__`, `${XEN_PRELUDE}\n${tools.source}`, [...CFLAGS, ...XEN_I, '-D__XEN_TOOLS__'], tools.expected, 'schema/xen-abi.json')).then((o) => void (toolsPair.xen = o)));
    }
    await Promise.all(jobs);
  }, 30_000);

  it('the installed headers are the release the comparison assumes', () => {
    const text = readFileSync(join(XEN_INCLUDE, 'xen-compat.h'), 'utf8');
    const latest = /#define __XEN_LATEST_INTERFACE_VERSION__\s+(0x[0-9a-fA-F]+)/.exec(text)?.[1];
    const rel = schema.releases.find((r) => r.name === release);
    expect(rel, `Xen ${release} is not a release of schema/xen-abi.json`).toBeDefined();
    expect(latest && formatIfaceHex(parseIfaceHex(latest)), `__XEN_LATEST_INTERFACE_VERSION__ of ${XEN_INCLUDE}, Xen ${release}`).toBe(rel!.latestInterfaceVersion);
    // dm_op.h is public (no __XEN_TOOLS__ guard) only from 4.15 (xen/include/public/hvm/dm_op.h @ RELEASE-4.15.0), and the probes rely on it.
    expect(Number(release.split('.')[1]), `Xen ${release}: the comparison needs 4.15 or later`).toBeGreaterThanOrEqual(15);
    for (const s of SETTINGS) expect(ifaceOf(s), `${at(s)} must not exceed Xen ${release}'s latest`).toBeLessThanOrEqual(parseIfaceHex(rel!.latestInterfaceVersion));
  });

  const check = (kind: 'public' | 'tools', s: Setting) => {
    const r = results.get(`${kind} ${s.label}`)!;
    const xenName = `Xen ${release} (${XEN_INCLUDE}${kind === 'tools' ? ', -D__XEN_TOOLS__' : ''})`;
    const xen = valueOf(r.xen, `${xenName} at ${at(s)}`);
    const ours = valueOf(r.ours, `xenmem headers at ${at(s)}`);
    const diffs = differences(ours, xen, s, 'xenmem header', xenName);
    const unexplained = diffs.filter((d) => {
      const known = KNOWN_DIFFERENCES.find(
        (k) => d.startsWith(`${k.key} at `) && (k.settings === undefined || k.settings.includes(s.label)) && d.includes(`gives ${k.xenmem},`) && (d.endsWith(`gives ${k.xen}`) || (k.xen === NO_LINE && d.endsWith(`has ${NO_LINE}`))),
      );
      if (known) observed.add(known);
      return !known;
    });
    expect(unexplained).toEqual([]);
    expect(xen.size).toBeGreaterThan(kind === 'public' ? 250 : 5);
  };

  it.each(SETTINGS.map((s) => [s.label, s] as const))('at %s: every public value, size, offset and bit-field position matches', (_l, s) => check('public', s));
  it.each(SETTINGS.map((s) => [s.label, s] as const))('at %s: tools-only names match Xen\'s __XEN_TOOLS__ build', (_l, s) => check('tools', s));

  it.each(SETTINGS.map((s) => [s.label, s] as const))('at %s: the same hvmmem names are undeclared in both', (_l, s) => {
    const r = absentResults.get(s.label)!;
    expect(r.names.length, `${at(s)}: the schema should leave out the hvmmem names of other interface versions`).toBeGreaterThan(0);
    const want = [...r.names].sort();
    expect(valueOf(r.ours, `xenmem headers at ${at(s)}`), `names the xenmem headers leave undeclared at ${at(s)}`).toEqual(want);
    expect(valueOf(r.xen, `Xen ${release} at ${at(s)}`), `names Xen ${release}'s headers leave undeclared at ${at(s)}`).toEqual(want);
  });

  it('every known difference is still observed', () => {
    expect(KNOWN_DIFFERENCES.filter((k) => !observed.has(k)).map((k) => `${k.key}: ${k.reason}`)).toEqual([]);
  });
});
