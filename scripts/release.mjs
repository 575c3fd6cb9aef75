#!/usr/bin/env node
// The release (`npm run release:dry`, `npm run release -- --version X.Y.Z`): versions, changelogs, the schema's
// metadata in each package.json and the schema snapshot, in one step. It never publishes or tags: it prints the
// `npm publish` commands to run. See docs/releasing.md.
//
//   node scripts/release.mjs --dry [--version X.Y.Z | patch|minor|major] [--json] [--files]
//   node scripts/release.mjs --version X.Y.Z | patch|minor|major [--json]
//     --dry              change no file; show what the release would do (the default version: the current one
//                        if it was never released, else the next patch)
//     --version X.Y.Z    the version every publishable package gets (lockstep); patch|minor|major bumps instead
//     --json             one JSON object on stdout (progress goes to stderr, and only on a terminal)
//     --files            text output lists every file of each package, not one line per folder
//     --date YYYY-MM-DD  the release date (default: today, UTC)
//     --root DIR         the repository to release (default: this checkout; the tests use a copy)
//
// Packages are the root package.json's workspaces not marked private, found at run time. Every one moves to
// the same version (lockstep), changed or not. Exit 0 done (or, with --dry, the release can go ahead), 1 the
// release is refused (schema check, nothing to release, npm pack failed), 2 bad arguments or input (a
// changelog out of format, a version not above the current one).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const EXIT_OK = 0;
export const EXIT_REFUSED = 1;
export const EXIT_USAGE = 2;
const BUMPS = ['patch', 'minor', 'major'];
const SECTIONS = ['Added', 'Changed', 'Deprecated', 'Removed', 'Fixed', 'Security'];
const DEP_FIELDS = ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies'];
const VERSION = /^(\d+)\.(\d+)\.(\d+)$/;
const RELEASED_HEADING = /^## (\d+\.\d+\.\d+) — (\d{4}-\d{2}-\d{2})$/;
const USAGE = 'usage: node scripts/release.mjs --dry [--version X.Y.Z | patch|minor|major] [--json] [--files]\n       node scripts/release.mjs --version X.Y.Z | patch|minor|major [--json]';

/** A bad argument or input: exit 2, naming `argument` (a flag, or a file:line). */
export class UsageError extends Error {
  constructor(argument, message) {
    super(`${argument}: ${message}`);
    this.argument = argument;
  }
}

/** A release that must not go ahead: exit 1. */
export class RefusedError extends Error {}

// ---------------------------------------------------------------------------------------------------------
// Arguments

function isDate(text) {
  return /^\d{4}-\d{2}-\d{2}$/.test(text) && new Date(`${text}T00:00:00Z`).toISOString().slice(0, 10) === text;
}

/** argv (without node and the script) → options. Throws UsageError. */
export function parseArgs(argv) {
  const opts = { dry: false, json: false, files: false, help: false, version: undefined, bump: undefined, date: undefined, root: undefined };
  const value = (flag, i, inline) => {
    const v = inline ?? argv[i + 1];
    if (v === undefined || (inline === undefined && v.startsWith('--'))) throw new UsageError(flag, `needs a value\n${USAGE}`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const inline = eq > 0 ? arg.slice(eq + 1) : undefined;
    const takes = ['--version', '--date', '--root'].includes(flag);
    if (inline !== undefined && !takes) throw new UsageError(flag, 'takes no value');
    switch (flag) {
      case '--dry':
        opts.dry = true;
        break;
      case '--json':
        opts.json = true;
        break;
      case '--files':
        opts.files = true;
        break;
      case '--help':
      case '-h':
        opts.help = true;
        break;
      case '--version': {
        const v = value(flag, i, inline);
        if (inline === undefined) i++;
        if (opts.version !== undefined || opts.bump !== undefined) throw new UsageError('--version', 'give one version (or one of patch|minor|major)');
        if (BUMPS.includes(v)) opts.bump = v;
        else if (VERSION.test(v)) opts.version = v;
        else throw new UsageError('--version', `"${v}" is not a version X.Y.Z (nor patch|minor|major)`);
        break;
      }
      case '--date': {
        const v = value(flag, i, inline);
        if (inline === undefined) i++;
        if (!isDate(v)) throw new UsageError('--date', `"${v}" is not a date YYYY-MM-DD`);
        opts.date = v;
        break;
      }
      case '--root':
        opts.root = value(flag, i, inline);
        if (inline === undefined) i++;
        break;
      default:
        if (BUMPS.includes(arg)) {
          if (opts.version !== undefined || opts.bump !== undefined) throw new UsageError(arg, 'give one version (or one of patch|minor|major)');
          opts.bump = arg;
        } else if (arg.startsWith('-')) {
          throw new UsageError(arg, `unknown flag\n${USAGE}`);
        } else {
          throw new UsageError(arg, `unexpected argument (a version is given as --version ${arg})\n${USAGE}`);
        }
    }
  }
  if (!opts.dry && !opts.help && opts.version === undefined && opts.bump === undefined) {
    throw new UsageError('--version', 'required for a release: --version X.Y.Z or patch|minor|major (see what it would do first: npm run release:dry)');
  }
  return opts;
}

// ---------------------------------------------------------------------------------------------------------
// Versions

export function compareVersions(a, b) {
  const pa = VERSION.exec(a).slice(1).map(Number);
  const pb = VERSION.exec(b).slice(1).map(Number);
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return pa[i] - pb[i];
  return 0;
}

export function bumpVersion(version, bump) {
  const [major, minor, patch] = VERSION.exec(version).slice(1).map(Number);
  if (bump === 'major') return `${major + 1}.0.0`;
  if (bump === 'minor') return `${major}.${minor + 1}.0`;
  return `${major}.${minor}.${patch + 1}`;
}

// ---------------------------------------------------------------------------------------------------------
// Changelogs: `# <name>`, `## Unreleased` with `### Added|Changed|…` bullets, then `## X.Y.Z — YYYY-MM-DD`.

/**
 * Parses a changelog. Returns { unreleasedStart, unreleasedEnd (line indexes of the Unreleased body),
 * entries: { Added: [text…], … }, released: [{ version, date }] }. Throws UsageError naming file:line.
 */
export function parseChangelog(text, name, file) {
  const lines = text.split('\n');
  const at = (i, message) => new UsageError(`${file}:${i + 1}`, `${message} (the format is in docs/releasing.md)`);
  const first = lines.findIndex((l) => l.trim() !== '');
  if (first < 0 || lines[first] !== `# ${name}`) throw at(Math.max(first, 0), `the first line must be "# ${name}"`);
  let unreleased = -1;
  let unreleasedEnd = lines.length;
  const released = [];
  const entries = {};
  let section; // the ### inside Unreleased, while in it
  let inUnreleased = false;
  for (let i = first + 1; i < lines.length; i++) {
    const line = lines[i];
    if (line.startsWith('# ')) throw at(i, 'only the first line is a "# " title');
    if (line.startsWith('## ')) {
      if (inUnreleased) unreleasedEnd = i;
      inUnreleased = false;
      if (line === '## Unreleased') {
        if (unreleased >= 0) throw at(i, 'a second "## Unreleased"');
        if (released.length) throw at(i, '"## Unreleased" must come before the released versions');
        unreleased = i;
        inUnreleased = true;
        section = undefined;
        continue;
      }
      const m = RELEASED_HEADING.exec(line);
      if (!m || !isDate(m[2])) throw at(i, `"${line}" is neither "## Unreleased" nor "## X.Y.Z — YYYY-MM-DD" (an em dash)`);
      if (unreleased < 0) throw at(i, '"## Unreleased" must come first');
      const prev = released.at(-1);
      if (prev && compareVersions(m[1], prev.version) >= 0) throw at(i, `${m[1]} is listed below ${prev.version}: newest first`);
      released.push({ version: m[1], date: m[2] });
      continue;
    }
    if (line.startsWith('### ')) {
      const title = line.slice(4);
      if (!SECTIONS.includes(title)) throw at(i, `"${line}": the sections are ${SECTIONS.map((s) => `### ${s}`).join(', ')}`);
      if (inUnreleased) {
        if (entries[title]) throw at(i, `a second "${line}" under Unreleased`);
        entries[title] = [];
        section = title;
      }
      continue;
    }
    if (!inUnreleased || line.trim() === '') continue;
    if (line.startsWith('- ')) {
      if (!section) throw at(i, 'an entry before any "### Added|Changed|Fixed…" heading');
      entries[section].push(line.slice(2).trim());
    } else if (/^\s{2,}\S/.test(line) && section && entries[section].length) {
      entries[section][entries[section].length - 1] += ` ${line.trim()}`;
    } else {
      throw at(i, 'under "## Unreleased" only "### <section>" headings and "- " entries (continued by indented lines)');
    }
  }
  if (unreleased < 0) throw at(lines.length - 1, 'no "## Unreleased" section');
  for (const [title, list] of Object.entries(entries)) if (list.length === 0) throw at(unreleased, `"### ${title}" under Unreleased has no entry`);
  return { lines, unreleased, unreleasedEnd, entries, released };
}

/** The changelog with its Unreleased entries moved under `## version — date` and an empty Unreleased left. */
export function moveUnreleased(parsed, version, date, lockstepNote) {
  const { lines, unreleased, unreleasedEnd } = parsed;
  const head = lines.slice(0, unreleased + 1);
  const body = lines.slice(unreleased + 1, unreleasedEnd);
  while (body.length && body[0].trim() === '') body.shift();
  while (body.length && body.at(-1).trim() === '') body.pop();
  const rest = lines.slice(unreleasedEnd);
  while (rest.length && rest.at(-1).trim() === '') rest.pop();
  const out = [...head, '', `## ${version} — ${date}`, '', ...(body.length ? body : [lockstepNote])];
  if (rest.length) out.push('', ...rest);
  return out.join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------------------------
// The repository: workspaces, package.jsons, changelogs

function readJson(file) {
  return JSON.parse(readFileSync(file, 'utf8'));
}

function jsonText(value) {
  return JSON.stringify(value, null, 2) + '\n';
}

/** The root's workspaces (plain paths and `dir/*` globs), in the root's order. */
export function workspaces(root) {
  const rootPkg = readJson(join(root, 'package.json'));
  const dirs = [];
  for (const pattern of rootPkg.workspaces ?? []) {
    if (pattern.endsWith('/*')) {
      const parent = pattern.slice(0, -2);
      if (!existsSync(join(root, parent))) continue;
      for (const e of readdirSync(join(root, parent), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
        if (e.isDirectory() && existsSync(join(root, parent, e.name, 'package.json'))) dirs.push(`${parent}/${e.name}`);
      }
    } else if (existsSync(join(root, pattern, 'package.json'))) dirs.push(pattern);
  }
  return dirs.map((dir) => ({ dir, pkg: readJson(join(root, dir, 'package.json')) }));
}

/** Orders packages so that each comes after the packages it depends on (dependencies, peer, optional). */
function publishOrder(packages) {
  const names = new Set(packages.map((p) => p.name));
  const done = new Set();
  const out = [];
  const visit = (p, path) => {
    if (done.has(p.name) || path.includes(p.name)) return;
    for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
      for (const dep of Object.keys(p.pkg[field] ?? {})) if (names.has(dep)) visit(packages.find((q) => q.name === dep), [...path, p.name]);
    }
    done.add(p.name);
    out.push(p);
  };
  for (const p of packages) visit(p, []);
  return out;
}

/** A dependency range on a released package, moved to `next`: exact and ^/~ ranges follow, others stay. */
function nextRange(range, next) {
  const m = /^([~^]?)\d+\.\d+\.\d+$/.exec(range);
  return m ? `${m[1]}${next}` : undefined;
}

// ---------------------------------------------------------------------------------------------------------
// npm pack --dry-run and the schema

/** What `npm pack --dry-run --json` would publish for each package dir: Map dir → { files, entryCount, size, unpackedSize }. */
function packInfo(root, dirs) {
  const argv = ['pack', '--dry-run', '--json', '--ignore-scripts', ...dirs.flatMap((d) => ['-w', d])];
  const r = spawnSync('npm', argv, { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: { ...process.env, npm_config_fund: 'false', npm_config_audit: 'false', npm_config_update_notifier: 'false' } });
  if (r.status !== 0) throw new RefusedError(`npm ${argv.join(' ')} exited ${r.status ?? r.error}: ${(r.stderr ?? '').trim().split('\n').slice(-5).join('\n')}`);
  const list = JSON.parse(r.stdout);
  return new Map(
    dirs.map((dir, i) => {
      const p = list[i];
      return [dir, { files: p.files.map((f) => ({ path: f.path, size: f.size })), entryCount: p.entryCount, size: p.size, unpackedSize: p.unpackedSize }];
    }),
  );
}

async function loadSchemaTools() {
  try {
    return await import('@xenmem/schema');
  } catch (err) {
    throw new RefusedError(`cannot load @xenmem/schema (${err.code ?? err.message}): build it first: npx nx run @xenmem/schema:build`);
  }
}

function sha256(bytes) {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * The schema's side of the release: `xenmem abi check` against the newest snapshot, and the snapshot the
 * release takes (when the schema's bytes differ from the newest snapshot's). Breaking findings refuse the
 * release unless the schema's formatVersion is above the snapshot's.
 */
async function schemaPlan(root, date) {
  const tools = await loadSchemaTools();
  const schemaPath = join(root, 'schema/xen-abi.json');
  const releasedDir = join(root, 'schema/released');
  const result = tools.checkAbi({ schemaPath, releasedDir });
  const newest = tools.newestSnapshot(releasedDir);
  const bytes = readFileSync(schemaPath);
  let formatVersion;
  try {
    formatVersion = JSON.parse(bytes.toString('utf8')).formatVersion;
  } catch {
    formatVersion = undefined;
  }
  const findings = [...result.snapshots.findings, ...result.report.findings];
  const violations = findings.filter((f) => f.severity === 'violation');
  const formatBump = newest !== undefined && typeof formatVersion === 'number' && formatVersion > newest.formatVersion;
  const snapshotViolations = result.snapshots.findings.length;
  const refusal = !result.usable
    ? `the schema check could not run: ${[...result.report.problems.base, ...result.report.problems.next].map((p) => `${p.path || '(document)'}: ${p.message}`).join('; ')}`
    : snapshotViolations
      ? `the released snapshots are not intact (${snapshotViolations} finding${snapshotViolations === 1 ? '' : 's'}): run npx xenmem abi check`
      : violations.length && !formatBump
        ? `xenmem abi check reports ${violations.length} breaking change${violations.length === 1 ? '' : 's'} against ${newest?.file} and the schema's formatVersion (${formatVersion}) was not raised: fix the schema (run npx xenmem abi check) or raise formatVersion for a new schema format`
        : undefined;
  const changed = newest === undefined || sha256(bytes) !== sha256(readFileSync(newest.path));
  const file = changed && typeof formatVersion === 'number' ? tools.snapshotFileName(formatVersion, date) : undefined;
  const clash = file !== undefined && existsSync(join(releasedDir, file));
  return {
    tools,
    schemaPath,
    releasedDir,
    snapshot: { write: file ?? null, newest: newest?.file ?? null, changed },
    compatibility: {
      ok: result.ok,
      usable: result.usable,
      base: newest?.file ?? null,
      formatVersion: formatVersion ?? null,
      formatBump,
      violations: violations.length,
      exceptions: findings.length - violations.length,
      findings: findings.map((f) => ({ rule: f.rule, severity: f.severity, subject: f.subject, message: f.message })),
    },
    refusal: refusal ?? (clash ? `schema/released/${file} exists already and snapshots never change: release on another day, or with the schema as it was released` : undefined),
  };
}

// ---------------------------------------------------------------------------------------------------------
// The plan (everything --dry shows) and the release itself

/** Reads the repository and decides what the release does. Throws UsageError / RefusedError. */
export async function plan(opts) {
  const root = resolve(opts.root ?? join(here, '..'));
  if (!existsSync(join(root, 'package.json'))) throw new UsageError('--root', `${root} has no package.json`);
  const date = opts.date ?? new Date().toISOString().slice(0, 10);
  const all = workspaces(root);
  const packages = all
    .filter((w) => w.pkg.private !== true)
    .map((w) => {
      const changelog = join(w.dir, 'CHANGELOG.md');
      if (!VERSION.test(w.pkg.version ?? '')) throw new UsageError(`${w.dir}/package.json`, `version "${w.pkg.version}" is not X.Y.Z`);
      if (!existsSync(join(root, changelog))) throw new UsageError(changelog, `missing: every published package has one; start it with "# ${w.pkg.name}" and "## Unreleased"`);
      const parsed = parseChangelog(readFileSync(join(root, changelog), 'utf8'), w.pkg.name, changelog);
      return { ...w, name: w.pkg.name, current: w.pkg.version, changelog, parsed };
    });
  if (packages.length === 0) throw new RefusedError('no publishable workspace (all are private)');

  // Lockstep: the base is the highest current version; it counts as released when a changelog lists it.
  const base = packages.map((p) => p.current).sort(compareVersions).at(-1);
  const releasedIn = packages.find((p) => p.parsed.released.some((r) => r.version === base));
  const baseReleased = releasedIn !== undefined;
  const lastReleased = packages.flatMap((p) => p.parsed.released.map((r) => r.version)).sort(compareVersions).at(-1) ?? null;
  let next;
  if (opts.version !== undefined) {
    next = opts.version;
    const cmp = compareVersions(next, base);
    if (cmp < 0 || (cmp === 0 && baseReleased)) {
      const why = baseReleased ? `${base} was released (${releasedIn.changelog})` : `the packages are at ${base}`;
      throw new UsageError('--version', `${next} is not greater than the current version: ${why}; give a higher one, e.g. --version ${baseReleased ? bumpVersion(base, 'patch') : base}`);
    }
  } else if (opts.bump !== undefined) next = bumpVersion(base, opts.bump);
  else next = baseReleased ? bumpVersion(base, 'patch') : base;
  if (lastReleased !== null && compareVersions(next, lastReleased) <= 0) {
    throw new UsageError('--version', `${next} is not greater than ${lastReleased}, the last version in the changelogs`);
  }

  const schema = await schemaPlan(root, date);
  // The schema's version in each package.json: computed by scripts/sync-metadata.mjs, applied here to every
  // publishable workspace.
  const syncScript = join(root, 'scripts/sync-metadata.mjs');
  if (!existsSync(syncScript)) throw new RefusedError(`${syncScript} is missing: it computes the schema metadata of each package.json`);
  const metadata = (await import(pathToFileURL(syncScript).href)).schemaMetadata();
  const staleMetadata = packages.filter((q) => JSON.stringify(q.pkg.xenmem) !== JSON.stringify(metadata)).map((q) => q.name);
  const withEntries = packages.filter((p) => Object.keys(p.parsed.entries).length > 0);
  const refusal = schema.refusal ?? (withEntries.length === 0 ? 'no changelog has Unreleased entries: add them first (docs/releasing.md, "Adding a changelog entry")' : undefined);
  return { root, date, all, packages, base, baseReleased, next, schema, metadata: { ...metadata, stale: staleMetadata }, refusal };
}

function lockstepNote(next) {
  return `No changes of its own: released at ${next} with the other xenmem packages (every package moves in lockstep).`;
}

/** Writes the release: package.jsons (and package-lock.json), changelogs, metadata, snapshot. Returns the files written. */
export async function writeRelease(p) {
  const { root, packages, next, date, schema } = p;
  const written = [];
  const names = new Set(packages.map((q) => q.name));
  const { schemaFormat, xenReleases } = p.metadata;
  const meta = { schemaFormat, xenReleases };

  // Snapshot first: the one write that can still fail (validation, an existing file).
  if (schema.snapshot.write) {
    const result = schema.tools.writeSnapshot(schema.schemaPath, schema.releasedDir, date);
    if (!result.ok) throw new RefusedError(`the schema snapshot was not written: ${result.problems.map((q) => `${q.path || '(document)'}: ${q.message}`).join('; ')}`);
    written.push(`schema/released/${result.snapshot.file}`, 'schema/released/SHA256SUMS');
  }

  const moveRanges = (pkg) => {
    for (const field of DEP_FIELDS) {
      for (const [dep, range] of Object.entries(pkg[field] ?? {})) {
        const moved = names.has(dep) ? nextRange(range, next) : undefined;
        if (moved !== undefined) pkg[field][dep] = moved;
      }
    }
  };
  for (const w of [{ dir: '.', pkg: readJson(join(root, 'package.json')) }, ...p.all]) {
    const file = join(root, w.dir, 'package.json');
    const before = readFileSync(file, 'utf8');
    const pkg = JSON.parse(before);
    moveRanges(pkg);
    if (pkg.private !== true && w.dir !== '.') {
      pkg.version = next;
      pkg.xenmem = meta; // the metadata sync, for every publishable package (scripts/sync-metadata.mjs computes it)
    }
    const after = jsonText(pkg);
    if (after !== before) {
      writeFileSync(file, after);
      written.push(relative(root, file));
    }
  }
  const lockFile = join(root, 'package-lock.json');
  if (existsSync(lockFile)) {
    const before = readFileSync(lockFile, 'utf8');
    const lock = JSON.parse(before);
    for (const w of p.all) {
      const entry = lock.packages?.[w.dir];
      if (!entry) continue;
      moveRanges(entry);
      if (w.pkg.private !== true) entry.version = next;
    }
    const after = jsonText(lock);
    if (after !== before) {
      writeFileSync(lockFile, after);
      written.push('package-lock.json');
    }
  }
  for (const q of packages) {
    writeFileSync(join(root, q.changelog), moveUnreleased(q.parsed, next, date, lockstepNote(next)));
    written.push(q.changelog);
  }
  return written;
}

function kB(bytes) {
  if (bytes < 1000) return `${bytes} B`;
  return bytes < 1e6 ? `${(bytes / 1000).toFixed(1)} kB` : `${(bytes / 1e6).toFixed(2)} MB`;
}

/** `text` wrapped at 110 columns, the first line after `first`, the others indented by `indent`. */
function wrap(text, first, indent) {
  const lines = [];
  let line = first;
  for (const word of text.split(' ')) {
    if (line.length + word.length + 1 > 110 && line.trim().length > first.trim().length) {
      lines.push(line);
      line = indent + word;
    } else line += (line === first ? '' : ' ') + word;
  }
  lines.push(line);
  return lines.join('\n');
}

/** Notes on what a package would ship: no CHANGELOG.md, not built, native binaries declared but missing. */
function packWarnings(root, q, pack) {
  const warnings = [];
  const paths = new Set(pack.files.map((f) => f.path));
  if (!paths.has('CHANGELOG.md')) warnings.push('CHANGELOG.md is not in the package: add it to "files" in package.json');
  if ((q.pkg.files ?? []).includes('dist') && !existsSync(join(root, q.dir, 'dist'))) warnings.push('not built (no dist/): run npm run build before publishing');
  const declared = (q.pkg.files ?? []).filter((f) => f.endsWith('.node'));
  if (declared.length) {
    const shipped = declared.filter((f) => paths.has(f));
    const missing = declared.filter((f) => !paths.has(f)).map((f) => f.replace(/^.*\/[^.]+\.(.+)\.node$/, '$1'));
    if (missing.length) warnings.push(`native binaries: ${shipped.length} of ${declared.length} platforms present; missing ${missing.join(', ')} (users there get the package's fallback; docs/releasing.md, "Native packages")`);
  }
  return warnings;
}

/** The report --dry prints (and --json returns), and the real run's too. */
function report(p, packs, { dry, written }) {
  const order = publishOrder(p.packages);
  return {
    dry,
    ok: p.refusal === undefined,
    refusal: p.refusal ?? null,
    lockstep: true,
    version: { current: p.base, currentReleased: p.baseReleased, next: p.next },
    date: p.date,
    packages: p.packages.map((q) => {
      const pack = packs?.get(q.dir);
      return {
        name: q.name,
        dir: q.dir,
        current: q.current,
        next: p.next,
        changes: q.parsed.entries,
        ...(pack && { pack: { entryCount: pack.entryCount, size: pack.size, unpackedSize: pack.unpackedSize, files: pack.files }, warnings: packWarnings(p.root, q, pack) }),
      };
    }),
    metadata: p.metadata,
    snapshot: p.schema.snapshot,
    compatibility: p.schema.compatibility,
    written: written ?? [],
    publish: ['npm run build', ...order.map((q) => `npm publish -w ${q.dir}${q.name.startsWith('@') && q.pkg.publishConfig?.access === undefined ? ' --access public' : ''}`)],
  };
}

function folderSummary(files) {
  const groups = new Map();
  for (const f of files) {
    const slash = f.path.indexOf('/');
    const key = slash < 0 ? f.path : `${f.path.slice(0, slash)}/`;
    const g = groups.get(key) ?? { count: 0, size: 0 };
    g.count++;
    g.size += f.size;
    groups.set(key, g);
  }
  return [...groups].map(([key, g]) => (key.endsWith('/') ? `${key} (${g.count} file${g.count === 1 ? '' : 's'}, ${kB(g.size)})` : `${key} (${kB(g.size)})`));
}

function printText(r, opts, out) {
  const head = r.dry ? 'release dry run (nothing is written)' : 'release';
  out(`${head}: ${r.version.current} → ${r.version.next}, ${r.date}; every package moves in lockstep to ${r.version.next}\n`);
  if (r.dry && opts.version === undefined && opts.bump === undefined) {
    out(`  (no --version given: ${r.version.currentReleased ? `the next patch after ${r.version.current}` : `${r.version.current} has not been released yet, so it is released as is`})\n`);
  }
  for (const q of r.packages) {
    out(`\n${q.name}  ${q.current} → ${q.next}  (${q.dir})\n`);
    const sections = Object.entries(q.changes);
    if (sections.length === 0) out('  changes: none of its own (released with the others)\n');
    for (const [title, list] of sections) {
      out(`  ${title}:\n`);
      for (const e of list) out(`${wrap(e, '    - ', '      ')}\n`);
    }
    if (q.pack) {
      out(`  publishes ${q.pack.entryCount} files, ${kB(q.pack.unpackedSize)} (${kB(q.pack.size)} packed):\n`);
      for (const line of opts.files ? q.pack.files.map((f) => `${f.path} (${kB(f.size)})`) : folderSummary(q.pack.files)) out(`    ${line}\n`);
      for (const w of q.warnings) out(`  note: ${w}\n`);
    }
  }
  const m = r.metadata;
  out(`\nmetadata ("xenmem" in each package.json): schemaFormat ${m.schemaFormat}, xenReleases ${m.xenReleases}${m.stale.length ? `; out of date in ${m.stale.join(', ')} (the release updates them)` : ''}\n`);
  const s = r.snapshot;
  out(`schema snapshot: ${s.write ? `schema/released/${s.write} (the schema changed since ${s.newest ?? 'no snapshot'})` : `unchanged since ${s.newest}`}\n`);
  const c = r.compatibility;
  out(`compatibility (xenmem abi check against ${c.base ?? 'no snapshot'}): ${c.usable ? (c.violations === 0 ? 'ok' : c.formatBump ? 'breaking, allowed by the format bump' : 'BREAKING') : 'unusable input'}; ${c.violations} violation${c.violations === 1 ? '' : 's'}, ${c.exceptions} recorded exception${c.exceptions === 1 ? '' : 's'}\n`);
  for (const f of c.findings) if (f.severity === 'violation') out(`  violation [${f.rule}] ${f.subject}: ${f.message}\n`);
  if (!r.ok) {
    out(`\nrefused: ${r.refusal}\n`);
    return;
  }
  if (r.dry) {
    out(`\nthe release can go ahead: npm run release -- --version ${r.version.next}\n`);
    return;
  }
  out(`\nwrote:\n${r.written.map((f) => `  ${f}\n`).join('')}`);
  out(`\nnothing was published or tagged. Review (git diff), commit, then publish in dependency order:\n${r.publish.map((c2) => `  ${c2}\n`).join('')}  git tag v${r.version.next}\n`);
}

/** Runs the command; returns the exit code. `io` = { out, err, isTTY }. */
export async function main(argv, io) {
  let opts;
  try {
    opts = parseArgs(argv);
    if (opts.help) {
      io.out(`${USAGE}\n(docs/releasing.md)\n`);
      return EXIT_OK;
    }
    const progress = (text) => io.isTTY && io.err(`${text}\n`);
    progress('reading workspaces and changelogs…');
    const p = await plan(opts);
    if (opts.dry) progress('npm pack --dry-run…');
    const packs = opts.dry ? packInfo(p.root, p.packages.map((q) => q.dir)) : undefined;
    let written;
    if (!opts.dry && p.refusal === undefined) written = await writeRelease(p);
    const r = report(p, packs, { dry: opts.dry, written });
    if (opts.json) io.out(JSON.stringify(r, null, 2) + '\n');
    else printText(r, opts, io.out);
    if (!r.ok) io.err(`xenmem release: refused: ${r.refusal}\n`);
    return r.ok ? EXIT_OK : EXIT_REFUSED;
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`xenmem release: ${err.message}\n`);
      return EXIT_USAGE;
    }
    if (err instanceof RefusedError) {
      io.err(`xenmem release: refused: ${err.message}\n`);
      return EXIT_REFUSED;
    }
    throw err;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const io = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t), isTTY: Boolean(process.stderr.isTTY) };
  process.exitCode = await main(process.argv.slice(2), io);
}
