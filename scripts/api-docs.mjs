#!/usr/bin/env node
// API reference and API reports for the published packages.
//
//   node scripts/api-docs.mjs           writes docs/api/ (Markdown, TypeDoc + typedoc-plugin-markdown)
//                                       and api-reports/<package>.api.md (the public surface, sorted)
//   node scripts/api-docs.mjs --check   regenerates both into a temp dir and fails if the committed ones differ
//
// TypeDoc runs with validation.notDocumented, validation.notExported and treatWarningsAsErrors, so the build
// fails on an undocumented export or member, or on a type the public API names but no entry point exports.
// The packages must be built first (they import each other through dist/*.d.ts): `npx nx run-many -t build`.
// Output is deterministic: no sources/line numbers, no git revision, no timestamps.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Application, Converter, ReflectionKind } from 'typedoc';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(repo);
const check = process.argv.includes('--check');

export const PACKAGES = ['packages/abi-types', 'packages/sim-protocol', 'packages/napi-loader', 'packages/hypervisor-sim', 'packages/ioreq-client', 'packages/shm-transport', 'packages/kernel-emu', 'packages/xen-host', 'packages/bench', 'packages/cli', 'packages/schema', 'packages/codegen'];
// packages/schema/types.ts also feeds typescript-json-schema, which turns /** */ comments into descriptions of
// schema/xen-abi.schema.json; its interfaces are documented with // comments, hence commentStyle 'all'.
const blockTags = ['@defaultValue', '@deprecated', '@example', '@param', '@privateRemarks', '@remarks', '@returns', '@see', '@throws', '@typeParam',
  // typescript-json-schema annotations
  '@pattern', '@TJS-type', '@minimum', '@maximum'];
const validation = { notDocumented: true, notExported: true, invalidLink: true };
// "Every export": each entry point's exports and their members (enum members, properties, methods, accessors,
// constructors). Members inherited from outside these packages (Error's message, stack) are exempt.
const requiredToBeDocumented = ['Enum', 'EnumMember', 'Variable', 'Function', 'Class', 'Constructor', 'Interface', 'Property', 'Method', 'Accessor', 'TypeAlias', 'Namespace'];
// @internal marks members public in TypeScript only for the package's own modules and tests (Hypervisor.domain,
// .evtchn, …): left out of docs/api/ and the API reports, and not checked for documentation.
const pkgCommon = { commentStyle: 'all', readme: 'none', disableGit: true, sourceLinkTemplate: '{path}', blockTags, validation, requiredToBeDocumented, excludeInternal: true };
const common = { ...pkgCommon, treatWarningsAsErrors: true };

const outRoot = check ? mkdtempSync(join(tmpdir(), 'xenmem-api-')) : repo;
const docsDir = join(outRoot, 'docs/api');
const reportsDir = join(outRoot, 'api-reports');

const app = await Application.bootstrapWithPlugins({
  ...common,
  entryPointStrategy: 'packages',
  entryPoints: PACKAGES,
  packageOptions: pkgCommon,
  plugin: ['typedoc-plugin-markdown'],
  out: docsDir,
  name: 'xenmem API reference',
  hideGenerator: true,
  hidePageHeader: true,
  hideBreadcrumbs: true,
  logLevel: 'Warn',
});
// The rows of data tables (the generated HVMOPS, STRUCTS, TRANSITIONS, …; EVOLUTION_RULES) are `as const` literals,
// so TypeDoc sees each row's properties as undocumented members. Their columns are documented once: the generated
// tables' in the schema's types (@xenmem/schema, packages/schema/types.ts), which each table's comment points to
// (`schema: hvmops[]`); the others' in the table's own comment. Interfaces are never exempt, generated or not
// (XenDmOpSetMemType, StructValues, …). In 'packages' mode each package is validated as it is converted, with
// that package's options, hence the hook.
app.converter.on(Converter.EVENT_RESOLVE_END, (context) => {
  app.options.setValue('intentionallyNotDocumented', generatedRowMembers(context.project));
});
const project = await app.convert();
if (!project) fail('TypeDoc could not convert the packages (are they built? `npx nx run-many -t build`)');
app.validate(project);
if (app.logger.hasErrors() || app.logger.hasWarnings()) fail('TypeDoc reported problems (every export needs a TSDoc comment)');

// No file paths or line numbers in the output: they churn on unrelated edits.
for (const r of Object.values(project.reflections)) {
  r.sources = undefined;
  for (const s of r.signatures ?? []) s.sources = undefined;
  for (const s of [r.getSignature, r.setSignature, r.indexSignatures].flat()) if (s) s.sources = undefined;
}

rmSync(docsDir, { recursive: true, force: true });
await app.generateOutputs(project);
if (app.logger.hasErrors()) fail('TypeDoc failed to write docs/api');

rmSync(reportsDir, { recursive: true, force: true });
mkdirSync(reportsDir, { recursive: true });
for (const mod of project.children ?? []) {
  const file = join(reportsDir, `${mod.name.replace(/^@xenmem\//, '')}.api.md`);
  writeFileSync(file, report(mod));
}

if (check) {
  const diffs = [...compare(join(outRoot, 'docs/api'), join(repo, 'docs/api')), ...compare(reportsDir, join(repo, 'api-reports'))];
  rmSync(outRoot, { recursive: true, force: true });
  if (diffs.length) {
    console.error(`API docs/reports are stale:\n${diffs.map((d) => `  ${d}`).join('\n')}\nRun \`npm run api:docs\` (after \`npm run build\`) and commit docs/api/ and api-reports/.`);
    process.exit(1);
  }
  console.log('docs/api/ and api-reports/ are up to date');
} else {
  console.log(`wrote ${relative(repo, docsDir)}/ and ${relative(repo, reportsDir)}/`);
}

function fail(message) {
  console.error(`api-docs: ${message}`);
  process.exit(1);
}

// Undocumented row properties of data tables: properties of a type literal that is an exported constant's inferred
// type (EVOLUTION_RULES), or that the generator wrote (HVMOPS rows, also where hvmOpByName returns one).
function generatedRowMembers(project) {
  const names = new Set();
  for (const r of project.getReflectionsByKind(ReflectionKind.Property)) {
    if (r.hasComment() || !r.parent?.kindOf(ReflectionKind.TypeLiteral)) continue;
    let up = r.parent;
    while (up && !up.kindOf(ReflectionKind.Parameter)) up = up.parent;
    if (up) continue; // TypeDoc does not require comments inside parameter types
    let owner = r.parent;
    while (owner?.kindOf(ReflectionKind.TypeLiteral)) owner = owner.parent;
    const file = project.getSymbolIdFromReflection(r)?.fileName ?? '';
    if (owner?.kindOf(ReflectionKind.Variable) || /\/abi-types\/src\/generated\//.test(file)) names.add(r.getFriendlyFullName());
  }
  return [...names];
}

function files(dir, base = dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name), base) : [relative(base, join(dir, e.name))],
  );
}

function compare(fresh, committed) {
  const a = new Set(files(fresh));
  const b = new Set(files(committed));
  const name = relative(repo, committed);
  const out = [];
  for (const f of [...new Set([...a, ...b])].sort()) {
    if (!b.has(f)) out.push(`${name}/${f}: missing`);
    else if (!a.has(f)) out.push(`${name}/${f}: no longer generated`);
    else if (!readFileSync(join(fresh, f)).equals(readFileSync(join(committed, f)))) out.push(`${name}/${f}: differs`);
  }
  return out;
}

// ---- API report: every export of a package with its kind and signature, sorted by name.

function typeParams(tps) {
  return tps?.length ? `<${tps.map((t) => t.name + (t.type ? ` extends ${t.type}` : '') + (t.default ? ` = ${t.default}` : '')).join(', ')}>` : '';
}
function params(ps) {
  return (ps ?? []).map((p) => `${p.flags.isRest ? '...' : ''}${p.name}${p.flags.isOptional || p.defaultValue ? '?' : ''}: ${p.type}`).join(', ');
}
function sig(name, s) {
  return `${name}${typeParams(s.typeParameters)}(${params(s.parameters)}): ${s.type}`;
}
function flags(r) {
  return [r.flags.isStatic && 'static', r.flags.isAbstract && 'abstract', r.flags.isReadonly && 'readonly'].filter(Boolean).map((f) => `${f} `).join('');
}
function member(r) {
  const k = r.kind;
  if (r.signatures) return r.signatures.map((s) => `${flags(r)}${k === ReflectionKind.Constructor ? 'new ' : ''}${sig(k === ReflectionKind.Constructor ? '' : r.name + (r.flags.isOptional ? '?' : ''), s)}`);
  if (r.getSignature || r.setSignature) {
    const out = [];
    if (r.getSignature) out.push(`${flags(r)}get ${r.name}(): ${r.getSignature.type}`);
    if (r.setSignature) out.push(`${flags(r)}set ${r.name}(${params(r.setSignature.parameters)})`);
    return out;
  }
  if (k === ReflectionKind.EnumMember) return [`${r.name} = ${r.type}`];
  return [`${flags(r)}${r.name}${r.flags.isOptional ? '?' : ''}: ${r.type}`];
}
function byName(a, b) {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : a.kind - b.kind;
}
function entry(r) {
  const kind = ReflectionKind.singularString(r.kind).toLowerCase();
  const lines = [`### ${r.name} (${kind})`, '', '```ts'];
  switch (r.kind) {
    case ReflectionKind.Function:
      for (const s of r.signatures ?? []) lines.push(`function ${sig(r.name, s)}`);
      break;
    case ReflectionKind.Variable:
      lines.push(`${r.flags.isConst ? 'const' : 'let'} ${r.name}: ${r.type}`);
      break;
    case ReflectionKind.TypeAlias:
      lines.push(`type ${r.name}${typeParams(r.typeParameters)} = ${r.type}`);
      break;
    default: {
      const heritage = [
        r.extendedTypes?.length && `extends ${r.extendedTypes.join(', ')}`,
        r.implementedTypes?.length && `implements ${r.implementedTypes.join(', ')}`,
      ].filter(Boolean).join(' ');
      lines.push(`${kind} ${r.name}${typeParams(r.typeParameters)}${heritage ? ` ${heritage}` : ''} {`);
      for (const s of r.indexSignatures ?? []) lines.push(`  [${params(s.parameters)}]: ${s.type}`);
      for (const c of [...(r.children ?? [])].filter((c) => !c.flags.isPrivate && !c.flags.isExternal || c.kind === ReflectionKind.Constructor).sort(byName)) {
        if (c.flags.isPrivate) continue;
        for (const l of member(c)) lines.push(`  ${l}${c.inheritedFrom ? `  // from ${c.inheritedFrom.toString().replace(/\..*$/, '')}` : ''}`);
      }
      lines.push('}');
    }
  }
  lines.push('```', '');
  return lines.join('\n');
}
function report(mod) {
  const exports = [...(mod.children ?? [])].sort(byName);
  const head = [
    `# API report: ${mod.name}`,
    '',
    `<!-- Generated by scripts/api-docs.mjs from the TSDoc of ${mod.name}'s entry point. Do not edit: run \`npm run api:docs\`. -->`,
    '',
    `${exports.length} exports.`,
    '',
  ];
  return head.join('\n') + '\n' + exports.map(entry).join('\n');
}
