/**
 * Parsing only: argv → which command and its options. Behaviour lives in commands/*.ts.
 * Tested by a table of argv → options (test/argv.test.ts).
 */
import { CONSTANTS, RELEASES } from '@xenmem/abi-types';
import type { DomainConfig } from '@xenmem/sim-protocol';
import { Argument, Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { DM_OPS, type DmFlag, type FlagKind } from './dm-op-table.js';
import { fitHelp, PENDING_HELP, RUN_HELP, TOP_HELP } from './help-text.js';
import { SOCKET_ENV, type CommandOptions, type DmOptions, type GenOptions, type GuestAccessOptions, type GuestReadRamOptions, type GuestWriteRamOptions, type ParseExit, type Parsed, type XsPathOptions } from './parsed.js';
import { CLI_VERSION } from './version.js';


// Values on the command line: integers in decimal or 0x…; 64-bit values kept exact as bigints.
/**
 * The releases `sim serve` and `run` simulate, for their help: the schema's releases with recorded behaviour (read
 * here from @xenmem/abi-types so that parsing does not load the simulator; test/releases.test.ts checks it equals
 * @xenmem/hypervisor-sim's SIMULATED_RANGE).
 */
const simulated = RELEASES.filter((r) => r.behaviourRecorded).map((r) => r.name);
export const SIMULATED = `${simulated[0]}–${simulated[simulated.length - 1]}`;

const INTEGER = /^(0x[0-9a-f]+|[0-9]+)$/i;

function integer(text: string, what: string): bigint {
  if (!INTEGER.test(text)) throw new InvalidArgumentError(`${what}: "${text}" is not a decimal or 0x… integer`);
  return BigInt(text);
}

/** An unsigned integer of `bits` bits, as a number. */
export function parseUint(bits: 8 | 16 | 32, what = 'value'): (text: string) => number {
  return (text) => {
    const v = integer(text, what);
    if (v >= 1n << BigInt(bits)) throw new InvalidArgumentError(`${what}: ${text} does not fit uint${bits}_t (at most 0x${((1n << BigInt(bits)) - 1n).toString(16)})`);
    return Number(v);
  };
}

/** An unsigned 64-bit value (pfn, gfn, address), as a bigint. */
export function parseU64(text: string, what = 'value'): bigint {
  const v = integer(text, what);
  if (v >= 1n << 64n) throw new InvalidArgumentError(`${what}: ${text} does not fit 64 bits`);
  return v;
}

export function parseOnOff(text: string, what = 'value'): boolean {
  if (text === 'on') return true;
  if (text === 'off') return false;
  throw new InvalidArgumentError(`${what}: "${text}" is not on or off`);
}

/** A memory type: a number (sent as is) or a name (encoded at --iface by the command). */
function parseMemType(text: string): string | number {
  return INTEGER.test(text) ? parseUint(16, 'memory type')(text) : text;
}

/** A flag's text per the dm op table's kind. */
function flagParser(kind: FlagKind): (text: string) => unknown {
  switch (kind.kind) {
    case 'uint':
      return parseUint(kind.bits);
    case 'u64':
      return (t) => parseU64(t);
    case 'memType':
      return parseMemType;
    case 'onOff':
      return (t) => parseOnOff(t);
    case 'choice':
      return (t) => {
        if (!kind.values.includes(t)) throw new InvalidArgumentError(`"${t}" is not one of ${kind.values.join(', ')}`);
        return t;
      };
    case 'constant': {
      const names = [...(CONSTANTS[kind.group].members as readonly { name: string }[]).map((m) => m.name), ...Object.keys(kind.extra ?? {})];
      return (t) => {
        if (INTEGER.test(t)) return parseUint(32)(t);
        if (kind.extra && t in kind.extra) return kind.extra[t];
        if (!names.includes(t)) throw new InvalidArgumentError(`"${t}" is not one of ${names.join(', ')} or a number`);
        return t;
      };
    }
  }
}

const SPEC_KEYS = ['domid', 'max-gpfn', 'hap', 'hvm', 'vcpus', 'dm'] as const;

/**
 * `--domain domid=1,max-gpfn=0xfffff[,hap=on][,hvm=on][,vcpus=1][,dm=N]`: a domain of `sim serve`, with
 * the defaults of scenario domains (left to the simulator). A bad SPEC names the key.
 */
export function parseDomainSpec(text: string): DomainConfig {
  const seen = new Map<string, string>();
  for (const item of text.split(',')) {
    const eq = item.indexOf('=');
    const key = eq < 0 ? item : item.slice(0, eq);
    if (!(SPEC_KEYS as readonly string[]).includes(key)) throw new InvalidArgumentError(`key "${key}" is not one of ${SPEC_KEYS.join(', ')} (SPEC: domid=1,max-gpfn=0xfffff[,hap=on][,hvm=on][,vcpus=1][,dm=N])`);
    if (eq < 0) throw new InvalidArgumentError(`key "${key}" has no value (write ${key}=…)`);
    if (seen.has(key)) throw new InvalidArgumentError(`key "${key}" is given twice`);
    seen.set(key, item.slice(eq + 1));
  }
  for (const key of ['domid', 'max-gpfn'] as const) if (!seen.has(key)) throw new InvalidArgumentError(`key "${key}" is missing (SPEC: domid=1,max-gpfn=0xfffff[,…])`);
  const value = <T>(key: string, parse: (text: string, what: string) => T): T | undefined => (seen.has(key) ? parse(seen.get(key)!, `key "${key}"`) : undefined);
  const domain: DomainConfig = { domid: value('domid', (t, w) => parseUint(16, w)(t))!, maxGpfn: value('max-gpfn', (t, w) => parseUint(32, w)(t))! };
  const hap = value('hap', parseOnOff);
  const hvm = value('hvm', parseOnOff);
  const vcpus = value('vcpus', (t, w) => parseUint(32, w)(t));
  const dm = value('dm', (t, w) => parseUint(16, w)(t));
  return { ...domain, ...(hap !== undefined && { hap }), ...(hvm !== undefined && { hvm }), ...(vcpus !== undefined && { vcpus }), ...(dm !== undefined && { dm }) };
}

/** The commander options of one dm op flag: the flag itself, and a hidden one per alias (merged in dmArgs). */
function dmFlagOptions(f: DmFlag): Option[] {
  const parse = flagParser(f.type);
  const shown = f.default === undefined ? ' (required)' : ` (default ${typeof f.default === 'bigint' ? '0x' + f.default.toString(16) : String(f.default)})`;
  const main = new Option(`--${f.flag} <${f.flag}>`, `${f.description}${f.aliases?.length ? `; also --${f.aliases.join(', --')}` : ''}${shown}`).argParser((t) => parse(t));
  // The fixed sets, for help, completion and docs/cli.md; the parser above checks them with its own messages.
  if (f.type.kind === 'choice') main.argChoices = [...f.type.values];
  if (f.type.kind === 'onOff') main.argChoices = ['on', 'off'];
  return [main, ...(f.aliases ?? []).map((a) => new Option(`--${a} <${a}>`).hideHelp().argParser((t) => parse(t)))];
}

const camel = (flag: string) => flag.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());

/** The op's args from commander's options: aliases merged, defaults filled, required flags checked. */
/**
 * Where `xenmem dm` sends its call. Without --backend: the daemon when a socket is given (flag or XENMEM_SOCKET),
 * else this host. An explicit `--backend host` ignores XENMEM_SOCKET but refuses --socket; `--backend socket`
 * needs one.
 */
function dmBackend(backend: DmBackend | undefined, socket: string | undefined, socketFromEnv: boolean, cmd: Command): { backend: 'host' } | { backend: 'socket'; socket: string } {
  if (backend === 'host') {
    if (socket !== undefined && !socketFromEnv) cmd.error("error: option '--backend host' cannot be used with '--socket': the host backend talks to this machine's Xen, not to a daemon", { exitCode: 2, code: 'xenmem.conflictingBackend' });
    return { backend: 'host' };
  }
  if (socket !== undefined) return { backend: 'socket', socket };
  if (backend === 'socket') cmd.error(`error: option '--backend socket' needs '--socket <path>' (or ${SOCKET_ENV})`, { exitCode: 2, code: 'commander.missingMandatoryOptionValue' });
  return { backend: 'host' };
}

function dmArgs(flags: readonly DmFlag[], o: Record<string, unknown>, cmd: Command): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  for (const f of flags) {
    const given = [f.flag, ...(f.aliases ?? [])].filter((n) => o[camel(n)] !== undefined);
    if (given.length > 1) cmd.error(`error: options ${given.map((n) => `'--${n}'`).join(' and ')} are the same; give one`, { exitCode: 2, code: 'xenmem.duplicateFlag' });
    if (given.length === 0 && f.default === undefined) cmd.error(`error: required option '--${f.flag} <${f.flag}>' not specified`, { exitCode: 2, code: 'commander.missingMandatoryOptionValue' });
    args[f.key] = given.length ? o[camel(given[0]!)] : f.default;
  }
  return args;
}

// `xenmem gen`: its flags → GenOptions (behaviour in commands/gen.ts).

/** The built-in targets' names (@xenmem/codegen's TARGETS; test/gen.test.ts checks the two lists agree). */
export const TARGET_NAMES = ['c', 'rust', 'ts', 'docs', 'go', 'python'] as const;

const DEFAULT_TIMEOUT_MS = 30_000;

function parseSeconds(text: string, what = '--plugin-timeout'): number {
  const s = /^[0-9]+(\.[0-9]+)?$/.test(text) ? Number(text) : NaN;
  if (!(s > 0 && s <= 3600)) throw new InvalidArgumentError(`${what}: "${text}" is not a number of seconds above 0 and at most 3600`);
  return s;
}

/** Configures `cmd` (the `gen` subcommand) and reports its parse through `set`. */
function genCommand(cmd: Command, set: (p: { command: 'gen'; options: GenOptions }) => void): void {
  cmd
    .description('generate bindings from the schema: a built-in target (C, Rust, TS, docs, Go, Python) or a plugin (docs/codegen.md)')
    .addOption(new Option('--target <name>', 'built-in target').choices(TARGET_NAMES))
    .option('--plugin <command>', 'run a generator plugin: COMMAND split at blanks, run without a shell; JSON request on stdin, JSON response on stdout')
    .requiredOption('--out <dir>', 'output directory (created if missing)')
    .option('--schema <file>', 'schema to generate from, validated first (default: the shipped schema/xen-abi.json)')
    .option('--iface <version>', 'generate what a client compiled at this interface version sees (0x00040600, a release name such as 4.6, or a decimal integer); a plugin receives it as options.iface')
    .option('--check', 'write nothing: exit 1 and list the differing files when DIR is not what would be generated', false)
    .addOption(new Option('--plugin-timeout <seconds>', `kill a plugin still running after this long (default ${DEFAULT_TIMEOUT_MS / 1000})`).argParser((t) => parseSeconds(t)))
    .action((o: { target?: (typeof TARGET_NAMES)[number]; plugin?: string; out: string; schema?: string; iface?: string; check: boolean; pluginTimeout?: number }) => {
      if ((o.target === undefined) === (o.plugin === undefined)) cmd.error("error: give exactly one of '--target <name>' and '--plugin <command>'", { exitCode: 2, code: 'xenmem.genGenerator' });
      if (o.pluginTimeout !== undefined && o.plugin === undefined) cmd.error("error: '--plugin-timeout' applies to '--plugin' only", { exitCode: 2, code: 'xenmem.genTimeout' });
      if (o.plugin !== undefined && o.plugin.trim() === '') cmd.error("error: '--plugin' is empty", { exitCode: 2, code: 'xenmem.genPlugin' });
      set({
        command: 'gen',
        options: {
          generator: o.target !== undefined ? { target: o.target } : { plugin: o.plugin! },
          out: o.out,
          ...(o.schema !== undefined && { schema: o.schema }),
          ...(o.iface !== undefined && { iface: o.iface }),
          check: o.check,
          pluginTimeoutMs: o.pluginTimeout === undefined ? DEFAULT_TIMEOUT_MS : Math.round(o.pluginTimeout * 1000),
        },
      });
    });
}

/** What parsing takes from where the CLI runs, besides argv. */
export interface ParseContext {
  /**
   * The workload ids `xenmem bench --only` takes (@xenmem/bench's WORKLOAD_IDS), listed in its help; runCli loads
   * them for `xenmem bench` only, so that other commands do not load the benchmark suite.
   */
  benchIds?: readonly string[];
  /** The terminal's width in columns: help is wrapped to it (absent: 80). */
  columns?: number;
}


/** Where `xenmem dm` can send its call: this Xen host, or the simulator daemon at a socket. */
export const DM_BACKENDS = ['host', 'socket'] as const;
/** One of {@link DM_BACKENDS}. */
export type DmBackend = (typeof DM_BACKENDS)[number];

/** The shells `xenmem completion` writes a script for. */
export const COMPLETION_SHELLS = ['bash', 'zsh', 'fish'] as const;

/** `xenmem a b c` for a command: its name and its parents'. */
export function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/**
 * Settings every command gets once the tree is built: a usage error names the command's own help, and the
 * description of a required option says so.
 */
function finish(cmd: Command): void {
  cmd.showHelpAfterError(`(run ${commandPath(cmd)} --help for usage)`);
  for (const o of cmd.options) if (o.mandatory && !o.description.endsWith('(required)')) o.description += ' (required)';
  for (const sub of cmd.commands) finish(sub);
}

/**
 * The `xenmem` command tree. `set` receives the parsed command; output goes to `out`. Also read by
 * `xenmem completion` and the CLI reference (docs/cli.md), so both follow these definitions.
 */
export function buildProgram(set: (p: Parsed) => void, out: { stdout: string; stderr: string }, context: ParseContext = {}): Command {
  const width = () => context.columns ?? 80;
  const program = new Command('xenmem')
    .description("Xen's HVM memory-type ABI and ioreq-server interface: tables, compatibility, evolution checks")
    .version(CLI_VERSION)
    .exitOverride()
    .configureOutput({ writeOut: (s) => (out.stdout += s), writeErr: (s) => (out.stderr += s), getOutHelpWidth: width, getErrHelpWidth: width })
    .addHelpText('after', () => fitHelp(TOP_HELP, width()));
  const json = () => new Option('--json', 'print one JSON document on stdout').default(false);

  const abi = program.command('abi').description('the ABI as data: names per interface version, layouts, evolution');
  abi
    .command('types')
    .description('hvmmem_type_t at an interface version')
    .option('--iface <version>', 'interface version: 0x00040700, a release name such as 4.7, or a decimal integer (default: latest)')
    .addOption(json())
    .action((o: { iface?: string; json: boolean }) => set({ command: 'abi types', options: { ...(o.iface !== undefined && { iface: o.iface }), json: o.json } }));
  abi
    .command('diff')
    .description('names that appear, disappear or change between two interface versions')
    .argument('<ifaceA>', 'interface version compiled before: 0x00040700, a release name such as 4.7, or a decimal integer')
    .argument('<ifaceB>', 'interface version compiled after (same forms)')
    .addOption(json())
    .action((from: string, to: string, o: { json: boolean }) => set({ command: 'abi diff', options: { from, to, json: o.json } }));
  abi
    .command('layout')
    .description("a struct's fields, offsets and sizes")
    .argument('<struct>', 'C struct name (xen_dm_op_set_mem_type) or op name (set_mem_type)')
    .option('--xen <release>', 'hypervisor release (default: latest)')
    .addOption(json())
    .action((struct: string, o: { xen?: string; json: boolean }) => set({ command: 'abi layout', options: { struct, ...(o.xen !== undefined && { xen: o.xen }), json: o.json } }));
  abi
    .command('check')
    .description('check a schema against the evolution rules (base: newest snapshot in schema/released/)')
    .argument('[NEW.json]', 'schema to check (default: schema/xen-abi.json)')
    .option('--base <OLD.json>', 'released schema to compare with')
    .addOption(json())
    .action((next: string | undefined, o: { base?: string; json: boolean }) =>
      set({ command: 'abi check', options: { ...(o.base !== undefined && { base: o.base }), ...(next !== undefined && { next }), json: o.json } }),
    );

  program
    .command('compat')
    .description('what a hypervisor release does with each memory type a client can send')
    .requiredOption('--iface <version>', "the client's interface version: 0x00040600, a release name such as 4.6, or a decimal integer")
    .option('--xen <release>', 'hypervisor release (default: latest)')
    .addOption(json())
    .action((o: { iface: string; xen?: string; json: boolean }) => set({ command: 'compat', options: { iface: o.iface, ...(o.xen !== undefined && { xen: o.xen }), json: o.json } }));

  program
    .command('demo')
    .description('the story of HVMMEM_mmio_write_dm, release by release')
    .addOption(json())
    .action((o: { json: boolean }) => set({ command: 'demo', options: { json: o.json } }));

  program
    .command('bench')
    .description('benchmark the p2m cores: native addon against the TypeScript core (and a memset floor)')
    .option('--quick', 'shrink the workloads whose cost grows with pages 16x (never retype-uniform)', false)
    .option('--only <ids>', `run only these workloads (comma-separated): ${context.benchIds ? context.benchIds.join(', ') : 'the ids xenmem bench --help lists'}`)
    .option('--check', 'exit 1 when a figure misses its goal (the p50 ratios of ioreq-roundtrip-daemon, ioreq-roundtrip-qemu and cli-startup, the two goals of dmop-throughput-state, the RSS limit of memory-16tib; stretch goals are only reported)', false)
    .addOption(json())
    .action((o: { quick: boolean; only?: string; check: boolean; json: boolean }) =>
      set({
        command: 'bench',
        options: { quick: o.quick, json: o.json, ...(o.only !== undefined && { only: o.only.split(',').map((id) => id.trim()).filter((id) => id !== '') }), ...(o.check && { check: true as const }) },
      }),
    );

  program
    .command('run')
    .description('run a scenario file (.json or .yaml) on the simulator and check its expectations')
    .argument('<scenario>', 'scenario file: examples/*.json, *.yaml')
    .option('--xen <release>', `hypervisor release, ${SIMULATED} (overrides the file's xen)`)
    .option('--iface <version>', "the client's interface version, overriding the file's iface: 0x00040700, a release name such as 4.7, or a decimal integer")
    .option('--socket <path>', "run on the simulator daemon at PATH (xenmem sim serve): creates the scenario's domains there and destroys them when the run ends; its release must be the scenario's")
    .option('--keep', 'with --socket: leave the domains the run created on the daemon', false)
    .addHelpText('after', () => fitHelp(RUN_HELP, width()))
    .addOption(json())
    .action((scenario: string, o: { xen?: string; iface?: string; socket?: string; keep: boolean; json: boolean }) =>
      set({
        command: 'run',
        options: { scenario, ...(o.xen !== undefined && { xen: o.xen }), ...(o.iface !== undefined && { iface: o.iface }), ...(o.socket !== undefined && { socket: o.socket }), ...(o.keep && { keep: true as const }), json: o.json },
      }),
    );

  const socket = () => new Option('--socket <path>', "the simulator daemon's Unix socket (xenmem sim serve --socket PATH)").env(SOCKET_ENV).makeOptionMandatory();
  const domid = () => new Option('--domid <domid>', 'domain id').argParser(parseUint(16, '--domid')).makeOptionMandatory();
  const sim = program.command('sim').description('the simulator daemon: serve it on a Unix socket, create, destroy and inspect domains, run programs on it').enablePositionalOptions();
  sim
    .command('serve')
    .description('host one simulator for many clients on a Unix socket (mode 0600) until SIGINT/SIGTERM; says where on stderr')
    .addOption(new Option('--socket <path>', 'where to create the Unix socket (a stale socket there is replaced)').env(SOCKET_ENV).makeOptionMandatory())
    .option('--xen <release>', `hypervisor release, ${SIMULATED} (default: latest)`)
    .option('--domain <SPEC>', 'create a domain at start (repeatable); SPEC is domid=1,max-gpfn=0xfffff and any of ,hap=on ,hvm=on ,vcpus=1 ,dm=N', (t: string, prev: DomainConfig[] = []) => [...prev, parseDomainSpec(t)])
    .option('--trace <file>', 'write every hypercall and ioreq as JSON lines')
    .option('--state <file>', 'keep the simulator state in FILE: restored at start when it exists (then --domain is ignored), a snapshot plus a checksummed journal, each change fsynced before its reply (docs/reliability.md)')
    .option('--no-shm', 'do not offer the shared-memory transport (ioreq pages and doorbells under /dev/shm); the socket carries everything')
    .addOption(
      new Option('--shm-poll-us <us>', "after posting an ioreq event to a device model's doorbell, spin up to US microseconds (0 … 1000, default 0) for its answer: shorter round trips, a busier daemon").argParser((t) => {
        const v = parseUint(32, '--shm-poll-us')(t);
        if (v > 1000) throw new InvalidArgumentError(`--shm-poll-us: ${t} is above 1000 (µs)`);
        return v;
      }),
    )
    .option('--xenstore <path>', "where to create the xenstore socket, for Xen's libxenstore through XENSTORED_PATH (default: SOCKET.xenstore; it listens before SOCKET appears)")
    .option('--json', 'once listening, print one JSON line on stdout: {"socket", "release", "pid", "xenstore"}', false)
    .action((o: { socket: string; xen?: string; domain?: DomainConfig[]; trace?: string; state?: string; shm: boolean; shmPollUs?: number; xenstore?: string; json: boolean }, cmd: Command) =>
      set({
        command: 'sim serve',
        options: {
          socket: o.socket,
          ...(cmd.getOptionValueSource('socket') === 'env' && { socketFromEnv: true as const }),
          ...(o.xen !== undefined && { xen: o.xen }),
          domains: o.domain ?? [],
          ...(o.trace !== undefined && { trace: o.trace }),
          ...(o.state !== undefined && { state: o.state }),
          ...(!o.shm && { shm: false as const }),
          ...(o.shmPollUs !== undefined && { shmPollUs: o.shmPollUs }),
          ...(o.xenstore !== undefined && { xenstore: o.xenstore }),
          ...(o.json && { json: true as const }),
        },
      }),
    );
  sim
    .command('list')
    .description("the daemon's domains: vCPUs, size (max-gpfn), device model and ioreq servers")
    .addOption(socket())
    .addOption(json())
    .action((o: { socket: string; json: boolean }) => set({ command: 'sim list', options: { socket: o.socket, json: o.json } }));
  sim
    .command('exec')
    .description('run a program as a Xen host would: /dev/xen/privcmd and /dev/xen/evtchn emulated over the daemon (LD_PRELOAD), the exit status passed through')
    .addOption(socket())
    .addOption(new Option('--caller <domid>', 'the domain the program acts as (default 0, the control domain; another is a stub-domain device model)').argParser(parseUint(16, '--caller')))
    .addArgument(new Argument('<command...>', 'the program and its arguments (after -- when they start with -)'))
    .passThroughOptions()
    .action((command: string[], o: { socket: string; caller?: number }) => set({ command: 'sim exec', options: { socket: o.socket, caller: o.caller ?? 0, command } }));
  sim
    .command('create-domain')
    .description('create a domain on the daemon (pages 0 … max-gpfn start as ram_rw)')
    .addOption(socket())
    .addOption(domid())
    .addOption(new Option('--max-gpfn <pfn>', 'highest guest frame backed by RAM').argParser(parseUint(32, '--max-gpfn')).makeOptionMandatory())
    .addOption(new Option('--hap <on|off>', 'hardware-assisted paging (default on)').argParser((t) => parseOnOff(t, '--hap')))
    .addOption(new Option('--hvm <on|off>', 'an HVM guest (default on)').argParser((t) => parseOnOff(t, '--hvm')))
    .addOption(new Option('--vcpus <n>', 'number of vCPUs (default 1)').argParser(parseUint(32, '--vcpus')))
    .addOption(new Option('--dm <domid>', 'its device-model domain, allowed to operate on it besides domain 0 (default none)').argParser(parseUint(16, '--dm')))
    .addOption(json())
    .action((o: { socket: string; domid: number; maxGpfn: number; hap?: boolean; hvm?: boolean; vcpus?: number; dm?: number; json: boolean }) =>
      set({
        command: 'sim create-domain',
        options: {
          socket: o.socket,
          domain: { domid: o.domid, maxGpfn: o.maxGpfn, ...(o.hap !== undefined && { hap: o.hap }), ...(o.hvm !== undefined && { hvm: o.hvm }), ...(o.vcpus !== undefined && { vcpus: o.vcpus }), ...(o.dm !== undefined && { dm: o.dm }) },
          json: o.json,
        },
      }),
    );
  sim
    .command('destroy-domain')
    .description('end a domain (its servers and claim go with it)')
    .addOption(socket())
    .addOption(domid())
    .addOption(json())
    .action((o: { socket: string; domid: number; json: boolean }) => set({ command: 'sim destroy-domain', options: { socket: o.socket, domid: o.domid, json: o.json } }));
  const pfn = (flag: string) => (t: string) => parseU64(t, flag);
  sim
    .command('inspect')
    .description("a domain's p2m runs, ioreq servers, rangesets, claim, entry_count and pending requests, as tables")
    .addOption(socket())
    .addOption(domid())
    .addOption(new Option('--from <pfn>', 'show the p2m runs that end at or after PFN (text only)').argParser(pfn('--from')))
    .addOption(new Option('--to <pfn>', 'show the p2m runs that start at or before PFN (text only)').argParser(pfn('--to')))
    .option('--svg <file>', 'also write a picture of the domain (p2m by type, servers\' ranges, the claim) as SVG to FILE')
    .addOption(json())
    .action((o: { socket: string; domid: number; from?: bigint; to?: bigint; svg?: string; json: boolean }) =>
      set({ command: 'sim inspect', options: { socket: o.socket, domid: o.domid, ...(o.from !== undefined && { from: o.from }), ...(o.to !== undefined && { to: o.to }), ...(o.svg !== undefined && { svg: o.svg }), json: o.json } }),
    );

  const xs = program.command('xs').description("the daemon's xenstore (S.xenstore), as domain 0: read, write, list, remove and watch nodes");
  const xsPath = () => new Argument('<path>', 'a xenstore path, absolute or relative to /local/domain/0');
  const xsOptions = (o: { socket: string; json: boolean }, path: string): XsPathOptions => ({ socket: o.socket, path, json: o.json });
  xs.command('read')
    .description('print a node\'s value and a newline, as xenstore-read does (a missing node: ENOENT, exit 1)')
    .addArgument(xsPath())
    .addOption(socket())
    .addOption(json())
    .action((path: string, o: { socket: string; json: boolean }) => set({ command: 'xs read', options: xsOptions(o, path) }));
  xs.command('write')
    .description('set a node\'s value, creating it and its missing parents')
    .addArgument(xsPath())
    .addArgument(new Argument('<value>', 'the value'))
    .addOption(socket())
    .addOption(json())
    .action((path: string, value: string, o: { socket: string; json: boolean }) => set({ command: 'xs write', options: { ...xsOptions(o, path), value } }));
  xs.command('ls')
    .description("list a node's children, one per line, in the order they were created")
    .addArgument(xsPath())
    .addOption(socket())
    .addOption(json())
    .action((path: string, o: { socket: string; json: boolean }) => set({ command: 'xs ls', options: xsOptions(o, path) }));
  xs.command('rm')
    .description('remove a node and everything under it (already gone is fine while its parent exists)')
    .addArgument(xsPath())
    .addOption(socket())
    .addOption(json())
    .action((path: string, o: { socket: string; json: boolean }) => set({ command: 'xs rm', options: xsOptions(o, path) }));
  xs.command('watch')
    .description('print the path of each change at or under PATH (first the event every new watch fires) until Ctrl-C; PATH may be @introduceDomain or @releaseDomain')
    .addArgument(xsPath())
    .addOption(socket())
    .addOption(new Option('--count <n>', 'stop after N events').argParser(parseUint(32, '--count')))
    .addOption(json())
    .action((path: string, o: { socket: string; count?: number; json: boolean }) =>
      set({ command: 'xs watch', options: { ...xsOptions(o, path), ...(o.count !== undefined && { count: o.count }) } }),
    );

  genCommand(program.command('gen'), set);

  const dm = program
    .command('dm')
    .description('one libxendevicemodel call (or get_mem_type) on this Xen host or on the simulator daemon, as domain --caller')
    // The ops' list names each op once; its alias goes in the description, so the list fits 80 columns.
    .configureHelp({
      showGlobalOptions: true,
      subcommandTerm: (cmd) => cmd.name(),
      subcommandDescription: (cmd) => `${cmd.description()}${cmd.aliases().length ? ` (also: ${cmd.aliases().join(', ')})` : ''}`,
    })
    .addOption(
      new Option('--backend <kind>', 'host: this Xen host (/dev/xen/privcmd); socket: the simulator daemon at --socket (default: socket when --socket or XENMEM_SOCKET is given, else host)').choices(
        DM_BACKENDS,
      ),
    )
    .addOption(new Option('--socket <path>', "the simulator daemon's Unix socket (xenmem sim serve --socket PATH); with --backend socket").env(SOCKET_ENV))
    .addOption(new Option('--caller <domid>', 'the domain the call is made for (default 0, the control domain)').argParser(parseUint(16, '--caller')))
    .option('--iface <version>', 'interface version memory-type names are encoded at: 0x00040700, a release name such as 4.7, or a decimal integer (default: latest)');
  for (const op of DM_OPS) {
    const cmd = dm.command(op.name).description(`${op.xenOp}: ${op.description}`);
    for (const alias of op.aliases) cmd.alias(alias);
    for (const f of op.flags) for (const option of dmFlagOptions(f)) cmd.addOption(option);
    cmd.addOption(json()).action((o: Record<string, unknown>, self: Command) => {
      const parent = self.parent!.opts<{ backend?: DmBackend; socket?: string; caller?: number; iface?: string }>();
      const where = dmBackend(parent.backend, parent.socket, self.parent!.getOptionValueSource('socket') === 'env', self);
      const args = dmArgs(op.flags, o, self);
      set({ command: 'dm', options: { op: op.name, ...where, caller: parent.caller ?? 0, ...(parent.iface !== undefined && { iface: parent.iface }), json: o.json === true, args } });
    });
  }

  guestCommands(program.command('guest'), socket, domid, json, set, width);

  program
    .command('completion')
    .description('print a shell completion script: eval "$(xenmem completion bash)", or save it where your shell loads completions')
    .addArgument(new Argument('<shell>', 'the shell').choices(COMPLETION_SHELLS))
    .action((shell: (typeof COMPLETION_SHELLS)[number]) => set({ command: 'completion', options: { shell } }));
  finish(program);
  return program;
}

/** What a second access on a vCPU blocked by `guest … --timeout` gets, and what a late answer does (docs/simulator.md). */
/** `xenmem guest …`: guest accesses and guest RAM on the daemon. */
function guestCommands(
  guest: Command,
  socket: () => Option,
  domid: () => Option,
  json: () => Option,
  set: (p: Extract<Parsed, { command: 'guest' | 'guest write-ram' | 'guest read-ram' }>) => void,
  width: () => number,
): void {
  guest.description("a guest's port and MMIO accesses, and its RAM, on the simulator daemon");
  const accesses = [
    ['out', 'port', 'a port write (outb/outw/outl; with --count and --buffer-gpa, rep outs from guest RAM)'],
    ['in', 'port', 'a port read (inb/inw/inl; with --count and --buffer-gpa, rep ins into guest RAM)'],
    ['write', 'gpa', 'a memory write at a guest physical address (with --count and --buffer-gpa, rep movs from guest RAM)'],
    ['read', 'gpa', 'a memory read at a guest physical address (with --count and --buffer-gpa, rep movs into guest RAM)'],
  ] as const;
  for (const [kind, where, description] of accesses) {
    const cmd = guest.command(kind).description(`${description}, on a vCPU, routed as the simulator routes it`).addOption(socket()).addOption(domid());
    if (where === 'port') cmd.addOption(new Option('--port <port>', 'the I/O port, 0 … 0xffff').argParser(parseUint(16, '--port')).makeOptionMandatory());
    else cmd.addOption(new Option('--gpa <address>', 'the guest physical address').argParser((t) => parseU64(t, '--gpa')).makeOptionMandatory());
    cmd.addOption(new Option('--size <bytes>', 'bytes per item').choices(['1', '2', '4', '8']).makeOptionMandatory());
    if (kind === 'out' || kind === 'write') cmd.addOption(new Option('--value <value>', 'the data written (required unless --buffer-gpa)').argParser((t) => parseU64(t, '--value')));
    cmd
      .addOption(new Option('--vcpu <n>', 'the vCPU making the access (default 0)').argParser(parseUint(32, '--vcpu')))
      .addOption(new Option('--count <n>', 'items of a rep string access (with --buffer-gpa)').argParser(parseUint(32, '--count')))
      .addOption(new Option('--buffer-gpa <address>', "the rep string access's buffer in guest RAM: requests carry data_is_ptr = 1 and its address (with --count)").argParser((t) => parseU64(t, '--buffer-gpa')))
      .addOption(new Option('--timeout <seconds>', 'how long to wait for a device model to answer (default 10)').argParser((t) => Math.round(parseSeconds(t, '--timeout') * 1000)))
      .addOption(json())
      .addHelpText('after', () => fitHelp(PENDING_HELP, width()))
      .action((o: { socket: string; domid: number; port?: number; gpa?: bigint; size: string; value?: bigint; vcpu?: number; count?: number; bufferGpa?: bigint; timeout?: number; json: boolean }, self: Command) => {
        if (o.count !== undefined && o.bufferGpa === undefined) self.error('error: --count needs --buffer-gpa (a rep string access takes its data from guest RAM)', { exitCode: 2 });
        if (o.bufferGpa !== undefined && o.count === undefined) self.error('error: --buffer-gpa needs --count (the number of items)', { exitCode: 2 });
        if (o.bufferGpa !== undefined && o.value !== undefined) self.error('error: --value cannot be given with --buffer-gpa (the data comes from guest RAM)', { exitCode: 2 });
        if ((kind === 'out' || kind === 'write') && o.value === undefined && o.bufferGpa === undefined) self.error(`error: required option '--value <value>' not specified (or give --count and --buffer-gpa)`, { exitCode: 2 });
        set({
          command: 'guest',
          options: {
            kind,
            socket: o.socket,
            domid: o.domid,
            addr: where === 'port' ? BigInt(o.port!) : o.gpa!,
            size: Number(o.size) as 1 | 2 | 4 | 8,
            vcpu: o.vcpu ?? 0,
            ...(o.value !== undefined && { value: o.value }),
            ...(o.bufferGpa !== undefined && { count: o.count!, buffer: o.bufferGpa }),
            timeoutMs: o.timeout ?? 10_000,
            json: o.json,
          },
        });
      });
  }
  guest
    .command('write-ram')
    .description("write bytes into a guest's RAM (at most 65536, within its frames 0 … max-gpfn)")
    .addOption(socket())
    .addOption(domid())
    .addOption(new Option('--gpa <address>', 'guest physical address of the first byte').argParser((t) => parseU64(t, '--gpa')).makeOptionMandatory())
    .addOption(
      new Option('--hex <bytes>', 'the bytes as hex, two digits a byte (e.g. 48656c6c6f)')
        .argParser((t) => {
          if (t.length === 0 || t.length % 2 !== 0 || !/^[0-9a-fA-F]+$/.test(t)) throw new InvalidArgumentError(`--hex: "${t}" is not hex digits, two a byte`);
          return t.toLowerCase();
        })
        .makeOptionMandatory(),
    )
    .addOption(json())
    .action((o: { socket: string; domid: number; gpa: bigint; hex: string; json: boolean }) => set({ command: 'guest write-ram', options: { socket: o.socket, domid: o.domid, gpa: o.gpa, hex: o.hex, json: o.json } }));
  guest
    .command('read-ram')
    .description("read bytes of a guest's RAM (at most 65536), printed as hex")
    .addOption(socket())
    .addOption(domid())
    .addOption(new Option('--gpa <address>', 'guest physical address of the first byte').argParser((t) => parseU64(t, '--gpa')).makeOptionMandatory())
    .addOption(new Option('--length <bytes>', 'how many bytes, 1 … 65536').argParser(parseUint(32, '--length')).makeOptionMandatory())
    .addOption(json())
    .action((o: { socket: string; domid: number; gpa: bigint; length: number; json: boolean }) => set({ command: 'guest read-ram', options: { socket: o.socket, domid: o.domid, gpa: o.gpa, length: o.length, json: o.json } }));
}

/** Parses a `xenmem` command line; returns the parsed command, or how to exit (help, version, usage error). */
export function parseArgv(argv: readonly string[], context: ParseContext = {}): Parsed | ParseExit {
  let parsed: Parsed | undefined;
  const out = { stdout: '', stderr: '' };
  const program = buildProgram((p) => (parsed = p), out, context);
  try {
    program.parse([...argv], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit 0; a missing command shows help as an error (exitCode 1): usage error.
      return { exit: err.exitCode === 0 ? 0 : 2, ...out };
    }
    throw err;
  }
  if (!parsed) return { exit: 2, ...out };
  return parsed;
}
