/**
 * Where the commands that talk to a simulator daemon get their backend from, and how `sim serve` starts
 * one. The defaults load `SocketBackend` (@xenmem/ioreq-client) and `startDaemon` (@xenmem/hypervisor-sim)
 * at run time, so commands that never touch a socket do not load them; tests inject their own (an
 * in-process Hypervisor) through runCli's third argument.
 */
import { InputError } from '@xenmem/abi-types';
import type { SimulatorBackend } from '@xenmem/sim-protocol';
import type { Hypervisor } from '@xenmem/hypervisor-sim';
import type { XenBackend } from '@xenmem/abi-types';

/** A simulator backend a command opened and must close. */
export type ConnectedBackend = SimulatorBackend & {
  /**
   * Closes the connection(s) to the daemon (a `SocketBackend` has one per caller domain it used); called once
   * when the command is done, whether it succeeded or not. The daemon's state (domains, servers, pages) stays.
   * Absent for a backend with nothing to close (an in-process Hypervisor in tests).
   */
  close?: () => Promise<void> | void;
};

/** Opens a backend to the daemon at `socketPath` whose connection speaks for domain `caller`. */
export type BackendFactory = (socketPath: string, caller: number) => Promise<ConnectedBackend>;

/** A running daemon. */
export interface DaemonHandle {
  /**
   * Stops the daemon when `sim serve` gets SIGINT/SIGTERM: stops listening, closes every connection and removes
   * the socket file and the shared-memory arena. Absent for a daemon with nothing to stop (tests).
   */
  close?(): Promise<void> | void;
  /** The xenstore's socket (absent from daemons without one); `sim serve` reports it. */
  readonly xenstore?: string;
  /** The shared-memory arena's path, or why there is none (absent from daemons that predate it); `sim serve` reports it on stderr. */
  readonly shm?:
    | {
        /** The arena file under /dev/shm (`xenmem-<pid>-<8 hex>`) that device models map for the ioreq pages and doorbells. */
        path: string;
      }
    | {
        /** Why the daemon offers no shared memory (`--no-shm`, @xenmem/shm-transport not loaded, the arena not created). */
        reason: string;
      };
}

/** What `sim serve` asks of a daemon: the subset of @xenmem/hypervisor-sim's `DaemonOptions` the CLI sets. */
export interface DaemonOptions {
  /** `--socket`: where to create the Unix socket (mode 0600); a live socket there is refused (EADDRINUSE), a stale one replaced. */
  socketPath: string;
  /**
   * The hypervisor to serve, built by `sim serve` at `--xen`'s release with the `--domain` domains already created
   * (none when a `--state` file exists: `sim serve` also passes `statePath`, and the daemon restores into it).
   */
  hypervisor: Hypervisor;
  /** JSON-lines trace file (every hypercall and ioreq), if asked for. */
  trace?: string;
  /** false: no shared-memory transport (`--no-shm`); absent or true: offered where @xenmem/shm-transport loads. */
  shm?: boolean;
  /** `--shm-poll-us`: µs the daemon spins for a device model's answer after posting an event (0 … 1000; absent: 0). */
  shmPollUs?: number;
  /** `--xenstore`: where the xenstore socket is created; absent: `<socket>.xenstore`. */
  xenstorePath?: string;
}

/**
 * Starts a daemon; `startDaemon` (this module's default) loads @xenmem/hypervisor-sim's. Rejects when it
 * cannot listen (the default turns that into a `DaemonUnavailable` that says what to do next).
 */
export type DaemonStarter = (options: DaemonOptions) => Promise<DaemonHandle>;

/** What runCli's commands take from outside: injectable for tests. */
export interface CliEnv {
  /**
   * Opens a backend for the commands that talk to a daemon (`dm`, `sim create-domain`/`destroy-domain`/`inspect`,
   * `run --socket`); default `connectBackend`, `SocketBackend.connect`. A failure should be a
   * `BackendUnavailable` (exit 1 with a hint).
   */
  connect: BackendFactory;
  /**
   * Opens this machine's Xen for `xenmem dm --backend host`, acting as domain `caller`; default `openHost`,
   * @xenmem/xen-host's `XenHost.open`. A failure should be a `HostUnavailable` (exit 1, one line).
   */
  openHost: HostFactory;
  /** Starts the daemon of `sim serve`; default `startDaemon`, @xenmem/hypervisor-sim's. */
  startDaemon: DaemonStarter;
  /** Resolves (with the signal's name) when `sim serve` should stop: SIGINT or SIGTERM. */
  untilStopped: () => Promise<string>;
}

/** The daemon at a socket cannot be reached (or @xenmem/ioreq-client cannot be loaded). Exit 1. */
export class BackendUnavailable extends Error {
  readonly socketPath: string;
  /** What to run next. */
  readonly hint: string;

  constructor(socketPath: string, reason: string, hint = `start the simulator first: xenmem sim serve --socket ${socketPath}`) {
    super(`cannot connect to ${socketPath}: ${reason}`);
    this.name = 'BackendUnavailable';
    this.socketPath = socketPath;
    this.hint = hint;
  }
}

/** This machine's Xen cannot be opened (no /dev/xen/privcmd, no permission, or @xenmem/xen-host missing). Exit 1, one line. */
export class HostUnavailable extends Error {
  /** Made with the one line printed. */
  constructor(message: string) {
    super(message);
    this.name = 'HostUnavailable';
  }
}

/** A Xen host backend a command opened and must close. */
export type HostBackend = XenBackend & {
  /** Unmaps its pages and closes the /dev/xen nodes; called once when the command is done. */
  close(): Promise<void>;
};

/** Opens this machine's Xen as domain `caller`. */
export type HostFactory = (caller: number) => Promise<HostBackend>;

/** The default host: @xenmem/xen-host's `XenHost.open({ caller })`, the package loaded on first use. */
export async function openHost(caller: number): Promise<HostBackend> {
  let host: typeof import('@xenmem/xen-host');
  try {
    host = await import('@xenmem/xen-host');
  } catch (err) {
    throw new HostUnavailable(`@xenmem/xen-host could not be loaded (${reasonOf(err)}); build it first: npm run build`);
  }
  try {
    return await host.XenHost.open({ caller });
  } catch (err) {
    if (err instanceof host.XenHostError || err instanceof host.XenHostUnavailableError) throw new HostUnavailable(err.message);
    throw err;
  }
}

/** Opens this host, runs `body`, and closes it whatever happens. */
export async function withHost<T>(env: CliEnv, caller: number, body: (backend: HostBackend) => Promise<T>): Promise<T> {
  const backend = await env.openHost(caller);
  try {
    return await body(backend);
  } finally {
    await backend.close();
  }
}

/** The daemon could not be started (socket in use, @xenmem/hypervisor-sim cannot be loaded, …). Exit 1. */
export class DaemonUnavailable extends Error {
  readonly hint: string;

  constructor(message: string, hint: string) {
    super(message);
    this.name = 'DaemonUnavailable';
    this.hint = hint;
  }
}

function reasonOf(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown };
  if (typeof e?.code === 'string') return e.code;
  return typeof e?.message === 'string' ? e.message : String(err);
}

/**
 * The default factory: @xenmem/ioreq-client's `SocketBackend.connect(socketPath, { caller, transport: 'socket' })`,
 * the package loaded on first use. A command makes a few calls and exits: the socket carries them, without
 * loading the native shared-memory addon and mapping the daemon's arena, which pay off only over many calls.
 */
export async function connectBackend(socketPath: string, caller: number): Promise<ConnectedBackend> {
  let client: typeof import('@xenmem/ioreq-client');
  try {
    client = await import('@xenmem/ioreq-client');
  } catch (err) {
    throw new BackendUnavailable(socketPath, `@xenmem/ioreq-client could not be loaded (${reasonOf(err)})`, 'build it first: npm run build');
  }
  try {
    return await client.SocketBackend.connect(socketPath, { caller, transport: 'socket' });
  } catch (err) {
    throw new BackendUnavailable(socketPath, reasonOf(err));
  }
}

/** The default daemon: @xenmem/hypervisor-sim's `startDaemon`, the package loaded on first use. */
export async function startDaemon(options: DaemonOptions): Promise<DaemonHandle> {
  let sim: typeof import('@xenmem/hypervisor-sim');
  try {
    sim = await import('@xenmem/hypervisor-sim');
  } catch (err) {
    throw new DaemonUnavailable(`@xenmem/hypervisor-sim could not be loaded (${reasonOf(err)})`, 'build it first: npm run build');
  }
  try {
    return await sim.startDaemon(options);
  } catch (err) {
    if (err instanceof InputError) throw asFlagError(err);
    const code = reasonOf(err);
    if (code === 'EADDRINUSE')
      throw new DaemonUnavailable(`socket ${options.socketPath} is in use (EADDRINUSE)`, `stop the xenmem sim serve that owns it, or pick another --socket`);
    throw new DaemonUnavailable(`cannot listen on ${options.socketPath} (${code})`, 'pick another --socket in a writable directory');
  }
}

/** DaemonOptions fields as `sim serve` spells them. */
const SERVE_FLAGS: Record<string, string> = { socketPath: '--socket', xenstorePath: '--xenstore', trace: '--trace', state: '--state', statePath: '--state', shmPollUs: '--shm-poll-us' };

/** The daemon's refusal of an option, named by its `sim serve` flag (exit 2). */
function asFlagError(err: InputError): InputError {
  const flag = SERVE_FLAGS[err.argument];
  return flag === undefined ? err : err.renamed(flag);
}

/** Resolves on the first SIGINT or SIGTERM. */
export function untilSignal(): Promise<string> {
  return new Promise((resolve) => {
    const stop = (signal: string) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

export const defaultEnv: CliEnv = { connect: connectBackend, openHost, startDaemon, untilStopped: untilSignal };

/** Opens a backend, runs `body`, and closes the backend whatever happens. */
export async function withBackend<T>(env: CliEnv, socketPath: string, caller: number, body: (backend: ConnectedBackend) => Promise<T>): Promise<T> {
  const backend = await env.connect(socketPath, caller);
  try {
    return await body(backend);
  } finally {
    await backend.close?.();
  }
}
