import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { domainSvg, Hypervisor } from '@xenmem/hypervisor-sim';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { CliEnv, DaemonOptions } from '../src/backend.js';
import { runCli } from '../src/cli.js';
import { captureIo } from '../src/io.js';

const EXAMPLES = fileURLToPath(new URL('../../../examples/', import.meta.url));

let hv: Hypervisor;
const env: Partial<CliEnv> = { connect: async () => hv };

beforeEach(() => {
  hv = new Hypervisor({ release: '4.22' });
});

async function run(argv: string[], e: Partial<CliEnv> = env) {
  const io = captureIo();
  const code = await runCli(argv, io, e);
  return { code, stdout: io.stdout, stderr: io.stderr, json: () => JSON.parse(io.stdout) as unknown };
}
const sim = (...argv: string[]) => run(['sim', argv[0]!, '--socket', '/tmp/xen.sock', ...argv.slice(1)]);

describe('xenmem sim create-domain / inspect / destroy-domain', () => {
  it('inspect --svg FILE writes domainSvg\'s picture of the domain; stdout is the usual output', async () => {
    await sim('create-domain', '--domid', '1', '--max-gpfn', '0xfffff');
    const file = join(mkdtempSync(join(tmpdir(), 'xenmem-svg-')), 'd1.svg');
    const plain = await sim('inspect', '--domid', '1', '--json');
    const r = await sim('inspect', '--domid', '1', '--json', '--svg', file);
    expect(r).toMatchObject({ code: 0, stdout: plain.stdout, stderr: '' });
    expect(readFileSync(file, 'utf8')).toBe(domainSvg(await hv.inspect(1)));
    expect(readFileSync(file, 'utf8')).toContain('data-first="0x0" data-type="p2m_ram_rw"');
  });

  it('create-domain with the scenario defaults, then with every flag', async () => {
    const a = await sim('create-domain', '--domid', '1', '--max-gpfn', '0xfffff');
    expect(a).toMatchObject({ code: 0, stdout: 'created domain 1: maxGpfn 0xfffff, hvm, hap on, 1 vcpu, dm none\n', stderr: '' });
    const b = await sim('create-domain', '--domid', '2', '--max-gpfn', '4095', '--hap', 'off', '--hvm', 'on', '--vcpus', '4', '--dm', '1', '--json');
    expect(b.code).toBe(0);
    expect(b.json()).toEqual({ domid: 2, maxGpfn: '0xfff', hap: false, hvm: true, vcpus: 4, dm: 1 });
  });

  it('a domid that exists, or a config the simulator refuses, is exit 2 with what to run next', async () => {
    await sim('create-domain', '--domid', '1', '--max-gpfn', '0xfffff');
    const again = await sim('create-domain', '--domid', '1', '--max-gpfn', '0xfff', '--json');
    expect(again).toMatchObject({ code: 2, stdout: '' });
    expect(again.stderr).toBe('xenmem sim create-domain: domid 1 already exists\n  xenmem sim inspect --socket /tmp/xen.sock --domid 1 shows an existing domain; xenmem sim destroy-domain ends it\n');
    const vcpus = await sim('create-domain', '--domid', '3', '--max-gpfn', '0xfff', '--vcpus', '0');
    expect(vcpus).toMatchObject({ code: 2, stdout: '' });
    expect(vcpus.stderr).toMatch(/^xenmem sim create-domain: vcpus 0 must be an integer from 1 to /);
  });

  it('each create-domain refusal has its own hint: only a taken domid says the domain exists', async () => {
    const hint = async (...argv: string[]) => (await sim('create-domain', ...argv)).stderr.split('\n')[1];
    expect(await hint('--domid', '0', '--max-gpfn', '0xfff')).toBe('  domain 0 is the control domain, present from the start; pick another --domid (xenmem sim list --socket /tmp/xen.sock shows the ones in use)');
    expect(await hint('--domid', '0xfff0', '--max-gpfn', '0xfff')).toBe('  that domid is outside the range above; pick another --domid (xenmem sim list --socket /tmp/xen.sock shows the ones in use)');
    expect(await hint('--domid', '3', '--max-gpfn', '0xfff', '--vcpus', '0')).toBe('  give --vcpus within the range above');
    expect(await hint('--domid', '3', '--max-gpfn', '0xfff', '--dm', '3')).toBe("  --dm names the domain that runs this domain's device model: another domid than --domid");
  });

  it('list: every domain but 0 with its vCPUs, size, device model and servers; --json is an array', async () => {
    expect(await sim('list')).toMatchObject({ code: 0, stdout: 'no domains on /tmp/xen.sock (xenmem sim create-domain adds one)\n', stderr: '' });
    expect((await sim('list', '--json')).json()).toEqual([]);
    await sim('create-domain', '--domid', '7', '--max-gpfn', '0xff', '--vcpus', '4', '--dm', '2');
    await sim('create-domain', '--domid', '2', '--max-gpfn', '0xfffff', '--hap', 'off');
    await run(['dm', '--socket', '/tmp/xen.sock', 'create-ioreq-server', '--domid', '7']);
    expect((await sim('list', '--json')).json()).toEqual([
      { domid: 2, maxGpfn: '0xfffff', pages: 0x100000, hap: false, hvm: true, vcpus: 1, dm: null, servers: 0, crashed: false },
      { domid: 7, maxGpfn: '0xff', pages: 0x100, hap: true, hvm: true, vcpus: 4, dm: 2, servers: 1, crashed: false },
    ]);
    expect((await sim('list')).stdout).toBe(
      'domid  vcpus  max-gpfn  pages    hvm  hap  dm    servers\n' +
        '-----  -----  --------  -------  ---  ---  ----  -------\n' +
        '2      1      0xfffff   1048576  yes  off  none  0\n' +
        '7      4      0xff      256      yes  on   2     1\n',
    );
  });

  it('XENMEM_SOCKET stands for --socket in sim and dm; --socket wins over it', async () => {
    const seen: string[] = [];
    const recording: Partial<CliEnv> = { connect: async (socket) => (seen.push(socket), hv) };
    vi.stubEnv('XENMEM_SOCKET', '/tmp/env.sock');
    try {
      expect((await run(['sim', 'create-domain', '--domid', '1', '--max-gpfn', '0xff'], recording)).code).toBe(0);
      expect((await run(['sim', 'list', '--json'], recording)).json()).toMatchObject([{ domid: 1 }]);
      expect((await run(['sim', 'inspect', '--domid', '1', '--json'], recording)).code).toBe(0);
      expect((await run(['dm', 'nr-vcpus', '--domid', '1'], recording)).stdout).toBe('nr_vcpus: ok, vcpus 1\n');
      expect((await run(['dm', '--caller', '0', 'get-mem-type', '--domid', '1', '--pfn', '0'], recording)).code).toBe(0);
      expect((await run(['sim', 'destroy-domain', '--domid', '1', '--socket', '/tmp/flag.sock'], recording)).code).toBe(0);
      expect(seen).toEqual(['/tmp/env.sock', '/tmp/env.sock', '/tmp/env.sock', '/tmp/env.sock', '/tmp/env.sock', '/tmp/flag.sock']);
    } finally {
      vi.unstubAllEnvs();
    }
    const missing = await run(['sim', 'list']);
    expect(missing).toMatchObject({ code: 2, stdout: '' });
    expect(missing.stderr).toBe("error: required option '--socket <path>' not specified\n(run xenmem sim list --help for usage)\n");
  });

  it('inspect --from/--to shows the p2m runs that overlap the range', async () => {
    await sim('create-domain', '--domid', '1', '--max-gpfn', '0xfffff');
    for (const first of ['0x100', '0x200', '0x300']) await run(['dm', '--socket', '/tmp/xen.sock', 'set-mem-type', '--domid', '1', '--first-pfn', first, '--nr', '16', '--mem-type', 'ram_ro']);
    const r = await sim('inspect', '--domid', '1', '--from', '0x205', '--to', '0x2ff');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('7 p2m runs, 2 from 0x205 to 0x2ff:\nfirst  last   pages  type\n-----  -----  -----  ----------\n0x200  0x20f  16     p2m_ram_ro\n0x210  0x2ff  240    p2m_ram_rw\n\n');
  });

  it('inspect --json: p2m runs as "0x…" starts and counts, the claim with entryCount, the event log', async () => {
    await sim('create-domain', '--domid', '1', '--max-gpfn', '0xfffff', '--vcpus', '2');
    const dm = (...argv: string[]) => run(['dm', '--socket', '/tmp/xen.sock', ...argv]);
    expect((await dm('create-ioreq-server', '--domid', '1', '--handle-bufioreq', 'atomic')).code).toBe(0);
    expect((await dm('map-mem-type', '--domid', '1', '--id', '0', '--flags', 'write')).code).toBe(0);
    expect((await dm('set-mem-type', '--domid', '1', '--first-pfn', '0x100', '--nr', '16', '--mem-type', 'ioreq_server')).code).toBe(0);
    expect((await dm('map-io-range', '--domid', '1', '--id', '0', '--type', 'memory', '--start', '0xf0000000', '--end', '0xf0000fff')).code).toBe(0);
    expect((await dm('remote-shutdown', '--domid', '1', '--reason', '0')).code).toBe(0);
    const r = await sim('inspect', '--domid', '1', '--json');
    expect(r.code).toBe(0);
    expect(r.json()).toEqual({
      domid: 1,
      maxGpfn: '0xfffff',
      hap: true,
      hvm: true,
      vcpus: 2,
      dm: null,
      ioreqClaim: { owner: 0, flags: 2, entryCount: 16 },
      p2m: [
        { first: '0x0', count: 0x100, type: 0, name: 'p2m_ram_rw' },
        { first: '0x100', count: 16, type: 15, name: 'p2m_ioreq_server' },
        { first: '0x110', count: 0x100000 - 0x110, type: 0, name: 'p2m_ram_rw' },
      ],
      events: [{ op: 'remote_shutdown', args: { reason: 0 } }],
      servers: [{ id: 0, emulator: 0, bufioreq: 2, enabled: false, ranges: { port: [], memory: [['0xf0000000', '0xf0000fff']], pci: [] }, ports: { vcpu: [1, 2], bufioreq: 3 }, pages: 'none' }],
      pending: [],
      crashed: false,
    });
    const human = await sim('inspect', '--domid', '1');
    expect(human.stdout).toBe(
      [
        'domain 1: maxGpfn 0xfffff, hvm, hap on, 2 vcpus, dm none',
        'claim: owner 0, flags 2, entry_count 16',
        '',
        '3 p2m runs:',
        'first  last     pages    type',
        '-----  -------  -------  ----------------',
        '0x0    0xff     256      p2m_ram_rw',
        '0x100  0x10f    16       p2m_ioreq_server',
        '0x110  0xfffff  1048304  p2m_ram_rw',
        '',
        '1 ioreq server:',
        'id  state     emulator  bufioreq  pages  port ranges  memory ranges  pci ranges',
        '--  --------  --------  --------  -----  -----------  -------------  ----------',
        '0   disabled  0         2         none   0            1              0',
        '',
        '0 pending requests',
        '',
        '1 event',
        '',
      ].join('\n'),
    );
  });

  it('destroy-domain ends a domain; inspecting or destroying it again is exit 2', async () => {
    await sim('create-domain', '--domid', '1', '--max-gpfn', '0xfff');
    expect(await sim('destroy-domain', '--domid', '1')).toMatchObject({ code: 0, stdout: 'destroyed domain 1\n', stderr: '' });
    const again = await sim('destroy-domain', '--domid', '1', '--json');
    expect(again).toMatchObject({ code: 2, stdout: '', stderr: 'xenmem sim destroy-domain: domid 1 does not exist\n  xenmem sim inspect --socket /tmp/xen.sock --domid N shows a domain\n' });
    const gone = await sim('inspect', '--domid', '1', '--json');
    expect(gone).toMatchObject({ code: 2, stdout: '' });
    expect(gone.stderr).toBe('xenmem sim inspect: domid 1 does not exist\n  create it with xenmem sim create-domain --socket /tmp/xen.sock --domid 1 --max-gpfn 0xfffff\n');
    await sim('create-domain', '--domid', '2', '--max-gpfn', '0xfff');
    expect((await sim('destroy-domain', '--domid', '2', '--json')).json()).toEqual({ domid: 2, destroyed: true });
  });
});

describe('xenmem sim serve', () => {
  it('creates the --domain SPECs, starts the daemon, says where on stderr, and stops on a signal', async () => {
    let started: DaemonOptions | undefined;
    let closed = false;
    let stop!: (signal: string) => void;
    const serveEnv: Partial<CliEnv> = {
      startDaemon: async (o) => {
        started = o;
        return { close: async () => void (closed = true) };
      },
      untilStopped: () => new Promise((resolve) => (stop = resolve)),
    };
    const io = captureIo();
    const done = runCli(['sim', 'serve', '--socket', '/tmp/s.sock', '--xen', '4.11', '--domain', 'domid=1,max-gpfn=0xfffff', '--domain', 'domid=2,max-gpfn=0xfff,hap=off,vcpus=2,dm=1', '--trace', '/tmp/t.jsonl'], io, serveEnv);
    await new Promise((r) => setTimeout(r, 50));
    expect(io.stderr).toBe('xenmem sim serve: listening on /tmp/s.sock (Xen 4.11, domains 1, 2, trace /tmp/t.jsonl); stop with Ctrl-C\n');
    expect(started).toMatchObject({ socketPath: '/tmp/s.sock', trace: '/tmp/t.jsonl' });
    const served = started!.hypervisor;
    expect(served.release).toBe('4.11');
    expect(await served.inspect(2)).toMatchObject({ domid: 2, maxGpfn: 0xfff, hap: false, hvm: true, vcpus: 2, dm: 1 });
    expect(closed).toBe(false);
    stop('SIGTERM');
    expect(await done).toBe(0);
    expect(closed).toBe(true);
    expect(io.stdout).toBe('');
    expect(io.stderr).toMatch(/\nxenmem sim serve: SIGTERM: stopped\n$/);
  });

  it('a bad SPEC or release is exit 2 naming it; the daemon is not started', async () => {
    let starts = 0;
    const e: Partial<CliEnv> = { startDaemon: async () => ({ close: () => void starts++ }), untilStopped: async () => 'SIGINT' };
    const bad = await run(['sim', 'serve', '--socket', 's', '--domain', 'domid=1,maxgpfn=0xfff'], e);
    expect(bad).toMatchObject({ code: 2, stdout: '' });
    expect(bad.stderr).toMatch(/^error: option '--domain <SPEC>' argument 'domid=1,maxgpfn=0xfff' is invalid\. key "maxgpfn" is not one of domid, max-gpfn, hap, hvm, vcpus, dm/);
    const twice = await run(['sim', 'serve', '--socket', 's', '--domain', 'domid=1,max-gpfn=1', '--domain', 'domid=1,max-gpfn=2'], e);
    expect(twice).toMatchObject({ code: 2, stdout: '', stderr: 'xenmem sim serve: domid 1 already exists\n  fix --domain domid=1,… (each domid once)\n' });
    const xen = await run(['sim', 'serve', '--socket', 's', '--xen', '4.5'], e);
    expect(xen).toMatchObject({ code: 2, stdout: '' });
    expect(xen.stderr).toMatch(/^xenmem sim serve: release "4\.5" is not simulated/);
    expect(starts).toBe(0);
  });
});

// End to end: the real daemon on a temp socket and the real socket backend, once both are exported.
const daemonMod = (await import('@xenmem/hypervisor-sim')) as { startDaemon?: (o: DaemonOptions) => Promise<{ close(): Promise<void> }> };
const clientMod = (await import('@xenmem/ioreq-client')) as { SocketBackend?: unknown };
const e2e = typeof daemonMod.startDaemon === 'function' && clientMod.SocketBackend !== undefined;

describe.skipIf(!e2e)('end to end over a Unix socket', () => {
  it('create-domain, dm ops, inspect and run --socket through runCli give the in-process results', async () => {
    const socket = join(mkdtempSync(join(tmpdir(), 'xenmem-cli-')), 'xen.sock');
    const daemon = await daemonMod.startDaemon!({ socketPath: socket, hypervisor: new Hypervisor({ release: '4.22' }) });
    try {
      const real = (argv: string[]) => run(argv, {});
      expect(await real(['sim', 'create-domain', '--socket', socket, '--domid', '3', '--max-gpfn', '0xfffff', '--json'])).toMatchObject({ code: 0, stderr: '' });
      expect((await real(['dm', '--socket', socket, 'create-ioreq-server', '--domid', '3', '--json'])).json()).toEqual({ rc: 0, error: null, id: 0 });
      expect((await real(['dm', '--socket', socket, 'set-mem-type', '--domid', '3', '--first-pfn', '0x100', '--nr', '16', '--mem-type', 'ram_ro', '--json'])).json()).toEqual({ rc: 0, error: null });
      expect((await real(['dm', '--socket', socket, 'get-mem-type', '--domid', '3', '--pfn', '0x105', '--json'])).json()).toEqual({ rc: 0, error: null, type: 'ram_ro', mem_type: 1 });
      const bad = await real(['dm', '--socket', socket, 'set-mem-type', '--domid', '3', '--first-pfn', '0x100', '--nr', '16', '--mem-type', 'ioreq_server', '--json']);
      expect(bad).toMatchObject({ code: 1 });
      expect(bad.json()).toEqual({ rc: -22, error: 'EINVAL', reason: { id: 'hvmmem-needs-claim', message: 'HVMMEM_ioreq_server needs a server that claimed the type with map_mem_type_to_ioreq_server' } });
      const inspect = await real(['sim', 'inspect', '--socket', socket, '--domid', '3', '--json']);
      expect(inspect.json()).toMatchObject({
        domid: 3,
        maxGpfn: '0xfffff',
        ioreqClaim: { owner: null, flags: 0, entryCount: 0 },
        p2m: [
          { first: '0x0', count: 0x100, type: 0, name: 'p2m_ram_rw' },
          { first: '0x100', count: 16, type: 3, name: 'p2m_ram_ro' },
          { first: '0x110', count: 0x100000 - 0x110, type: 0, name: 'p2m_ram_rw' },
        ],
      });

      const scenario = join(EXAMPLES, 'design-gpu-claim.json');
      const inProcess = await real(['run', scenario, '--json']);
      const onDaemon = await real(['run', '--socket', socket, scenario, '--json']);
      expect(onDaemon.code).toBe(0);
      expect(onDaemon.json()).toEqual(inProcess.json());
      // The run destroyed the domain it created: the same scenario runs again on the same daemon.
      const second = await real(['run', '--socket', socket, scenario, '--json']);
      expect(second.code).toBe(0);
      expect(second.json()).toEqual(inProcess.json());
      expect((await real(['sim', 'list', '--socket', socket, '--json'])).json()).toEqual([{ domid: 3, maxGpfn: '0xfffff', pages: 0x100000, hap: true, hvm: true, vcpus: 1, dm: null, servers: 1, crashed: false }]);
      // --keep leaves it: running it again is refused (exit 2), saying the domid is taken.
      expect((await real(['run', '--socket', socket, scenario, '--keep'])).code).toBe(0);
      const domid = 1; // design-gpu-claim.json's domain
      const again = await real(['run', '--socket', socket, scenario]);
      expect(again).toMatchObject({ code: 2, stdout: '' });
      expect(again.stderr).toBe(
        `xenmem run: the daemon at ${socket} refused ${scenario}:\n  domains[0]: the backend refused it: domid ${domid} already exists\n` +
          `  domain ${domid} is already on the daemon (a run destroys the domains it created unless --keep): xenmem sim destroy-domain --socket ${socket} --domid ${domid} ends it\n`,
      );
      expect((await real(['sim', 'destroy-domain', '--socket', socket, '--domid', String(domid)])).code).toBe(0);
      const release = await real(['run', '--socket', socket, scenario, '--xen', '4.11']);
      expect(release).toMatchObject({ code: 2, stdout: '' });
      expect(release.stderr).toMatch(/ {2}xen: the scenario is for Xen 4\.11, but the backend runs Xen 4\.22/);
      // The refused run created nothing; every domain but the one made above is gone.
      expect((await real(['sim', 'list', '--socket', socket])).stdout).toBe(
        'domid  vcpus  max-gpfn  pages    hvm  hap  dm    servers\n-----  -----  --------  -------  ---  ---  ----  -------\n3      1      0xfffff   1048576  yes  on   none  1\n',
      );
    } finally {
      await daemon.close();
    }
  });
});
