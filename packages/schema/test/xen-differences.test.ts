/**
 * The facts issue 13 added to schema/xen-abi.json, each as Xen's source has it at the tags named, and the
 * validator's checks on the new sections.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { entryFor, loadSchemaFile, validateSchema, type XenAbiSchema } from '@xenmem/schema';

const SCHEMA_PATH = fileURLToPath(new URL('../../../schema/xen-abi.json', import.meta.url));
const loaded = loadSchemaFile(SCHEMA_PATH);
if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
const schema = loaded.schema;

describe('facts from Xen source', () => {
  it('ERANGE is 34 (public/errno.h)', () => {
    expect(schema.errno.find((e) => e.name === 'ERANGE')).toMatchObject({ value: 34, internal: false });
  });

  it('the ioreq gfn pool starts at libxc ioreq_server_pfn(0) = 0xfeff0 in every release', () => {
    const entries = schema.limits.filter((l) => l.id === 'ioreqServerPfnBase');
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ releases: { from: '4.5' }, value: 0xfeff0 });
    expect(entries[0]!.releases.to).toBeUndefined();
  });

  it.each([
    ['4.10', 'ok'],
    ['4.11', 'EOPNOTSUPP'],
    ['4.12', 'ok'],
    ['4.22', 'ok'],
  ])('server id 0 at %s: %s (DEFAULT_IOSERVID only at 4.11)', (release, answer) => {
    expect(entryFor(schema.ioreqServerRules, release)?.idZeroOps).toBe(answer);
  });

  it.each([
    ['4.6', 'previous-rc'],
    ['4.8', 'previous-rc'],
    ['4.9', 'refusal'],
    ['4.22', 'refusal'],
  ])('set_mem_type refusal after a changed page at %s: %s', (release, rule) => {
    expect(entryFor(schema.setMemTypeRefusal, release)).toMatchObject({ refusal: 'EINVAL', afterFirstPage: rule });
  });

  it.each([
    ['4.13', true],
    ['4.16', true],
    ['4.17', false],
    ['4.22', false],
  ])('track_dirty_vram turns log-dirty on at %s: %s (XSA-397 in 4.17.0)', (release, on) => {
    expect(entryFor(schema.logDirtyByTracking, release)?.trackEnablesLogDirty).toBe(on);
  });

  it('inject_msi: vector bits 0–7, delivery mode bits 8–10, dest id addr bits 12–19; fixed and lowest priority', () => {
    expect(entryFor(schema.injectMsi, '4.22')).toMatchObject({
      vector: { shift: 0, width: 8 },
      deliveryMode: { shift: 8, width: 3 },
      destId: { shift: 12, width: 8 },
      pirqHighMask: 0xffffff00,
      noPirq: 'ERANGE',
      deliveryModes: [0, 1],
      otherDeliveryMode: 'EINVAL',
    });
  });

  it.each([
    ['4.21', undefined],
    ['4.22', { op: 'modified_memory', bufs: 2, error: 'EINVAL' }],
  ])('modified_memory needs an exact buffer count at %s: %j (XSA-506 in 4.22.0)', (release, rule) => {
    const at = schema.dmOpExactBufs!.filter((r) => r.op === 'modified_memory' && entryFor([r], release));
    if (rule === undefined) expect(at).toEqual([]);
    else expect(at).toEqual([expect.objectContaining(rule)]);
  });

  it('the legacy ioreq gfns are libxc\'s IOREQ and BUFIOREQ special pages, special_pfn(5) and special_pfn(3)', () => {
    const value = (id: string) => schema.limits.filter((l) => l.id === id).map((l) => [l.releases, l.value]);
    expect(value('legacyIoreqPfn')).toEqual([[{ from: '4.5' }, 0xff000 - 8 + 5]]);
    expect(value('legacyBufioreqPfn')).toEqual([[{ from: '4.5' }, 0xff000 - 8 + 3]]);
  });

  it.each([
    ['4.11', 'none'],
    ['4.12', 'inverted'],
    ['4.20', 'inverted'],
    ['4.21', 'free-bit'],
    ['4.22', 'free-bit'],
  ])('the empty gfn pool at %s falls back: %s (inverted until 282ed258a5 in 4.21.0)', (release, fallback) => {
    expect(entryFor(schema.legacyIoreqGfns!, release)?.fallback).toBe(fallback);
  });

  it('get_ioreq_server_info names its gfns *_pfn at 4.9 and *_gfn from 4.10', () => {
    const at = (release: string) => entryFor(schema.structs.filter((s) => s.name === 'xen_dm_op_get_ioreq_server_info'), release)!.fields.map((f) => f.name);
    expect(at('4.9')).toEqual(['id', 'pad', 'bufioreq_port', 'ioreq_pfn', 'bufioreq_pfn']);
    expect(at('4.10')).toEqual(['id', 'pad', 'bufioreq_port', 'ioreq_gfn', 'bufioreq_gfn']);
    expect(at('4.11')).toEqual(['id', 'flags', 'bufioreq_port', 'ioreq_gfn', 'bufioreq_gfn']);
  });
});

describe('the validator on the new sections', () => {
  const raw = () => JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as XenAbiSchema;
  const problems = (doc: XenAbiSchema) => {
    const r = validateSchema(doc);
    return r.ok ? [] : r.problems;
  };

  it('refuses an unknown errno, an unknown release and a malformed source', () => {
    const doc = raw();
    doc.injectMsi[0]!.noPirq = 'ENOTANERRNO';
    doc.setMemTypeRefusal[0]!.releases = { from: '4.99' };
    doc.logDirtyByTracking[0]!.source = 'hap.c';
    doc.ioreqServerRules[3]!.idZeroOps = 'EWHAT';
    doc.dmOpExactBufs![0]!.op = 'modified_memroy';
    doc.dmOpExactBufs![0]!.error = 'EWHAT';
    doc.legacyIoreqGfns![1]!.source = 'ioreq.c';
    const paths = problems(doc).map((p) => p.path);
    expect(paths).toEqual(
      expect.arrayContaining(['injectMsi[0].noPirq', 'setMemTypeRefusal[0].releases.from', 'logDirtyByTracking[0].source', 'ioreqServerRules[3].idZeroOps', 'dmOpExactBufs[0].op', 'dmOpExactBufs[0].error', 'legacyIoreqGfns[1].source']),
    );
  });

  it('accepts the schema as it is', () => {
    expect(problems(raw())).toEqual([]);
  });
});
