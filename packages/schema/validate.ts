/**
 * Loading and validating a schema file: first its shape (ajv against schema/xen-abi.schema.json),
 * then the cross-references JSON Schema cannot express (release names exist, numbers are unique,
 * fields fit their struct, …). Every problem is reported with the JSON path it concerns.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import AjvModule from 'ajv';
import type { ErrorObject } from 'ajv';
import { DATA_DIR } from './paths.js';
import { compareReleases, hvmmemEraStarts, ifaceInRange, parseIfaceHex, releaseKey } from './model.js';
import type { ReleaseRange, XenAbiSchema } from './types.js';

/** A problem found in a schema: its JSON path and a message. */
export interface SchemaProblem {
  /** Where in the file, e.g. `hvmmemTypes[3].names[1].iface.below` (empty for the whole document). */
  path: string;
  /** What is wrong there, as a sentence (from ajv's error, or the semantic check that failed). */
  message: string;
}

/** The result of loading a schema: the schema, or its problems. */
export type LoadResult =
  | {
      /** The document is a valid schema. */
      ok: true;
      /** The schema, typed. */
      schema: XenAbiSchema;
    }
  | {
      /** The file could not be read or parsed, or failed validation. */
      ok: false;
      /** Every problem found, one per JSON path and message. */
      problems: SchemaProblem[];
    };

/** The JSON Schema of schema files (the checkout's schema/, or the copy shipped in the package: see paths.ts). */
export const JSON_SCHEMA_PATH = join(DATA_DIR, 'xen-abi.schema.json');

// ajv's CommonJS export under NodeNext.
const Ajv = AjvModule as unknown as typeof AjvModule.default;
let compiled: ReturnType<InstanceType<typeof Ajv>['compile']> | undefined;

function structuralValidator() {
  if (!compiled) {
    const jsonSchema = JSON.parse(readFileSync(JSON_SCHEMA_PATH, 'utf8')) as object;
    compiled = new Ajv({ allErrors: true, strict: false }).compile(jsonSchema);
  }
  return compiled;
}

/** `/hvmmemTypes/3/names/1` → `hvmmemTypes[3].names[1]` */
function pointerToPath(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, part) => (/^\d+$/.test(part) ? `${acc}[${part}]` : acc ? `${acc}.${part}` : part), '');
}

function describeAjvError(e: ErrorObject): SchemaProblem {
  const path = pointerToPath(e.instancePath);
  switch (e.keyword) {
    case 'required':
      return { path, message: `missing required property "${(e.params as { missingProperty: string }).missingProperty}"` };
    case 'additionalProperties':
      return { path, message: `unknown property "${(e.params as { additionalProperty: string }).additionalProperty}"` };
    case 'enum':
      return { path, message: `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}` };
    default:
      return { path, message: e.message ?? e.keyword };
  }
}

/** Validates a parsed document. Returns the typed schema or every problem found. */
export function validateSchema(doc: unknown): LoadResult {
  const validate = structuralValidator();
  if (!validate(doc)) {
    const problems = (validate.errors ?? []).map(describeAjvError);
    // ajv reports each failing branch of a union; keep one line per path and message.
    const seen = new Set<string>();
    return { ok: false, problems: problems.filter((p) => !seen.has(p.path + p.message) && seen.add(p.path + p.message)) };
  }
  const schema = doc as XenAbiSchema;
  const problems = crossCheck(schema);
  return problems.length ? { ok: false, problems } : { ok: true, schema };
}

/** Reads, parses and validates a schema file. Never throws for a bad file. */
export function loadSchemaFile(path: string): LoadResult {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    return { ok: false, problems: [{ path: '', message: `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}` }] };
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    return { ok: false, problems: [{ path: '', message: `${path} is not JSON: ${(err as Error).message}` }] };
  }
  return validateSchema(doc);
}

/** A limit's source: a file path, the function(s) that enforce it, and the release tag read. */
const LIMIT_SOURCE = /^[\w./-]+ \w+(, \w+)* @ RELEASE-\d+\.\d+\.\d+$/;

function crossCheck(s: XenAbiSchema): SchemaProblem[] {
  const problems: SchemaProblem[] = [];
  const add = (path: string, message: string) => problems.push({ path, message });
  const releaseSet = new Set(s.releases.map((r) => r.name));
  const errnoSet = new Set(s.errno.map((e) => e.name));
  const p2mSet = new Set(s.p2mTypes.map((t) => t.value));
  const classSet = new Set(s.p2mClasses.map((c) => c.name));
  const semanticsSet = new Set(s.semantics.map((t) => t.tag));
  const requirementSet = new Set(s.requirements.map((r) => r.id));
  const structNames = new Set(s.structs.map((t) => t.name));

  const checkRange = (path: string, r: ReleaseRange) => {
    for (const key of ['from', 'to'] as const) {
      const name = r[key];
      if (name !== undefined && !releaseSet.has(name)) add(`${path}.${key}`, `release "${name}" is not in releases[]`);
    }
    if (r.to !== undefined && releaseSet.has(r.from) && releaseSet.has(r.to) && compareReleases(r.from, r.to) > 0) add(path, `range starts at ${r.from} after it ends at ${r.to}`);
  };
  const checkErrno = (path: string, name: string | undefined) => {
    if (name !== undefined && !errnoSet.has(name)) add(path, `errno "${name}" is not in errno[]`);
  };
  const unique = <T>(path: string, items: readonly T[], key: (t: T) => string | number, what: string) => {
    const seen = new Map<string | number, number>();
    items.forEach((item, i) => {
      const k = key(item);
      const prev = seen.get(k);
      if (prev !== undefined) add(`${path}[${i}]`, `${what} ${JSON.stringify(k)} already used by ${path}[${prev}]`);
      else seen.set(k, i);
    });
  };

  unique('releases', s.releases, (r) => r.name, 'release');
  let prevIface = -1;
  [...s.releases].sort((a, b) => releaseKey(a.name) - releaseKey(b.name)).forEach((r) => {
    const v = parseIfaceHex(r.latestInterfaceVersion);
    if (v < prevIface) add(`releases[${s.releases.indexOf(r)}].latestInterfaceVersion`, `${r.latestInterfaceVersion} is below the previous release's`);
    prevIface = v;
  });
  unique('errno', s.errno, (e) => e.name, 'errno name');
  unique('errno', s.errno, (e) => e.value, 'errno value');
  unique('hvmmemTypes', s.hvmmemTypes, (v) => v.value, 'hvmmem value');
  unique('p2mTypes', s.p2mTypes, (v) => v.value, 'p2m value');
  unique('hvmops', s.hvmops, (o) => o.value, 'HVMOP number');
  unique('dmops', s.dmops, (o) => o.value, 'DMOP number');
  unique('requirements', s.requirements, (r) => r.id, 'requirement id');
  checkErrno('unlistedHvmmemError', s.unlistedHvmmemError);
  s.requirements.forEach((r, i) => checkErrno(`requirements[${i}].error`, r.error));

  s.hvmmemTypes.forEach((v, i) => {
    const base = `hvmmemTypes[${i}]`;
    if (v.value < 0 || v.value > 0xffff) add(`${base}.value`, `${v.value} does not fit the uint16 every struct carries`);
    v.names.forEach((n, j) => {
      const p = `${base}.names[${j}]`;
      if (!semanticsSet.has(n.semantics)) add(`${p}.semantics`, `semantics tag "${n.semantics}" is not in semantics[]`);
      if (!releaseSet.has(n.firstRelease)) add(`${p}.firstRelease`, `release "${n.firstRelease}" is not in releases[]`);
      if (n.cName !== `HVMMEM_${n.name}`) add(`${p}.cName`, `expected "HVMMEM_${n.name}" for name "${n.name}"`);
    });
    // At most one name per interface version for this number.
    for (const start of hvmmemEraStarts({ hvmmemTypes: [v] })) {
      const at = v.names.filter((n) => ifaceInRange(start, n.iface));
      if (at.length > 1) add(`${base}.names`, `value ${v.value} has ${at.length} names at interface version 0x${start.toString(16).padStart(8, '0')}: ${at.map((n) => n.name).join(', ')}`);
    }
    v.hypervisor.forEach((h, j) => {
      const p = `${base}.hypervisor[${j}]`;
      checkRange(`${p}.releases`, h.releases);
      checkErrno(`${p}.error`, h.error);
      if (h.accepted && h.p2m === undefined) add(p, 'an accepted value needs the p2m type it becomes');
      if (!h.accepted && h.error === undefined) add(p, 'a refused value needs the errno it gets');
      if (h.p2m !== undefined && !p2mSet.has(h.p2m)) add(`${p}.p2m`, `p2m type ${h.p2m} is not in p2mTypes[]`);
      (h.requires ?? []).forEach((r, k) => {
        if (!requirementSet.has(r)) add(`${p}.requires[${k}]`, `requirement "${r}" is not in requirements[]`);
      });
    });
  });
  // Names unique per interface era across values.
  for (const start of hvmmemEraStarts(s)) {
    const seen = new Map<string, number>();
    for (const v of s.hvmmemTypes) for (const n of v.names) {
      if (!ifaceInRange(start, n.iface)) continue;
      const prev = seen.get(n.name);
      if (prev !== undefined) add('hvmmemTypes', `name "${n.name}" is given to both ${prev} and ${v.value} at interface version 0x${start.toString(16).padStart(8, '0')}`);
      seen.set(n.name, v.value);
    }
  }

  s.p2mTypes.forEach((t, i) => t.names.forEach((n, j) => checkRange(`p2mTypes[${i}].names[${j}].releases`, n.releases)));
  s.p2mClasses.forEach((c, i) =>
    c.byRelease.forEach((e, j) => {
      checkRange(`p2mClasses[${i}].byRelease[${j}].releases`, e.releases);
      e.types.forEach((t, k) => {
        if (!p2mSet.has(t)) add(`p2mClasses[${i}].byRelease[${j}].types[${k}]`, `p2m type ${t} is not in p2mTypes[]`);
      });
    }),
  );
  s.transitions.forEach((t, i) => {
    checkRange(`transitions[${i}].releases`, t.releases);
    t.rows.forEach((row, j) => {
      if (!p2mSet.has(row.from)) add(`transitions[${i}].rows[${j}].from`, `p2m type ${row.from} is not in p2mTypes[]`);
      for (const [to, outcome] of Object.entries(row.to)) {
        if (!s.hvmmemTypes.some((v) => String(v.value) === to)) add(`transitions[${i}].rows[${j}].to.${to}`, `hvmmem value ${to} is not in hvmmemTypes[]`);
        if (outcome !== 'ok') checkErrno(`transitions[${i}].rows[${j}].to.${to}`, outcome);
      }
    });
  });
  s.getMemType.forEach((g, i) => {
    checkRange(`getMemType[${i}].releases`, g.releases);
    g.steps.forEach((st, j) => {
      const p = `getMemType[${i}].steps[${j}]`;
      if (st.match === 'class' && (st.class === undefined || !classSet.has(st.class))) add(`${p}.class`, `class "${st.class ?? ''}" is not in p2mClasses[]`);
      if (st.match === 'type' && (st.p2m === undefined || !p2mSet.has(st.p2m))) add(`${p}.p2m`, `p2m type ${st.p2m ?? '(missing)'} is not in p2mTypes[]`);
      if (!s.hvmmemTypes.some((v) => v.value === st.result)) add(`${p}.result`, `hvmmem value ${st.result} is not in hvmmemTypes[]`);
    });
    if (g.steps[g.steps.length - 1]?.match !== 'else') add(`getMemType[${i}].steps`, 'the last step must be an "else"');
  });
  s.hvmops.forEach((o, i) => {
    if (!releaseSet.has(o.firstRelease)) add(`hvmops[${i}].firstRelease`, `release "${o.firstRelease}" is not in releases[]`);
    o.dispatched.forEach((r, j) => checkRange(`hvmops[${i}].dispatched[${j}]`, r));
    if (o.struct !== undefined && !structNames.has(o.struct)) add(`hvmops[${i}].struct`, `struct "${o.struct}" is not in structs[]`);
    if (o.movedToDmop !== undefined && !s.dmops.some((d) => d.value === o.movedToDmop)) add(`hvmops[${i}].movedToDmop`, `DMOP ${o.movedToDmop} is not in dmops[]`);
  });
  s.dmops.forEach((o, i) => {
    if (!releaseSet.has(o.firstRelease)) add(`dmops[${i}].firstRelease`, `release "${o.firstRelease}" is not in releases[]`);
    if (!structNames.has(o.struct)) add(`dmops[${i}].struct`, `struct "${o.struct}" is not in structs[]`);
  });
  s.structs.forEach((st, i) => {
    const p = `structs[${i}]`;
    checkRange(`${p}.releases`, st.releases);
    let end = 0;
    st.fields.forEach((f, j) => {
      const fp = `${p}.fields[${j}]`;
      if (f.offset + f.size > st.size) add(fp, `field "${f.name}" ends at byte ${f.offset + f.size}, past the struct's size ${st.size}`);
      if (f.bits && f.bits.shift + f.bits.width > f.size * 8) add(`${fp}.bits`, `bit-field "${f.name}" does not fit its ${f.size}-byte storage`);
      if (!f.bits && f.offset < end) add(fp, `field "${f.name}" at offset ${f.offset} overlaps the previous field`);
      if (!f.bits) end = f.offset + f.size;
      if (f.type === 'struct' && (f.element === undefined || !structNames.has(f.element))) add(`${fp}.element`, `struct "${f.element ?? ''}" is not in structs[]`);
    });
    if (st.size % st.align !== 0) add(`${p}.size`, `size ${st.size} is not a multiple of the alignment ${st.align}`);
  });
  // Struct variants of one name must not overlap in releases.
  const byName = new Map<string, number[]>();
  s.structs.forEach((st, i) => byName.set(st.name, [...(byName.get(st.name) ?? []), i]));
  for (const [name, idx] of byName) {
    for (const release of s.releases.map((r) => r.name)) {
      const hits = idx.filter((i) => {
        const r = s.structs[i]!.releases;
        return releaseKey(release) >= releaseKey(r.from) && (r.to === undefined || releaseKey(release) <= releaseKey(r.to));
      });
      if (hits.length > 1) add(`structs[${hits[1]}].releases`, `struct "${name}" has two layouts at ${release} (structs[${hits[0]}] too)`);
    }
  }
  s.constants.forEach((g, i) => {
    unique(`constants[${i}].members`, g.members, (m) => m.name, 'constant name');
    g.members.forEach((m, j) => {
      if (!releaseSet.has(m.firstRelease)) add(`constants[${i}].members[${j}].firstRelease`, `release "${m.firstRelease}" is not in releases[]`);
    });
  });
  unique('constants', s.constants, (g) => g.name, 'constant group');
  s.structs.forEach((st, i) =>
    st.fields.forEach((f, j) => {
      const fp = `structs[${i}].fields[${j}]`;
      if (f.pointee !== undefined && f.type !== 'handle') add(`${fp}.pointee`, `only a handle points at something; "${f.name}" is a ${f.type}`);
      if (f.legacyName !== undefined && f.legacyName.name === f.name) add(`${fp}.legacyName`, `the legacy name of "${f.name}" is the same name`);
    }),
  );
  (s.xsdErrors ?? []).forEach((e, i) => {
    if (e.index !== i) add(`xsdErrors[${i}].index`, `index ${e.index} at position ${i}: list the errors in xs_wire.h's order, from 0`);
    checkErrno(`xsdErrors[${i}].errno`, e.errno);
    if (!releaseSet.has(e.firstRelease)) add(`xsdErrors[${i}].firstRelease`, `release "${e.firstRelease}" is not in releases[]`);
  });
  unique('xsdErrors', s.xsdErrors ?? [], (e) => e.errno, 'xenstore error');
  s.limits.forEach((l, i) => {
    checkRange(`limits[${i}].releases`, l.releases);
    checkErrno(`limits[${i}].error`, l.error);
    if (l.source !== undefined && !LIMIT_SOURCE.test(l.source))
      add(`limits[${i}].source`, `"${l.source}" is not "<file> <function>[, <function>…] @ RELEASE-<x.y.z>"`);
  });
  unique('limits', s.limits, (l) => `${l.id}@${l.releases.from}`, 'limit id and first release');
  s.ioreqServerIds.forEach((e, i) => {
    checkRange(`ioreqServerIds[${i}].releases`, e.releases);
    checkErrno(`ioreqServerIds[${i}].exhausted`, e.exhausted);
  });
  const checkRules = <T extends { releases: ReleaseRange; source: string }>(section: string, entries: T[], errnoKeys: (keyof T & string)[]) =>
    entries.forEach((e, i) => {
      checkRange(`${section}[${i}].releases`, e.releases);
      for (const key of errnoKeys) checkErrno(`${section}[${i}].${key}`, e[key] as string);
      if (!LIMIT_SOURCE.test(e.source)) add(`${section}[${i}].source`, `"${e.source}" is not "<file> <function>[, <function>…] @ RELEASE-<x.y.z>"`);
    });
  checkRules('setMemTypeRefusal', s.setMemTypeRefusal ?? [], ['refusal']);
  checkRules('injectMsi', s.injectMsi ?? [], ['noPirq', 'otherDeliveryMode']);
  checkRules('logDirtyByTracking', s.logDirtyByTracking ?? [], []);
  checkRules('dmOpExactBufs', s.dmOpExactBufs ?? [], ['error']);
  (s.dmOpExactBufs ?? []).forEach((r, i) => {
    if (!s.dmops.some((o) => o.name === r.op)) add(`dmOpExactBufs[${i}].op`, `"${r.op}" is not a DM op in dmops[]`);
  });
  checkRules('legacyIoreqGfns', s.legacyIoreqGfns ?? [], []);
  checkRules('acquireResource', s.acquireResource ?? [], []);
  s.ioreqServerRules.forEach((r, i) => {
    checkRange(`ioreqServerRules[${i}].releases`, r.releases);
    for (const key of ['rangeStartAfterEnd', 'destroyIdZero', 'idZeroOps'] as const) if (r[key] !== 'ok') checkErrno(`ioreqServerRules[${i}].${key}`, r[key]);
  });
  s.exceptions.forEach((e, i) => {
    if (!releaseSet.has(e.release)) add(`exceptions[${i}].release`, `release "${e.release}" is not in releases[]`);
    if (!e.reason.trim()) add(`exceptions[${i}].reason`, 'an exception needs its reason');
  });
  return problems;
}
