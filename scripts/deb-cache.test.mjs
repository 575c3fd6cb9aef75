// scripts/deb-cache.mjs: the project-local Debian package cache. Runs against the repository's own .cache/ (the
// C header tests use the same), and a temporary cache where the test removes things.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { checkQemuXen, DEBS_DIR, ensureDebSet, QEMU_XEN_BINARY, readManifest } from './deb-cache.mjs';

const script = join(dirname(fileURLToPath(import.meta.url)), 'deb-cache.mjs');
const field = (deb, name) => spawnSync('dpkg-deb', ['-f', deb, name], { encoding: 'utf8' }).stdout.trim();
/** The packages `apt-cache depends` lists as Depends of the given packages (each alternative). */
function depends(...pkgs) {
  const out = spawnSync('apt-cache', ['depends', '--no-recommends', '--no-suggests', ...pkgs], { encoding: 'utf8' }).stdout;
  return [...out.matchAll(/^ {2}\|?Depends: ([^<\s]\S*)$/gm)].map((m) => m[1]);
}

const temps = [];
afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

describe('the libxen-dev set', () => {
  const { root, packages } = ensureDebSet('libxen-dev', { log: () => {} });

  it('holds libxen-dev and every Xen library it depends on, and only dependencies of those', () => {
    const names = packages.map((p) => p.package);
    const xenLibs = depends('libxen-dev').filter((d) => d.startsWith('libxen'));
    expect(xenLibs).toEqual(expect.arrayContaining(['libxendevicemodel1', 'libxentoollog1', 'libxentoolcore1', 'libxencall1']));
    expect(names).toEqual(expect.arrayContaining(['libxen-dev', ...xenLibs]));
    const reachable = new Set(['libxen-dev', ...depends(...names)]);
    expect(names.filter((n) => !reachable.has(n))).toEqual([]);
    expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b)));
  });

  it('records what each .deb says it is (dpkg-deb -f) and its sha256', () => {
    expect(readManifest().sets['libxen-dev']).toEqual(packages);
    for (const p of packages) {
      const deb = join(DEBS_DIR, p.deb);
      expect([p.package, p.version, p.architecture], p.deb).toEqual([field(deb, 'Package'), field(deb, 'Version'), field(deb, 'Architecture')]);
      expect(p.sha256, p.deb).toBe(createHash('sha256').update(readFileSync(deb)).digest('hex'));
    }
  });

  it('unpacks the headers and the library a device model links against', () => {
    expect(statSync(join(root, 'usr/include/xen/hvm/dm_op.h')).isFile()).toBe(true);
    expect(statSync(join(root, 'usr/include/xendevicemodel.h')).isFile()).toBe(true);
    const dir = mkdtempSync(join(tmpdir(), 'xenmem-debcache-'));
    temps.push(dir);
    const libs = join(root, 'usr/lib', spawnSync('gcc', ['-print-multiarch'], { encoding: 'utf8' }).stdout.trim());
    const cc = spawnSync(
      'gcc',
      ['-x', 'c', '-', '-o', join(dir, 'dm'), '-I', join(root, 'usr/include'), '-L', libs, `-Wl,-rpath-link,${libs}`, '-lxendevicemodel'],
      { input: '#include <xendevicemodel.h>\nint main(void) { xendevicemodel_handle *h = xendevicemodel_open(0, 0); return h ? 0 : 1; }\n', encoding: 'utf8' },
    );
    expect(cc.stderr).toBe('');
    expect(cc.status).toBe(0);
  });

  it('is idempotent: a second ensure fetches nothing, logs nothing and leaves the manifest alone', () => {
    const manifest = join(DEBS_DIR, 'manifest.json');
    const before = statSync(manifest).mtimeMs;
    const lines = [];
    const t0 = performance.now();
    const again = ensureDebSet('libxen-dev', { log: (l) => lines.push(l) });
    const ms = performance.now() - t0;
    expect([again.packages, lines, statSync(manifest).mtimeMs]).toEqual([packages, [], before]);
    expect(ms).toBeLessThan(1000);
  });
});

describe('a temporary cache', () => {
  const cache = mkdtempSync(join(tmpdir(), 'xenmem-debcache-'));
  temps.push(cache);
  const cli = (args, env = {}) => spawnSync(process.execPath, [script, ...args], { encoding: 'utf8', env: { ...process.env, XENMEM_DEB_CACHE: cache, ...env } });

  it('fetches a missing .deb again, printing exactly that package and version, and unpacks what is not', () => {
    // The repository cache's .debs and manifest, without the unpacked tree: resolved and unpacked, nothing fetched.
    ensureDebSet('libxen-dev', { log: () => {} });
    cpSync(DEBS_DIR, join(cache, 'debs'), { recursive: true });
    const first = cli(['ensure', 'libxen-dev']);
    expect([first.status, first.stderr]).toEqual([0, '']);
    const sets = JSON.parse(readFileSync(join(cache, 'debs/manifest.json'), 'utf8')).sets;
    // Then without one .deb.
    const dm = sets['libxen-dev'].find((p) => p.package === 'libxendevicemodel1');
    rmSync(join(cache, 'debs', dm.deb));
    const second = cli(['ensure', 'libxen-dev']);
    expect([second.status, second.stderr]).toEqual([0, `deb-cache: libxen-dev: fetched libxendevicemodel1 ${dm.version} (${dm.architecture}) sha256 ${dm.sha256}\n`]);
    expect(JSON.parse(readFileSync(join(cache, 'debs/manifest.json'), 'utf8')).sets['libxen-dev']).toEqual(sets['libxen-dev']);
    expect(statSync(join(cache, 'debroot/usr/include/xen/hvm/dm_op.h')).isFile()).toBe(true);
    const third = cli(['ensure', 'libxen-dev']);
    expect([third.status, third.stdout, third.stderr]).toEqual([0, `libxen-dev: ${sets['libxen-dev'].map((p) => `${p.package} ${p.version}`).join(', ')}\n`, '']);
  });

  it('without apt-get, fails in one line naming what is missing and how to get it', () => {
    const bin = join(cache, 'bin');
    mkdirSync(bin);
    symlinkSync(spawnSync('sh', ['-c', 'command -v sh'], { encoding: 'utf8' }).stdout.trim(), join(bin, 'sh'));
    const r = cli(['ensure', 'qemu-xen'], { PATH: bin });
    expect([r.status, r.stdout, r.stderr]).toEqual([
      1,
      '',
      'deb-cache: apt-get and dpkg-deb not found: the qemu-xen package set is fetched from Debian\'s archive with apt-get download and unpacked with dpkg-deb, so this needs a Debian or Ubuntu system (or run the tests in a debian:bookworm container)\n',
    ]);
  });

  it('refuses an unknown set and bad usage', () => {
    expect([cli(['ensure', 'libfoo']).status, cli(['ensure', 'libfoo']).stderr]).toEqual([1, 'deb-cache: no package set "libfoo": the sets are libxen-dev, qemu-xen\n']);
    expect([cli([]).status, cli([]).stderr]).toEqual([2, 'usage: node scripts/deb-cache.mjs ensure libxen-dev|qemu-xen… | check-qemu | root\n']);
  });
});

describe('the qemu-xen set', () => {
  it(`${QEMU_XEN_BINARY}: every library resolves from the cache and --version runs`, () => {
    const q = checkQemuXen({ log: () => {} });
    const names = q.packages.map((p) => p.package);
    expect(names).toEqual(expect.arrayContaining(['qemu-system-xen']));
    // Debian's version line names the package version without its epoch.
    expect(q.version).toMatch(/^QEMU emulator version \d+\.\d+\.\d+ \(Debian [^)]+\)$/);
    expect(q.version.endsWith(`(Debian ${q.packageVersion})`)).toBe(true);
  });
});
