#!/usr/bin/env node
/**
 * Builds lib/libxenmem-kernel-emu.so (linux-x64) with gcc: C11, -Wall -Wextra -Werror, every native/*.c.
 * The Xen and Linux interface headers come from Debian's libxen-dev (scripts/deb-cache.mjs fetches it into
 * .cache/debroot); the daemon protocol from @xenmem/sim-protocol, the HVMOP structs from @xenmem/abi-types.
 * On another platform it builds nothing and says so: preloadPath() then reports the library as unavailable.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const root = resolve(pkg, '../..');

if (process.platform !== 'linux' || process.arch !== 'x64') {
  console.log(`kernel-emu: not built on ${process.platform}-${process.arch} (the emulation is for linux-x64)`);
  process.exit(0);
}

/** The flags of every compile of the emulation's sources (the library, and the sanitizer test build). */
export function compileFlags() {
  const debroot = execFileSync(process.execPath, [join(root, 'scripts/deb-cache.mjs'), 'root'], { encoding: 'utf8' }).trim();
  return [
    '-std=c11', '-Wall', '-Wextra', '-Werror', '-fPIC',
    `-I${join(pkg, 'native')}`,
    `-I${join(root, 'packages/sim-protocol/include')}`,
    `-I${join(root, 'packages/abi-types/include')}`,
    `-I${join(debroot, 'usr/include')}`,
  ];
}

export function nativeSources() {
  return readdirSync(join(pkg, 'native')).filter((f) => f.endsWith('.c')).sort().map((f) => join(pkg, 'native', f));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  execFileSync(process.execPath, [join(root, 'scripts/deb-cache.mjs'), 'ensure', 'libxen-dev'], { stdio: 'inherit' });
  mkdirSync(join(pkg, 'lib'), { recursive: true });
  const out = join(pkg, 'lib/libxenmem-kernel-emu.so');
  execFileSync('gcc', [...compileFlags(), '-O2', '-shared', '-fvisibility=hidden', ...nativeSources(), '-o', out, '-ldl', '-lpthread'], { stdio: 'inherit' });
  console.log(`kernel-emu: built ${out}`);
}
