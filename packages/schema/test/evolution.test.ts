/**
 * The ABI evolution checker. Xen's own history must pass (replayed with schemaAsOfRelease); each kind of break,
 * made by mutating a copy of the real schema, must fail with exactly its rule id; released snapshots must stay
 * as released. `npm test` runs this file, so the current schema is checked against the newest snapshot here.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  checkAbi,
  checkEvolution,
  checkSnapshots,
  EVOLUTION_RULES,
  listSnapshots,
  loadReleasedSnapshots,
  loadSchemaFile,
  newestSnapshot,
  parseSnapshotFileName,
  RELEASED_DIR,
  releaseNames,
  SCHEMA_FILE,
  schemaAsOfRelease,
  SNAPSHOT_MANIFEST,
  UnknownReleaseError,
  validateSchema,
  writeSnapshot,
  type EvolutionReport,
  type XenAbiSchema,
} from '@xenmem/schema';

function load(path: string): XenAbiSchema {
  const loaded = loadSchemaFile(path);
  if (!loaded.ok) throw new Error(`${path} is invalid: ${JSON.stringify(loaded.problems)}`);
  return loaded.schema;
}

const CURRENT = load(SCHEMA_FILE);
const asOf = (release: string) => schemaAsOfRelease(CURRENT, release);
const newestPath = newestSnapshot()?.path;
const SNAPSHOT = newestPath === undefined ? undefined : load(newestPath);

/** A copy of the current schema changed by `change`. */
function changed(change: (s: XenAbiSchema) => void, from: XenAbiSchema = CURRENT): XenAbiSchema {
  const s = structuredClone(from);
  change(s);
  return s;
}

function hvmmem(s: XenAbiSchema, value: number) {
  const v = s.hvmmemTypes.find((x) => x.value === value);
  if (!v) throw new Error(`no hvmmem value ${value}`);
  return v;
}

/** `rule:severity` of each finding, in report order. */
const rules = (r: EvolutionReport) => r.findings.map((f) => `${f.rule}:${f.severity}`);

/** Adds a Xen 4.23 whose headers bump the interface version to 0x00041400. */
function add423(s: XenAbiSchema): void {
  s.releases.push({ name: '4.23', date: '2027-06-01', latestInterfaceVersion: '0x00041400', toolsOps: 'dm_op', behaviourRecorded: true });
}

const tmp: string[] = [];
function tmpDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'xenmem-evolution-'));
  tmp.push(dir);
  return dir;
}
afterAll(() => tmp.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('the rule catalogue', () => {
  it('has unique kebab-case ids', () => {
    const ids = EVOLUTION_RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z]+(-[a-z]+)*$/);
    expect(ids).toHaveLength(15);
  });
});

describe('schemaAsOfRelease', () => {
  it.each(releaseNames(CURRENT))('the schema as of %s passes validateSchema', (release) => {
    const result = validateSchema(asOf(release));
    expect(result.ok ? [] : result.problems).toEqual([]);
  });

  it('4.6: 3 is mmio_write_dm with no guard, accepted; 4 does not exist yet; no DMOPs', () => {
    const s = asOf('4.6');
    expect(releaseNames(s).at(-1)).toBe('4.6');
    expect(s.hvmmemTypes.map((v) => v.value)).toEqual([0, 1, 2, 3]);
    expect(hvmmem(s, 3).names).toMatchObject([{ name: 'mmio_write_dm', iface: {} }]);
    expect(hvmmem(s, 3).hypervisor).toMatchObject([{ releases: { from: '4.6' }, accepted: true, p2m: 15 }]);
    expect(s.dmops).toEqual([]);
    expect(s.exceptions).toEqual([]);
  });

  it('4.7: 3 is mmio_write_dm below 0x00040700 and unused from it', () => {
    const names = hvmmem(asOf('4.7'), 3).names;
    expect(names.map((n) => [n.name, n.iface])).toEqual([
      ['mmio_write_dm', { below: '0x00040700' }],
      ['unused', { from: '0x00040700' }],
    ]);
  });

  it('4.8: ioreq_server = 4 with no requirements; the HVMOPs are still in the headers', () => {
    const s = asOf('4.8');
    expect(hvmmem(s, 4).hypervisor.at(-1)).toMatchObject({ releases: { from: '4.8' }, accepted: true, requires: [] });
    const setMemType = s.hvmops.find((o) => o.value === 8)!;
    expect(setMemType.lastHeaderRelease).toBeUndefined();
    expect(setMemType.movedToDmop).toBeUndefined();
    expect(s.structs.find((t) => t.name === 'xen_hvm_set_mem_type')).toMatchObject({ releases: { from: '4.6' }, visibility: 'tools' });
    expect(s.hvmops.find((o) => o.value === 2)!.iface).toBeUndefined(); // the < 0x00040900 guard came with 4.9
    expect(s.constants.find((g) => g.name === 'hvmop_io_range')).toMatchObject({ visibility: 'tools' });
  });

  it('4.9 keeps the recorded exception for 4', () => {
    expect(asOf('4.9').exceptions.map((e) => [e.rule, e.value, e.release])).toEqual([['accept-tightened', 4, '4.9']]);
  });

  it('refuses a release the schema does not know', () => {
    expect(() => asOf('4.23')).toThrow(UnknownReleaseError);
    expect(() => asOf('4.23')).toThrow(/Xen 4\.23 is not a release the schema knows \(4\.5 … 4\.22\)/);
  });
});

describe("Xen's real history passes", () => {
  it('4.6 → 4.7: 3 burnt to unused', () => {
    const r = checkEvolution(asOf('4.6'), asOf('4.7'));
    expect(r).toMatchObject({ ok: true, usable: true, findings: [] });
  });

  it('4.7 → 4.8: ioreq_server = 4 added', () => {
    expect(checkEvolution(asOf('4.7'), asOf('4.8'))).toMatchObject({ ok: true, usable: true, findings: [] });
  });

  it('4.8 → 4.9: passes, reporting the recorded exception for 4', () => {
    const r = checkEvolution(asOf('4.8'), asOf('4.9'));
    expect(r.ok).toBe(true);
    expect(r.findings).toEqual([
      {
        rule: 'accept-tightened',
        severity: 'exception',
        subject: 'hvmmem value 4',
        message: expect.stringContaining('4.9 accepts it only with hap, claim, which 4.8 did not require') as unknown as string,
        exception: { reason: CURRENT.exceptions[0]!.reason },
      },
    ]);
  });

  const pairs = releaseNames(CURRENT).slice(1).map((r, i) => [releaseNames(CURRENT)[i]!, r] as const);
  it.each(pairs)('%s → %s', (from, to) => {
    const r = checkEvolution(asOf(from), asOf(to));
    expect(r.ok).toBe(true);
    expect(rules(r)).toEqual(to === '4.9' ? ['accept-tightened:exception'] : []);
  });

  it('the schema as of 4.22 → the current schema', () => {
    expect(checkEvolution(asOf('4.22'), CURRENT)).toMatchObject({ ok: true, findings: [] });
  });

  it('the newest released snapshot → the current schema (what `xenmem abi check` does)', () => {
    expect(SNAPSHOT).toBeDefined();
    expect(checkEvolution(SNAPSHOT!, CURRENT)).toEqual({ ok: true, usable: true, problems: { base: [], next: [] }, findings: [] });
    const all = checkAbi();
    expect(all).toMatchObject({ ok: true, usable: true, basePath: newestPath, snapshots: { ok: true, findings: [] } });
  });
});

describe('breaking changes fail with their rule ids', () => {
  const base = () => SNAPSHOT!;

  it('value 3 renamed to a new meaning, keeping its number (instead of burning it at 4.7)', () => {
    const next = changed((s) => {
      const three = hvmmem(s, 3);
      three.names[1] = { name: 'ioreq_server', cName: 'HVMMEM_ioreq_server', semantics: 'ioreq_server', firstRelease: '4.7', iface: { from: '0x00040700' }, description: 'x' };
      three.hypervisor[1] = { releases: { from: '4.7' }, accepted: true, p2m: 15, why: 'x' };
    }, asOf('4.7'));
    const r = checkEvolution(asOf('4.6'), next);
    expect(r.ok).toBe(false);
    expect(rules(r)).toEqual(['meaning-changed:violation']);
    expect(r.findings[0]!.subject).toBe('hvmmem value 3');
    expect(r.findings[0]!.message).toMatch(/means mmio_write_dm in the released schema but HVMMEM_ioreq_server gives it the meaning ioreq_server at interface versions 0x00040700/);
    expect(r.findings[0]!.message).toMatch(/the lowest free is 4/);
  });

  it('value 3 deleted', () => {
    const next = changed((s) => {
      s.hvmmemTypes = s.hvmmemTypes.filter((v) => v.value !== 3);
      // The internal tables of 4.6/4.7 mention 3 too; drop those mentions so that only the ABI change remains.
      for (const t of s.transitions) for (const row of t.rows) delete row.to['3'];
      for (const g of s.getMemType) g.steps = g.steps.filter((st) => st.result !== 3);
    });
    const r = checkEvolution(base(), next);
    expect(rules(r)).toEqual(['value-removed:violation']);
    expect(r.findings[0]).toMatchObject({ subject: 'hvmmem value 3', message: expect.stringMatching(/HVMMEM_mmio_write_dm, HVMMEM_unused.*burn it instead/) as unknown });
  });

  it('a burnt number reused (3 gets a real meaning again at a new interface version)', () => {
    const next = changed((s) => {
      add423(s);
      s.semantics.push({ tag: 'write_protect', description: 'x', placeholder: false });
      const three = hvmmem(s, 3);
      three.names[1]!.iface = { from: '0x00040700', below: '0x00041400' };
      three.names.push({ name: 'write_protect', cName: 'HVMMEM_write_protect', semantics: 'write_protect', firstRelease: '4.23', iface: { from: '0x00041400' }, description: 'x' });
      three.hypervisor[1]!.releases = { from: '4.7', to: '4.22' };
      three.hypervisor.push({ releases: { from: '4.23' }, accepted: true, p2m: 15, why: 'x' });
    });
    const r = checkEvolution(base(), next);
    expect(rules(r)).toEqual(['burnt-reused:violation']);
    expect(r.findings[0]!.message).toMatch(/burnt \(burnt\) in the released schema but is named HVMMEM_write_protect .* at interface versions 0x00041400\. .*the lowest free is 5/);
  });

  it('a burnt number accepted again by later releases', () => {
    const next = changed((s) => {
      const three = hvmmem(s, 3);
      three.hypervisor[1]!.releases = { from: '4.7', to: '4.19' };
      three.hypervisor.push({ releases: { from: '4.20' }, accepted: true, p2m: 15, why: 'x' });
    });
    const r = checkEvolution(base(), next);
    expect(rules(r)).toEqual(['burnt-not-rejected:violation']);
    expect(r.findings[0]!.message).toMatch(/is burnt \(HVMMEM_unused, burnt, since 4\.7\) but 4\.20–4\.22 accept it\./);
  });

  it('a semantics tag changed without burning', () => {
    const next = changed((s) => {
      hvmmem(s, 1).names[0]!.semantics = 'mmio_dm';
    });
    const r = checkEvolution(base(), next);
    expect(rules(r)).toEqual(['meaning-changed:violation']);
    expect(r.findings[0]).toMatchObject({ subject: 'hvmmem value 1' });
    expect(r.findings[0]!.message).toMatch(/meant ram_ro \(HVMMEM_ram_ro\) at interface versions 0x00000000–0x00041300 and now means mmio_dm/);
  });

  it('a name removed that old interface versions still need', () => {
    const next = changed((s) => {
      hvmmem(s, 3).names.shift(); // mmio_write_dm, which guests built below 0x00040700 still use
    });
    const r = checkEvolution(base(), next);
    expect(rules(r)).toEqual(['name-removed:violation']);
    expect(r.findings[0]).toMatchObject({ subject: 'hvmmem name mmio_write_dm' });
    expect(r.findings[0]!.message).toMatch(/no longer exists at interface versions 0x00000000–0x000406ff/);
  });

  it('old names moved to other numbers', () => {
    const next = changed((s) => {
      hvmmem(s, 1).names[0]!.name = 'mmio_dm';
      hvmmem(s, 1).names[0]!.cName = 'HVMMEM_mmio_dm';
      hvmmem(s, 2).names[0]!.name = 'ram_ro';
      hvmmem(s, 2).names[0]!.cName = 'HVMMEM_ram_ro';
    });
    const r = checkEvolution(base(), next);
    expect(rules(r)).toEqual(['old-name-broken:violation', 'old-name-broken:violation']);
    expect(r.findings.map((f) => f.subject)).toEqual(['hvmmem name ram_ro', 'hvmmem name mmio_dm']);
  });

  it('a duplicate number within one interface version (a second name for 2)', () => {
    const next = changed((s) => {
      hvmmem(s, 2).names.push({ ...hvmmem(s, 2).names[0]!, name: 'mmio_dm_all', cName: 'HVMMEM_mmio_dm_all' });
    });
    const r = checkEvolution(base(), next);
    expect(r).toMatchObject({ ok: false, usable: true, problems: { base: [], next: [] } });
    expect(rules(r)).toEqual(['duplicate-number:violation']);
    expect(r.findings[0]!.message).toMatch(/hvmmem value 2 has 2 names \(mmio_dm, mmio_dm_all\) at interface versions 0x00000000–0x00041300/);
  });

  it('a duplicate number: two entries for 3', () => {
    const next = changed((s) => {
      s.hvmmemTypes.push(structuredClone(hvmmem(s, 3)));
    });
    const r = checkEvolution(base(), next);
    expect(r).toMatchObject({ ok: false, usable: true });
    expect(rules(r)).toEqual(['duplicate-number:violation']);
  });

  it('a duplicate name within one interface version (ram_ro given to a new 5 as well)', () => {
    const next = changed((s) => {
      s.hvmmemTypes.push({ value: 5, names: [{ ...hvmmem(s, 1).names[0]! }], hypervisor: [] });
    });
    const r = checkEvolution(base(), next);
    expect(r).toMatchObject({ ok: false, usable: true, problems: { base: [], next: [] } });
    expect(rules(r)).toEqual(['duplicate-name:violation']);
    expect(r.findings[0]!.message).toMatch(/HVMMEM_ram_ro names 1 and 5/);
  });

  it('reserved numbers: an HVMOP removed, a DMOP renamed, a constant renumbered', () => {
    const next = changed((s) => {
      s.hvmops = s.hvmops.filter((o) => o.value !== 12);
      const dmop = s.dmops.find((o) => o.value === 12)!;
      dmop.name = 'set_mem_type_v2';
      dmop.cName = 'XEN_DMOP_set_mem_type_v2';
      s.constants.find((g) => g.name === 'io_range')!.members.find((m) => m.name === 'memory')!.value = 3;
    });
    const r = checkEvolution(base(), next);
    expect(rules(r)).toEqual(Array(3).fill('reserved-not-append-only:violation'));
    expect(r.findings.map((f) => f.subject)).toEqual(['HVMOP 12', 'DMOP 12', 'constant io_range.memory']);
    expect(r.findings[1]!.message).toMatch(/the lowest free is 21/);
  });

  it("a released struct's layout changed", () => {
    const next = changed((s) => {
      const t = s.structs.find((x) => x.name === 'xen_dm_op_set_mem_type')!;
      // mem_type widened to uint32 over its pad: a valid layout, but not the released one.
      t.fields[1] = { ...t.fields[1]!, size: 4, type: 'uint32' };
      t.fields.splice(2, 1);
    });
    const r = checkEvolution(base(), next);
    expect(r.usable).toBe(true);
    expect(rules(r)).toEqual(['struct-layout-changed:violation']);
    expect(r.findings[0]!.message).toMatch(
      /struct xen_dm_op_set_mem_type at 4\.9–4\.22 differs from the released layout: field mem_type@4\/2 is no longer at that offset with that size; field pad@6\/2 is no longer .*; new field mem_type@4\/4 overlaps mem_type@4\/2, pad@6\/2\./,
    );
  });

  it('a new release changing a layout', () => {
    const next = changed((s) => {
      add423(s);
      const t = s.structs.find((x) => x.name === 'xen_dm_op_set_mem_type')!;
      t.releases = { from: '4.9', to: '4.22' };
      s.structs.push({ ...structuredClone(t), releases: { from: '4.23' }, size: 24 });
    });
    const r = checkEvolution(base(), next);
    expect(rules(r)).toEqual(['struct-layout-changed:violation']);
    expect(r.findings[0]!.message).toMatch(/at 4\.23 differs from its layout at 4\.22: size 16 → 24/);
  });

  it('field renames with an identical layout are allowed (as Xen 4.11 did in get_ioreq_server_info)', () => {
    const next = changed((s) => {
      const t = s.structs.find((x) => x.name === 'xen_dm_op_set_mem_type')!;
      t.fields[2]!.name = 'flags';
    });
    expect(checkEvolution(base(), next)).toMatchObject({ ok: true, findings: [] });
  });

  it('accept-tightened without a recorded exception is a violation', () => {
    const next = changed((s) => {
      s.exceptions = [];
    }, asOf('4.9'));
    const r = checkEvolution(asOf('4.8'), next);
    expect(rules(r)).toEqual(['accept-tightened:violation']);
    expect(r.findings[0]!.message).toMatch(/record it in schema\.exceptions: \{ "rule": "accept-tightened", "value": 4, "release": "4\.9"/);
  });

  it('a new release that stops accepting an unchanged number', () => {
    const next = changed((s) => {
      add423(s);
      const one = hvmmem(s, 1);
      one.hypervisor[0]!.releases = { from: '4.6', to: '4.22' };
      one.hypervisor.push({ releases: { from: '4.23' }, accepted: false, error: 'EINVAL', why: 'x' });
    });
    const r = checkEvolution(base(), next);
    expect(rules(r)).toEqual(['accept-tightened:violation']);
    expect(r.findings[0]!.message).toMatch(/4\.23 refuses it \(EINVAL\) where 4\.22 accepted it/);
  });

  it('unusable input is reported apart from rule findings', () => {
    const next = changed((s) => {
      delete (s as Partial<XenAbiSchema>).releases;
    });
    const r = checkEvolution(base(), next);
    expect(r).toMatchObject({ ok: false, usable: false, findings: [], problems: { base: [] } });
    expect(r.problems.next).toContainEqual({ path: '', message: 'missing required property "releases"' });
  });
});

describe('released snapshots', () => {
  it('schema/released holds snapshots named xen-abi.<formatVersion>.<yyyy-mm-dd>.json, all valid', () => {
    const snapshots = loadReleasedSnapshots();
    expect(snapshots.length).toBeGreaterThan(0);
    for (const s of snapshots) {
      expect(s.file).toMatch(/^xen-abi\.1\.\d{4}-\d{2}-\d{2}\.json$/);
      expect(s.loaded.ok).toBe(true);
    }
  });

  it('are intact (SHA256SUMS, and git history where committed)', () => {
    const check = checkSnapshots();
    expect(check.findings).toEqual([]);
    expect(check.ok).toBe(true);
  });

  it('parses names and refuses days that do not exist', () => {
    expect(parseSnapshotFileName('xen-abi.1.2026-11-25.json')).toEqual({ formatVersion: 1, date: '2026-11-25' });
    expect(parseSnapshotFileName('xen-abi.1.2026-02-30.json')).toBeUndefined();
    expect(parseSnapshotFileName('xen-abi-4.22.json')).toBeUndefined();
  });

  /** A copy of schema/released in a temporary folder. */
  function copyOfReleased(): string {
    const dir = tmpDir();
    for (const file of [SNAPSHOT_MANIFEST, ...listSnapshots().map((s) => s.file)]) copyFileSync(join(RELEASED_DIR, file), join(dir, file));
    return dir;
  }

  it('an edited snapshot is detected', () => {
    const dir = copyOfReleased();
    const file = listSnapshots(dir)[0]!.path;
    writeFileSync(file, readFileSync(file, 'utf8').replace('"mmio_write_dm"', '"mmio_write_wp"'));
    const check = checkSnapshots(dir);
    expect(check.ok).toBe(false);
    expect(check.findings.map((f) => f.rule)).toEqual(['snapshot-edited']);
    expect(check.git).toBe('unavailable');
  });

  it('a deleted, an unlisted and a misnamed snapshot are detected', () => {
    const dir = copyOfReleased();
    const first = listSnapshots(dir)[0]!;
    copyFileSync(first.path, join(dir, 'xen-abi.1.2030-01-01.json'));
    copyFileSync(first.path, join(dir, 'xen-abi-4.22.json'));
    unlinkSync(first.path);
    const check = checkSnapshots(dir);
    expect(check.findings.map((f) => `${f.rule} ${f.subject}`).sort()).toEqual(
      ['snapshot-misnamed snapshot xen-abi-4.22.json', 'snapshot-unlisted snapshot xen-abi.1.2030-01-01.json', `snapshot-removed snapshot ${first.file}`].sort(),
    );
    expect(newestSnapshot(dir)?.file).toBe('xen-abi.1.2030-01-01.json');
  });

  it('writeSnapshot copies the schema byte for byte, lists it, and never overwrites', () => {
    const dir = tmpDir();
    const written = writeSnapshot(SCHEMA_FILE, dir, '2027-01-02');
    expect(written).toMatchObject({ ok: true, snapshot: { file: 'xen-abi.1.2027-01-02.json', formatVersion: 1, date: '2027-01-02' } });
    expect(readFileSync(join(dir, 'xen-abi.1.2027-01-02.json'))).toEqual(readFileSync(SCHEMA_FILE));
    expect(checkSnapshots(dir, { git: false })).toEqual({ ok: true, findings: [], git: 'off' });
    expect(writeSnapshot(SCHEMA_FILE, dir, '2027-01-02')).toMatchObject({ ok: false, problems: [{ message: expect.stringMatching(/exists already/) as unknown }] });
  });

  const hasGit = (() => {
    try {
      execFileSync('git', ['--version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
  it.skipIf(!hasGit)('in a git checkout, a snapshot edited together with its SHA256SUMS line is detected', () => {
    const dir = copyOfReleased();
    const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.org', '-c', 'commit.gpgsign=false', ...args], { cwd: dir, stdio: 'ignore' });
    git('init', '-q');
    git('add', '.');
    git('commit', '-q', '-m', 'release');
    const snap = listSnapshots(dir)[0]!;
    const edited = readFileSync(snap.path, 'utf8').replace('"mmio_write_dm"', '"mmio_write_wp"');
    writeFileSync(snap.path, edited);
    const sums = readFileSync(join(dir, SNAPSHOT_MANIFEST), 'utf8').split('\n');
    writeFileSync(join(dir, SNAPSHOT_MANIFEST), sums.map((l) => (l.endsWith(snap.file) ? `${execFileSync('sha256sum', [snap.path], { encoding: 'utf8' }).slice(0, 64)}  ${snap.file}` : l)).join('\n'));
    const check = checkSnapshots(dir);
    expect(check.git).toBe('checked');
    expect(check.findings.map((f) => f.rule)).toEqual(['snapshot-edited']);
    expect(check.findings[0]!.message).toMatch(/differs from the version first committed in [0-9a-f]{12}/);
  });
});

describe('checkAbi (what the CLI wraps)', () => {
  it('compares with --base instead of the newest snapshot', () => {
    const dir = tmpDir();
    const basePath = join(dir, 'base.json');
    writeFileSync(basePath, JSON.stringify(asOf('4.8')));
    const result = checkAbi({ basePath });
    expect(result).toMatchObject({ ok: true, usable: true, basePath });
    expect(rules(result.report)).toEqual(['accept-tightened:exception']);
  });

  it('without any snapshot the input is unusable', () => {
    const result = checkAbi({ releasedDir: tmpDir() });
    expect(result).toMatchObject({ ok: false, usable: false, basePath: undefined });
    expect(result.report.problems.base[0]!.message).toMatch(/no released snapshot/);
  });

  it('an unreadable schema file is unusable', () => {
    const result = checkAbi({ schemaPath: join(tmpDir(), 'missing.json') });
    expect(result).toMatchObject({ ok: false, usable: false });
    expect(result.report.problems.next[0]!.message).toMatch(/cannot read .*ENOENT/);
  });
});
