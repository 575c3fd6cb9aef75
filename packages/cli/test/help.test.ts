/**
 * Help and usage errors (issue 16): subcommand help shows the flags it accepts from its parent, a usage error
 * names the subcommand's own help, `bench --help` lists every workload id, text fits the terminal, and the
 * flags added for scripts parse.
 */
import { WORKLOAD_IDS } from '@xenmem/bench';
import { describe, expect, it } from 'vitest';
import type { CliEnv, DaemonOptions } from '../src/backend.js';
import { buildProgram, parseArgv } from '../src/argv.js';
import type { Command } from 'commander';
import { runCli } from '../src/cli.js';
import { captureIo } from '../src/io.js';

const help = (r: ReturnType<typeof parseArgv>) => ('stdout' in r ? r.stdout : '');

describe('help and usage errors', () => {
  it('dm <op> --help shows --backend, --socket (with XENMEM_SOCKET), --caller and --iface, and marks required flags', () => {
    const text = help(parseArgv(['dm', 'get-mem-type', '--help']));
    expect(text).toContain('Global Options:\n  --backend <kind>');
    const flat = text.replace(/\s+/g, ' ');
    expect(flat).toContain('else host) (choices: "host", "socket")');
    expect(flat).toContain("--socket <path> the simulator daemon's Unix socket (xenmem sim serve --socket PATH); with --backend socket (env: XENMEM_SOCKET)");
    expect(text).toMatch(/\n {2}--caller <domid> /);
    expect(text).toMatch(/\n {2}--iface <version> /);
    expect(text).toMatch(/--pfn <pfn> +guest frame \(required\)/);
    expect(help(parseArgv(['sim', 'create-domain', '--help']))).toMatch(/--max-gpfn <pfn> +highest guest frame backed by RAM \(required\)/);
  });

  it('a usage error names the help of the command it is in', () => {
    expect(parseArgv(['dm', '--socket', 's', 'set-mem-type', '--domid', '1'])).toEqual({
      exit: 2,
      stdout: '',
      stderr: "error: required option '--first-pfn <first-pfn>' not specified\n(run xenmem dm set-mem-type --help for usage)\n",
    });
    expect(parseArgv(['sim', 'inspect', '--socket', 's', '--domid', 'x'])).toMatchObject({ exit: 2, stderr: expect.stringMatching(/\n\(run xenmem sim inspect --help for usage\)\n$/) as unknown });
    expect(parseArgv(['frob'])).toMatchObject({ exit: 2, stderr: expect.stringMatching(/\n\(run xenmem --help for usage\)\n$/) as unknown });
  });

  it('bench --help lists every workload id of @xenmem/bench', async () => {
    const io = captureIo();
    expect(await runCli(['bench', '--help'], io)).toBe(0);
    const only = io.stdout.replace(/\s+/g, ' ');
    expect(WORKLOAD_IDS.length).toBe(11);
    expect(only).toContain(`run only these workloads (comma-separated): ${WORKLOAD_IDS.join(', ')}`);
  });

  it('every command\'s help fits an 80- and a 120-column terminal, with the examples and notes after the options', () => {
    const paths: string[][] = [];
    const walk = (path: string[], cmd: Command) => {
      paths.push(path);
      for (const sub of cmd.commands) if (sub.name() !== 'help') walk([...path, sub.name()], sub);
    };
    walk([], buildProgram(() => undefined, { stdout: '', stderr: '' }));
    expect(paths.length).toBeGreaterThan(50);
    for (const columns of [80, 120])
      for (const path of paths) {
        const over = help(parseArgv([...path, '--help'], { columns })).split('\n').filter((l) => [...l].length > columns);
        expect({ path: path.join(' '), columns, over }).toEqual({ path: path.join(' '), columns, over: [] });
      }
    // The dm ops' list names each alias in the description; the top help's examples keep every command.
    expect(help(parseArgv(['dm', '--help'])).replace(/\s+/g, ' ')).toContain('(also: map-io-range)');
    const top = help(parseArgv(['--help'], { columns: 80 }));
    expect(top).toContain('\n  xenmem dm set-mem-type --domid 2 --first-pfn 0x100 --nr 16 --mem-type ram_ro\n');
    expect(top).toContain('\nExit codes: 0 success, 1 failure (Xen error or rule violated), 2 usage error or\nunusable input.\n');
  });

  it('help wraps to the terminal width; abi types wraps its last column when stdout is a terminal', async () => {
    for (const columns of [72, 100]) {
      const lines = help(parseArgv(['dm', 'set-mem-type', '--help'], { columns })).split('\n');
      expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(columns);
    }
    const io = Object.assign(captureIo(), { columns: 100 });
    const wide = captureIo();
    await runCli(['abi', 'types'], io);
    await runCli(['abi', 'types'], wide);
    expect(Math.max(...io.stdout.split('\n').map((l) => l.length))).toBeLessThanOrEqual(100);
    expect(Math.max(...wide.stdout.split('\n').map((l) => l.length))).toBeGreaterThan(100);
    // Wrapping moves words to continuation lines and loses none.
    const words = (s: string) => s.split(/\s+/).filter((w) => !/^-+$/.test(w));
    expect(words(io.stdout)).toEqual(words(wide.stdout));
  });
});

describe('flags for scripts', () => {
  it.each([
    [['run', 'a.json', '--socket', 's', '--keep'], { command: 'run', options: { scenario: 'a.json', socket: 's', keep: true, json: false } }],
    [['sim', 'serve', '--socket', 's', '--json'], { command: 'sim serve', options: { socket: 's', domains: [], json: true } }],
    [['sim', 'list', '--socket', 's', '--json'], { command: 'sim list', options: { socket: 's', json: true } }],
    [['sim', 'inspect', '--socket', 's', '--domid', '1', '--from', '0x100', '--to', '4096'], { command: 'sim inspect', options: { socket: 's', domid: 1, from: 0x100n, to: 4096n, json: false } }],
    [['bench', '--check', '--only', 'memory-16tib'], { command: 'bench', options: { quick: false, json: false, only: ['memory-16tib'], check: true } }],
    [['completion', 'fish'], { command: 'completion', options: { shell: 'fish' } }],
  ])('%j', (argv, expected) => {
    expect(parseArgv(argv)).toEqual(expected);
  });

  it('sim serve --json prints one ready line on stdout: socket, release, pid', async () => {
    const io = captureIo();
    const env: Partial<CliEnv> = { startDaemon: async () => ({}), untilStopped: async () => 'SIGTERM' };
    expect(await runCli(['sim', 'serve', '--socket', '/tmp/x.sock', '--xen', '4.11', '--json'], io, env)).toBe(0);
    expect(io.stdout).toBe(`{"socket":"/tmp/x.sock","release":"4.11","pid":${process.pid}}\n`);
    expect(io.stderr).toBe('xenmem sim serve: listening on /tmp/x.sock (Xen 4.11, no domains); stop with Ctrl-C\nxenmem sim serve: SIGTERM: stopped\n');
  });

  it('sim serve names its xenstore socket in the ready line and on stderr, and passes --xenstore on', async () => {
    const io = captureIo();
    let asked: DaemonOptions | undefined;
    const env: Partial<CliEnv> = { startDaemon: async (o) => ((asked = o), { xenstore: '/tmp/xs' }), untilStopped: async () => 'SIGTERM' };
    expect(await runCli(['sim', 'serve', '--socket', '/tmp/x.sock', '--xen', '4.17', '--xenstore', '/tmp/xs', '--json'], io, env)).toBe(0);
    expect(asked).toMatchObject({ socketPath: '/tmp/x.sock', xenstorePath: '/tmp/xs' });
    expect(io.stdout).toBe(`{"socket":"/tmp/x.sock","release":"4.17","pid":${process.pid},"xenstore":"/tmp/xs"}\n`);
    expect(io.stderr).toBe('xenmem sim serve: listening on /tmp/x.sock (Xen 4.17, no domains, xenstore /tmp/xs (XENSTORED_PATH)); stop with Ctrl-C\nxenmem sim serve: SIGTERM: stopped\n');
  });
});
