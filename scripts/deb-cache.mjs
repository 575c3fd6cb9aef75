#!/usr/bin/env node
// The project-local cache of Debian packages the tests need: fetched with `apt-get download` (no root, nothing
// installed) into .cache/debs/, unpacked with `dpkg -x` into .cache/debroot/, exact versions and sha256 sums
// recorded in .cache/debs/manifest.json. Both directories are git-ignored. Used by the tests' set-up
// (packages/abi-types/test/c-headers.test.ts compiles against the cached libxen-dev).
//
//   node scripts/deb-cache.mjs ensure libxen-dev [qemu-xen]   fetch and unpack a set (fast when present)
//   node scripts/deb-cache.mjs check-qemu                     ensure qemu-xen, resolve the binary's libraries, print its version
//   node scripts/deb-cache.mjs root                           print the unpacked tree's path
//
// A set names its root packages; what else it holds is its own packages (Xen's, QEMU's) and what
// `apt-get install --simulate` says this machine lacks to run them, so another library the system already has is
// used from the system.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
/** .cache/ of the repository, or XENMEM_DEB_CACHE (the tests use a temporary one). */
export const CACHE_DIR = process.env.XENMEM_DEB_CACHE || join(repo, '.cache');
export const DEBS_DIR = join(CACHE_DIR, 'debs');
export const DEB_ROOT = join(CACHE_DIR, 'debroot');
const MANIFEST = join(DEBS_DIR, 'manifest.json');
const EXTRACTED = join(DEB_ROOT, '.extracted');
const LOCK = join(CACHE_DIR, 'debs.lock');

/**
 * The package sets, by name. `own`: packages always taken into the cache, even where this machine has them
 * installed (the Xen and QEMU packages, so the tested versions are the recorded ones); any other dependency is
 * fetched only where it is missing.
 */
export const DEB_SETS = {
  'libxen-dev': { roots: ['libxen-dev'], own: /^libxen/, purpose: "Xen's public headers and the libraries a C program links against (libxendevicemodel …)" },
  'qemu-xen': { roots: ['qemu-system-xen'], own: /^(libxen|qemu-)/, purpose: 'QEMU as a Xen device model (usr/libexec/xen-qemu-system-i386) and the libraries it needs' },
};
/** The QEMU device-model binary of the qemu-xen set, inside DEB_ROOT. */
export const QEMU_XEN_BINARY = 'usr/libexec/xen-qemu-system-i386';

/** A failure the caller reports as one line. */
export class DebCacheError extends Error {}

const sh = (cmd, args, opts = {}) => spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' }, maxBuffer: 64 << 20, ...opts });
const sha256 = (file) => createHash('sha256').update(readFileSync(file)).digest('hex');
const have = (cmd) => sh('sh', ['-c', `command -v ${cmd}`]).status === 0;

function requireTools(set) {
  const missing = ['apt-get', 'dpkg-deb'].filter((c) => !have(c));
  if (missing.length > 0)
    throw new DebCacheError(
      `deb-cache: ${missing.join(' and ')} not found: the ${set} package set is fetched from Debian's archive with apt-get download and unpacked with dpkg-deb, so this needs a Debian or Ubuntu system (or run the tests in a debian:bookworm container)`,
    );
}

// apt as a non-root user: no lock on the system's cache, and downloads into the current directory.
const aptOptions = () => ['-o', 'Debug::NoLocking=1', ...(process.getuid?.() === 0 ? ['-o', 'APT::Sandbox::User=root'] : [])];

/** Every manifest set, or none. */
export function readManifest() {
  if (!existsSync(MANIFEST)) return { sets: {} };
  try {
    const m = JSON.parse(readFileSync(MANIFEST, 'utf8'));
    return m && typeof m.sets === 'object' ? m : { sets: {} };
  } catch {
    return { sets: {} };
  }
}

const markerOf = (p) => join(EXTRACTED, `${p.package}_${p.sha256.slice(0, 16)}`);

/** The set's packages when every .deb is present with its recorded sum and unpacked; else undefined. */
function present(name) {
  const entries = readManifest().sets[name];
  if (!Array.isArray(entries) || entries.length === 0) return undefined;
  for (const p of entries) {
    const deb = join(DEBS_DIR, p.deb);
    if (!existsSync(deb) || !existsSync(markerOf(p)) || sha256(deb) !== p.sha256) return undefined;
  }
  return entries;
}

/** What the set needs on this machine: its roots and every dependency apt would install, with versions. */
function resolve(name) {
  const { roots, own } = DEB_SETS[name];
  // apt simulates on this machine's dpkg status without the set's own packages, so it lists them even when installed.
  const status = join(CACHE_DIR, `dpkg-status-${process.pid}`);
  const system = sh('apt-config', ['shell', 'S', 'Dir::State::status/f']).stdout.match(/^S='(.*)'$/m)?.[1] ?? '/var/lib/dpkg/status';
  const stanzas = existsSync(system) ? readFileSync(system, 'utf8').split(/\n\n+/) : [];
  writeFileSync(status, stanzas.filter((st) => !own.test(/^Package: (\S+)/m.exec(st)?.[1] ?? '')).join('\n\n'));
  const sim = sh('apt-get', [...aptOptions(), '-o', `Dir::State::status=${status}`, 'install', '--simulate', '--no-install-recommends', ...roots]);
  rmSync(status, { force: true });
  if (sim.status !== 0) {
    const why = (sim.stderr.split('\n').find((l) => l.startsWith('E:')) ?? sim.stderr.trim()).replace(/^E:\s*/, '');
    throw new DebCacheError(`deb-cache: apt cannot resolve ${roots.join(' ')} (${why}): run \`apt-get update\` as root, then again`);
  }
  const wanted = new Map();
  for (const m of sim.stdout.matchAll(/^Inst (\S+) (?:\[[^\]]*\] )?\((\S+) /gm)) wanted.set(m[1], m[2]);
  // A root this machine already has installed is not in the simulation; the cache holds it anyway.
  for (const r of roots) if (!wanted.has(r)) wanted.set(r, undefined);
  return wanted;
}

/** Downloads the given packages (name → version, or undefined for the candidate) in one apt-get call; returns the .deb file names. */
function fetchAll(specs) {
  if (specs.length === 0) return [];
  const part = join(DEBS_DIR, `.partial-${process.pid}`);
  rmSync(part, { recursive: true, force: true });
  mkdirSync(part, { recursive: true });
  try {
    const dl = sh('apt-get', [...aptOptions(), 'download', ...specs], { cwd: part });
    const files = readdirSync(part).filter((f) => f.endsWith('.deb'));
    if (dl.status !== 0 || files.length !== specs.length) {
      const why = dl.stderr.split('\n').find((l) => l.startsWith('E:')) ?? dl.stderr.trim();
      throw new DebCacheError(`deb-cache: apt-get download ${specs.join(' ')} failed: ${why}`);
    }
    for (const f of files) renameSync(join(part, f), join(DEBS_DIR, f));
    return files;
  } finally {
    rmSync(part, { recursive: true, force: true });
  }
}

/** The control field of a .deb. */
export function debField(deb, field) {
  const r = sh('dpkg-deb', ['-f', deb, field]);
  if (r.status !== 0) throw new DebCacheError(`deb-cache: dpkg-deb -f ${deb} ${field} failed: ${r.stderr.trim()}`);
  return r.stdout.trim();
}

function withLock(fn) {
  mkdirSync(CACHE_DIR, { recursive: true });
  const started = Date.now();
  for (;;) {
    try {
      closeSync(openSync(LOCK, 'wx'));
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      // A lock older than ten minutes was left by a process that died.
      if (Date.now() - statSync(LOCK, { throwIfNoEntry: false })?.mtimeMs > 600_000) rmSync(LOCK, { force: true });
      if (Date.now() - started > 900_000) throw new DebCacheError(`deb-cache: ${LOCK} is held by another process: remove it if none runs`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(LOCK, { force: true });
  }
}

/**
 * Makes the named set present in the cache and returns the unpacked tree and the set's packages
 * ({ package, version, architecture, deb, sha256 }). Fetches only what is missing or changed; says on `log` what
 * it fetched, with versions.
 */
export function ensureDebSet(name, { log = (line) => process.stderr.write(`${line}\n`) } = {}) {
  if (!(name in DEB_SETS)) throw new DebCacheError(`deb-cache: no package set ${JSON.stringify(name)}: the sets are ${Object.keys(DEB_SETS).join(', ')}`);
  const ready = present(name);
  if (ready) return { root: DEB_ROOT, packages: ready };
  requireTools(name);
  return withLock(() => {
    const again = present(name);
    if (again) return { root: DEB_ROOT, packages: again };
    mkdirSync(DEBS_DIR, { recursive: true });
    mkdirSync(EXTRACTED, { recursive: true });
    const known = new Map(Object.values(readManifest().sets).flat().map((p) => [`${p.package}=${p.version}`, p]));
    const reused = [];
    const specs = [];
    for (const [pkg, version] of resolve(name)) {
      const old = version === undefined ? undefined : known.get(`${pkg}=${version}`);
      if (old && existsSync(join(DEBS_DIR, old.deb)) && sha256(join(DEBS_DIR, old.deb)) === old.sha256) reused.push(old.deb);
      else specs.push(version === undefined ? pkg : `${pkg}=${version}`);
    }
    const fetched = fetchAll(specs);
    const packages = [];
    for (const deb of [...reused, ...fetched]) {
      const file = join(DEBS_DIR, deb);
      const entry = { package: debField(file, 'Package'), version: debField(file, 'Version'), architecture: debField(file, 'Architecture'), deb, sha256: sha256(file) };
      if (!existsSync(markerOf(entry))) {
        const x = sh('dpkg-deb', ['-x', file, DEB_ROOT]);
        if (x.status !== 0) throw new DebCacheError(`deb-cache: dpkg-deb -x ${deb} failed: ${x.stderr.trim()}`);
        writeFileSync(markerOf(entry), `${entry.version}\n`);
      }
      if (fetched.includes(deb)) log(`deb-cache: ${name}: fetched ${entry.package} ${entry.version} (${entry.architecture}) sha256 ${entry.sha256}`);
      packages.push(entry);
    }
    packages.sort((a, b) => a.package.localeCompare(b.package));
    const manifest = readManifest();
    manifest.sets[name] = packages;
    writeFileSync(`${MANIFEST}.tmp`, `${JSON.stringify(manifest, null, 2)}\n`);
    renameSync(`${MANIFEST}.tmp`, MANIFEST);
    return { root: DEB_ROOT, packages };
  });
}

/** The library directories of the unpacked tree (usr/lib/<multiarch> and lib/<multiarch>). */
export function libraryPath(root = DEB_ROOT) {
  const dirs = [];
  for (const base of ['usr/lib', 'lib']) {
    const dir = join(root, base);
    if (!existsSync(dir)) continue;
    for (const d of readdirSync(dir)) if (/-linux-gnu/.test(d)) dirs.push(join(dir, d));
  }
  return dirs.join(':');
}

/**
 * The qemu-xen set present, its binary's libraries all resolved with LD_LIBRARY_PATH at the cache (throws
 * naming those that are not), and its `--version` line.
 */
export function checkQemuXen(options) {
  const { root, packages } = ensureDebSet('qemu-xen', options);
  const binary = join(root, QEMU_XEN_BINARY);
  if (!existsSync(binary)) throw new DebCacheError(`deb-cache: ${QEMU_XEN_BINARY} is not in the qemu-xen set (packages: ${packages.map((p) => p.package).join(', ')})`);
  const env = { ...process.env, LC_ALL: 'C', LD_LIBRARY_PATH: libraryPath(root) };
  const ldd = sh('ldd', [binary], { env });
  const missing = [...ldd.stdout.matchAll(/^\s*(\S+) => not found/gm)].map((m) => m[1]);
  if (ldd.status !== 0 || missing.length > 0) throw new DebCacheError(`deb-cache: ${QEMU_XEN_BINARY} has unresolved libraries: ${missing.join(', ') || ldd.stderr.trim()}`);
  const v = sh(binary, ['--version'], { env });
  if (v.status !== 0) throw new DebCacheError(`deb-cache: ${QEMU_XEN_BINARY} --version exited ${v.status ?? v.signal}: ${v.stderr.trim()}`);
  const qemu = packages.find((p) => p.package === 'qemu-system-xen');
  return { binary, libraryPath: env.LD_LIBRARY_PATH, version: v.stdout.split('\n')[0], packageVersion: qemu?.version, packages };
}

function main(argv) {
  const [cmd, ...names] = argv;
  if (cmd === 'ensure' && names.length > 0) {
    for (const n of names) {
      const { packages } = ensureDebSet(n);
      process.stdout.write(`${n}: ${packages.map((p) => `${p.package} ${p.version}`).join(', ')}\n`);
    }
  } else if (cmd === 'check-qemu' && names.length === 0) {
    const q = checkQemuXen();
    process.stdout.write(`${q.version}\nqemu-system-xen ${q.packageVersion}: every library of ${QEMU_XEN_BINARY} resolves with LD_LIBRARY_PATH=${q.libraryPath}\n`);
  } else if (cmd === 'root' && names.length === 0) {
    process.stdout.write(`${DEB_ROOT}\n`);
  } else {
    process.stderr.write(`usage: node scripts/deb-cache.mjs ensure ${Object.keys(DEB_SETS).join('|')}… | check-qemu | root\n`);
    return 2;
  }
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (e) {
    if (!(e instanceof DebCacheError)) throw e;
    process.stderr.write(`${e.message}\n`);
    process.exitCode = 1;
  }
}
