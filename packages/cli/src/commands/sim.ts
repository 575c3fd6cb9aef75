/**
 * `xenmem sim serve|list|create-domain|destroy-domain|inspect` (docs/protocol.md): host one simulator on a
 * Unix socket, and control it from the shell. serve runs until SIGINT/SIGTERM and says on stderr where it
 * listens (and, with --json, in one line on stdout); the others connect, do one thing and print it (one JSON
 * document with --json, else lines or tables).
 */
import { lstatSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { InputError, NEWEST_RELEASE } from '@xenmem/abi-types';
import type { DomainConfig, DomainInspection, IoreqServerView } from '@xenmem/sim-protocol';
import { domainSvg, Hypervisor } from '@xenmem/hypervisor-sim';
import { SOCKET_ENV, type CommandOptions } from '../parsed.js';
import { withBackend, type CliEnv } from '../backend.js';
import { EXIT_OK, EXIT_USAGE, type Io } from '../io.js';
import { printJson, table } from '../output.js';

export type SimServeOptions = CommandOptions<'sim serve'>;
export type SimListOptions = CommandOptions<'sim list'>;
export type SimCreateDomainOptions = CommandOptions<'sim create-domain'>;
/** destroy-domain's and inspect's: the socket, the domain and --json. */
export type SimDomainOptions = CommandOptions<'sim inspect'> | CommandOptions<'sim destroy-domain'>;

const hex = (v: bigint | number) => '0x' + v.toString(16);

/** An inspection as JSON: pfns as "0x…", counts as numbers, everything else as the backend gives it. */
export function inspectionJson(view: DomainInspection): Record<string, unknown> {
  return { ...view, maxGpfn: hex(view.maxGpfn), p2m: view.p2m.map((r) => ({ first: hex(r.first), count: Number(r.count), type: r.type, name: r.name })) };
}

function domainLine(view: DomainInspection): string {
  return `domain ${view.domid}: maxGpfn ${hex(view.maxGpfn)}, ${view.hvm ? 'hvm' : 'pv'}, hap ${view.hap ? 'on' : 'off'}, ${view.vcpus} vcpu${view.vcpus === 1 ? '' : 's'}, dm ${view.dm ?? 'none'}`;
}

/** Rejections of control calls are about the input (a domid that exists, one that does not): exit 2. */
function refused(io: Io, label: string, err: InputError, hint: string): number {
  io.err(`${label}: ${err.message}\n  ${hint}\n`);
  return EXIT_USAGE;
}

/** Whether the --state file is there to restore; a symbolic link or a non-file is refused here, with exit 2. */
function stateExists(path: string): boolean {
  let st;
  try {
    st = lstatSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
  if (st.isSymbolicLink()) throw new InputError('--state', path, 'is a symbolic link; the daemon does not follow links');
  if (!st.isFile()) throw new InputError('--state', path, 'exists and is not a regular file');
  return true;
}

export async function runSimServe(o: SimServeOptions, io: Io, env: CliEnv): Promise<number> {
  const hypervisor = new Hypervisor({ release: o.xen ?? NEWEST_RELEASE });
  const restoring = o.state !== undefined && stateExists(o.state);
  for (const d of restoring ? [] : o.domains) {
    try {
      await hypervisor.createDomain(d);
    } catch (err) {
      if (err instanceof InputError) return refused(io, 'xenmem sim serve', err, `fix --domain domid=${d.domid},… (each domid once)`);
      throw err;
    }
  }
  // statePath is @xenmem/hypervisor-sim's DaemonOptions field (docs/reliability.md); passed through as is.
  const daemonOptions = {
    socketPath: o.socket,
    hypervisor,
    ...(o.trace !== undefined && { trace: o.trace }),
    ...(o.state !== undefined && { statePath: o.state }),
    ...(o.shm === false && { shm: false }),
    ...(o.shmPollUs !== undefined && { shmPollUs: o.shmPollUs }),
    ...(o.xenstore !== undefined && { xenstorePath: o.xenstore }),
  };
  const daemon = await env.startDaemon(daemonOptions).catch((err: unknown) => {
    // A socket path the user never typed is named by the variable it came from.
    if (o.socketFromEnv && err instanceof InputError && err.argument === '--socket') throw err.renamed(SOCKET_ENV);
    throw err;
  });
  const domains = restoring
    ? `state restored from ${o.state}${o.domains.length ? ', --domain ignored' : ''}`
    : `${o.domains.length ? `domains ${o.domains.map((d) => d.domid).join(', ')}` : 'no domains'}${o.state !== undefined ? `, state ${o.state}` : ''}`;
  const shm = daemon.shm === undefined ? '' : 'path' in daemon.shm ? `, shared memory ${daemon.shm.path}` : `, no shared memory: ${daemon.shm.reason}`;
  // Signals are handled before the line is printed: a script that signals as soon as it reads the line stops the daemon cleanly.
  const stopped = env.untilStopped();
  if (o.json) io.out(JSON.stringify({ socket: o.socket, release: hypervisor.release, pid: process.pid, ...(daemon.xenstore !== undefined && { xenstore: daemon.xenstore }) }) + '\n');
  const xenstore = daemon.xenstore === undefined ? '' : `, xenstore ${daemon.xenstore} (XENSTORED_PATH)`;
  io.err(`xenmem sim serve: listening on ${o.socket} (Xen ${hypervisor.release}, ${domains}${o.trace !== undefined ? `, trace ${o.trace}` : ''}${shm}${xenstore}); stop with Ctrl-C\n`);
  const signal = await stopped;
  await daemon.close?.();
  io.err(`xenmem sim serve: ${signal}: stopped\n`);
  return EXIT_OK;
}

/** What to do about a create-domain refusal, by the argument the simulator refused. */
function createRefusalHint(err: InputError, o: SimCreateDomainOptions): string {
  switch (err.argument) {
    case 'domid':
      return /already exists/.test(err.message)
        ? `xenmem sim inspect --socket ${o.socket} --domid ${o.domain.domid} shows an existing domain; xenmem sim destroy-domain ends it`
        : `${err.value === 0 ? 'domain 0 is the control domain, present from the start' : 'that domid is outside the range above'}; pick another --domid (xenmem sim list --socket ${o.socket} shows the ones in use)`;
    case 'vcpus':
      return 'give --vcpus within the range above';
    case 'maxGpfn':
      return 'give --max-gpfn within the range above';
    case 'dm':
      return "--dm names the domain that runs this domain's device model: another domid than --domid";
    default:
      return 'xenmem sim create-domain --help lists the flags';
  }
}

export async function runSimCreateDomain(o: SimCreateDomainOptions, io: Io, env: CliEnv): Promise<number> {
  return withBackend(env, o.socket, 0, async (backend) => {
    try {
      await backend.createDomain(o.domain);
    } catch (err) {
      if (err instanceof InputError) return refused(io, 'xenmem sim create-domain', err, createRefusalHint(err, o));
      throw err;
    }
    const view = await backend.inspect(o.domain.domid);
    if (o.json) printJson(io, { domid: view.domid, maxGpfn: hex(view.maxGpfn), hap: view.hap, hvm: view.hvm, vcpus: view.vcpus, dm: view.dm });
    else io.out(`created ${domainLine(view)}\n`);
    return EXIT_OK;
  });
}

export async function runSimDestroyDomain(o: SimDomainOptions, io: Io, env: CliEnv): Promise<number> {
  return withBackend(env, o.socket, 0, async (backend) => {
    try {
      await backend.destroyDomain(o.domid);
    } catch (err) {
      if (err instanceof InputError) return refused(io, 'xenmem sim destroy-domain', err, `xenmem sim inspect --socket ${o.socket} --domid N shows a domain`);
      throw err;
    }
    if (o.json) printJson(io, { domid: o.domid, destroyed: true });
    else io.out(`destroyed domain ${o.domid}\n`);
    return EXIT_OK;
  });
}

export async function runSimInspect(o: CommandOptions<'sim inspect'>, io: Io, env: CliEnv): Promise<number> {
  return withBackend(env, o.socket, 0, async (backend) => {
    let view: DomainInspection;
    try {
      view = await backend.inspect(o.domid);
    } catch (err) {
      if (err instanceof InputError)
        return refused(io, 'xenmem sim inspect', err, `create it with xenmem sim create-domain --socket ${o.socket} --domid ${o.domid} --max-gpfn 0xfffff`);
      throw err;
    }
    if ('svg' in o && o.svg !== undefined) await writeFile(o.svg, domainSvg(view));
    if (o.json) {
      printJson(io, inspectionJson(view));
      return EXIT_OK;
    }
    io.out(inspectionText(view, o));
    return EXIT_OK;
  });
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** An inspection for people: the domain, its claim, then a table of p2m runs (within --from/--to), servers and pending requests. */
export function inspectionText(view: DomainInspection, range: { from?: bigint; to?: bigint } = {}): string {
  const claim = view.ioreqClaim;
  const runs = view.p2m.filter((r) => (range.from === undefined || r.first + r.count - 1n >= range.from) && (range.to === undefined || r.first <= range.to));
  const filtered = range.from !== undefined || range.to !== undefined;
  const out = [
    `${domainLine(view)}${view.crashed ? ', crashed' : ''}\n`,
    `claim: owner ${claim.owner ?? 'none'}, flags ${claim.flags}, entry_count ${claim.entryCount}\n`,
    `\n${plural(view.p2m.length, 'p2m run')}${filtered ? `, ${runs.length} from ${range.from !== undefined ? hex(range.from) : '0x0'} to ${range.to !== undefined ? hex(range.to) : 'the end'}` : ''}:\n`,
    runs.length ? table(['first', 'last', 'pages', 'type'], runs.map((r) => [hex(r.first), hex(r.first + r.count - 1n), r.count.toString(), r.name])) : '  (none)\n',
  ];
  if (view.servers) {
    const servers = (s: IoreqServerView) => [s.id, s.enabled ? 'enabled' : 'disabled', s.emulator, s.bufioreq, s.pages, s.ranges.port.length, s.ranges.memory.length, s.ranges.pci.length];
    out.push(`\n${plural(view.servers.length, 'ioreq server')}${view.servers.length ? ':' : ''}\n`);
    if (view.servers.length) out.push(table(['id', 'state', 'emulator', 'bufioreq', 'pages', 'port ranges', 'memory ranges', 'pci ranges'], view.servers.map(servers)));
  }
  if (view.pending) {
    out.push(`\n${plural(view.pending.length, 'pending request')}${view.pending.length ? ':' : ''}\n`);
    if (view.pending.length) out.push(table(['vcpu', 'server', 'type', 'dir', 'addr', 'size'], view.pending.map((p) => [p.vcpu, p.server, p.request.type, p.request.dir, hex(p.request.addr), p.request.size])));
  }
  out.push(`\n${plural(view.events.length, 'event')}\n`);
  return out.join('');
}

/** `xenmem sim list`: one row per domain (vCPUs, size, device model, ioreq servers), or a JSON array. */
export async function runSimList(o: SimListOptions, io: Io, env: CliEnv): Promise<number> {
  return withBackend(env, o.socket, 0, async (backend) => {
    const views = await Promise.all((await backend.listDomains()).map((domid) => backend.inspect(domid)));
    const rows = views.map((v) => ({ domid: v.domid, maxGpfn: hex(v.maxGpfn), pages: v.maxGpfn + 1, hap: v.hap, hvm: v.hvm, vcpus: v.vcpus, dm: v.dm, servers: v.servers?.length ?? 0, crashed: v.crashed ?? false }));
    if (o.json) printJson(io, rows);
    else if (!rows.length) io.out(`no domains on ${o.socket} (xenmem sim create-domain adds one)\n`);
    else io.out(table(['domid', 'vcpus', 'max-gpfn', 'pages', 'hvm', 'hap', 'dm', 'servers'], rows.map((r) => [r.domid, r.vcpus, r.maxGpfn, r.pages, r.hvm ? 'yes' : 'no', r.hap ? 'on' : 'off', r.dm ?? 'none', r.servers])));
    return EXIT_OK;
  });
}
