/**
 * The schema validator: a broken schema gives problems that name the JSON path of what is wrong, and a
 * message that says what; it never throws. Each case breaks one thing in a copy of the real schema.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSchemaFile, validateSchema, type SchemaProblem, type XenAbiSchema } from '@xenmem/schema';

const SCHEMA_PATH = fileURLToPath(new URL('../../../schema/xen-abi.json', import.meta.url));
const BASE = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as XenAbiSchema;

/** Sets a property to a value of any type (the point is to give it the wrong one). */
function set(target: object, key: string | number, value: unknown): void {
  (target as Record<string | number, unknown>)[key] = value;
}
function remove(target: object, key: string): void {
  delete (target as Record<string, unknown>)[key];
}

/** The problems the validator reports for a copy of the real schema broken by `breakIt`. */
function problemsAfter(breakIt: (doc: XenAbiSchema) => void): SchemaProblem[] {
  const doc = structuredClone(BASE);
  breakIt(doc);
  const result = validateSchema(doc);
  return result.ok ? [] : result.problems;
}

const structIndex = (doc: XenAbiSchema, name: string, from?: string) => doc.structs.findIndex((s) => s.name === name && (from === undefined || s.releases.from === from));
const problem = (path: string, message: string) => expect.objectContaining({ path, message: expect.stringContaining(message) as string });

describe('validateSchema', () => {
  it('accepts schema/xen-abi.json', () => {
    const result = validateSchema(structuredClone(BASE));
    expect(result.ok ? [] : result.problems).toEqual([]);
  });

  describe('shape (JSON Schema)', () => {
    it('a missing required property names the object that lacks it', () => {
      expect(problemsAfter((d) => remove(d.releases[2]!, 'date'))).toEqual([{ path: 'releases[2]', message: 'missing required property "date"' }]);
    });

    it('a missing top-level property names the document (empty path)', () => {
      expect(problemsAfter((d) => remove(d, 'hvmops'))).toContainEqual({ path: '', message: 'missing required property "hvmops"' });
    });

    it('a wrong type names the property', () => {
      expect(problemsAfter((d) => set(d.releases[0]!, 'behaviourRecorded', 'yes'))).toEqual([{ path: 'releases[0].behaviourRecorded', message: 'must be boolean' }]);
    });

    it('a string where a number belongs names the nested property', () => {
      expect(problemsAfter((d) => set(d.structs[structIndex(d, 'ioreq')]!.fields[6]!.bits!, 'shift', '0'))).toContainEqual(
        problem(`structs[${structIndex(BASE, 'ioreq')}].fields[6].bits.shift`, 'must be number'),
      );
    });

    it('an unknown property is named', () => {
      expect(problemsAfter((d) => set(d.releases[0]!, 'codename', 'x'))).toEqual([{ path: 'releases[0]', message: 'unknown property "codename"' }]);
    });

    it('a value outside an enumeration lists the allowed values', () => {
      expect(problemsAfter((d) => set(d.releases[4]!, 'toolsOps', 'hypercall'))).toContainEqual(problem('releases[4].toolsOps', '"dm_op"'));
    });

    it('a release name that is not major.minor fails its pattern', () => {
      expect(problemsAfter((d) => set(d.hvmmemTypes[3]!.names[1]!, 'firstRelease', '4.7.0'))).toContainEqual(problem('hvmmemTypes[3].names[1].firstRelease', 'must match pattern'));
    });

    it('a malformed interface version fails its pattern', () => {
      expect(problemsAfter((d) => set(d.releases[1]!, 'latestInterfaceVersion', '0x40600'))).toContainEqual(problem('releases[1].latestInterfaceVersion', 'must match pattern'));
    });
  });

  describe('cross-references', () => {
    it('a release name not in releases[] (hvmmem acceptance range)', () => {
      expect(problemsAfter((d) => set(d.hvmmemTypes[4]!.hypervisor[1]!.releases, 'from', '4.99'))).toEqual([
        { path: 'hvmmemTypes[4].hypervisor[1].releases.from', message: 'release "4.99" is not in releases[]' },
      ]);
    });

    it('a release name not in releases[] (struct range end)', () => {
      const i = structIndex(BASE, 'xen_hvm_set_mem_type');
      expect(problemsAfter((d) => set(d.structs[i]!.releases, 'to', '4.23'))).toContainEqual({ path: `structs[${i}].releases.to`, message: 'release "4.23" is not in releases[]' });
    });

    it('a release range that ends before it starts', () => {
      expect(problemsAfter((d) => set(d.p2mClasses[0]!.byRelease[0]!, 'releases', { from: '4.8', to: '4.6' }))).toContainEqual(
        problem('p2mClasses[0].byRelease[0].releases', 'starts at 4.8 after it ends at 4.6'),
      );
    });

    it('an unknown p2m type number in a class', () => {
      expect(problemsAfter((d) => d.p2mClasses[0]!.byRelease[0]!.types.push(16))).toEqual([{ path: 'p2mClasses[0].byRelease[0].types[7]', message: 'p2m type 16 is not in p2mTypes[]' }]);
    });

    it('an unknown p2m type number as a transition row', () => {
      expect(problemsAfter((d) => set(d.transitions[0]!.rows[0]!, 'from', 99))).toContainEqual({ path: 'transitions[0].rows[0].from', message: 'p2m type 99 is not in p2mTypes[]' });
    });

    it('an unknown errno as a transition outcome', () => {
      expect(problemsAfter((d) => set(d.transitions[3]!.rows[1]!.to, '2', 'EWHAT'))).toContainEqual({ path: 'transitions[3].rows[1].to.2', message: 'errno "EWHAT" is not in errno[]' });
    });

    it('a limit source that does not name a file, a function and a release tag', () => {
      const at = BASE.limits.findIndex((l) => l.id === 'maxTrackDirtyVramPages');
      expect(problemsAfter((d) => set(d.limits[at]!, 'source', 'dm.c somewhere'))).toEqual([
        { path: `limits[${at}].source`, message: '"dm.c somewhere" is not "<file> <function>[, <function>…] @ RELEASE-<x.y.z>"' },
      ]);
    });

    it('the same limit twice from the same release', () => {
      expect(problemsAfter((d) => d.limits.push(structuredClone(d.limits[0]!)))).toEqual([
        { path: `limits[${BASE.limits.length}]`, message: 'limit id and first release "maxDmopBufs@4.9" already used by limits[0]' },
      ]);
    });

    it('an unknown class in a get_mem_type step', () => {
      expect(problemsAfter((d) => set(d.getMemType[0]!.steps[0]!, 'class', 'P2M_NOSUCH_TYPES'))).toContainEqual({
        path: 'getMemType[0].steps[0].class',
        message: 'class "P2M_NOSUCH_TYPES" is not in p2mClasses[]',
      });
    });

    it('a get_mem_type projection whose last step is not "else"', () => {
      expect(problemsAfter((d) => d.getMemType[2]!.steps.pop())).toContainEqual(problem('getMemType[2].steps', 'the last step must be an "else"'));
    });

    it('xenstore errors out of order, naming an unknown errno, or listed twice', () => {
      expect(problemsAfter((d) => d.xsdErrors!.reverse())).toContainEqual(problem('xsdErrors[0].index', "index 15 at position 0: list the errors in xs_wire.h's order, from 0"));
      expect(problemsAfter((d) => (d.xsdErrors![3]!.errno = 'ENOTADIR'))).toEqual([problem('xsdErrors[3].errno', 'errno "ENOTADIR" is not in errno[]')]);
      expect(problemsAfter((d) => (d.xsdErrors![3]!.errno = 'EINVAL'))).toEqual([problem('xsdErrors[3]', 'xenstore error "EINVAL" already used by xsdErrors[0]')]);
    });

    it('a pointee on a field that is not a handle', () => {
      const i = structIndex(BASE, 'xsd_sockmsg');
      expect(problemsAfter((d) => (d.structs[i]!.fields[0]!.pointee = 'uint64'))).toEqual([problem(`structs[${i}].fields[0].pointee`, 'only a handle points at something; "type" is a uint32')]);
    });

    it('an unknown requirement id', () => {
      expect(problemsAfter((d) => d.hvmmemTypes[4]!.hypervisor[2]!.requires!.push('iommu'))).toContainEqual({
        path: 'hvmmemTypes[4].hypervisor[2].requires[2]',
        message: 'requirement "iommu" is not in requirements[]',
      });
    });

    it('an accepted value without the p2m type it becomes', () => {
      expect(problemsAfter((d) => remove(d.hvmmemTypes[0]!.hypervisor[0]!, 'p2m'))).toContainEqual(problem('hvmmemTypes[0].hypervisor[0]', 'needs the p2m type'));
    });

    it('a DMOP whose payload struct does not exist', () => {
      expect(problemsAfter((d) => set(d.dmops[11]!, 'struct', 'xen_dm_op_nosuch'))).toContainEqual({ path: 'dmops[11].struct', message: 'struct "xen_dm_op_nosuch" is not in structs[]' });
    });

    it('an HVMOP moved to a DMOP that does not exist', () => {
      expect(problemsAfter((d) => set(d.hvmops[8]!, 'movedToDmop', 42))).toContainEqual({ path: 'hvmops[8].movedToDmop', message: 'DMOP 42 is not in dmops[]' });
    });
  });

  describe('uniqueness', () => {
    it('a duplicate hvmmem value names the second entry and the first', () => {
      expect(problemsAfter((d) => set(d.hvmmemTypes[4]!, 'value', 2))).toContainEqual({ path: 'hvmmemTypes[4]', message: 'hvmmem value 2 already used by hvmmemTypes[2]' });
    });

    it('two names for one hvmmem value at one interface version', () => {
      expect(problemsAfter((d) => set(d.hvmmemTypes[3]!.names[0]!.iface, 'below', '0x00040800'))).toContainEqual(
        problem('hvmmemTypes[3].names', 'value 3 has 2 names at interface version 0x00040700: mmio_write_dm, unused'),
      );
    });

    it('one hvmmem name given to two values', () => {
      expect(problemsAfter((d) => set(d.hvmmemTypes[4]!.names[0]!, 'name', 'ram_ro'))).toContainEqual(problem('hvmmemTypes', 'name "ram_ro" is given to both 1 and 4'));
    });

    it('a duplicate DMOP number', () => {
      expect(problemsAfter((d) => set(d.dmops[19]!, 'value', 12))).toContainEqual({ path: 'dmops[19]', message: 'DMOP number 12 already used by dmops[11]' });
    });

    it('a duplicate errno value', () => {
      const i = BASE.errno.findIndex((e) => e.name === 'EBUSY');
      const j = BASE.errno.findIndex((e) => e.name === 'EEXIST');
      expect(problemsAfter((d) => set(d.errno[i]!, 'value', 17))).toContainEqual({ path: `errno[${j}]`, message: `errno value 17 already used by errno[${i}]` });
    });

    it('two layouts of one struct at the same release', () => {
      const i = structIndex(BASE, 'xen_hvm_param', '4.14');
      expect(problemsAfter((d) => set(d.structs[i]!.releases, 'from', '4.13'))).toContainEqual(problem(`structs[${i}].releases`, 'struct "xen_hvm_param" has two layouts at 4.13'));
    });
  });

  describe('struct layouts', () => {
    const i = structIndex(BASE, 'xen_dm_op_set_mem_type');

    it('an overlapping struct field', () => {
      expect(problemsAfter((d) => set(d.structs[i]!.fields[1]!, 'offset', 3))).toEqual([{ path: `structs[${i}].fields[1]`, message: 'field "mem_type" at offset 3 overlaps the previous field' }]);
    });

    it('a field that ends past the struct', () => {
      expect(problemsAfter((d) => set(d.structs[i]!.fields[3]!, 'size', 16))).toContainEqual({ path: `structs[${i}].fields[3]`, message: 'field "first_pfn" ends at byte 24, past the struct\'s size 16' });
    });

    it('a bit-field that does not fit its storage unit', () => {
      const q = structIndex(BASE, 'ioreq');
      expect(problemsAfter((d) => set(d.structs[q]!.fields[10]!.bits!, 'width', 2))).toContainEqual({ path: `structs[${q}].fields[10].bits`, message: 'bit-field "_pad1" does not fit its 1-byte storage' });
    });

    it('a size that is not a multiple of the alignment', () => {
      expect(problemsAfter((d) => set(d.structs[i]!, 'size', 20))).toContainEqual({ path: `structs[${i}].size`, message: 'size 20 is not a multiple of the alignment 8' });
    });

    it('an array of structs whose element is unknown', () => {
      const p = structIndex(BASE, 'buffered_iopage');
      expect(problemsAfter((d) => set(d.structs[p]!.fields[2]!, 'element', 'buf_ioreq_t'))).toContainEqual({ path: `structs[${p}].fields[2].element`, message: 'struct "buf_ioreq_t" is not in structs[]' });
    });
  });

  describe('never throws', () => {
    it.each([
      ['null', null],
      ['an array', []],
      ['a string', 'xen'],
      ['a number', 42],
      ['an empty object', {}],
    ])('for %s it reports problems at the document', (_label, doc) => {
      const result = validateSchema(doc);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.problems.every((p) => p.path === '')).toBe(true);
    });

    it('for 500 random breakages of the real schema (fixed seed), every result is a value with string paths and messages', () => {
      let seed = 20160428;
      const random = (n: number) => {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        return seed % n;
      };
      const paths: (string | number)[][] = [];
      const walk = (v: unknown, path: (string | number)[]) => {
        paths.push(path);
        if (v !== null && typeof v === 'object') for (const [k, child] of Object.entries(v)) walk(child, [...path, Array.isArray(v) ? Number(k) : k]);
      };
      walk(BASE, []);
      const replacements: unknown[] = [null, 0, -1, 1.5, 'x', '4.99', '0xZZ', '0x00041400', [], {}, true, 2 ** 40, '', 'E2BIG', 15, 16];
      let refused = 0;
      for (let n = 0; n < 500; n++) {
        const doc = structuredClone(BASE) as unknown as Record<string | number, unknown>;
        const path = paths[1 + random(paths.length - 1)]!;
        let parent = doc;
        for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
        const key = path[path.length - 1]!;
        if (random(4) === 0) {
          if (Array.isArray(parent)) parent.splice(key as number, 1);
          else delete parent[key];
        } else parent[key] = structuredClone(replacements[random(replacements.length)]);
        const result = validateSchema(doc);
        if (!result.ok) {
          refused++;
          expect(result.problems.length, path.join('.')).toBeGreaterThan(0);
          for (const p of result.problems) expect(typeof p.path === 'string' && typeof p.message === 'string' && p.message.length > 0, path.join('.')).toBe(true);
        }
      }
      expect(refused).toBeGreaterThan(200);
    });
  });
});

describe('loadSchemaFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'xenmem-schema-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('loads schema/xen-abi.json', () => {
    expect(loadSchemaFile(SCHEMA_PATH).ok).toBe(true);
  });

  it('a missing file is a problem, not a throw', () => {
    const result = loadSchemaFile(join(dir, 'nosuch.json'));
    expect(result.ok ? [] : result.problems).toEqual([problem('', 'cannot read')]);
    expect(result.ok ? '' : result.problems[0]!.message).toContain('ENOENT');
  });

  it('a file that is not JSON is a problem, not a throw', () => {
    const path = join(dir, 'broken.json');
    writeFileSync(path, '{ "formatVersion": 1, ');
    const result = loadSchemaFile(path);
    expect(result.ok ? [] : result.problems).toEqual([problem('', 'is not JSON')]);
  });

  it('a JSON file with a broken schema reports its paths', () => {
    const path = join(dir, 'bad.json');
    const doc = structuredClone(BASE);
    set(doc.releases[0]!, 'latestInterfaceVersion', 1);
    writeFileSync(path, JSON.stringify(doc));
    const result = loadSchemaFile(path);
    expect(result.ok ? [] : result.problems).toContainEqual(problem('releases[0].latestInterfaceVersion', 'must be string'));
  });
});
