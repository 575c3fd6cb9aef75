/**
 * `xenmem gen (--target NAME | --plugin CMD) --out DIR [--schema FILE] [--iface V] [--check] [--plugin-timeout S]`:
 * bindings generated from the schema (docs/codegen.md). The schema is validated first (problems with JSON paths,
 * exit 2); every file is produced and checked before the first is written; with --check nothing is written and a
 * stale DIR exits 1 with the differing files listed. The dispatcher imports this module, and with it
 * @xenmem/codegen, only for this command.
 */
import { dirname, join, resolve } from 'node:path';
import { diffOutDir, findTarget, generateTarget, PLUGIN_PROTOCOL_VERSION, runPlugin, writeOutDir, type OutFile, type TargetName } from '@xenmem/codegen';
import { JSON_SCHEMA_PATH, loadSchemaFile, parseIfaceHex, type XenAbiSchema } from '@xenmem/schema';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, type Io } from '../io.js';

/** The options of `xenmem gen` (parsed in argv.ts). */
export interface GenOptions {
  /** What generates: a built-in target (`--target`), or a plugin command (`--plugin`), exactly one. */
  generator:
    | {
        /** `--target NAME`: a built-in target of @xenmem/codegen. */
        target: TargetName;
      }
    | {
        /** `--plugin CMD`: the plugin's command line, split at blanks and run without a shell. */
        plugin: string;
      };
  /** `--out DIR` (required): the output directory, created if missing. */
  out: string;
  /** `--schema FILE`: the user's schema, validated first; absent: the schema @xenmem/schema ships. */
  schema?: string;
  /** `--iface V`: an interface version (0x… or a release name) handed to a plugin; the built-in targets refuse it. */
  iface?: string;
  /** `--check`: write nothing; exit 1 and list the files when DIR differs from what would be generated. */
  check: boolean;
  /** `--plugin-timeout S` in milliseconds: a plugin still running after it is killed (default 30 s). */
  pluginTimeoutMs: number;
}

/** The schema @xenmem/schema ships (beside its JSON Schema). */
const SHIPPED_SCHEMA = join(dirname(JSON_SCHEMA_PATH), 'xen-abi.json');
const IFACE_HEX = /^0x[0-9a-f]{8}$/i;

/** `--iface` as a number: 0x… as is, a release name as that release's latest interface version; undefined when unknown. */
function resolveIfaceIn(schema: XenAbiSchema, text: string): number | undefined {
  if (IFACE_HEX.test(text)) return parseIfaceHex(text);
  const release = schema.releases.find((r) => r.name === text);
  return release && parseIfaceHex(release.latestInterfaceVersion);
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

  let files: OutFile[];
  let what: string;
  if ('target' in opts.generator) {
    const target = findTarget(opts.generator.target)!;
    if (opts.iface !== undefined) return fail(`--iface does not apply to --target ${target.name}: ${target.ifaceRefusal}; the generated code covers every interface version`, EXIT_USAGE);
    files = generateTarget(target, loaded.schema);
    what = `target ${target.name}`;
  } else {
    const iface = opts.iface === undefined ? undefined : resolveIfaceIn(loaded.schema, opts.iface);
    if (opts.iface !== undefined && iface === undefined) return fail(`--iface: "${opts.iface}" is neither 0x followed by 8 hex digits nor a release of the schema (${loaded.schema.releases.map((r) => r.name).join(', ')})`, EXIT_USAGE);
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
