/**
 * `xenmem sim serve`: one simulated hypervisor for many clients over a Unix socket (docs/protocol.md). Xen knows domains, not processes: when a connection closes nothing is destroyed — its
 * servers, pages and waiting guest accesses stay — only its event-channel ports are unbound, so a new
 * connection with the same caller can bind them again and take over. Requests forwarded to its ioreq
 * handler and not yet answered get the default answer (all ones).
 */
import { createServer, type Server, type Socket } from 'node:net';
import { InputError } from '@xenmem/abi-types';
import { FrameKind, encodeFrame, encodeJson, type ErrorBody, type IoreqHandler, type SimulatorBackend } from '@xenmem/sim-protocol';
import { Hypervisor } from '../hypervisor.js';
import { StateStore, journalGenerations, journalPath, type RequestMark } from '../state/index.js';
import { Connection } from './connection.js';
import { handleFrame, type DaemonContext } from './dispatch.js';
import { EventPumps } from './events.js';
import { claimSocketPath, inodeOf, listenPrivately, releaseSocketPath } from '../socket-path.js';
import { Trace } from './trace.js';
import { existsSync, unlinkSync } from 'node:fs';
import { lstatOrNull } from '../lstat.js';
import { loadShmTransport, shmFileName, SHM_DIR, ShmArena } from './shm.js';
import { RamFileStore } from './ram-file.js';
import { checkDefaultXenstorePath, startXenstore, xenstorePathFor, xenstoreStep } from './xenstore.js';

/** Options of the simulator daemon: where its socket is, and what it simulates. */
export interface DaemonOptions {
  /** Where the Unix socket is created (mode 0600). An existing path is refused unless it is a stale socket. */
  socketPath: string;
  /**
   * The hypervisor every connection talks to (e.g. `new Hypervisor({ release })`). The daemon sets its ioreq
   * handler (replacing any set before) to forward requests to clients, and clears it on close.
   */
  hypervisor: SimulatorBackend;
  /** A file to append every hypercall and ioreq to, as JSON lines. */
  trace?: string;
  /**
   * Open connections at most (default 64). A connection beyond the limit gets one error frame (errno 24,
   * EMFILE) and is closed; the open ones are not affected.
   */
  maxConnections?: number;
  /**
   * How long a frame may stay half-sent, in ms (default 5000): a connection whose frame has started and
   * not finished by then gets an error frame (errno 110, ETIMEDOUT) and is closed. 0 or Infinity: no limit.
   */
  frameTimeoutMs?: number;
  /**
   * A state file (docs/reliability.md "Daemon state file"): when it exists it is restored into
   * `hypervisor` (which must be a `Hypervisor` of the same release, with no domains yet), with the journal
   * beside it (`FILE.journal-<n>`); the state is then written at once as a new snapshot, and every request's
   * change is appended to the journal, fsynced (with group commit), before its reply is sent. A symbolic link
   * or anything but a regular file is refused.
   */
  statePath?: string;
  /**
   * Journal bytes after which the state is compacted into a new snapshot (default 4 MiB, at least the last
   * snapshot's size; docs/reliability.md "Daemon state file"). Tests make it small to compact often.
   */
  stateCompactBytes?: number;
  /**
   * Offer the shared-memory transport (docs/protocol.md "Shared memory"; default true): ioreq servers' pages
   * live in an arena under /dev/shm that device models map, with doorbell pages for notifications. Needs
   * `@xenmem/shm-transport` on Linux; without it the daemon serves the socket alone (see `Daemon.shm`).
   * Only with a `Hypervisor`.
   */
  shm?: boolean;
  /**
   * After posting an event to a client's doorbell, spin up to this many microseconds for the client's answer
   * and take it on the daemon's thread (default 0: the doorbell's watcher thread wakes the event loop). Trades
   * the daemon's time — nothing else is served while it polls — for a shorter ioreq round trip; 0 … 1000.
   */
  shmPollUs?: number;
  /**
   * Where the xenstore's socket is created (docs/protocol.md "Xenstore socket"; default `<socketPath>.xenstore`):
   * the xenstore wire protocol for Xen's own tools and libraries (libxenstore through XENSTORED_PATH). It
   * listens before the main socket is created, so a program started once the main socket exists finds it.
   */
  xenstorePath?: string;
}

/** A running simulator daemon: its socket, its connections, and how to stop it. */
export interface Daemon {
  /** The socket path. */
  readonly address: string;
  /** Open connections (for inspection and tests). */
  readonly connections: number;
  /** Whether the state came from an existing state file (false without statePath). */
  readonly restored: boolean;
  /** The shared-memory arena's path, or why there is none (then welcome says `shm: false` and shm_open is refused). */
  readonly shm:
    | {
        /**
         * The arena file, `/dev/shm/xenmem-<pid>-<8 hex>` (mode 0600, 8192 pages of 4 KiB), that holds every ioreq
         * server's pages and the connections' doorbells; shm_open's reply names it. Removed by `close()`.
         */
        path: string;
      }
    | {
        /**
         * Why the daemon serves the socket alone, for a log line: shared memory turned off (`shm: false`), a
         * hypervisor that is not this package's `Hypervisor`, `@xenmem/shm-transport` missing or its native addon
         * not loading (not Linux, not built), or the arena file not created. shm_open then gets EOPNOTSUPP with this text.
         */
        reason: string;
      };
  /** The xenstore's socket path. */
  readonly xenstore: string;
  /** Stops listening, closes every connection and removes the socket file. The hypervisor is left as it is. */
  close(): Promise<void>;
}

export const DEFAULT_MAX_CONNECTIONS = 64;
export const DEFAULT_FRAME_TIMEOUT_MS = 5000;
/** Linux/Xen errno of the error frame a connection beyond maxConnections gets. */
const EMFILE = 24;

/** Starts the simulator daemon, serving the wire protocol. */
export async function startDaemon(options: DaemonOptions): Promise<Daemon> {
  const { socketPath, hypervisor, statePath } = options;
  const maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  const frameTimeoutMs = options.frameTimeoutMs ?? DEFAULT_FRAME_TIMEOUT_MS;
  if (!Number.isInteger(maxConnections) || maxConnections < 1) throw new InputError('maxConnections', maxConnections, 'must be an integer ≥ 1');
  if (typeof frameTimeoutMs !== 'number' || Number.isNaN(frameTimeoutMs) || frameTimeoutMs < 0) throw new InputError('frameTimeoutMs', frameTimeoutMs, 'must be a number of milliseconds ≥ 0');
  const shmPollUs = options.shmPollUs ?? 0;
  if (!Number.isInteger(shmPollUs) || shmPollUs < 0 || shmPollUs > 1000) throw new InputError('shmPollUs', shmPollUs, 'must be an integer 0 … 1000 (µs)');
  if (statePath !== undefined && !(hypervisor instanceof Hypervisor)) throw new InputError('statePath', statePath, 'needs a Hypervisor (the simulator) to save and restore');
  // The sockets first: a path in use by a running daemon is refused before its state file is touched.
  if (options.xenstorePath === undefined) checkDefaultXenstorePath(socketPath);
  await claimSocketPath(socketPath);
  await xenstoreStep(socketPath, options.xenstorePath !== undefined, () => claimSocketPath(options.xenstorePath ?? xenstorePathFor(socketPath)));
  // What start-up creates (trace, state file, arena, socket) is undone, last first, when a later step fails:
  // a daemon that does not start leaves nothing behind.
  const undo: (() => void | Promise<void>)[] = [];
  try {
    return await listening(options, { maxConnections, frameTimeoutMs, shmPollUs }, undo);
  } catch (e) {
    for (const step of undo.reverse()) {
      try {
        await step();
      } catch {
        // undo what can be undone
      }
    }
    throw e;
  }
}

/** The daemon's start once its options are checked and its socket path is free; `undo` collects what it created. */
async function listening(
  options: DaemonOptions,
  { maxConnections, frameTimeoutMs, shmPollUs }: { maxConnections: number; frameTimeoutMs: number; shmPollUs: number },
  undo: (() => void | Promise<void>)[],
): Promise<Daemon> {
  const { socketPath, hypervisor, trace: tracePath, statePath } = options;
  const trace = new Trace(tracePath);
  undo.push(() => trace.discard());
  const stateExisted = statePath !== undefined && lstatOrNull(statePath) !== null;
  const state = statePath !== undefined ? await StateStore.open(statePath, hypervisor as Hypervisor, { ...(options.stateCompactBytes !== undefined && { compactBytes: options.stateCompactBytes }) }) : null;
  if (statePath !== undefined && !stateExisted)
    undo.push(async () => {
      await state?.close();
      for (const g of journalGenerations(statePath)) unlinkSync(journalPath(statePath, g));
      unlinkSync(statePath);
    });
  // One name for this daemon's files under /dev/shm: the arena, and each guest's RAM file beside it.
  const shmName = hypervisor instanceof Hypervisor ? shmFileName() : '';
  const ram = openRamFiles(shmName, hypervisor);
  if (ram) {
    undo.push(() => {
      (hypervisor as Hypervisor).useRamStore(null);
      ram.close();
    });
    (hypervisor as Hypervisor).useRamStore(ram);
  }
  const shm = await openArena(options.shm ?? true, hypervisor, shmName);
  if ('arena' in shm) {
    (hypervisor as Hypervisor).usePageStore(shm.arena);
    undo.push(() => {
      (hypervisor as Hypervisor).usePageStore(null);
      shm.arena.close();
    });
  }
  // The xenstore listens before the main socket exists: a program started once that exists finds it.
  const xenstore = await xenstoreStep(socketPath, options.xenstorePath !== undefined, () => startXenstore(hypervisor, options.xenstorePath ?? xenstorePathFor(socketPath), state));
  undo.push(() => xenstore.server.close());
  const conns = new Set<Connection>();
  const events = new EventPumps(hypervisor, (caller, port) => [...conns].find((c) => c.caller === caller && c.ports.has(port)));
  const ctx: DaemonContext = { hv: hypervisor, trace, events, shm, shmPollUs, xenstore: xenstore.store, xenstorePath: xenstore.server.path, ...(state && { persist: (request?: RequestMark) => state.commit(request), track: <T>(start: () => T) => state.track(start) }) };
  let nextId = 1;
  // The daemon owns the hypervisor's ioreq handler while it runs (docs/protocol.md "Ioreq handlers").
  hypervisor.setIoreqHandler(ioreqForwarder(conns, trace));
  undo.push(() => hypervisor.setIoreqHandler(null));

  const onClose = (conn: Connection) => {
    conns.delete(conn);
    void dropPorts(ctx, conn, conns);
  };
  const server: Server = createServer((socket: Socket) => {
    if (conns.size >= maxConnections) return refuseConnection(socket, maxConnections);
    conns.add(new Connection(nextId++, socket, (c, f) => handleFrame(ctx, c, f), onClose, frameTimeoutMs));
  });
  server.on('error', () => {}); // accept errors (EMFILE…) must not end the daemon
  undo.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  await listenPrivately(server, socketPath);
  const ino = inodeOf(socketPath);

  return {
    address: socketPath,
    get connections() {
      return conns.size;
    },
    restored: state?.restored ?? false,
    shm: 'arena' in shm ? { path: shm.arena.path } : shm,
    xenstore: xenstore.server.path,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const c of conns) c.destroy();
      });
      events.stopAll();
      await xenstore.server.close();
      await state?.close();
      hypervisor.setIoreqHandler(null);
      if ('arena' in shm) {
        // The pages go back to plain memory first: the hypervisor outlives the daemon.
        (hypervisor as Hypervisor).usePageStore(null);
        shm.arena.close();
      }
      if (ram) {
        // So does guest RAM: what may hold bytes is copied back, and the files are removed.
        (hypervisor as Hypervisor).useRamStore(null);
        ram.close();
      }
      releaseSocketPath(socketPath, ino);
      await trace.close();
    },
  };
}

/**
 * Guest RAM in files under /dev/shm (docs/protocol.md "Guest RAM") for a `Hypervisor` on a host that has the
 * directory; null otherwise (RAM stays in plain memory and map_foreign_batch answers EOPNOTSUPP).
 */
function openRamFiles(name: string, hypervisor: SimulatorBackend): RamFileStore | null {
  if (!(hypervisor instanceof Hypervisor) || !existsSync(SHM_DIR)) return null;
  return new RamFileStore(name);
}

/** The arena when shared memory is wanted and possible, else why not. */
async function openArena(wanted: boolean, hypervisor: SimulatorBackend, name: string): Promise<{ arena: ShmArena } | { reason: string }> {
  if (!wanted) return { reason: 'turned off (shm: false)' };
  if (!(hypervisor instanceof Hypervisor)) return { reason: 'the hypervisor is not the simulator (no page store)' };
  const loaded = await loadShmTransport();
  if ('reason' in loaded) return loaded;
  try {
    return { arena: ShmArena.create(loaded.transport, name) };
  } catch (e) {
    return { reason: `the arena could not be created: ${(e as Error).message}` };
  }
}

/** A connection beyond the limit: one error frame (id 0, errno EMFILE), then closed; nothing else is read. */
function refuseConnection(socket: Socket, limit: number): void {
  socket.on('error', () => {});
  socket.on('data', () => {});
  const body: ErrorBody = { errno: EMFILE, message: `too many connections: the daemon serves at most ${limit} at once` };
  socket.end(encodeFrame(FrameKind.error, 0, encodeJson(body)), () => socket.destroy());
  setTimeout(() => socket.destroy(), 1000).unref?.();
}

/**
 * The hypervisor's IoreqHandler under the daemon: a request to a server whose emulator is domain E (one with
 * no device model attached through its pages) goes to the open connection of caller E that most recently set
 * an ioreq handler — if it is restricted, only for requests of the domain it is restricted to — and the vCPU
 * waits for its ioreq_answer. With no such connection the default answers (reads give all ones); a
 * connection that closes answers all its unanswered requests with that default.
 */
function ioreqForwarder(conns: Set<Connection>, trace: Trace): IoreqHandler {
  return (domid, request, { vcpu, emulator }) => {
    let target: Connection | undefined;
    for (const c of conns) {
      if (c.closed || c.ioreqHandler === null || c.caller !== emulator) continue;
      if (c.restrictedTo !== null && c.restrictedTo !== domid) continue;
      if (!target || c.ioreqHandler > target.ioreqHandler!) target = c;
    }
    if (!target) return undefined;
    trace.write({ call: 'ioreq_forward', conn: target.id, caller: emulator, domid, vcpu, ...request });
    return target.forwardIoreq({ domid, vcpu, emulator, request: { ...request } });
  };
}

/** Unbinds a closed connection's ports; stops its caller's event pump if no other connection needs it. */
async function dropPorts(ctx: DaemonContext, conn: Connection, open: Set<Connection>): Promise<void> {
  const caller = conn.caller;
  if (caller === null) return;
  for (const port of conn.ports) {
    try {
      await ctx.hv.unbindPort(caller, port);
    } catch {
      // the port is gone already
    }
    ctx.trace.write({ call: 'unbind', conn: conn.id, caller, port, reason: 'disconnect' });
  }
  conn.ports.clear();
  if (![...open].some((c) => c.caller === caller && c.ports.size > 0)) ctx.events.stop(caller);
}
