// scripts/release.mjs: argument parsing (a table of argv → options), then the real script in child processes on
// temporary copies of this repository's package.jsons, changelogs, package-lock.json and schema/.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { bumpVersion, parseArgs, parseChangelog, UsageError } from './release.mjs';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const script = join(repo, 'scripts/release.mjs');
const DATE = '2026-12-01';
const FIRST_SNAPSHOT = 'xen-abi.1.2026-11-25.json';

const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));
const rootPkg = readJson(join(repo, 'package.json'));
const workspaceDirs = rootPkg.workspaces;
const publishable = workspaceDirs.filter((d) => readJson(join(repo, d, 'package.json')).private !== true);

const temps = [];
afterEach(() => {
  for (const t of temps.splice(0)) rmSync(t, { recursive: true, force: true });
});

/** A copy of what the release reads and writes: package.jsons, changelogs, the lock file, schema/, sync-metadata. */
function copyRepo() {
  const root = mkdtempSync(join(tmpdir(), 'xenmem-release-'));
  temps.push(root);
  for (const f of ['package.json', 'package-lock.json', 'scripts/sync-metadata.mjs']) {
    mkdirSync(dirname(join(root, f)), { recursive: true });
    copyFileSync(join(repo, f), join(root, f));
  }
  for (const dir of workspaceDirs) {
    mkdirSync(join(root, dir), { recursive: true });
    for (const f of ['package.json', 'CHANGELOG.md', 'README.md']) if (existsSync(join(repo, dir, f))) copyFileSync(join(repo, dir, f), join(root, dir, f));
  }
  cpSync(join(repo, 'schema'), join(root, 'schema'), { recursive: true });
  return root;
}

/**
 * A copy whose schema is the newest released snapshot, byte for byte, as right after a release: the tests that
 * expect no snapshot to be taken hold whatever the working schema has gained since.
 */
function copyRepoAsReleased() {
  const root = copyRepo();
  copyFileSync(join(root, 'schema/released', FIRST_SNAPSHOT), join(root, 'schema/xen-abi.json'));
  return root;
}

function release(root, ...argv) {
  const r = spawnSync(process.execPath, [script, '--root', root, '--date', DATE, ...argv], { encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** path → sha256 of every file under `dir`. */
function tree(dir) {
  const out = {};
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[relative(dir, p)] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

const xenmemDeps = (pkg) =>
  ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies'].flatMap((field) =>
    Object.entries(pkg[field] ?? {})
      .filter(([name]) => name.startsWith('@xenmem/'))
      .map(([name, range]) => `${field} ${name} ${range}`),
  );

describe('parseArgs', () => {
  const base = { dry: false, json: false, files: false, help: false, version: undefined, bump: undefined, date: undefined, root: undefined };
  it.each([
    [['--dry'], { dry: true }],
    [['--dry', '--json'], { dry: true, json: true }],
    [['--dry', '--files', 'minor'], { dry: true, files: true, bump: 'minor' }],
    [['--version', '1.2.3'], { version: '1.2.3' }],
    [['--version=1.2.3', '--json'], { version: '1.2.3', json: true }],
    [['--version', 'major'], { bump: 'major' }],
    [['patch'], { bump: 'patch' }],
    [['--version', '0.2.0', '--date', '2027-01-31', '--root', '/x'], { version: '0.2.0', date: '2027-01-31', root: '/x' }],
    [['--help'], { help: true }],
  ])('%j', (argv, expected) => {
    expect(parseArgs(argv)).toEqual({ ...base, ...expected });
  });

  it.each([
    [['--bogus'], '--bogus'],
    [['--dry', '-x'], '-x'],
    [['--version', '1.2'], '--version'],
    [['--version', 'v1.2.3'], '--version'],
    [['--version', '1.2.3-rc.1'], '--version'],
    [['--version'], '--version'],
    [['--version', '1.2.3', 'patch'], 'patch'],
    [['--version', '1.2.3', '--version', '1.2.4'], '--version'],
    [[], '--version'],
    [['--json'], '--version'],
    [['--dry', '--date', '2026-02-30'], '--date'],
    [['--dry', '--root'], '--root'],
    [['--dry', '1.2.3'], '1.2.3'],
    [['--dry=yes'], '--dry'],
  ])('%j is a usage error naming %s', (argv, argument) => {
    let err;
    try {
      parseArgs(argv);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    expect(err.argument).toBe(argument);
  });

  it('bumps', () => {
    expect([bumpVersion('0.1.9', 'patch'), bumpVersion('0.1.9', 'minor'), bumpVersion('0.1.9', 'major')]).toEqual(['0.1.10', '0.2.0', '1.0.0']);
  });
});

describe('changelog format', () => {
  const ok = '# @x/a\n\n## Unreleased\n\n### Added\n\n- one\n  continued\n- two\n\n### Fixed\n\n- three\n\n## 0.1.0 — 2026-01-02\n\n### Added\n\n- old\n';
  it('reads the Unreleased entries and the released versions', () => {
    const p = parseChangelog(ok, '@x/a', 'CHANGELOG.md');
    expect(p.entries).toEqual({ Added: ['one continued', 'two'], Fixed: ['three'] });
    expect(p.released).toEqual([{ version: '0.1.0', date: '2026-01-02' }]);
  });
  it.each([
    ['# @x/b\n\n## Unreleased\n', 'CHANGELOG.md:1'],
    ['# @x/a\n\n## 0.1.0 — 2026-01-02\n', 'CHANGELOG.md:3'],
    ['# @x/a\n\n## Unreleased\n\n## 0.1.0 - 2026-01-02\n', 'CHANGELOG.md:5'],
    ['# @x/a\n\n## Unreleased\n\n### Improved\n\n- x\n', 'CHANGELOG.md:5'],
    ['# @x/a\n\n## Unreleased\n\n- no section\n', 'CHANGELOG.md:5'],
    ['# @x/a\n\n## Unreleased\n\n### Added\n\nprose\n', 'CHANGELOG.md:7'],
    ['# @x/a\n\n## Unreleased\n\n## 0.1.0 — 2026-01-02\n\n## 0.2.0 — 2026-01-03\n', 'CHANGELOG.md:7'],
    ['# @x/a\n\n## Unreleased\n\n### Added\n\n## 0.1.0 — 2026-01-02\n', 'CHANGELOG.md:3'],
    ['# @x/a\n\n## Unreleased\n\n## Unreleased\n', 'CHANGELOG.md:5'],
  ])('%j is refused at %s', (text, argument) => {
    expect(() => parseChangelog(text, '@x/a', 'CHANGELOG.md')).toThrow(expect.objectContaining({ argument }));
  });
});

describe('release (real mode, on a copy of the repository)', () => {
  it('moves every publishable package and every dependency range between them to the new version', () => {
    const root = copyRepoAsReleased();
    const before = Object.fromEntries(workspaceDirs.map((d) => [d, readJson(join(root, d, 'package.json'))]));
    const changelogsBefore = Object.fromEntries(publishable.map((d) => [d, readFileSync(join(root, d, 'CHANGELOG.md'), 'utf8')]));
    const sumsBefore = readFileSync(join(root, 'schema/released/SHA256SUMS'), 'utf8');
    const r = release(root, '--version', '0.2.0');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);

    for (const dir of workspaceDirs) {
      const pkg = readJson(join(root, dir, 'package.json'));
      const old = before[dir];
      expect(pkg.version).toBe(old.private ? old.version : '0.2.0');
      expect(xenmemDeps(pkg)).toEqual(xenmemDeps(old).map((line) => line.replace(/ \d+\.\d+\.\d+$/, ' 0.2.0')));
      if (!old.private) expect(pkg.xenmem).toEqual({ schemaFormat: 1, xenReleases: '4.5-4.22' });
      // Nothing else in the file changed.
      const restored = { ...pkg, version: old.version, xenmem: old.xenmem };
      for (const field of ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies']) if (field in old) restored[field] = old[field];
      expect(restored).toEqual(old);
    }
    const lock = readJson(join(root, 'package-lock.json'));
    for (const dir of workspaceDirs) {
      expect(lock.packages[dir].version).toBe(before[dir].private ? before[dir].version : '0.2.0');
      expect(xenmemDeps(lock.packages[dir]).every((line) => line.endsWith(' 0.2.0'))).toBe(true);
    }

    for (const dir of publishable) {
      expect(readFileSync(join(root, dir, 'CHANGELOG.md'), 'utf8')).toBe(changelogsBefore[dir].replace('## Unreleased\n', `## Unreleased\n\n## 0.2.0 — ${DATE}\n`));
    }
    // The schema equals the newest snapshot: no snapshot is taken.
    expect(readdirSync(join(root, 'schema/released')).filter((f) => f.endsWith('.json'))).toEqual([FIRST_SNAPSHOT]);
    expect(readFileSync(join(root, 'schema/released/SHA256SUMS'), 'utf8')).toBe(sumsBefore);

    const publish = r.stdout.split('\n').filter((l) => l.trim().startsWith('npm publish')).map((l) => l.trim());
    expect(publish).toHaveLength(publishable.length);
    const at = (dir) => publish.indexOf(`npm publish -w ${dir} --access public`);
    for (const dir of publishable) expect(at(dir)).toBeGreaterThanOrEqual(0);
    expect(at('packages/schema')).toBeLessThan(at('packages/cli'));
    expect(at('packages/abi-types')).toBeLessThan(at('packages/hypervisor-sim'));
    expect(at('packages/hypervisor-sim')).toBeLessThan(at('packages/cli'));
    expect(r.stdout).toContain('nothing was published or tagged');

    // Released now: the same version again, or a lower one, is refused.
    for (const v of ['0.2.0', '0.1.5']) {
      const again = release(root, '--version', v);
      expect(again.status).toBe(2);
      expect(again.stderr).toMatch(/^xenmem release: --version: .* not greater than/);
    }
    const patch = release(root, '--dry', '--json', 'patch');
    expect(JSON.parse(patch.stdout).version).toEqual({ current: '0.2.0', currentReleased: true, next: '0.2.1' });
  });

  it('releases an unreleased version as is, refuses a lower one, and exits 2 on bad arguments without writing', () => {
    const root = copyRepo();
    const snapshot = tree(root);
    const lower = release(root, '--version', '0.0.9');
    expect(lower.status).toBe(2);
    expect(lower.stderr).toContain('--version: 0.0.9 is not greater than the current version');
    for (const [argv, argument] of [
      [['--bogus'], '--bogus'],
      [['--version', '1.2'], '--version'],
      [[], '--version'],
      [['--date', 'tomorrow', '--version', '1.0.0'], '--date'],
    ]) {
      const r = release(root, ...argv);
      expect(r.status).toBe(2);
      expect(r.stderr.startsWith(`xenmem release: ${argument}:`)).toBe(true);
      expect(r.stdout).toBe('');
    }
    expect(tree(root)).toEqual(snapshot);
  });

  it('takes the schema snapshot with its SHA256SUMS line when the schema changed', () => {
    const root = copyRepo();
    const schemaFile = join(root, 'schema/xen-abi.json');
    const schema = readJson(schemaFile);
    schema.description += ' Edited.';
    writeFileSync(schemaFile, JSON.stringify(schema, null, 2) + '\n');
    const bytes = readFileSync(schemaFile);
    const sumsBefore = readFileSync(join(root, 'schema/released/SHA256SUMS'), 'utf8');

    const dry = release(root, '--dry', '--json', '--version', '0.2.0');
    expect(dry.status).toBe(0);
    expect(JSON.parse(dry.stdout).snapshot).toEqual({ write: `xen-abi.1.${DATE}.json`, newest: FIRST_SNAPSHOT, changed: true });

    const r = release(root, '--version', '0.2.0');
    expect(r.status).toBe(0);
    const file = `xen-abi.1.${DATE}.json`;
    expect(readFileSync(join(root, 'schema/released', file)).equals(bytes)).toBe(true);
    const hash = createHash('sha256').update(bytes).digest('hex');
    expect(readFileSync(join(root, 'schema/released/SHA256SUMS'), 'utf8')).toBe(`${sumsBefore}${hash}  ${file}\n`);
    expect(r.stdout).toContain(`schema snapshot: schema/released/${file} (the schema changed since ${FIRST_SNAPSHOT})`);
    expect(r.stdout).toContain('schema/released/SHA256SUMS');
  });

  it('refuses, writing nothing, when xenmem abi check reports a breaking change and the format was not raised', () => {
    const root = copyRepo();
    const schemaFile = join(root, 'schema/xen-abi.json');
    const schema = readJson(schemaFile);
    schema.hvmmemTypes[1].names[0].semantics = 'ram_rw'; // value 1 (ram_ro) changes meaning: meaning-changed
    writeFileSync(schemaFile, JSON.stringify(schema, null, 2) + '\n');
    const snapshot = tree(root);
    const r = release(root, '--version', '0.2.0');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`xenmem release: refused: xenmem abi check reports 1 breaking change against ${FIRST_SNAPSHOT} and the schema's formatVersion (1) was not raised`);
    expect(r.stdout).toContain('violation [meaning-changed] hvmmem value 1');
    expect(tree(root)).toEqual(snapshot);

    const dry = release(root, '--dry', '--json', '--version', '0.2.0');
    expect(dry.status).toBe(1);
    const out = JSON.parse(dry.stdout);
    expect([out.ok, out.compatibility.violations, out.compatibility.formatBump, out.compatibility.findings[0].rule]).toEqual([false, 1, false, 'meaning-changed']);
  });

  it('--dry changes no file and reports versions, entries, packed files, the snapshot and the check', () => {
    const root = copyRepoAsReleased();
    const snapshot = tree(root);
    const text = release(root, '--dry');
    expect(text.status).toBe(0);
    const json = release(root, '--dry', '--json');
    expect(json.status).toBe(0);
    expect(json.stderr).toBe('');
    expect(tree(root)).toEqual(snapshot);

    const out = JSON.parse(json.stdout);
    expect(out.version).toEqual({ current: '0.1.0', currentReleased: false, next: '0.1.0' });
    expect(out.packages.map((p) => p.dir)).toEqual(publishable);
    for (const p of out.packages) {
      expect(p.pack.entryCount).toBe(p.pack.files.length);
      expect(p.pack.unpackedSize).toBe(p.pack.files.reduce((n, f) => n + f.size, 0));
      expect(p.pack.files.map((f) => f.path)).toEqual(expect.arrayContaining(['package.json', 'CHANGELOG.md']));
      expect(Object.keys(p.changes).length).toBeGreaterThan(0);
    }
    expect(out.snapshot).toEqual({ write: null, newest: FIRST_SNAPSHOT, changed: false });
    expect([out.compatibility.ok, out.compatibility.base, out.compatibility.violations]).toEqual([true, FIRST_SNAPSHOT, 0]);
    expect(text.stdout).toContain(`schema snapshot: unchanged since ${FIRST_SNAPSHOT}`);
    expect(text.stdout).toContain('every package moves in lockstep to 0.1.0');
    for (const dir of publishable) expect(text.stdout).toContain(`  0.1.0 → 0.1.0  (${dir})`);
  });

  it('finds workspaces at run time and releases a package with no entries of its own in lockstep', () => {
    const root = copyRepo();
    const pkg = readJson(join(root, 'package.json'));
    writeFileSync(join(root, 'package.json'), JSON.stringify({ ...pkg, workspaces: [...pkg.workspaces, 'packages/late'] }, null, 2) + '\n');
    mkdirSync(join(root, 'packages/late'));
    writeFileSync(join(root, 'packages/late/package.json'), JSON.stringify({ name: '@xenmem/late', version: '0.1.0', dependencies: { '@xenmem/abi-types': '^0.1.0' } }, null, 2) + '\n');
    writeFileSync(join(root, 'packages/late/CHANGELOG.md'), '# @xenmem/late\n\n## Unreleased\n');
    const r = release(root, '--version', '0.2.0');
    expect(r.status).toBe(0);
    const late = readJson(join(root, 'packages/late/package.json'));
    expect([late.version, late.dependencies['@xenmem/abi-types']]).toEqual(['0.2.0', '^0.2.0']);
    expect(readFileSync(join(root, 'packages/late/CHANGELOG.md'), 'utf8')).toBe(
      `# @xenmem/late\n\n## Unreleased\n\n## 0.2.0 — ${DATE}\n\nNo changes of its own: released at 0.2.0 with the other xenmem packages (every package moves in lockstep).\n`,
    );
    expect(r.stdout).toContain('npm publish -w packages/late --access public');
  });

  it('exits 2 naming the file and line of a changelog out of format, or a missing changelog', () => {
    const root = copyRepo();
    const file = join(root, 'packages/cli/CHANGELOG.md');
    writeFileSync(file, readFileSync(file, 'utf8').replace('### Added', '### New'));
    const r = release(root, '--dry');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^xenmem release: packages\/cli\/CHANGELOG\.md:5: "### New": the sections are/);
    rmSync(file);
    const missing = release(root, '--dry');
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/^xenmem release: packages\/cli\/CHANGELOG\.md: missing/);
  });
});
