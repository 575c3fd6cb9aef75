#!/usr/bin/env node
/**
 * Supply-chain check (docs/reliability.md "Load and supply chain"):
 *  1. typescript-json-schema, a build-time tool, is only ever a devDependency: no package.json of the
 *     workspace lists it in dependencies, optionalDependencies or peerDependencies, and package-lock.json
 *     marks it (and so everything it pulls in) dev-only.
 *  2. `npm audit --omit=dev --json`: any advisory against a production dependency fails.
 *  3. `cargo audit --json` of the Cargo workspace (its one Cargo.lock, at the root, covering every Rust crate),
 *     when `cargo audit --version` works; without cargo-audit this part is skipped with a notice saying what
 *     would run. Any vulnerability or advisory
 *     warning (unmaintained, unsound, notice) fails; yanked crates are reported only.
 *
 * Exit code: 0 clean; 1 an advisory or a misplaced dependency was found; 2 a check could not run (no
 * network, the registry has no audit endpoint, the advisory database could not be fetched) — nothing found,
 * but nothing proven either.
 *
 *   node scripts/audit.mjs            (npm run audit)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BUILD_ONLY = ['typescript-json-schema'];
/** The Cargo workspace's one lock file: it pins the crates of every member (the root Cargo.toml lists them). */
const CARGO_LOCK = 'Cargo.lock';
const PROD_FIELDS = ['dependencies', 'optionalDependencies', 'peerDependencies'];

let found = 0; // advisories or misplaced dependencies
let unavailable = 0; // checks that could not run
const log = (line) => process.stdout.write(`${line}\n`);
const bad = (line) => (found++, log(`FAIL  ${line}`));
const cannot = (line) => (unavailable++, log(`SKIP  ${line}`));
const ok = (line) => log(`ok    ${line}`);

function run(cmd, args, cwd = ROOT) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 300_000 });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', error: r.error };
}

function readJson(path) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

/** 1. Build-time-only tools stay in devDependencies. */
function checkBuildOnly() {
  const before = found;
  const root = readJson(join(ROOT, 'package.json'));
  const manifests = ['package.json', ...(root.workspaces ?? []).map((w) => join(w, 'package.json'))];
  if (existsSync(join(ROOT, 'packages/hypervisor-sim/native/package.json'))) manifests.push('packages/hypervisor-sim/native/package.json');
  for (const m of manifests) {
    const path = join(ROOT, m);
    if (!existsSync(path)) continue;
    const pkg = readJson(path);
    for (const name of BUILD_ONLY)
      for (const field of PROD_FIELDS) if (pkg[field]?.[name] !== undefined) bad(`${m}: ${name} is in ${field}; it must only be a devDependency`);
  }
  const lockPath = join(ROOT, 'package-lock.json');
  if (existsSync(lockPath)) {
    const lock = readJson(lockPath);
    for (const name of BUILD_ONLY) {
      const entries = Object.entries(lock.packages ?? {}).filter(([p]) => p === `node_modules/${name}` || p.endsWith(`/node_modules/${name}`));
      for (const [p, e] of entries) if (e.dev !== true) bad(`package-lock.json: ${p} is not dev-only (a production dependency pulls it in)`);
    }
  }
  if (found === before) ok(`${BUILD_ONLY.join(', ')}: devDependencies only (${manifests.length} package.json files${existsSync(lockPath) ? ' and package-lock.json' : ''})`);
}

/** 2. npm audit of the production dependency tree. */
function npmAudit() {
  const r = run('npm', ['audit', '--omit=dev', '--json']);
  let report;
  try {
    report = JSON.parse(r.stdout);
  } catch {
    return cannot(`npm audit --omit=dev: no JSON report (exit ${r.status}): ${r.stderr.trim().split('\n').at(-1) ?? ''}`);
  }
  if (report.metadata?.vulnerabilities === undefined) {
    const why = report.message ?? report.error?.summary ?? r.stderr.trim().split('\n').at(-1) ?? 'unknown error';
    return cannot(`npm audit --omit=dev could not run: ${why}`);
  }
  const vulns = Object.values(report.vulnerabilities ?? {});
  const deps = report.metadata.dependencies?.prod ?? report.metadata.totalDependencies;
  if (vulns.length === 0) return ok(`npm audit --omit=dev: 0 advisories (${deps} production dependencies)`);
  for (const v of vulns) {
    const via = (v.via ?? []).map((x) => (typeof x === 'string' ? x : `${x.title ?? x.name} ${x.url ?? ''}`.trim())).join('; ');
    bad(`npm audit: ${v.name} (${v.severity}, ${v.range}): ${via}`);
  }
}

/** 3. cargo audit of the workspace's Cargo.lock, if cargo-audit is installed. */
function cargoAudit() {
  const version = run('cargo', ['audit', '--version']);
  if (version.status !== 0) {
    log(`note  cargo-audit is not installed (\`cargo install cargo-audit --locked\`); would run \`cargo audit --json\` at the repository root (${CARGO_LOCK})`);
    return;
  }
  if (!existsSync(join(ROOT, CARGO_LOCK))) return cannot(`no ${CARGO_LOCK} to audit`);
  const r = run('cargo', ['audit', '--json']);
  let report;
  try {
    report = JSON.parse(r.stdout);
  } catch {
    return cannot(`cargo audit (${version.stdout.trim()}) could not run: ${r.stderr.trim().split('\n').find((l) => /error/i.test(l)) ?? `exit ${r.status}`}`);
  }
  const vulns = report.vulnerabilities?.list ?? [];
  for (const v of vulns) bad(`cargo audit: ${v.package?.name} ${v.package?.version}: ${v.advisory?.id} ${v.advisory?.title}`);
  let warned = 0;
  for (const [kind, list] of Object.entries(report.warnings ?? {}))
    for (const w of list) {
      const line = `cargo audit: ${kind} ${w.package?.name} ${w.package?.version}${w.advisory ? `: ${w.advisory.id} ${w.advisory.title}` : ''}`;
      if (w.advisory) (warned++, bad(line));
      else log(`note  ${line}`);
    }
  if (vulns.length === 0 && warned === 0) ok(`cargo audit: 0 advisories (${report.lockfile?.['dependency-count'] ?? '?'} crates, ${CARGO_LOCK})`);
}

checkBuildOnly();
npmAudit();
cargoAudit();
if (found > 0) {
  log(`audit: ${found} problem(s) found`);
  process.exit(1);
}
if (unavailable > 0) {
  log(`audit: nothing found, but ${unavailable} check(s) could not run (see SKIP above)`);
  process.exit(2);
}
log('audit: clean');
