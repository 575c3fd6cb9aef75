/**
 * Where ioreq-roundtrip-qemu finds QEMU's Xen device model (Debian's qemu-system-xen): `XENMEM_QEMU` (a binary;
 * its libraries from the environment), else the repository's package cache (`node scripts/deb-cache.mjs ensure
 * qemu-xen` fills `.cache/debroot` of the directory the benchmark runs in), else an installed
 * /usr/libexec/xen-qemu-system-i386. The package version is recorded with the figures.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The QEMU to run and what its environment needs. */
export interface QemuBinary {
  binary: string;
  /** LD_LIBRARY_PATH for its libraries ('' to keep the environment's). */
  libraryPath: string;
  /** The qemu-system-xen package version, or how the binary was named when that is not known. */
  packageVersion: string;
  /** Its `--version` line. */
  version: string;
}

/** The binary inside a Debian tree. */
const LIBEXEC = 'usr/libexec/xen-qemu-system-i386';

/** The multiarch library directories of an unpacked Debian tree. */
function treeLibraryPath(root: string): string {
  const dirs: string[] = [];
  for (const base of ['usr/lib', 'lib']) {
    const dir = join(root, base);
    if (existsSync(dir)) for (const d of readdirSync(dir)) if (d.endsWith('-linux-gnu')) dirs.push(join(dir, d));
  }
  return dirs.join(':');
}

/** qemu-system-xen's version in the cache's manifest (.cache/debs/manifest.json, written by scripts/deb-cache.mjs). */
function cachedPackageVersion(cache: string): string | undefined {
  try {
    const manifest = JSON.parse(readFileSync(join(cache, 'debs/manifest.json'), 'utf8')) as { sets?: Record<string, { package: string; version: string }[]> };
    return manifest.sets?.['qemu-xen']?.find((p) => p.package === 'qemu-system-xen')?.version;
  } catch {
    return undefined;
  }
}

function installedPackageVersion(): string | undefined {
  const r = spawnSync('dpkg-query', ['-W', '-f', '${Version}', 'qemu-system-xen'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() ? r.stdout.trim() : undefined;
}

/** The QEMU binary to benchmark, or why there is none. */
export function findQemuBinary(cwd = process.cwd()): QemuBinary | { error: string } {
  const cache = join(cwd, '.cache');
  const candidates: { binary: string; libraryPath: string; packageVersion: () => string | undefined }[] = [];
  const fromEnv = process.env['XENMEM_QEMU'];
  if (fromEnv) candidates.push({ binary: fromEnv, libraryPath: '', packageVersion: () => undefined });
  candidates.push({ binary: join(cache, 'debroot', LIBEXEC), libraryPath: treeLibraryPath(join(cache, 'debroot')), packageVersion: () => cachedPackageVersion(cache) });
  candidates.push({ binary: `/${LIBEXEC}`, libraryPath: '', packageVersion: installedPackageVersion });
  for (const c of candidates) {
    if (!existsSync(c.binary)) continue;
    const env = { ...process.env, ...(c.libraryPath && { LD_LIBRARY_PATH: c.libraryPath }) };
    const v = spawnSync(c.binary, ['--version'], { encoding: 'utf8', env });
    if (v.status !== 0) return { error: `${c.binary} --version exited ${v.status ?? v.signal}: ${(v.stderr ?? '').trim().split('\n')[0]}` };
    return { binary: c.binary, libraryPath: c.libraryPath, packageVersion: c.packageVersion() ?? 'unknown', version: v.stdout.split('\n')[0] ?? '' };
  }
  return { error: `no QEMU: set XENMEM_QEMU, run \`node scripts/deb-cache.mjs ensure qemu-xen\` in the repository, or install qemu-system-xen` };
}
