/**
 * schema/xen-abi.json against the measured facts, fact by fact: one test per fact, named
 * after it, so a wrong fact fails with a message that says which.
 *
 * The facts are read from test/reference/xen-abi-facts.json: values measured from Xen's source and
 * headers at the release tags, kept apart from the schema so that the schema is checked against them.
 *
 * How the facts are read:
 * - A release key ("4.6-4.8", "4.9+", "<=4.8", "4.7+", "4.22", "4.22.0", "all") means the releases of
 *   facts.interfaceVersions it covers. For behaviour (classes, acceptance, transitions, get_mem_type) only the
 *   releases from 4.6 count, where the facts' behaviour tables start (transitionPreconditions; the class table
 *   of p2m.h's P2M_*_TYPES); the schema marks the same releases `behaviourRecorded`.
 * - A p2m type name becomes a number through facts.p2m.types at the newest key not after the release (the
 *   facts give 4.5, 4.6, 4.7, 4.8, 4.9 and 4.22; in p2m.h 0–14 never change, 15 is p2m_ioreq_server
 *   from 4.8 to 4.22). An hvmmem name becomes a number through facts.hvmmem.
 * - A class expression ("RAM|MMIO types", "RAM|p2m_mmio_direct", "RAM|GRANT|p2m_map_foreign") is the union of
 *   the named classes (P2M_<X>_TYPES at the same release) and types.
 * - get_mem_type rules name predicates; p2m_is_<x> is Xen's `p2m_to_mask(t) & P2M_<X>_TYPES` (PREDICATE_CLASS).
 *
 * Facts compared only in part (text a test cannot read mechanically):
 * - hvmmem[].meaning and .guard (prose; the guard's threshold is compared through sinceVersion/untilVersion);
 *   hvmmem[].p2m only by its leading p2m type name, or "rejects" for HVMMEM_unused.
 * - hvmops[].status: only visibility ("public"/"tools-only"), "since X", the `__XEN_INTERFACE_VERSION__` guard,
 *   "removed" (the header dropped it) and the dispatch; "x86" and "deprecated by XENMEM_access_op" are prose.
 * - p2m.classes[*].note (CONFIG_MEM_PAGING / CONFIG_MEM_SHARING builds of 4.22): the schema models the
 *   default build.
 * - errors.*: only what the schema holds as data: the dm_op buffer limit (E2BIG), the op-number limit
 *   (EOPNOTSUPP), the 256-range limit (ENOMEM), the 8 server slots (ENOSPC, slot 0 reserved in 4.11), the
 *   ≤4.10 gfn pool (ENOMEM), the HVMOPs that give ENOSYS from 4.9, and the ordered set_mem_type requirements.
 *   The other check orders are simulator behaviour and are tested there.
 * - transitions[].note: "rejected before loop" (answered by the acceptance entry) and the PoD note
 *   (populatedByLookup); the paging and sharing notes are simulator behaviour.
 * - getMemType.notes: only its mechanical part (a pfn beyond the p2m reads as p2m_invalid → HVMMEM_mmio_dm).
 * - constants "XENMEM_resource_ioreq_server_frame_ioreq(n)" = "1+n": a macro of n, compared with the
 *   description of frame_bufioreq; continuationInterval's "256 pfns"/"256 gfns per …" by their number.
 * - interfaceVersionRules: the undefined value exactly; the tools-build and above-latest rules by keyword.
 * - structs._notes.abi (the i386 layout of xen_dm_op_buf) and hvmmem_type_t_size (4): the schema records the
 *   x86_64 layouts and the uint16 every struct carries the type in, not the enum's own size.
 *
 * Not compared: source, p2m.header (file locations), p2m.ioreqState (Xen-internal struct p2m_domain),
 * keyCommits (history).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  compareReleases,
  entryFor,
  formatRange,
  ifaceInRange,
  loadSchemaFile,
  p2mNameAt,
  parseIfaceHex,
  releaseInRange,
  type Field,
  type XenAbiSchema,
} from '@xenmem/schema';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SCHEMA_PATH = join(REPO_ROOT, 'schema/xen-abi.json');
const FACTS_COPY = fileURLToPath(new URL('./reference/xen-abi-facts.json', import.meta.url));

// ---------------------------------------------------------------------------------------------------------
// The facts file, as it is written.

interface FactHvmmem {
  name: string;
  value: number;
  sinceRelease: string;
  untilRelease: string | null;
  sinceVersion?: string | null;
  untilVersion?: string | null;
  guard: string | null;
  p2m: string;
  meaning: string;
  hypervisorAccepts?: Record<string, boolean>;
}
interface FactField {
  name: string;
  offset: number;
  size: number;
  type: string;
  bits?: string;
}
interface FactStruct {
  size: number;
  align: number;
  fields: FactField[];
  note?: string;
}
interface FactStructNotes {
  abi: string;
  hvmmem_type_t_size: number;
  hypercalls: Record<string, number>;
}
interface FactTransition {
  releases: string;
  from: string;
  to: string;
  allowed: boolean;
  error: string | null;
  note: string | null;
}
interface Facts {
  interfaceVersions: Record<string, string>;
  interfaceVersionRules: Record<string, string>;
  hvmmem: FactHvmmem[];
  p2m: { types: Record<string, Record<string, number>>; classes: Record<string, Record<string, string[] | string>> };
  dmops: { name: string; value: number; sinceRelease: string; replaces: string | null }[];
  hvmops: { name: string; value: number; status: string; removedOrMovedInRelease: string | null }[];
  structs: Record<string, FactStruct | FactStructNotes>;
  constants: Record<string, number | string | Record<string, number | string>>;
  errors: Record<string, string[] | string | Record<string, number>>;
  transitions: FactTransition[];
  transitionPreconditions: Record<string, string[]>;
  getMemType: Record<string, { order: string[] } | Record<string, number> | string>;
}

const facts = JSON.parse(readFileSync(FACTS_COPY, 'utf8')) as Facts;
// Parsed directly so that every fact below is still compared when the validator objects to something.
const schema = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as XenAbiSchema;

// ---------------------------------------------------------------------------------------------------------
// Reading the facts.

const RELEASES = Object.keys(facts.interfaceVersions).sort(compareReleases);
const OLDEST = RELEASES[0]!;
const NEWEST = RELEASES[RELEASES.length - 1]!;
const BEHAVIOUR_FROM = Object.keys(facts.transitionPreconditions)
  .map((k) => k.replace(/\+$/, ''))
  .sort(compareReleases)[0]!;
const BEHAVIOUR_RELEASES = RELEASES.filter((r) => compareReleases(r, BEHAVIOUR_FROM) >= 0);

/** The releases of `universe` a facts key covers. */
function factRange(key: string, universe: readonly string[] = RELEASES): string[] {
  const k = key.replace(/\(.*\)$/, '').trim();
  const rel = (s: string) => s.replace(/^(\d+\.\d+)\.0$/, '$1');
  let m: RegExpExecArray | null;
  if (k === 'all') return [...universe];
  if ((m = /^(\d+\.\d+)\+$/.exec(k))) return universe.filter((r) => compareReleases(r, m![1]!) >= 0);
  if ((m = /^<=\s*(\d+\.\d+)$/.exec(k))) return universe.filter((r) => compareReleases(r, m![1]!) <= 0);
  if ((m = /^(\d+\.\d+)-(\d+\.\d+)$/.exec(k))) return universe.filter((r) => compareReleases(r, m![1]!) >= 0 && compareReleases(r, m![2]!) <= 0);
  if ((m = /^(\d+\.\d+(?:\.0)?)$/.exec(k))) return universe.filter((r) => r === rel(m![1]!));
  throw new Error(`facts key ${JSON.stringify(key)} is not a release range this test can read`);
}

/** "<=4.5" → "4.5" (the oldest release the facts know), "4.9" → "4.9". */
function factRelease(text: string): string {
  const m = /^(?:<=)?(\d+\.\d+)/.exec(text);
  if (!m) throw new Error(`facts release ${JSON.stringify(text)} is not readable`);
  return m[1]!;
}

function previousRelease(r: string): string | undefined {
  return RELEASES[RELEASES.indexOf(r) - 1];
}

/** p2m type name → number at a release, through facts.p2m.types at the newest key not after it. */
function factP2m(name: string, release: string): number {
  const key = Object.keys(facts.p2m.types)
    .filter((k) => compareReleases(k, release) <= 0)
    .sort(compareReleases)
    .at(-1);
  const value = key === undefined ? undefined : facts.p2m.types[key]![name];
  if (value === undefined) throw new Error(`facts.p2m.types has no ${name} at ${release}`);
  return value;
}

/** Size of a struct in the facts, from any of its layouts. */
function factStructSize(name: string): number {
  const key = Object.keys(facts.structs).find((k) => k.split('@')[0] === name);
  if (key === undefined) throw new Error(`facts.structs has no ${name}`);
  return (facts.structs[key] as FactStruct).size;
}

function factHvmmem(name: string): number {
  const h = facts.hvmmem.find((x) => x.name === name);
  if (!h) throw new Error(`facts.hvmmem has no ${name}`);
  return h.value;
}

const sorted = (xs: Iterable<number>) => [...new Set(xs)].sort((a, b) => a - b);

/** Members of a facts class (a macro or a predicate name) at a release; undefined where the facts say nothing. */
function factClassAt(cls: string, release: string): number[] | undefined {
  const entry = facts.p2m.classes[cls];
  if (!entry) throw new Error(`facts.p2m.classes has no ${cls}`);
  for (const [key, val] of Object.entries(entry)) {
    if (key === 'note') continue;
    if (factRange(key, BEHAVIOUR_RELEASES).includes(release)) return factClassValue(val, release);
  }
  return undefined;
}

/** A list of type names, or an expression such as "RAM|MMIO types". */
function factClassValue(val: string[] | string, release: string): number[] {
  if (Array.isArray(val)) return sorted(val.map((n) => factP2m(n, release)));
  const out: number[] = [];
  for (const raw of val.split('|')) {
    const token = raw.trim().replace(/\s+types$/, '');
    if (token.startsWith('p2m_')) out.push(factP2m(token, release));
    else {
      const members = factClassAt(`P2M_${token}_TYPES`, release);
      if (members === undefined) throw new Error(`class expression ${JSON.stringify(val)}: P2M_${token}_TYPES has no entry at ${release}`);
      out.push(...members);
    }
  }
  return sorted(out);
}

/** Xen's predicates over the classes the get_mem_type rules use: p2m_is_<x>(t) is p2m_to_mask(t) & P2M_<X>_TYPES. */
const PREDICATE_CLASS: Record<string, string> = {
  p2m_is_mmio: 'P2M_MMIO_TYPES',
  p2m_is_readonly: 'P2M_RO_TYPES',
  p2m_is_ram: 'P2M_RAM_TYPES',
  p2m_is_pod: 'P2M_POD_TYPES',
  p2m_is_grant: 'P2M_GRANT_TYPES',
};

// ---------------------------------------------------------------------------------------------------------
// Reading the schema (what a consumer would compute from it).

function schemaClass(nameOrPredicate: string) {
  return schema.p2mClasses.find((c) => c.name === nameOrPredicate || c.predicate === nameOrPredicate);
}

function schemaClassAt(nameOrPredicate: string, release: string): number[] | undefined {
  const entry = schemaClass(nameOrPredicate)?.byRelease.find((e) => releaseInRange(release, e.releases));
  return entry && sorted(entry.types);
}

/** What set_mem_type answers for `value` at `release`, before its loop. */
function schemaAcceptance(value: number, release: string) {
  const v = schema.hvmmemTypes.find((x) => x.value === value);
  if (!v) return { accepted: false, error: schema.unlistedHvmmemError, p2m: undefined, requires: [] as { id: string; error: string }[] };
  const h = entryFor(v.hypervisor, release);
  if (!h) return { accepted: undefined, error: `(no hypervisor entry at ${release})`, p2m: undefined, requires: [] };
  const requires = (h.requires ?? [])
    .map((id) => schema.requirements.find((r) => r.id === id))
    .map((r, i) => (r ? r : { id: `(unknown ${h.requires![i]})`, order: 0, error: '' }))
    .sort((a, b) => a.order - b.order)
    .map((r) => ({ id: r.id, error: r.error }));
  return { accepted: h.accepted, error: h.accepted ? undefined : h.error, p2m: h.accepted ? h.p2m : undefined, requires };
}

/**
 * The effective result of set_mem_type for one page of type `from` asked to become `value`: the pre-loop
 * acceptance (requirements assumed met), then the per-page table.
 */
function schemaSetMemType(value: number, from: number, release: string): { stage: 'acceptance' | 'table'; result: string } {
  const acc = schemaAcceptance(value, release);
  if (!acc.accepted) return { stage: 'acceptance', result: acc.error ?? '(no errno)' };
  const table = entryFor(schema.transitions, release);
  if (!table) return { stage: 'table', result: `(no transition table at ${release})` };
  const row = table.rows.find((r) => r.from === from);
  return { stage: 'table', result: row?.to[String(value)] ?? `(no entry for ${from} → ${value})` };
}

/** get_mem_type of a page of internal type `p2m` at `release`, by the schema's steps over its classes. */
function schemaGetMemType(p2m: number, release: string): number | string {
  const proj = entryFor(schema.getMemType, release);
  if (!proj) return `(no projection at ${release})`;
  for (const st of [...proj.steps].sort((a, b) => a.step - b.step)) {
    if (st.match === 'else') return st.result;
    if (st.match === 'type' && st.p2m === p2m) return st.result;
    if (st.match === 'class') {
      const members = schemaClassAt(st.class ?? '', release);
      if (members === undefined) return `(class ${st.class} has no entry at ${release})`;
      if (members.includes(p2m)) return st.result;
    }
  }
  return '(no step matched)';
}

/** One test per fact, named by its label (vitest's `$x` interpolation would quote every string). */
function eachFact<T extends { label: string }>(rows: readonly T[], check: (row: T) => void): void {
  for (const row of rows) it(row.label, () => check(row));
}

// ---------------------------------------------------------------------------------------------------------

describe('the schema file', () => {
  it('schema/xen-abi.json passes the validator', () => {
    const loaded = loadSchemaFile(SCHEMA_PATH);
    expect(loaded.ok ? [] : loaded.problems).toEqual([]);
  });
});

describe('releases and interface versions', () => {
  it('the schema lists exactly the facts\' releases', () => {
    expect(schema.releases.map((r) => r.name).sort(compareReleases)).toEqual(RELEASES);
  });

  eachFact(
    RELEASES.map((r) => ({ release: r, iface: facts.interfaceVersions[r]!, label: `interfaceVersions["${r}"] = ${facts.interfaceVersions[r]}` })),
    ({ release, iface }) => {
      expect(schema.releases.find((r) => r.name === release)?.latestInterfaceVersion).toBe(iface);
    },
  );

  it(`behaviour is recorded from ${BEHAVIOUR_FROM}, where the facts' behaviour tables start`, () => {
    const recorded = Object.fromEntries(schema.releases.map((r) => [r.name, r.behaviourRecorded]));
    expect(recorded).toEqual(Object.fromEntries(RELEASES.map((r) => [r, compareReleases(r, BEHAVIOUR_FROM) >= 0])));
  });

  const firstDmop = facts.dmops.map((d) => d.sinceRelease).sort(compareReleases)[0]!;
  it(`tools ops are HVMOPs before ${firstDmop} and DMOPs from it (dmops[].sinceRelease, hvmops[].removedOrMovedInRelease)`, () => {
    const expected = Object.fromEntries(RELEASES.map((r) => [r, compareReleases(r, firstDmop) >= 0 ? 'dm_op' : 'hvm_op']));
    expect(Object.fromEntries(schema.releases.map((r) => [r.name, r.toolsOps]))).toEqual(expected);
  });

  it('interfaceVersionRules["undefined (guest)"]: an undefined version is 0x00000000', () => {
    const value = /^(0x[0-9a-f]{8})/.exec(facts.interfaceVersionRules['undefined (guest)']!)?.[1];
    expect(schema.interfaceVersion.undefinedValue).toBe(value);
  });
  it('interfaceVersionRules["__XEN__ or __XEN_TOOLS__"]: tools builds get the latest version', () => {
    expect(facts.interfaceVersionRules['__XEN__ or __XEN_TOOLS__']).toMatch(/LATEST/);
    expect(schema.interfaceVersion.toolsBuilds).toMatch(/__XEN_TOOLS__/);
    expect(schema.interfaceVersion.toolsBuilds).toMatch(/latest/i);
  });
  it('interfaceVersionRules["greater than latest"]: #error', () => {
    expect(facts.interfaceVersionRules['greater than latest']).toMatch(/^#error/);
    expect(schema.interfaceVersion.aboveLatest).toMatch(/#error/);
  });

  const hypercalls = (facts.structs['_notes'] as FactStructNotes).hypercalls;
  eachFact(Object.entries(hypercalls).map(([cName, value]) => ({ cName, value, label: `structs._notes.hypercalls: ${cName} = ${value}` })), ({ cName, value }) => {
    expect(schema.hypercalls.find((h) => h.cName === cName)?.value).toBe(value);
  });
});

describe('hvmmem_type_t names', () => {
  const values = sorted([...facts.hvmmem.map((h) => h.value), ...schema.hvmmemTypes.map((v) => v.value)]);
  const factNamesAt = (value: number, iface: number) =>
    facts.hvmmem
      .filter((h) => h.value === value)
      .filter((h) => ifaceInRange(iface, { ...(h.sinceVersion ? { from: h.sinceVersion } : {}), ...(h.untilVersion ? { below: h.untilVersion } : {}) }))
      .map((h) => h.name);
  const schemaNamesAt = (value: number, iface: number) =>
    (schema.hvmmemTypes.find((v) => v.value === value)?.names ?? []).filter((n) => ifaceInRange(iface, n.iface)).map((n) => n.cName);

  const points = [
    { label: '0x00000000 (undefined)', iface: 0 },
    { label: '0x00040600', iface: 0x00040600 },
    { label: '0x00040700', iface: 0x00040700 },
    ...RELEASES.map((r) => ({ label: `${facts.interfaceVersions[r]} (latest of ${r})`, iface: parseIfaceHex(facts.interfaceVersions[r]!) })),
  ];
  eachFact(
    points.flatMap((p) =>
      values.map((value) => {
        const expected = factNamesAt(value, p.iface);
        return { iface: p.iface, value, expected, label: `at ${p.label} value ${value} is ${expected.join(', ') || '(no name)'}` };
      }),
    ),
    ({ iface, value, expected }) => {
      expect(schemaNamesAt(value, iface)).toEqual(expected);
    },
  );

  eachFact(
    facts.hvmmem.map((h) => ({ ...h, label: `hvmmem ${h.name} = ${h.value}: name, first release ${h.sinceRelease}, interface versions ${h.sinceVersion ?? 'open'} … ${h.untilVersion ?? 'open'}` })),
    (h) => {
      const name = schema.hvmmemTypes.find((v) => v.value === h.value)?.names.find((n) => n.cName === h.name);
      expect(name, `no name ${h.name} for value ${h.value}`).toBeDefined();
      expect(name!.name).toBe(h.name.replace(/^HVMMEM_/, ''));
      expect(name!.firstRelease).toBe(factRelease(h.sinceRelease));
      expect(name!.iface.from).toBe(h.sinceVersion ?? undefined);
      expect(name!.iface.below).toBe(h.untilVersion ?? undefined);
    },
  );

  eachFact(facts.hvmmem.map((h) => ({ ...h, label: `hvmmem ${h.name}.p2m: ${h.p2m}` })), (h) => {
    const from = factRelease(h.sinceRelease);
    const releases = BEHAVIOUR_RELEASES.filter((r) => compareReleases(r, from) >= 0);
    if (/rejects/.test(h.p2m)) {
      const error = /-?(E[A-Z0-9]+)/.exec(h.p2m)![1];
      const got = Object.fromEntries(
        releases.map((r) => {
          const a = schemaAcceptance(h.value, r);
          return [r, a.accepted ? 'accepted' : a.error];
        }),
      );
      expect(got).toEqual(Object.fromEntries(releases.map((r) => [r, error])));
      return;
    }
    const p2mName = /^(p2m_\w+)/.exec(h.p2m)![1]!;
    const accepted = releases.filter((r) => schemaAcceptance(h.value, r).accepted);
    expect(accepted.length, `the schema never accepts ${h.name}`).toBeGreaterThan(0);
    const got = Object.fromEntries(accepted.map((r) => [r, p2mNameAt(schema, schemaAcceptance(h.value, r).p2m ?? -1, r)]));
    expect(got).toEqual(Object.fromEntries(accepted.map((r) => [r, p2mName])));
  });
});

describe('set_mem_type: which releases accept each hvmmem value', () => {
  /** Expected pre-loop outcome, from facts.transitionPreconditions (and hvmmem[].p2m for the type it becomes). */
  function factAcceptance(value: number, release: string) {
    const key = Object.keys(facts.transitionPreconditions).find((k) => factRange(k, BEHAVIOUR_RELEASES).includes(release));
    if (key === undefined) throw new Error(`no transitionPreconditions entry covers ${release}`);
    const lines = facts.transitionPreconditions[key]!;
    const requires: { id: string; error: string }[] = [];
    for (const line of lines) {
      const bound = /mem_type>=(\d+)(?: or ==(?:HVMMEM_unused\()?(\d+)\)?)? -> (E[A-Z0-9]+)/.exec(line);
      if (bound && (value >= Number(bound[1]) || (bound[2] !== undefined && value === Number(bound[2])))) {
        return { accepted: false, error: bound[3], p2m: undefined, requires: [] };
      }
      const req = /^new==(HVMMEM_\w+) requires (.*?) else (E[A-Z0-9]+)/.exec(line);
      if (req && factHvmmem(req[1]!) === value) requires.push({ id: /hap/i.test(req[2]!) ? 'hap' : /claim/i.test(req[2]!) ? 'claim' : req[2]!, error: req[3]! });
    }
    const named = facts.hvmmem.find((h) => h.value === value && /^p2m_\w+/.test(h.p2m));
    if (!named) throw new Error(`facts.hvmmem gives no p2m type for value ${value}`);
    return { accepted: true, error: undefined, p2m: factP2m(/^(p2m_\w+)/.exec(named.p2m)![1]!, release), requires };
  }

  const maxValue = Math.max(...facts.hvmmem.map((h) => h.value)) + 1; // one past the table, to check the bound
  const rows = BEHAVIOUR_RELEASES.flatMap((release) =>
    Array.from({ length: maxValue + 1 }, (_, value) => ({ release, value, label: `transitionPreconditions at ${release}: value ${value}` })),
  );
  eachFact(rows, ({ release, value }) => {
    expect(schemaAcceptance(value, release)).toEqual(factAcceptance(value, release));
  });

  for (const h of facts.hvmmem.filter((x) => x.hypervisorAccepts)) {
    eachFact(
      Object.entries(h.hypervisorAccepts!).map(([key, accepted]) => ({ key, accepted, label: `hvmmem ${h.name}.hypervisorAccepts["${key}"] = ${accepted}` })),
      ({ key, accepted }) => {
        const releases = factRange(key, BEHAVIOUR_RELEASES);
        expect(releases.length).toBeGreaterThan(0);
        expect(Object.fromEntries(releases.map((r) => [r, schemaAcceptance(h.value, r).accepted]))).toEqual(Object.fromEntries(releases.map((r) => [r, accepted])));
      },
    );
  }

  it('errors.set_mem_type_dmop: the ioreq_server requirements, in check order (HAP → EOPNOTSUPP, then claim → EINVAL)', () => {
    const lines = facts.errors['set_mem_type_dmop'] as string[];
    const hap = lines.findIndex((l) => /ioreq_server && !HAP -> EOPNOTSUPP/.test(l));
    const claim = lines.findIndex((l) => /ioreq_server && no server claimed -> EINVAL/.test(l));
    expect(hap).toBeGreaterThanOrEqual(0);
    expect(claim).toBeGreaterThan(hap);
    const byId = Object.fromEntries(schema.requirements.map((r) => [r.id, { order: r.order, error: r.error }]));
    expect(byId['hap']).toEqual({ order: 1, error: 'EOPNOTSUPP' });
    expect(byId['claim']).toEqual({ order: 2, error: 'EINVAL' });
  });
});

describe('p2m types', () => {
  const rows = Object.entries(facts.p2m.types).flatMap(([release, types]) => {
    const byValue = new Map(Object.entries(types).map(([name, value]) => [value, name]));
    const values = sorted([...byValue.keys(), ...schema.p2mTypes.map((t) => t.value)]);
    return values.map((value) => {
      const name = byValue.get(value) ?? '(none)';
      return { release, value, name, label: `p2m.types["${release}"]: ${value} is ${name}` };
    });
  });
  eachFact(rows, ({ release, value, name }) => {
    expect(p2mNameAt(schema, value, release) ?? '(none)').toBe(name);
  });
});

describe('p2m classes', () => {
  const rows = Object.entries(facts.p2m.classes).flatMap(([cls, byKey]) =>
    Object.entries(byKey)
      .filter(([key]) => key !== 'note')
      .map(([key, val]) => ({ cls, key, label: `p2m.classes.${cls}["${key}"] = ${Array.isArray(val) ? val.join(', ') : val}` })),
  );
  eachFact(rows, ({ cls, key }) => {
    expect(schemaClass(cls), `no class ${cls} in the schema`).toBeDefined();
    const releases = factRange(key, BEHAVIOUR_RELEASES);
    expect(releases.length).toBeGreaterThan(0);
    const expected = Object.fromEntries(releases.map((r) => [r, factClassAt(cls, r)]));
    const actual = Object.fromEntries(releases.map((r) => [r, schemaClassAt(cls, r)]));
    expect(actual).toEqual(expected);
  });

  eachFact(Object.keys(facts.p2m.classes).map((cls) => ({ cls, label: `p2m.classes.${cls}: the schema records it at exactly the facts' releases` })), ({ cls }) => {
    const expected = BEHAVIOUR_RELEASES.filter((r) => factClassAt(cls, r) !== undefined);
    const actual = BEHAVIOUR_RELEASES.filter((r) => schemaClassAt(cls, r) !== undefined);
    expect(actual).toEqual(expected);
  });

  it('every schema class is one of the facts\' classes', () => {
    const known = new Set(Object.keys(facts.p2m.classes));
    expect(schema.p2mClasses.filter((c) => !known.has(c.name) && !(c.predicate && known.has(c.predicate))).map((c) => c.name)).toEqual([]);
  });
});

describe('set_mem_type transitions', () => {
  eachFact(
    facts.transitions.map((t) => {
      const expected = t.allowed ? 'ok' : t.error;
      return { ...t, expected, label: `transitions[${t.releases}] ${t.from} → ${t.to}: ${expected}` };
    }),
    (t) => {
      const releases = factRange(t.releases, BEHAVIOUR_RELEASES);
      expect(releases.length).toBeGreaterThan(0);
      const value = factHvmmem(t.to);
      const actual = Object.fromEntries(releases.map((r) => [r, schemaSetMemType(value, factP2m(t.from, r), r).result]));
      expect(actual).toEqual(Object.fromEntries(releases.map((r) => [r, t.expected])));
      if (t.note && /rejected before loop/.test(t.note)) {
        for (const r of releases) expect(schemaSetMemType(value, factP2m(t.from, r), r).stage, `${r}: answered before the loop`).toBe('acceptance');
      }
      if (t.note && /P2M_ALLOC which demand-populates PoD/.test(t.note)) {
        for (const r of releases) expect(entryFor(schema.transitions, r)?.populatedByLookup, `${r}: populatedByLookup`).toContain(factP2m(t.from, r));
      }
    },
  );

  it('the facts give 256 transition rows', () => {
    expect(facts.transitions).toHaveLength(256);
  });

  // Not a fact but a property of the table: a table entry for a value refused before the loop is never used.
  eachFact(
    schema.transitions.map((t, i) => ({ i, label: `schema transitions[${i}] (${formatRange(t.releases)}) has one row per p2m type, keyed by exactly the values accepted there` })),
    ({ i }) => {
      const table = schema.transitions[i]!;
      for (const r of BEHAVIOUR_RELEASES.filter((x) => releaseInRange(x, table.releases))) {
        const accepted = schema.hvmmemTypes.filter((v) => entryFor(v.hypervisor, r)?.accepted).map((v) => String(v.value));
        const types = schema.p2mTypes.filter((t) => p2mNameAt(schema, t.value, r) !== undefined).map((t) => t.value);
        expect(table.rows.map((row) => row.from).sort((a, b) => a - b), `${r}: rows`).toEqual(types);
        for (const row of table.rows) expect(Object.keys(row.to).sort(), `${r}: row from ${row.from}`).toEqual(accepted.sort());
      }
    },
  );
});

describe('get_mem_type', () => {
  const resultByType = facts.getMemType['resultByType4.9+'] as Record<string, number>;
  const from49 = factRange('4.9+', BEHAVIOUR_RELEASES);
  eachFact(Object.entries(resultByType).map(([type, result]) => ({ type, result, label: `getMemType["resultByType4.9+"]: ${type} → ${result}` })), ({ type, result }) => {
    const actual = Object.fromEntries(from49.map((r) => [r, schemaGetMemType(factP2m(type, r), r)]));
    expect(actual).toEqual(Object.fromEntries(from49.map((r) => [r, result])));
  });

  type Rule = { text: string; kind: 'class' | 'type' | 'else'; name: string; result: number };
  const parseRule = (text: string): Rule => {
    const m = /^(\S+?)->(HVMMEM_\w+)/.exec(text);
    if (!m) throw new Error(`get_mem_type rule ${JSON.stringify(text)} is not readable`);
    const lhs = m[1]!;
    const result = factHvmmem(m[2]!);
    if (lhs === 'else') return { text, kind: 'else', name: '', result };
    if (lhs.startsWith('p2m_is_')) {
      const cls = PREDICATE_CLASS[lhs];
      if (!cls) throw new Error(`no class known for predicate ${lhs}`);
      return { text, kind: 'class', name: cls, result };
    }
    return { text, kind: 'type', name: lhs, result };
  };
  const rulesAt = (release: string): Rule[] => {
    const key = Object.keys(facts.getMemType).find((k) => /^\d/.test(k) && !k.startsWith('resultByType') && factRange(k, BEHAVIOUR_RELEASES).includes(release));
    if (key === undefined) throw new Error(`no getMemType rules cover ${release}`);
    return (facts.getMemType[key] as { order: string[] }).order.map(parseRule);
  };
  const factGetMemType = (p2m: number, release: string): number => {
    for (const rule of rulesAt(release)) {
      if (rule.kind === 'else') return rule.result;
      if (rule.kind === 'type' && factP2m(rule.name, release) === p2m) return rule.result;
      if (rule.kind === 'class' && (factClassAt(rule.name, release) ?? []).includes(p2m)) return rule.result;
    }
    throw new Error('no rule matched');
  };

  const sample = ['4.6', '4.7', '4.8', '4.9', NEWEST];
  const rows = sample.flatMap((release) =>
    Object.entries(facts.p2m.types[release] ?? facts.p2m.types[Object.keys(facts.p2m.types).filter((k) => compareReleases(k, release) <= 0).sort(compareReleases).at(-1)!]!).map(
      ([type, p2m]) => ({ release, p2m, label: `getMemType rules at ${release}: ${type}` }),
    ),
  );
  eachFact(rows, ({ release, p2m }) => {
    expect(schemaGetMemType(p2m, release)).toBe(factGetMemType(p2m, release));
  });

  const stepRows = Object.keys(facts.getMemType)
    .filter((k) => /^\d/.test(k) && !k.startsWith('resultByType'))
    .flatMap((key) => (facts.getMemType[key] as { order: string[] }).order.map((text, i) => ({ key, step: i + 1, text, label: `getMemType["${key}"] step ${i + 1}: ${text}` })));
  eachFact(stepRows, ({ key, step, text }) => {
    const rule = parseRule(text);
    for (const release of factRange(key, BEHAVIOUR_RELEASES)) {
      const proj = entryFor(schema.getMemType, release);
      const steps = [...(proj?.steps ?? [])].sort((a, b) => a.step - b.step);
      expect(steps.length, `${release}: number of steps`).toBe(rulesAt(release).length);
      const st = steps[step - 1];
      const got = st && { kind: st.match, name: st.match === 'class' ? st.class : st.match === 'type' ? p2mNameAt(schema, st.p2m ?? -1, release) : '', result: st.result };
      expect(got, release).toEqual({ kind: rule.kind, name: rule.name, result: rule.result });
    }
  });

  it('getMemType.notes: a pfn beyond the p2m reads as p2m_invalid → HVMMEM_mmio_dm', () => {
    expect(facts.getMemType['notes']).toMatch(/p2m_invalid -> HVMMEM_mmio_dm/);
    for (const r of BEHAVIOUR_RELEASES) expect(schemaGetMemType(factP2m('p2m_invalid', r), r), r).toBe(factHvmmem('HVMMEM_mmio_dm'));
  });
});

describe('HVMOPs', () => {
  const op2 = facts.hvmops.find((o) => o.value === 2)!;
  eachFact(
    facts.hvmops.map((o) => ({ ...o, label: `hvmops ${o.value} ${o.name} (removed or moved: ${o.removedOrMovedInRelease ?? 'never'}; ${o.status})` })),
    (o) => {
      const s = schema.hvmops.find((x) => x.value === o.value);
      expect(s, `no HVMOP ${o.value}`).toBeDefined();
      expect(s!.cName).toBe(o.name);
      expect(s!.name).toBe(o.name.replace(/^HVMOP_/, ''));
      const status = /^same as (\d+)$/.test(o.status) ? op2.status : o.status;
      expect(s!.visibility).toBe(/^tools-only/.test(status) ? 'tools' : /^public/.test(status) ? 'public' : '(unreadable status)');
      expect(s!.firstRelease).toBe(/since (\d+\.\d+)/.exec(status)?.[1] ?? OLDEST);
      expect(s!.iface?.below).toBe(/__XEN_INTERFACE_VERSION__<(0x[0-9a-f]{8})/.exec(status)?.[1]);
      const removal = o.removedOrMovedInRelease;
      // "removed" (from the header) in the facts ↔ lastHeaderRelease; ops kept in the header have none.
      expect(s!.lastHeaderRelease).toBe(removal && /removed/.test(status) ? previousRelease(factRelease(removal)) : undefined);
      const dispatchedAt = (r: string) => s!.dispatched.some((d) => releaseInRange(r, d));
      const live = RELEASES.filter((r) => compareReleases(r, s!.firstRelease) >= 0);
      const expected = (r: string) => (removal === null ? true : removal.startsWith('<=') ? compareReleases(r, factRelease(removal)) < 0 && dispatchedAt(r) : compareReleases(r, removal) < 0);
      expect(Object.fromEntries(live.map((r) => [r, dispatchedAt(r)]))).toEqual(Object.fromEntries(live.map((r) => [r, expected(r)])));
      if (removal?.startsWith('<=')) expect(RELEASES.filter((r) => compareReleases(r, factRelease(removal)) >= 0).some(dispatchedAt)).toBe(false);
      const dmop = facts.dmops.find((d) => d.replaces === `${o.name}(${o.value})`);
      expect(s!.movedToDmop).toBe(dmop?.value);
    },
  );

  it('the schema has exactly the facts\' HVMOP numbers', () => {
    expect(sorted(schema.hvmops.map((o) => o.value))).toEqual(sorted(facts.hvmops.map((o) => o.value)));
  });

  it('errors["removed_hvmops_4.9+"]: those HVMOPs give ENOSYS from 4.9 (not dispatched)', () => {
    const text = facts.errors['removed_hvmops_4.9+'] as string;
    expect(text).toMatch(/-> ENOSYS$/);
    const nums = sorted(
      (text.match(/\d+(?:-\d+)?/g) ?? [])
        .filter((t) => t !== '4.9')
        .flatMap((t) => {
          const [a, b] = t.split('-').map(Number);
          return b === undefined ? [a!] : Array.from({ length: b - a! + 1 }, (_, i) => a! + i);
        }),
    );
    for (const r of factRange('4.9+')) {
      expect(sorted(schema.hvmops.filter((o) => !o.dispatched.some((d) => releaseInRange(r, d))).map((o) => o.value)), r).toEqual(nums);
    }
    expect(schema.errno.some((e) => e.name === 'ENOSYS')).toBe(true);
  });
});

describe('DMOPs', () => {
  eachFact(
    facts.dmops.map((o) => ({ ...o, label: `dmops ${o.value} ${o.name} since ${o.sinceRelease}, replaces ${o.replaces ?? 'nothing'}` })),
    (o) => {
      const s = schema.dmops.find((x) => x.value === o.value);
      expect(s, `no DMOP ${o.value}`).toBeDefined();
      expect(s!.cName).toBe(o.name);
      expect(s!.name).toBe(o.name.replace(/^XEN_DMOP_/, ''));
      expect(s!.firstRelease).toBe(o.sinceRelease);
      const hvmop = o.replaces === null ? null : /^HVMOP_\w+\((\d+)\)$/.exec(o.replaces);
      expect(s!.replacesHvmop).toBe(hvmop ? Number(hvmop[1]) : undefined);
      if (hvmop) expect(schema.hvmops.find((h) => h.value === Number(hvmop[1]))?.cName).toBe(o.replaces!.replace(/\(\d+\)$/, ''));
      expect(s!.replacesOther).toBe(o.replaces !== null && !hvmop ? o.replaces : undefined);
    },
  );

  it('the schema has exactly the facts\' DMOP numbers', () => {
    expect(sorted(schema.dmops.map((o) => o.value))).toEqual(sorted(facts.dmops.map((o) => o.value)));
  });
});

/**
 * Where Xen's source at a tag contradicts the measured facts, the schema follows Xen. Struct field names the
 * facts give for a range but Xen renamed inside it: xen_dm_op_get_ioreq_server_info's gfn fields are
 * `ioreq_gfn`/`bufioreq_gfn` from 4.10 (public/hvm/dm_op.h @ RELEASE-4.10.0), not from 4.11.
 */
const FIELD_RENAMES: Record<string, { from: string; names: Record<string, string> }> = {
  xen_dm_op_get_ioreq_server_info: { from: '4.10', names: { ioreq_pfn: 'ioreq_gfn', bufioreq_pfn: 'bufioreq_gfn' } },
};

/** The field name Xen's header has at `release` for a field the facts call `name`. */
function fieldNameAt(struct: string, name: string, release: string): string {
  const rename = FIELD_RENAMES[struct];
  return rename && compareReleases(release, rename.from) >= 0 ? (rename.names[name] ?? name) : name;
}

/**
 * Errno values the schema adds to the facts' list: ERANGE, which hvm_inject_msi returns (xen/arch/x86/hvm/irq.c @
 * RELEASE-4.9.0), and the xenstore error strings the facts do not list (xsd_errors[] of
 * xen/include/public/io/xs_wire.h @ RELEASE-4.17.0).
 */
const ERRNO_ADDED = ['ERANGE', 'EIO', 'EACCES', 'EISDIR', 'EROFS', 'ENOTEMPTY', 'EISCONN'];

describe('structs', () => {
  const structFacts = Object.entries(facts.structs)
    .filter(([key]) => !key.startsWith('_'))
    .map(([key, st]) => ({ key, name: key.split('@')[0]!, releases: factRange(key.split('@')[1]!), st: st as FactStruct }));

  const variantsAt = (name: string, release: string) => schema.structs.filter((s) => s.name === name && releaseInRange(release, s.releases));

  eachFact(structFacts.map((f) => ({ ...f, label: `structs["${f.key}"]: size ${f.st.size}, align ${f.st.align}, fields ${f.st.fields.map((x) => x.name).join(', ')}` })), (f) => {
    expect(f.releases.length).toBeGreaterThan(0);
    for (const r of f.releases) {
      const variants = variantsAt(f.name, r);
      expect(variants.length, `${r}: layouts of ${f.name}`).toBe(1);
      const s = variants[0]!;
      expect({ size: s.size, align: s.align, fields: s.fields.map((x) => x.name) }, r).toEqual({ size: f.st.size, align: f.st.align, fields: f.st.fields.map((x) => fieldNameAt(f.name, x.name, r)) });
    }
  });

  /** A facts field type → what the schema should say. */
  function expectedType(ff: FactField): Partial<Field> {
    const t = ff.type;
    let m: RegExpExecArray | null;
    if ((m = /^(uint(?:8|16|32|64)):(\d+)$/.exec(t))) return { type: m[1] as Field['type'] };
    if ((m = /^(uint(?:8|16|32|64))\[(\d+)\]$/.exec(t))) return { type: m[1] as Field['type'], count: Number(m[2]) };
    if ((m = /^(XEN_GUEST_HANDLE(?:_64)?\(\w+\))/.exec(t))) return { type: 'handle', cType: m[1] };
    if ((m = /^(\w+_t)\((uint(?:8|16|32|64))\)$/.exec(t))) return { type: m[2] as Field['type'], cType: m[1] };
    if (t === 'uint64_aligned') return { type: 'uint64', cType: 'uint64_aligned_t' };
    if (t === 'xen_ulong_t') return { type: 'uint64', cType: 'xen_ulong_t' };
    if (t === 'union') return { type: 'union' };
    // `ioreq vcpu_ioreq[]`: as many elements as the facts' size holds (shared_iopage is written vcpu_ioreq[1]).
    if ((m = /^(\w+)\[\]$/.exec(t))) return { type: 'struct', element: m[1], count: ff.size / factStructSize(m[1]!) };
    if ((m = /^(\w+)\[(\w+)\]$/.exec(t))) {
      const count = /^\d+$/.test(m[2]!) ? Number(m[2]) : (facts.constants[m[2]!] as number);
      return { type: 'struct', element: m[1], count };
    }
    if ((m = /^(uint(?:8|16|32|64))(?: \((.*)\))?$/.exec(t))) {
      const must = m[2] !== undefined && /must be 0/.test(m[2]) ? { mustBeZero: true } : {};
      return { type: m[1] as Field['type'], ...must };
    }
    throw new Error(`field type ${JSON.stringify(t)} is not readable`);
  }

  /** Absolute bit range [lo, lo+width) of a field's "bits" text, relative to the struct's start. */
  function factBits(ff: FactField): { lo: number; width: number } | undefined {
    if (ff.bits === undefined) return undefined;
    let m: RegExpExecArray | null;
    if ((m = /^byte(\d+) mask (0x[0-9a-f]+)/.exec(ff.bits))) {
      const mask = Number.parseInt(m[2]!.slice(2), 16);
      const lo = Math.log2(mask & -mask);
      const width = mask.toString(2).replace(/0/g, '').length;
      if (mask >> lo !== 2 ** width - 1) throw new Error(`mask ${m[2]} is not contiguous`);
      return { lo: Number(m[1]) * 8 + lo, width };
    }
    if ((m = /^word(\d+)\[(\d+)(?::(\d+))?\]/.exec(ff.bits))) {
      const hi = Number(m[2]);
      const lo = m[3] === undefined ? hi : Number(m[3]);
      return { lo: Number(m[1]) * 32 + lo, width: hi - lo + 1 };
    }
    throw new Error(`bits ${JSON.stringify(ff.bits)} are not readable`);
  }

  const fieldRows = structFacts.flatMap((f) =>
    f.st.fields.map((ff) => ({ name: f.name, releases: f.releases, ff, label: `structs["${f.key}"].${ff.name}: ${ff.type} ${ff.bits ?? `@${ff.offset}/${ff.size}`}` })),
  );
  eachFact(fieldRows, ({ name, releases, ff }) => {
    const exp = expectedType(ff);
    const bits = factBits(ff);
    for (const r of releases) {
      const s = variantsAt(name, r)[0];
      const f = s?.fields.find((x) => x.name === fieldNameAt(name, ff.name, r));
      expect(f, `${r}: no field ${ff.name}`).toBeDefined();
      const got: Record<string, unknown> = { type: f!.type, cType: f!.cType, count: f!.count, element: f!.element, mustBeZero: f!.mustBeZero };
      const want: Record<string, unknown> = { type: exp.type, cType: exp.cType, count: exp.count, element: exp.element, mustBeZero: exp.mustBeZero ?? f!.mustBeZero };
      expect(got, `${r}: type`).toEqual(want);
      if (ff.size === 0) {
        // A bit-field: the facts give the byte holding its lowest bit, and its bits.
        expect(f!.bits, `${r}: ${ff.name} is a bit-field`).toBeDefined();
        const lo = f!.offset * 8 + f!.bits!.shift;
        expect({ byte: Math.floor(lo / 8), lo, width: f!.bits!.width }, r).toEqual({ byte: ff.offset, lo: bits!.lo, width: bits!.width });
        const widthInType = /:(\d+)$/.exec(ff.type)?.[1];
        expect(String(f!.bits!.width), `${r}: width in the C type`).toBe(widthInType);
      } else {
        expect({ offset: f!.offset, size: f!.size, bits: f!.bits }, r).toEqual({ offset: ff.offset, size: ff.size, bits: undefined });
        if (bits) expect(bits, `${r}: bits text covers the whole field`).toEqual({ lo: ff.offset * 8, width: ff.size * 8 });
      }
    }
  });

  it('structs._notes.hvmmem_type_t_size: the enum is 4 bytes, but every struct carries it as a uint16', () => {
    expect((facts.structs['_notes'] as FactStructNotes).hvmmem_type_t_size).toBe(4);
    const carriers = [
      ['xen_hvm_set_mem_type', 'hvmmem_type'],
      ['xen_hvm_get_mem_type', 'mem_type'],
      ['xen_dm_op_set_mem_type', 'mem_type'],
      ['xen_dm_op_map_mem_type_to_ioreq_server', 'type'],
    ] as const;
    for (const [st, field] of carriers) {
      for (const s of schema.structs.filter((x) => x.name === st)) expect(s.fields.find((f) => f.name === field), `${st}.${field}`).toMatchObject({ type: 'uint16', size: 2 });
    }
  });
});

describe('constants, errno and limits', () => {
  function schemaConstant(cName: string): number | undefined {
    for (const g of schema.constants) for (const m of g.members) if (m.cName === cName) return m.value;
    return schema.limits.find((l) => l.cName === cName)?.value;
  }
  const num = (v: number | string) => (typeof v === 'number' ? v : /^0x[0-9a-f]+$/i.test(v) ? Number.parseInt(v.slice(2), 16) : Number.NaN);

  /** Xen's C names for the members of the nested groups (dm_op.h). */
  const nestedCName = (group: string, member: string) => (group === 'XEN_DMOP_MEM_CACHEATTR' && member === 'DELETE' ? 'XEN_DMOP_DELETE_MEM_CACHEATTR' : `${group}_${member}`);

  const scalarRows = Object.entries(facts.constants).flatMap(([name, v]) => {
    if (name === 'continuationInterval') return [];
    if (typeof v === 'object') return Object.entries(v).map(([member, mv]) => ({ cName: nestedCName(name, member), value: num(mv), label: `constants.${name}.${member} = ${mv}` }));
    if (typeof v === 'number' || /^0x[0-9a-f]+$/i.test(v)) return [{ cName: name, value: num(v), label: `constants.${name} = ${v}` }];
    return [];
  });
  eachFact(scalarRows, ({ cName, value }) => {
    expect(schemaConstant(cName)).toBe(value);
  });

  eachFact(['XEN_DMOP_MEM_CACHEATTR', 'XEN_DMOP_EVENT'].map((group) => ({ group, label: `constants.${group}: the schema group has exactly these members` })), ({ group }) => {
    const want = Object.keys(facts.constants[group] as object).map((m) => nestedCName(group, m)).sort();
    const g = schema.constants.find((x) => x.members.some((m) => want.includes(m.cName)));
    expect(g?.members.map((m) => m.cName).sort()).toEqual(want);
  });

  // Xen's names for the continuation intervals, as the schema's limits call them.
  const intervalLimit: Record<string, string> = {
    set_mem_type: 'setMemTypePreemptInterval',
    modified_memory: 'modifiedMemoryPreemptInterval',
    map_mem_type_sweep: 'mapMemTypeSweepStep',
  };
  eachFact(
    Object.entries(facts.constants['continuationInterval'] as Record<string, number | string>).map(([op, text]) => ({ op, text, label: `constants.continuationInterval.${op} = ${text}` })),
    ({ op, text }) => {
      const value = typeof text === 'number' ? text : Number(/^(\d+)/.exec(text)?.[1]);
      expect(intervalLimit[op], `no limit known for ${op}`).toBeDefined();
      expect(schema.limits.find((l) => l.id === intervalLimit[op])?.value).toBe(value);
    },
  );

  it('constants.XEN_DMOP_PCI_SBDF: the formula matches bitPacks (XEN_DMOP_PCI_SBDF, and HVMOP_PCI_SBDF per xen/include/public/hvm/hvm_op.h)', () => {
    const formula = facts.constants['XEN_DMOP_PCI_SBDF'] as string;
    const parts = [...formula.matchAll(/\((\w)&(0x[0-9a-f]+|\d+)\)(?:<<(\d+))?/g)].map((m) => {
      const mask = num(/^\d+$/.test(m[2]!) ? Number(m[2]) : m[2]!);
      return { name: m[1]!, shift: Number(m[3] ?? 0), width: Math.log2(mask + 1) };
    });
    expect(parts.map((p) => p.name)).toEqual(['s', 'b', 'd', 'f']);
    for (const cName of ['XEN_DMOP_PCI_SBDF', 'HVMOP_PCI_SBDF']) expect(schema.bitPacks.find((b) => b.cName === cName)?.parts, cName).toEqual(parts);
  });

  it('constants["XENMEM_resource_ioreq_server_frame_ioreq(n)"] = "1+n": synchronous page n is frame 1 + n', () => {
    expect(facts.constants['XENMEM_resource_ioreq_server_frame_ioreq(n)']).toBe('1+n');
    const bufioreq = schema.constants.flatMap((g) => g.members).find((m) => m.cName === 'XENMEM_resource_ioreq_server_frame_bufioreq');
    expect(bufioreq?.description).toMatch(/frame 1 \+ n/);
  });

  const errnoValues = facts.errors['errnoValues'] as Record<string, number>;
  eachFact(Object.entries(errnoValues).map(([name, value]) => ({ name, value, label: `errors.errnoValues.${name} = ${value}` })), ({ name, value }) => {
    expect(schema.errno.find((e) => e.name === name)?.value).toBe(value);
  });
  it('the schema has exactly the facts\' errno names', () => {
    expect(schema.errno.map((e) => e.name).sort()).toEqual([...Object.keys(errnoValues), ...ERRNO_ADDED].sort());
  });
  it('errors.do_dm_op: ERESTART becomes a continuation, so it is internal', () => {
    expect((facts.errors['do_dm_op'] as string[]).some((l) => /ERESTART -> hypercall continuation/.test(l))).toBe(true);
    expect(schema.errno.filter((e) => e.internal).map((e) => e.name)).toEqual(['ERESTART']);
  });

  const limit = (pred: (l: XenAbiSchema['limits'][number]) => boolean) => schema.limits.find(pred);
  const line = (group: string, re: RegExp) => {
    const found = (facts.errors[group] as string[]).map((l) => re.exec(l)).find((m) => m !== null);
    if (!found) throw new Error(`errors.${group} has no line matching ${re}`);
    return found;
  };

  it('errors.do_dm_op: nr_bufs > 2 → E2BIG', () => {
    const m = line('do_dm_op', /nr_bufs>(\d+) -> (E[A-Z0-9]+)/);
    expect(limit((l) => l.id === 'maxDmopBufs')).toMatchObject({ value: Number(m[1]), error: m[2], releases: { from: facts.dmops.map((d) => d.sinceRelease).sort(compareReleases)[0] } });
  });
  it('errors.dm_op_common: 4.11+ op >= 21 → EOPNOTSUPP (at 4.22, the size of the op table derived from dmops[])', () => {
    // The bound is ARRAY_SIZE(op_size): one past the highest DMOP the release knows. The facts give it at
    // 4.22; the schema derives it per release from dmops[].firstRelease (19 at 4.11–4.14).
    const m = line('dm_op_common', /^(\d+\.\d+)\+:.*op >= (\d+) -> (E[A-Z0-9]+)/);
    const tableSize = (release: string) => Math.max(...schema.dmops.filter((d) => compareReleases(d.firstRelease, release) <= 0).map((d) => d.value)) + 1;
    expect(tableSize('4.22')).toBe(Number(m[2]));
    expect(tableSize(m[1]!)).toBe(19);
    expect(m[3]).toBe('EOPNOTSUPP');
    expect(entryFor(schema.dmOpEntry, m[1]!)).toMatchObject({ opCopy: 'perOp' });
  });
  it('constants.MAX_NR_IO_RANGES and errors.map_io_range: 256 ranges, then ENOMEM', () => {
    const m = line('map_io_range', /rangeset limit (\d+) ranges reached -> (E[A-Z0-9]+)/);
    expect(Number(m[1])).toBe(facts.constants['MAX_NR_IO_RANGES']);
    expect(limit((l) => l.cName === 'MAX_NR_IO_RANGES')).toMatchObject({ value: Number(m[1]), error: m[2] });
  });
  it('constants.MAX_NR_IOREQ_SERVERS and errors.create_ioreq_server: 4.11+ all 8 slots used → ENOSPC; 4.11 reserves slot 0', () => {
    const m = line('create_ioreq_server', /^(\d+\.\d+)\+: all (\d+) slots used -> (E[A-Z0-9]+)(?: \((\d+\.\d+): slot 0 reserved)?/);
    expect(Number(m[2])).toBe(facts.constants['MAX_NR_IOREQ_SERVERS']);
    expect(limit((l) => l.cName === 'MAX_NR_IOREQ_SERVERS')).toMatchObject({ value: Number(m[2]), error: m[3] });
    for (const r of factRange(`${m[1]}+`)) {
      const ids = entryFor(schema.ioreqServerIds, r);
      expect(ids, r).toMatchObject({ scheme: 'slots', exhausted: m[3], firstSlot: r === m[4] ? 1 : 0, lastSlot: Number(m[2]) - 1 });
    }
  });
  it('errors.create_ioreq_server: <=4.10 no free ioreq gfn in the pool → ENOMEM', () => {
    const m = line('create_ioreq_server', /^<=(\d+\.\d+): no free ioreq gfn in pool -> (E[A-Z0-9]+)/);
    const dmopReleases = factRange(`${facts.dmops.map((d) => d.sinceRelease).sort(compareReleases)[0]}+`);
    for (const r of factRange(`<=${m[1]}`, dmopReleases)) expect(entryFor(schema.ioreqServerIds, r), r).toMatchObject({ scheme: 'counter', exhausted: m[2] });
  });
  it('constants.HVMOP_op_mask: the HVMOP continuation mask covers the HVMOP releases', () => {
    const hvmopReleases = BEHAVIOUR_RELEASES.filter((r) => schema.releases.find((x) => x.name === r)?.toolsOps === 'hvm_op');
    const l = limit((x) => x.cName === 'HVMOP_op_mask');
    expect(BEHAVIOUR_RELEASES.filter((r) => l !== undefined && releaseInRange(r, l.releases))).toEqual(hvmopReleases);
  });
  it('constants.IOREQ_BUFFER_SLOT_NUM = 511 fills buffered_iopage: 8 + 511 × 8 = 4096', () => {
    const slots = facts.constants['IOREQ_BUFFER_SLOT_NUM'] as number;
    const page = schema.structs.find((s) => s.name === 'buffered_iopage');
    const slot = schema.structs.find((s) => s.name === 'buf_ioreq');
    expect(page?.fields.find((f) => f.name === 'buf_ioreq')).toMatchObject({ count: slots, size: slots * slot!.size });
    expect(page?.size).toBe(4096);
  });
});
