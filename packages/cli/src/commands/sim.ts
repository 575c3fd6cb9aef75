/**
 * `xenmem sim serve|create-domain|destroy-domain|inspect` (docs/protocol.md): host one simulator on a
 * Unix socket, and control it from the shell. serve runs until SIGINT/SIGTERM and says on stderr where it
 * listens; the others connect, do one thing and print it (one JSON document with --json, else one line).
 */
import { lstatSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { InputError, NEWEST_RELEASE } from '@xenmem/abi-types';
import type { DomainConfig, DomainInspection, IoreqServerView } from '@xenmem/sim-protocol';
import { domainSvg, Hypervisor } from '@xenmem/hypervisor-sim';
import type { CommandOptions } from '../argv.js';
import { withBackend, type CliEnv } from '../backend.js';
import { EXIT_OK, EXIT_USAGE, type Io } from '../io.js';
import { printJson } from '../output.js';

export type SimServeOptions = CommandOptions<'sim serve'>;
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
  };
  const daemon = await env.startDaemon(daemonOptions);
  const domains = restoring
    ? `state restored from ${o.state}${o.domains.length ? ', --domain ignored' : ''}`
    : `${o.domains.length ? `domains ${o.domains.map((d) => d.domid).join(', ')}` : 'no domains'}${o.state !== undefined ? `, state ${o.state}` : ''}`;
  const shm = daemon.shm === undefined ? '' : 'path' in daemon.shm ? `, shared memory ${daemon.shm.path}` : `, no shared memory: ${daemon.shm.reason}`;
  // Signals are handled before the line is printed: a script that signals as soon as it reads the line stops the daemon cleanly.
  const stopped = env.untilStopped();
  io.err(`xenmem sim serve: listening on ${o.socket} (Xen ${hypervisor.release}, ${domains}${o.trace !== undefined ? `, trace ${o.trace}` : ''}${shm}); stop with Ctrl-C\n`);
  const signal = await stopped;
  await daemon.close?.();
  io.err(`xenmem sim serve: ${signal}: stopped\n`);
  return EXIT_OK;
}

export async function runSimCreateDomain(o: SimCreateDomainOptions, io: Io, env: CliEnv): Promise<number> {
  return withBackend(env, o.socket, 0, async (backend) => {
    try {
      await backend.createDomain(o.domain);
    } catch (err) {
      if (err instanceof InputError)
        return refused(io, 'xenmem sim create-domain', err, `xenmem sim inspect --socket ${o.socket} --domid ${o.domain.domid} shows an existing domain; xenmem sim destroy-domain ends it`);
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

export async function runSimInspect(o: SimDomainOptions, io: Io, env: CliEnv): Promise<number> {
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
    const claim = view.ioreqClaim;
    const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
    const server = (s: IoreqServerView) =>
      `${s.id} ${s.enabled ? 'enabled' : 'disabled'} (emulator ${s.emulator}, bufioreq ${s.bufioreq}, pages ${s.pages}, ranges port ${s.ranges.port.length} memory ${s.ranges.memory.length} pci ${s.ranges.pci.length})`;
    const parts = [
      domainLine(view) + (view.crashed ? ', crashed' : ''),
      `claim owner ${claim.owner ?? 'none'} flags ${claim.flags} entry_count ${claim.entryCount}`,
      `${plural(view.p2m.length, 'p2m run')}: ${view.p2m.map((r) => `${hex(r.first)}+${r.count} ${r.name}`).join(', ')}`,
      ...(view.servers ? [view.servers.length ? `servers ${view.servers.map(server).join(', ')}` : 'no servers'] : []),
      ...(view.pending ? [plural(view.pending.length, 'pending request')] : []),
      plural(view.events.length, 'event'),
    ];
    io.out(parts.join('; ') + '\n');
    return EXIT_OK;
  });
}
