/**
 * Parsing only: argv → which command and its options. Behaviour lives in commands/*.ts.
 * Tested by a table of argv → options (test/argv.test.ts).
 */
import { Command, CommanderError, Option } from 'commander';

export type Parsed =
  | { command: 'abi types'; options: { iface?: string; json: boolean } }
  | { command: 'abi diff'; options: { from: string; to: string; json: boolean } }
  | { command: 'abi layout'; options: { struct: string; xen?: string; json: boolean } }
  | { command: 'abi check'; options: { base?: string; next?: string; json: boolean } }
  | { command: 'compat'; options: { iface: string; xen?: string; json: boolean } }
  | { command: 'demo'; options: { json: boolean } }
  | { command: 'run'; options: { scenario: string; xen?: string; iface?: string; json: boolean } };

/** Help, version or a usage error: print `output` (stdout for help, stderr for errors) and exit with `code`. */
export interface ParseExit {
  exit: number;
  stdout: string;
  stderr: string;
}

const EXAMPLES = `
Examples:
  xenmem abi types --iface 0x00040600          hvmmem_type_t as a Xen 4.6 client sees it
  xenmem abi diff 4.6 4.7                      what recompiling at 4.7 changes
  xenmem abi layout set_mem_type --xen 4.8     the HVMOP struct of 4.8
  xenmem compat --iface 4.6 --xen 4.22 --json  what Xen 4.22 does with a 4.6 client's numbers
  xenmem abi check                             the schema against its newest released snapshot
  xenmem demo                                  the story of HVMMEM_mmio_write_dm
  xenmem run examples/design-gpu-claim.json    run a scenario file; exit 1 if an expectation fails

Exit codes: 0 success, 1 failure (Xen error or rule violated), 2 usage error or unusable input.
`;

function build(set: (p: Parsed) => void, out: { stdout: string; stderr: string }): Command {
  const program = new Command('xenmem')
    .description("Xen's HVM memory-type ABI and ioreq-server interface: tables, compatibility, evolution checks")
    .version('0.1.0')
    .exitOverride()
    .configureOutput({ writeOut: (s) => (out.stdout += s), writeErr: (s) => (out.stderr += s) })
    .showHelpAfterError('(run xenmem --help for usage)')
    .addHelpText('after', EXAMPLES);
  const json = () => new Option('--json', 'print one JSON document on stdout').default(false);

  const abi = program.command('abi').description('the ABI as data: names per interface version, layouts, evolution');
  abi
    .command('types')
    .description('hvmmem_type_t at an interface version')
    .option('--iface <version>', 'interface version: 0x00040700 or a release name such as "4.7" (default: latest)')
    .addOption(json())
    .action((o: { iface?: string; json: boolean }) => set({ command: 'abi types', options: { ...(o.iface !== undefined && { iface: o.iface }), json: o.json } }));
  abi
    .command('diff')
    .description('names that appear, disappear or change between two interface versions')
    .argument('<ifaceA>', 'interface version compiled before')
    .argument('<ifaceB>', 'interface version compiled after')
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
    .requiredOption('--iface <version>', "the client's interface version: 0x00040600 or a release name")
    .option('--xen <release>', 'hypervisor release (default: latest)')
    .addOption(json())
    .action((o: { iface: string; xen?: string; json: boolean }) => set({ command: 'compat', options: { iface: o.iface, ...(o.xen !== undefined && { xen: o.xen }), json: o.json } }));

  program
    .command('demo')
    .description('the story of HVMMEM_mmio_write_dm, release by release')
    .addOption(json())
    .action((o: { json: boolean }) => set({ command: 'demo', options: { json: o.json } }));

  program
    .command('run')
    .description('run a scenario file (.json or .yaml) on the simulator and check its expectations')
    .argument('<scenario>', 'scenario file: examples/*.json, *.yaml')
    .option('--xen <release>', "hypervisor release (overrides the file's xen)")
    .option('--iface <version>', "the client's interface version (overrides the file's iface)")
    .addOption(json())
    .action((scenario: string, o: { xen?: string; iface?: string; json: boolean }) =>
      set({ command: 'run', options: { scenario, ...(o.xen !== undefined && { xen: o.xen }), ...(o.iface !== undefined && { iface: o.iface }), json: o.json } }),
    );
  return program;
}

export function parseArgv(argv: readonly string[]): Parsed | ParseExit {
  let parsed: Parsed | undefined;
  const out = { stdout: '', stderr: '' };
  const program = build((p) => (parsed = p), out);
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
