/**
 * `xenmem gen (--target NAME | --plugin CMD) --out DIR [--schema FILE] [--iface V] [--check] [--plugin-timeout S]`:
 * bindings generated from the schema (docs/codegen.md). The schema is validated first (problems with JSON paths,
 * exit 2); every file is produced and checked before the first is written; with --check nothing is written and a
 * stale DIR exits 1 with the differing files listed. The dispatcher imports this module, and with it
 * @xenmem/codegen, only for this command.
 */
import { dirname, join, resolve } from 'node:path';
import { ifaceHex, LATEST_INTERFACE_VERSION, parseIface } from '@xenmem/abi-types';
import { diffOutDir, findTarget, generateTarget, PLUGIN_PROTOCOL_VERSION, runPlugin, writeOutDir, type OutFile } from '@xenmem/codegen';
import { JSON_SCHEMA_PATH, loadSchemaFile, parseIfaceHex, type XenAbiSchema } from '@xenmem/schema';
import type { GenOptions } from '../parsed.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, type Io } from '../io.js';

/** The schema @xenmem/schema ships (beside its JSON Schema). */
const SHIPPED_SCHEMA = join(dirname(JSON_SCHEMA_PATH), 'xen-abi.json');

/**
 * `--iface` as a number, read as every command reads it (parseIface: a bad one is an InputError, exit 2). The
 * user's `--schema` may go further than the shipped one: a release only it names stands for its latest interface
 * version, and a number up to its newest interface version is accepted although the shipped headers stop below.
 */
function ifaceIn(schema: XenAbiSchema, text: string): number {
  const release = schema.releases.find((r) => r.name === text);
  if (release !== undefined) return parseIfaceHex(release.latestInterfaceVersion);
  return parseIface(text, Math.max(LATEST_INTERFACE_VERSION, ...schema.releases.map((r) => parseIfaceHex(r.latestInterfaceVersion))));
}
const count = (n: number) => `${n} file${n === 1 ? '' : 's'}`;

export async function runGen(opts: GenOptions, io: Io): Promise<number> {
  const fail = (text: string, exit: number) => {
    io.err(`xenmem gen: ${text}\n`);
    return exit;
  };
  const schemaPath = opts.schema !== undefined ? resolve(opts.schema) : SHIPPED_SCHEMA;
  const loaded = loadSchemaFile(schemaPath);
  if (!loaded.ok) return fail(`${opts.schema ?? SHIPPED_SCHEMA} is not a usable schema:\n${loaded.problems.map((p) => `  ${p.path || '(document)'}: ${p.message}`).join('\n')}`, EXIT_USAGE);
  const out = resolve(opts.out);
  const iface = opts.iface === undefined ? undefined : ifaceIn(loaded.schema, opts.iface);

  let files: OutFile[];
  let what: string;
  if ('target' in opts.generator) {
    const target = findTarget(opts.generator.target)!;
    files = generateTarget(target, loaded.schema, iface);
    what = `target ${target.name}${iface === undefined ? '' : ` at interface version ${ifaceHex(iface)}`}`;
  } else {
    const request = { protocolVersion: PLUGIN_PROTOCOL_VERSION, schema: loaded.schema, options: { ...(iface !== undefined && { iface }), schemaSource: opts.schema ?? 'schema/xen-abi.json' } } as const;
    const outcome = await runPlugin(opts.generator.plugin, request, opts.pluginTimeoutMs);
    const plugin = `plugin ${JSON.stringify(opts.generator.plugin)}`;
    if (outcome.kind === 'not-started') return fail(`${plugin}: ${outcome.message}; nothing written`, EXIT_USAGE);
    if (outcome.kind !== 'answered') return fail(`${plugin} failed: ${outcome.message}; nothing written`, EXIT_FAILURE);
    const r = outcome.response;
    if (r.kind === 'malformed') return fail(`${plugin} broke the protocol: ${r.message}; nothing written`, EXIT_FAILURE);
    if (r.kind === 'error') return fail(`${plugin} reported an error: ${r.message}; nothing written`, EXIT_FAILURE);
    files = r.files.map((f) => ({ path: f.name, contents: f.contents }));
    what = plugin;
  }

  const diff = diffOutDir(out, files, 'target' in opts.generator);
  const differing = [...diff.missing.map((f) => `missing  ${f}`), ...diff.changed.map((f) => `changed  ${f}`), ...diff.stale.map((f) => `stale    ${f}`)];
  if (opts.check) {
    if (differing.length === 0) {
      io.err(`xenmem gen: ${out} is up to date (${what}, ${count(files.length)})\n`);
      return EXIT_OK;
    }
    io.out(differing.map((l) => `${l}\n`).join(''));
    return fail(`${out} differs from what ${what} generates (${differing.length} file${differing.length === 1 ? '' : 's'}): run the same command without --check`, EXIT_FAILURE);
  }
  writeOutDir(out, files, diff.stale);
  io.err(`xenmem gen: ${what}: ${count(files.length)} under ${out} (${diff.missing.length + diff.changed.length} written anew, ${diff.stale.length} stale removed)\n`);
  return EXIT_OK;
}
