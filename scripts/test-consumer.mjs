#!/usr/bin/env node
// The consumer test (`npm run test:consumer`): packs every published package with `npm pack`, installs the
// tarballs into a fresh project in the system temp directory (outside the repository: no workspace links, no
// hoisted repository node_modules), and there
//   - checks each tarball's contents and that every package imports only node builtins and its dependencies;
//   - type-checks tests/consumer/consumer.ts against the published types (tsc, skipLibCheck off) and runs it;
//   - runs tests/consumer/consumer.mjs (plain ESM JavaScript);
//   - runs tests/consumer/shm-transport.mjs (the shared-memory addon loads; a region under /dev/shm; a guest read
//     answered by an IoreqServer through the daemon over shared memory, on Linux);
//   - runs the `xenmem` binary from node_modules/.bin (abi types, abi check, demo; with the native addon also a
//     `bench` workload, which loads @xenmem/bench and starts the daemon from that package's scripts/);
//   - runs `npx xenmem gen --target python` (and at `--iface 4.6`) and imports the package with python3, and
//     `xenmem gen --target go` with `go vet` and `go test` (when python3 / go are found): the schema and the
//     generators as the installed packages ship them;
//   - compiles the shipped C headers (when a C compiler is found) and builds Rust crates that depend on the
//     xenmem-abi crate by path (the copy in the installed package) and by git (this checkout's HEAD) when
//     cargo is found;
// once with the native p2m addon (XENMEM_P2M=native: it must load), then again with the addon's .node file
// deleted from the installed package and XENMEM_P2M unset: everything must still work, with the fallback
// warning on stderr.
//
// Usage: node scripts/test-consumer.mjs [--no-build] [--keep]
//   --no-build  do not run `nx run-many -t build` first (the packages must be built)
//   --keep      keep the temporary directory (it is always kept when a step fails)
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = new Set(process.argv.slice(2));
const PACKAGES = ['packages/schema', 'packages/codegen', 'packages/abi-types', 'packages/sim-protocol', 'packages/napi-loader', 'packages/hypervisor-sim', 'packages/ioreq-client', 'packages/shm-transport', 'packages/kernel-emu', 'packages/xen-host', 'packages/bench', 'packages/cli'];
const TYPESCRIPT = 'typescript@5.9.3';
// @types/node 20.9 predates TypeScript 5.9's typed-array generics (its own .d.ts fail to check); a consumer on
// TypeScript 5.9 uses a newer 20.x.
const TYPES_NODE = '@types/node@20.19.9';
const FALLBACK_WARNING = 'xenmem: using the TypeScript p2m core';

const started = Date.now();
const timings = [];
let failed = 0;
const tmp = mkdtempSync(join(tmpdir(), 'xenmem-consumer-'));
const packs = join(tmp, 'packs');
const project = join(tmp, 'project');

function log(text) {
  process.stdout.write(`${text}\n`);
}

/** Runs a command; returns { status, stdout, stderr }. Never throws. */
function run(cmd, argv, { cwd = project, env = {}, unset = [], input } = {}) {
  const fullEnv = { ...process.env, NX_DAEMON: 'false', NX_TUI: 'false', NX_NO_CLOUD: 'true', npm_config_fund: 'false', npm_config_audit: 'false', ...env };
  for (const k of unset) delete fullEnv[k];
  const r = spawnSync(cmd, argv, { cwd, env: fullEnv, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, input });
  return { status: r.status ?? (r.error ? 127 : 1), stdout: r.stdout ?? '', stderr: (r.stderr ?? '') + (r.error ? String(r.error) : '') };
}

/** One named step: `fn` returns nothing or throws; its time is recorded. */
function step(name, fn) {
  const t0 = Date.now();
  let ok = true;
  let why = '';
  try {
    fn();
  } catch (err) {
    ok = false;
    failed++;
    why = err instanceof Error ? err.message : String(err);
  }
  const ms = Date.now() - t0;
  timings.push({ name, ok, ms });
  log(`${ok ? 'ok  ' : 'FAIL'} ${name} (${(ms / 1000).toFixed(1)}s)${ok ? '' : `\n${indent(why)}`}`);
  return ok;
}

function skip(name, why) {
  timings.push({ name, ok: true, ms: 0, skipped: why });
  log(`skip ${name}: ${why}`);
}

function indent(text) {
  return text
    .trimEnd()
    .split('\n')
    .slice(-40)
    .map((l) => `     | ${l}`)
    .join('\n');
}

/** Throws with the command's output unless it exited 0. */
function expectOk(r, what) {
  if (r.status !== 0) throw new Error(`${what} exited ${r.status}\n${r.stdout}${r.stderr}`);
  return r;
}

function which(cmd) {
  return run('sh', ['-c', `command -v ${cmd}`], { cwd: tmp }).status === 0;
}

function filesUnder(dir) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
log(`consumer test in ${tmp}`);

if (args.has('--no-build')) skip('build', '--no-build');
else step('build (nx run-many -t build)', () => expectOk(run('npx', ['nx', 'run-many', '-t', 'build', '--outputStyle=stream'], { cwd: root }), 'nx build'));

const nativeBuilt = existsSync(join(root, 'packages/hypervisor-sim/native')) && readdirSync(join(root, 'packages/hypervisor-sim/native')).some((f) => f.endsWith('.node'));
const emuBuilt = existsSync(join(root, 'packages/kernel-emu/lib/libxenmem-kernel-emu.so'));
const xenHostBuilt = existsSync(join(root, 'packages/xen-host/native')) && readdirSync(join(root, 'packages/xen-host/native')).some((f) => f.endsWith('.node'));
const shmBuilt = existsSync(join(root, 'packages/shm-transport/native')) && readdirSync(join(root, 'packages/shm-transport/native')).some((f) => f.endsWith('.node'));

/** name → tarball path */
const tarballs = new Map();
step(`npm pack (${PACKAGES.length} packages)`, () => {
  mkdirSync(packs, { recursive: true });
  for (const dir of PACKAGES) {
    const pkgDir = join(root, dir);
    if (!existsSync(join(pkgDir, 'dist', 'index.js'))) throw new Error(`${dir} is not built (no dist/index.js): build first`);
    const before = new Set(readdirSync(packs));
    expectOk(run('npm', ['pack', '--pack-destination', packs, '--silent'], { cwd: pkgDir }), `npm pack in ${dir}`);
    const made = readdirSync(packs).filter((f) => !before.has(f) && f.endsWith('.tgz'));
    if (made.length !== 1) throw new Error(`npm pack in ${dir} made ${made.length} tarballs`);
    const name = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')).name;
    tarballs.set(name, join(packs, made[0]));
  }
});

const EXPECTED_FILES = {
  '@xenmem/schema': ['README.md', 'dist/index.js', 'dist/index.d.ts', 'dist/data/xen-abi.schema.json', 'dist/data/xen-abi.json', 'dist/data/released/SHA256SUMS'],
  '@xenmem/abi-types': ['README.md', 'dist/index.js', 'dist/index.d.ts', 'include/xenmem/xenmem.h', 'include/xenmem/dm_op.h', 'rust/Cargo.toml', 'rust/src/lib.rs', 'rust/README.md'],
  '@xenmem/sim-protocol': ['README.md', 'dist/index.js', 'dist/index.d.ts', 'include/xenmem/sim_protocol.h'],
  '@xenmem/napi-loader': ['README.md', 'dist/index.js', 'dist/index.d.ts'],
  '@xenmem/hypervisor-sim': ['README.md', 'dist/index.js', 'dist/index.d.ts', 'native/index.cjs', 'native/index.d.ts', 'scenario.schema.json'],
  '@xenmem/ioreq-client': ['README.md', 'dist/index.js', 'dist/index.d.ts'],
  '@xenmem/shm-transport': ['README.md', 'dist/index.js', 'dist/index.d.ts', 'native/index.cjs', 'native/index.d.ts'],
  '@xenmem/kernel-emu': ['README.md', 'dist/index.js', 'dist/index.d.ts', 'native/client.c', 'scripts/build-so.mjs'],
  '@xenmem/xen-host': ['README.md', 'dist/index.js', 'dist/index.d.ts', 'native/index.cjs', 'native/index.d.ts'],
  '@xenmem/bench': ['README.md', 'dist/index.js', 'dist/index.d.ts', 'scripts/bench-daemon.mjs', 'scripts/bench-device-model.mjs', 'scripts/bench-pingpong.mjs'],
  '@xenmem/codegen': ['README.md', 'dist/index.js', 'dist/index.d.ts', 'dist/targets.js', 'plugin-protocol.schema.json'],
  '@xenmem/cli': ['README.md', 'bin/xenmem.mjs', 'dist/index.js', 'dist/index.d.ts', 'dist/bin.js'],
};
step('tarball contents', () => {
  const problems = [];
  for (const [name, tgz] of tarballs) {
    const files = expectOk(run('tar', ['tzf', tgz], { cwd: tmp }), `tar tzf ${tgz}`)
      .stdout.split('\n')
      .filter(Boolean)
      .map((f) => f.replace(/^package\//, ''));
    for (const f of EXPECTED_FILES[name] ?? []) if (!files.includes(f)) problems.push(`${name}: ${f} is missing`);
    if (name === '@xenmem/hypervisor-sim' && nativeBuilt && !files.some((f) => /^native\/[^/]+\.node$/.test(f))) problems.push(`${name}: the native addon was built but is not in the tarball`);
    if (name === '@xenmem/kernel-emu' && emuBuilt && !files.includes('lib/libxenmem-kernel-emu.so')) problems.push(`${name}: the preload library was built but is not in the tarball`);
    if (name === '@xenmem/xen-host' && xenHostBuilt && !files.some((f) => /^native\/[^/]+\.node$/.test(f))) problems.push(`${name}: the native addon was built but is not in the tarball`);
    if (name === '@xenmem/shm-transport' && shmBuilt && !files.some((f) => /^native\/[^/]+\.node$/.test(f))) problems.push(`${name}: the native addon was built but is not in the tarball`);
    for (const f of files) {
      if (/(^|\/)(test|tests|src)\//.test(f) && !f.startsWith('rust/src/')) problems.push(`${name}: ships ${f}`);
      if (/tsbuildinfo$|vitest\.config/.test(f)) problems.push(`${name}: ships ${f}`);
    }
  }
  if (problems.length) throw new Error(problems.join('\n'));
});

step(`npm install the tarballs + ${TYPESCRIPT} + ${TYPES_NODE} into a fresh project`, () => {
  mkdirSync(project, { recursive: true });
  const dependencies = {};
  for (const [name, tgz] of tarballs) dependencies[name] = `file:${relative(project, tgz)}`;
  const devDependencies = Object.fromEntries([TYPESCRIPT, TYPES_NODE].map((s) => [s.slice(0, s.lastIndexOf('@')), s.slice(s.lastIndexOf('@') + 1)]));
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'xenmem-consumer', private: true, type: 'module', dependencies, devDependencies }, null, 2) + '\n');
  expectOk(run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error']), 'npm install');
  // Every @xenmem package must come from a tarball, never from a registry.
  const lock = JSON.parse(readFileSync(join(project, 'package-lock.json'), 'utf8'));
  const bad = Object.entries(lock.packages ?? {}).filter(([p, v]) => /node_modules\/@xenmem\//.test(p) && !(v.resolved ?? '').startsWith('file:'));
  if (bad.length) throw new Error(`not from the tarballs: ${bad.map(([p, v]) => `${p} (${v.resolved})`).join(', ')}`);
  for (const f of ['consumer.ts', 'consumer.mjs', 'shm-transport.mjs', 'tsconfig.json']) copyFileSync(join(root, 'tests/consumer', f), join(project, f));
});

step('each package imports only node builtins and its own dependencies', () => {
  const builtins = new Set(builtinModules);
  const problems = [];
  for (const name of tarballs.keys()) {
    const dir = join(project, 'node_modules', name);
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const allowed = new Set([name, ...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.optionalDependencies ?? {}), ...Object.keys(manifest.peerDependencies ?? {})]);
    for (const file of filesUnder(join(dir, 'dist')).filter((f) => /\.(js|d\.ts)$/.test(f))) {
      const text = readFileSync(file, 'utf8');
      const specs = [
        ...text.matchAll(/^\s*(?:import|export)\b[^'";]*?\bfrom\s*['"]([^'"]+)['"]/gm), // import … from '…', export … from '…'
        ...text.matchAll(/^\s*import\s*['"]([^'"]+)['"]/gm), // import '…'
        ...text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g), // import('…'), also in .d.ts
        ...text.matchAll(/\brequire(?:\.resolve)?\(\s*['"]([^'"]+)['"]\s*\)/g), // require('…'), require.resolve('…')
      ].map((m) => m[1]);
      for (const spec of specs) {
        if (spec.startsWith('.') || spec.startsWith('node:') || builtins.has(spec)) continue;
        const pkg = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
        if (!allowed.has(pkg)) problems.push(`${name}: ${relative(dir, file)} imports ${spec}, not in its dependencies`);
      }
    }
  }
  if (problems.length) throw new Error([...new Set(problems)].join('\n'));
});

const nodeFile = () => {
  const dir = join(project, 'node_modules/@xenmem/hypervisor-sim/native');
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.node')).map((f) => join(dir, f)) : [];
};

step('tsc: consumer.ts type-checks against the published types (skipLibCheck off)', () => {
  expectOk(run(join(project, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.json']), 'tsc');
});

/** `npx xenmem gen ARGS` in the project: the installed CLI, with the schema @xenmem/schema ships. */
const xenmemGen = (...argv) => expectOk(run('npx', ['xenmem', 'gen', ...argv]), `npx xenmem gen ${argv.join(' ')}`);

if (!which('python3')) skip('xenmem gen --target python', 'python3 not found');
else
  step('npx xenmem gen --target python --out gen/python (and --iface 4.6); python3 imports each and --check passes', () => {
    const names = 'import xenmem_abi as x; print(x.hvmmem_name(3, 0x00040600), x.hvmmem_name(3, 0x00040700), x.hvmmem_value("unused", 0x00040600))';
    for (const [dir, iface, want] of [
      ['gen/python', [], 'mmio_write_dm unused None\n'],
      ['gen/python-4.6', ['--iface', '4.6'], 'mmio_write_dm mmio_write_dm None\n'],
    ]) {
      xenmemGen('--target', 'python', '--out', dir, ...iface);
      const r = expectOk(run('python3', ['-c', names], { cwd: join(project, dir), env: { PYTHONDONTWRITEBYTECODE: '1' } }), `python3 -c 'import xenmem_abi' in ${dir}`);
      if (r.stdout !== want) throw new Error(`${dir}: printed ${JSON.stringify(r.stdout)}, want ${JSON.stringify(want)}`);
      xenmemGen('--target', 'python', '--out', dir, ...iface, '--check');
    }
  });

if (!which('go')) skip('xenmem gen --target go', 'go not found');
else
  step('npx xenmem gen --target go --out gen/go; go vet and go test there (GOTOOLCHAIN=local)', () => {
    xenmemGen('--target', 'go', '--out', 'gen/go');
    const env = { env: { GOTOOLCHAIN: 'local', GOFLAGS: '-mod=mod' }, cwd: join(project, 'gen/go') };
    expectOk(run('go', ['vet', './...'], env), 'go vet');
    const r = expectOk(run('go', ['test', '-count=1', './...'], env), 'go test');
    if (!/^ok\s/m.test(r.stdout)) throw new Error(r.stdout + r.stderr);
  });

step('C: the shipped headers compile', () => {
  const cc = ['cc', 'gcc', 'clang'].find(which);
  if (!cc) throw new Error('no C compiler');
  const includes = ['abi-types', 'sim-protocol'].map((p) => join(project, `node_modules/@xenmem/${p}/include`));
  const headers = includes.flatMap((inc) => readdirSync(join(inc, 'xenmem')).filter((f) => f.endsWith('.h')));
  writeFileSync(join(project, 'headers.c'), headers.map((h) => `#include <xenmem/${h}>\n`).join('') + 'int main(void) { return 0; }\n');
  expectOk(run(cc, ['-std=c11', '-Wall', '-Werror', '-fsyntax-only', ...includes.flatMap((inc) => ['-I', inc]), 'headers.c']), cc);
});

if (!which('cargo')) skip('Rust: a crate depending on xenmem-abi by path', 'cargo not found');
else
  step('Rust: a crate depending on the shipped xenmem-abi by path', () => {
    const crate = join(project, 'rust-consumer');
    mkdirSync(join(crate, 'src'), { recursive: true });
    writeFileSync(
      join(crate, 'Cargo.toml'),
      '[package]\nname = "rust-consumer"\nversion = "0.0.0"\nedition = "2021"\npublish = false\n\n[dependencies]\nxenmem-abi = { path = "../node_modules/@xenmem/abi-types/rust" }\n\n[workspace]\n',
    );
    writeFileSync(join(crate, 'src/main.rs'), 'fn main() {\n    assert_eq!(xenmem_abi::hvmmem_name_at(0x00040600, 3), Some("mmio_write_dm"));\n    assert_eq!(xenmem_abi::hvmmem_name_at(0x00040700, 3), Some("unused"));\n    println!("xenmem-abi by path: ok");\n}\n');
    const r = expectOk(run('cargo', ['run', '--quiet', '--offline'], { cwd: crate, env: { CARGO_TARGET_DIR: join(tmp, 'cargo-target') } }), 'cargo run');
    if (!r.stdout.includes('xenmem-abi by path: ok')) throw new Error(r.stdout + r.stderr);
  });

const head = which('cargo') ? run('git', ['rev-parse', 'HEAD'], { cwd: root }) : { status: 1 };
if (head.status !== 0) skip('Rust: a crate depending on xenmem-abi by git', 'cargo or a git checkout not found');
else
  step('Rust: a crate depending on xenmem-abi by git (this checkout\'s HEAD, file:// URL)', () => {
    const crate = join(project, 'rust-git-consumer');
    mkdirSync(join(crate, 'src'), { recursive: true });
    writeFileSync(
      join(crate, 'Cargo.toml'),
      `[package]\nname = "rust-git-consumer"\nversion = "0.0.0"\nedition = "2021"\npublish = false\n\n[dependencies]\nxenmem-abi = { git = "file://${root}", rev = "${head.stdout.trim()}" }\n\n[workspace]\n`,
    );
    writeFileSync(join(crate, 'src/main.rs'), 'fn main() {\n    assert_eq!(xenmem_abi::hvmmem_name_at(0x00040700, 3), Some("unused"));\n    println!("xenmem-abi by git: ok");\n}\n');
    // A CARGO_HOME of its own: the git checkout cargo makes stays in the temporary directory.
    const r = expectOk(run('cargo', ['run', '--quiet'], { cwd: crate, env: { CARGO_HOME: join(tmp, 'cargo-home'), CARGO_TARGET_DIR: join(tmp, 'cargo-target') } }), 'cargo run');
    if (!r.stdout.includes('xenmem-abi by git: ok')) throw new Error(r.stdout + r.stderr);
  });

/** The programs and the binary, with the addon (`native`) or without it (`fallback`). */
function runPrograms(mode) {
  const env = mode === 'native' ? { env: { XENMEM_P2M: 'native' } } : { unset: ['XENMEM_P2M'] };
  const expectCore = mode === 'native' ? 'native' : 'ts';
  const checkWarning = (r, expectWarning) => {
    const has = r.stderr.includes(FALLBACK_WARNING);
    if (has !== expectWarning) throw new Error(`${expectWarning ? 'no' : 'unexpected'} fallback warning on stderr:\n${r.stderr}`);
  };
  step(`[${mode}] TypeScript program (compiled, node out/consumer.js)`, () => {
    const r = expectOk(run(process.execPath, ['out/consumer.js'], env), 'node out/consumer.js');
    if (!r.stdout.includes('typescript consumer: ok') || !r.stdout.includes(`p2m core: ${expectCore}`)) throw new Error(r.stdout + r.stderr);
    checkWarning(r, mode === 'fallback');
    log(indent(r.stdout));
  });
  step(`[${mode}] ESM JavaScript program (node consumer.mjs)`, () => {
    const r = expectOk(run(process.execPath, ['consumer.mjs'], env), 'node consumer.mjs');
    if (!r.stdout.includes('javascript consumer: ok') || !r.stdout.includes(`p2m core: ${expectCore}`)) throw new Error(r.stdout + r.stderr);
    checkWarning(r, mode === 'fallback');
    log(indent(r.stdout));
  });
  const xenmem = join(project, 'node_modules/.bin/xenmem');
  step(`[${mode}] node_modules/.bin/xenmem abi types --iface 0x00040600 --json`, () => {
    const r = expectOk(run(xenmem, ['abi', 'types', '--iface', '0x00040600', '--json'], env), 'xenmem abi types');
    const doc = JSON.parse(r.stdout);
    if (doc.iface !== '0x00040600' || doc.types?.[3]?.name !== 'mmio_write_dm') throw new Error(`unexpected output:\n${r.stdout.slice(0, 400)}`);
  });
  step(`[${mode}] node_modules/.bin/xenmem abi check (the package's own schema and snapshots)`, () => {
    expectOk(run(xenmem, ['abi', 'check'], env), 'xenmem abi check');
  });
  step(`[${mode}] node_modules/.bin/xenmem demo`, () => {
    const r = expectOk(run(xenmem, ['demo'], env), 'xenmem demo');
    if (!r.stdout.includes('Xen 4.22')) throw new Error(`unexpected output:\n${r.stdout.slice(0, 400)}`);
    checkWarning(r, mode === 'fallback');
  });
  if (mode === 'native')
    step('[native] node_modules/.bin/xenmem bench --quick --json --only dmop-throughput-daemon (@xenmem/bench, its daemon script)', () => {
      const r = expectOk(run(xenmem, ['bench', '--quick', '--json', '--only', 'dmop-throughput-daemon'], env), 'xenmem bench');
      const w = JSON.parse(r.stdout).workloads;
      if (w?.length !== 1 || w[0].id !== 'dmop-throughput-daemon' || w[0].results?.daemon?.samples !== 2000) throw new Error(`unexpected output:\n${r.stdout.slice(0, 400)}`);
    });
}

if (!nativeBuilt) {
  failed++;
  log('FAIL the native addon is not built (packages/hypervisor-sim/native/*.node): run the build first');
} else if (nodeFile().length === 0) {
  failed++;
  log('FAIL the installed @xenmem/hypervisor-sim has no native/*.node');
} else {
  runPrograms('native');
}

if (process.platform !== 'linux') skip('@xenmem/shm-transport program (node shm-transport.mjs)', 'futex shared memory is Linux-only');
else if (!shmBuilt) {
  failed++;
  log('FAIL the shm-transport addon is not built (packages/shm-transport/native/*.node): run the build first');
} else
  step('@xenmem/shm-transport program (node shm-transport.mjs: the addon loads, a region under /dev/shm, an ioreq over the daemon\'s shared memory)', () => {
    const r = expectOk(run(process.execPath, ['shm-transport.mjs']), 'node shm-transport.mjs');
    if (!r.stdout.includes('shm-transport consumer: ok')) throw new Error(r.stdout + r.stderr);
  });

step('remove native/*.node from the installed @xenmem/hypervisor-sim', () => {
  for (const f of nodeFile()) rmSync(f);
  if (nodeFile().length) throw new Error('still there');
});
step('[fallback] XENMEM_P2M=native now fails loudly', () => {
  const r = run(process.execPath, ['consumer.mjs'], { env: { XENMEM_P2M: 'native' } });
  if (r.status === 0 || !r.stderr.includes('the native p2m core could not be loaded')) throw new Error(`exit ${r.status}\n${r.stderr}`);
});
runPrograms('fallback');

// ---------------------------------------------------------------------------------------------------------
const total = Date.now() - started;
log('');
log('step timings:');
for (const t of timings) log(`  ${t.skipped ? 'skip' : t.ok ? 'ok  ' : 'FAIL'} ${(t.ms / 1000).toFixed(1).padStart(6)}s  ${t.name}`);
log(`total ${(total / 1000).toFixed(1)}s; ${failed === 0 ? 'consumer test passed' : `${failed} step(s) failed`}`);
if (failed === 0 && !args.has('--keep')) rmSync(tmp, { recursive: true, force: true });
else log(`kept ${tmp}`);
process.exit(failed === 0 ? 0 : 1);
