/**
 * `xenmem dm [--backend host|socket] [--socket PATH] [--caller N] [--iface V] <op> … [--json]`: one
 * libxendevicemodel call (or get_mem_type) on this Xen host (@xenmem/xen-host) or on the simulator daemon,
 * through DeviceModel. Prints `{ rc, error, …outputs }` with
 * --json, else one line. Exit 0 on success, 1 on a Xen error (its errno name on stderr and in the JSON)
 * or when the daemon cannot be reached, 2 for an argument DeviceModel cannot use.
 */
import { InputError, NEWEST_RELEASE, XenError, errnoValue } from '@xenmem/abi-types';
import { DeviceModel } from '@xenmem/ioreq-client';
import { withBackend, withHost, type CliEnv } from '../backend.js';
import type { HypercallBackend } from '@xenmem/abi-types';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, type Io } from '../io.js';
import { printJson } from '../output.js';
import type { DmOptions } from '../parsed.js';
import { dmOp } from '../dm-op-table.js';

/**
 * EPERM from a DM op has two causes in Xen, and the hint states the one that can apply to this call: a caller other
 * than domain 0 that is not the target's device-model domain fails XSM_DM_PRIV (xen/include/xsm/dummy.h
 * xsm_default_action @ RELEASE-4.21.0, from dm.c's xsm_dm_op); an op on an ioreq server made by a domain other
 * than the server's emulator (the domain that created it) fails the emulator check, domain 0 included
 * (xen/common/ioreq.c ioreq_server_destroy @ RELEASE-4.21.0 and the other server ops).
 */
function epermHint(o: DmOptions, domid: number | string, inspect: string): string {
  const server = typeof o.args.id === 'number' ? o.args.id : undefined;
  if (o.caller !== 0)
    return `caller ${o.caller} may not operate on domain ${domid}: only domain 0 or domain ${domid}'s device-model domain (its --dm at sim create-domain) may${server !== undefined ? `, and only server ${server}'s emulator (the domain that created it) may change that server` : ''}; ${inspect} shows its dm${server !== undefined ? " and each server's emulator" : ''}`;
  if (server !== undefined)
    return `caller 0 may not operate on ioreq server ${server} of domain ${domid}: only the server's emulator (the domain that created it) may, domain 0 included; ${inspect} shows each server's emulator: run with --caller EMULATOR`;
  return `${inspect} shows the domain's state (domain 0 passes Xen's device-model permission check)`;
}

/** What to run next after a Xen error: the usual causes of each errno in a DM op. */
function hintFor(code: string, o: DmOptions): string {
  const domid = typeof o.args.domid === 'number' ? o.args.domid : 'N';
  if (o.socket === undefined) return hostHint(code, domid, o.op);
  const inspect = `xenmem sim inspect --socket ${o.socket} --domid ${domid}`;
  switch (code) {
    case 'ESRCH':
      return `is domain ${domid} there? create it with xenmem sim create-domain --socket ${o.socket} --domid ${domid} --max-gpfn 0xfffff`;
    case 'EPERM':
      return epermHint(o, domid, inspect);
    case 'ENOENT':
      return `no such ioreq server: ${inspect} lists the servers`;
    case 'ENOSYS':
    case 'EOPNOTSUPP':
      return `the daemon's Xen release does not have this op: xenmem abi layout ${o.op} says from which release Xen has it`;
    default:
      return `${inspect} shows the domain's state`;
  }
}

/** What to run next after a Xen error on a real host (no simulator to inspect). */
function hostHint(code: string, domid: number | string, op: string): string {
  switch (code) {
    case 'ESRCH':
      return `is domain ${domid} running? xl list shows the domains`;
    case 'EPERM':
      return `only domain 0 or domain ${domid}'s device-model domain may operate on it (--caller says which domain this process runs in); a restricted handle names one domain only`;
    case 'ENOENT':
      return `no such ioreq server of domain ${domid}`;
    case 'ENOSYS':
    case 'EOPNOTSUPP':
      return `this host's Xen release does not have this op: xenmem abi layout ${op} says from which release Xen has it`;
    default:
      return "the simulator names the check that failed: the same call against xenmem sim serve --xen <this host's release> prints why";
  }
}

/** The flag a DeviceModel argument came from, for messages (`memType` → `--mem-type`). */
function flagFor(o: DmOptions, argument: string): string {
  const flag = dmOp(o.op).flags.find((f) => f.key === argument);
  return flag ? `--${flag.flag}` : argument;
}

export async function runDm(o: DmOptions, io: Io, env: CliEnv): Promise<number> {
  const op = dmOp(o.op);
  const label = `xenmem dm ${op.name}`;
  const on = <T>(body: (backend: HypercallBackend) => Promise<T>): Promise<T> => (o.socket === undefined ? withHost(env, o.caller, body) : withBackend(env, o.socket, o.caller, body));
  return on(async (backend) => {
    let out: Record<string, unknown>;
    try {
      const dm = new DeviceModel({ backend, iface: o.iface ?? NEWEST_RELEASE, caller: o.caller });
      out = await op.call(dm, o.args);
    } catch (err) {
      if (err instanceof XenError) {
        if (o.json) printJson(io, { rc: -errnoValue(err.code), error: err.code, ...(err.reason && { reason: err.reason }) });
        const why = err.reason ? `\n  why: ${err.reason.message} [${err.reason.id}]` : '';
        io.err(`${label}: Xen returned ${err.code} (errno ${err.errno}) for ${err.op}${why}\n  ${hintFor(err.code, o)}\n`);
        return EXIT_FAILURE;
      }
      if (err instanceof InputError) {
        const names = o.iface !== undefined ? ` --iface ${o.iface}` : '';
        const hint =
          err.argument === 'iface'
            ? 'give --iface as 0x followed by 8 hex digits (0x00040700), a release name (4.7) or a decimal integer'
            : /memory type/.test(err.message)
              ? `xenmem abi types${names} lists the names`
              : `xenmem dm ${op.name} --help lists the flags`;
        io.err(`${label}: ${err.renamed(flagFor(o, err.argument)).message}\n  ${hint}\n`);
        return EXIT_USAGE;
      }
      throw err;
    }
    if (o.json) printJson(io, { rc: 0, error: null, ...out });
    else {
      const more = op.describe(o.args, out);
      io.out(`${op.xenOp}: ok${more ? `, ${more}` : ''}\n`);
    }
    return EXIT_OK;
  });
}
