/**
 * Maps each request frame to one call of the hypervisor, on behalf of the connection's caller domain.
 * Xen's permission rules are the hypervisor's (it is given the caller); the daemon adds what privcmd adds:
 * a connection restricted to a domain gets EPERM for anything naming another domain.
 */
import {
  CONST,
  ERRNO,
  InputError,
  STRUCTS,
  XenError,
  dmOpByNumber,
  hvmOpByNumber,
  limitEntries,
  type LayoutId,
  type HypercallOutcome,
  type SharedPage,
} from '@xenmem/abi-types';
import {
  FrameKind,
  HELLO_FEATURES,
  WIRE_PAGE_SIZE,
  WIRE_PROTOCOL_VERSION,
  WireError,
  decodeAcquireResource,
  decodeBindInterdomain,
  decodeDmOpRequest,
  decodeHello,
  decodeHvmOpRequest,
  decodeJson,
  decodeLocalPort,
  decodePageHandle,
  decodeMapForeignGfn,
  decodeMapForeignBatch,
  decodePopulatePhysmap,
  encodeRamMappings,
  guestRamReadFromJson,
  guestRamWriteFromJson,
  bytesToHex,
  decodePageBytes,
  decodeRestrict,
  decodeSchedOpRequest,
  encodeHypercallDone,
  encodeJson,
  encodePages,
  encodePort,
  encodeStatus,
  frameKindName,
  guestAccessFromJson,
  guestAccessResultToJson,
  hex,
  inspectionToJson,
  ioreqAnswerFromJson,
  setIoreqHandlerFromJson,
  benchGuestAccessesFromJson,
  xenReason,
  daemonReason,
  big,
  type DomainConfig,
  type ErrorBody,
  type Frame,
  type ShmOpenReply,
  type ShmPageReply,
  type SimulatorBackend,
  type Welcome,
} from '@xenmem/sim-protocol';
import { Hypervisor } from '../hypervisor.js';
import type { Connection } from './connection.js';
import type { Xenstore } from '../xenstore/xenstore.js';
import { Doorbell, type ShmArena } from './shm.js';
import type { EventPumps } from './events.js';
import { dmOpTraceArgs, hvmOpTraceArgs, type Trace } from './trace.js';
import type { RequestMark } from '../state/store.js';

export interface DaemonContext {
  hv: SimulatorBackend;
  trace: Trace;
  events: EventPumps;
  /** The shared-memory arena, or why the daemon offers none (docs/protocol.md "Shared memory"). */
  shm: { arena: ShmArena } | { reason: string };
  /** How long the daemon polls a doorbell for the answer after posting an event (µs; 0: never). */
  shmPollUs: number;
  /**
   * Records the hypervisor's state change (the daemon's statePath) in the journal; called after every request
   * handled by a HANDLERS entry, success or failure. Its reply goes out once the promise resolves (the change
   * and everything before it durable); a rejection replaces the reply by an EIO error frame.
   */
  persist?: (request?: RequestMark) => Promise<void>;
  /**
   * Runs a handler's synchronous beginning as one request of the state store (StateStore.track), whose mark goes
   * to `persist`: a request whose call had changed something that a failed write then undid gets EIO.
   */
  track?: <T>(start: () => T) => [RequestMark, T];
  /** The xenstore: domains get their home there when created, lose it when destroyed. */
  xenstore?: Xenstore;
  /** The xenstore's socket path, for the welcome. */
  xenstorePath?: string;
}

/** errno of the error frame sent instead of a reply whose state change could not be saved. */
const EIO = ERRNO.EIO.value;

const EPERM = ERRNO.EPERM.value;
const EINVAL = ERRNO.EINVAL.value;
const ENOSYS = ERRNO.ENOSYS.value;
const DOMID_FIRST_RESERVED = CONST.domid.first_reserved;
/** HVMOP_op_mask (≤4.8, the releases that have one): the low bits are the op, the rest continuation state. */
const HVMOP_OP_MASK = limitEntries('hvmopOpMask')[0]!.value;

type Reply = { kind: number; payload: Uint8Array } | null;

/** Handles one frame. Never throws: every failure becomes an error frame (and, if fatal, the end of the connection). */
export function handleFrame(ctx: DaemonContext, conn: Connection, frame: Frame): void {
  try {
    if (conn.caller === null) return hello(ctx, conn, frame);
    // Applied before any later frame of this connection is looked at (docs/protocol.md "Ordering").
    if (frame.kind === FrameKind.pageWrite) {
      const w = decodePageBytes(frame.payload);
      return conn.writePage(w.handle, w.offset, w.bytes);
    }
    if (frame.kind === FrameKind.restrict) return restrict(conn, frame);
    // Both taken at once, in order: an answer lets the waiting vCPU go on before later frames are looked at.
    if (frame.kind === FrameKind.setIoreqHandler) return setIoreqHandler(ctx, conn, frame);
    if (frame.kind === FrameKind.ioreqAnswer) {
      const a = ioreqAnswerFromJson(body(frame.payload, 'ioreq_answer'));
      return conn.answerIoreq(a.id, a.data);
    }
    const handler = HANDLERS[frame.kind];
    if (!handler) throw new WireError(`unknown frame kind 0x${frame.kind.toString(16)}${frameKindName(frame.kind) ? ` (${frameKindName(frame.kind)} is not a request)` : ''}`);
    const start = () => handler(ctx, conn, frame.payload);
    const [request, replied] = ctx.track ? ctx.track(start) : [undefined, start()];
    replied.then(
      (reply) => afterSaved(ctx, conn, frame.id, request, () => reply && conn.send(reply.kind, frame.id, reply.payload)),
      (e: unknown) => afterSaved(ctx, conn, frame.id, request, () => conn.sendError(frame.id, errorBody(e))),
    );
  } catch (e) {
    if (e instanceof WireError) conn.fail(frame.id, e);
    else conn.sendError(frame.id, errorBody(e));
  }
}

/**
 * Sends a reply once its change is durable (the guarantee of docs/reliability.md: a reply received means its
 * change survives a kill). When the change cannot be written the reply is replaced by an error frame (errno 5,
 * EIO, reason `state-not-durable`): by then the store has set the running state back to what the files hold,
 * so the call left nothing behind (docs/reliability.md "Disk full"); so is the reply of a request still running
 * then whose call had changed something that the rollback undid (`request`'s mark says so). Any other reply,
 * an error the handler gave included, goes out as it is.
 */
function afterSaved(ctx: DaemonContext, conn: Connection, id: number, request: RequestMark | undefined, reply: () => void): void {
  if (!ctx.persist) return reply();
  ctx.persist(request).then(reply, (e: unknown) =>
    conn.sendError(id, { errno: EIO, message: `the request was ${(e as { partly?: boolean }).partly ? 'partly ' : ''}undone: ${(e as Error).message}`, reason: daemonReason('state-not-durable') }),
  );
}

function hello(ctx: DaemonContext, conn: Connection, frame: Frame): void {
  if (frame.kind !== FrameKind.hello) throw new WireError('the first frame must be hello', { fatal: true });
  let h;
  try {
    h = decodeHello(frame.payload);
  } catch (e) {
    throw new WireError((e as Error).message, { fatal: true });
  }
  if (h.protocol !== WIRE_PROTOCOL_VERSION) throw new WireError(`protocol ${h.protocol} is not supported (this daemon speaks ${WIRE_PROTOCOL_VERSION})`, { fatal: true });
  if (h.caller >= DOMID_FIRST_RESERVED) throw new WireError(`caller 0x${h.caller.toString(16)} is a reserved domid, not a domain`, { fatal: true });
  conn.caller = h.caller;
  conn.wantsReasons = ((h.features ?? 0) & HELLO_FEATURES.reasons) !== 0;
  const welcome: Welcome = { protocol: WIRE_PROTOCOL_VERSION, release: ctx.hv.release, shm: 'arena' in ctx.shm, ...(ctx.xenstorePath !== undefined && { xenstore: ctx.xenstorePath }) };
  conn.send(FrameKind.welcome, frame.id, encodeJson(welcome));
}

/**
 * privcmd's IOCTL_PRIVCMD_RESTRICT: to the same domain again is a no-op, to another EINVAL. A connection that
 * opened the shared-memory arena (which holds every domain's ioreq pages) cannot be restricted: EPERM.
 */
function restrict(conn: Connection, frame: Frame): void {
  const domid = decodeRestrict(frame.payload);
  let rc = 0;
  if (conn.doorbell !== null) rc = -EPERM;
  else if (conn.restrictedTo !== null && conn.restrictedTo !== domid) rc = -EINVAL;
  else conn.restrictedTo = domid;
  conn.send(FrameKind.status, frame.id, encodeStatus(rc));
}

/** Orders set_ioreq_handler frames across connections: the most recent handler of a caller gets its requests. */
let handlerSequence = 0;

/** set_ioreq_handler { enabled }: this connection plays the device model for its caller's servers (or stops). */
function setIoreqHandler(ctx: DaemonContext, conn: Connection, frame: Frame): void {
  const enabled = setIoreqHandlerFromJson(body(frame.payload, 'set_ioreq_handler'));
  conn.ioreqHandler = enabled ? ++handlerSequence : null;
  ctx.trace.write({ call: 'set_ioreq_handler', conn: conn.id, caller: conn.caller!, enabled });
  conn.send(FrameKind.status, frame.id, encodeStatus(0));
}

const allowed = (conn: Connection, domid: number) => conn.restrictedTo === null || conn.restrictedTo === domid;

function refuseControl(conn: Connection, domid: unknown, op: string): void {
  if (typeof domid === 'number' && !allowed(conn, domid)) throw new XenError('EPERM', op, `the connection is restricted to domain ${conn.restrictedTo}`);
}

/**
 * The domain an hvm_op argument names: its struct's `domid` field at offset 0 (every HVMOP the tools use
 * has one). An op without it is refused on a restricted connection, as privcmd refuses a restricted fd's
 * other hypercalls.
 */
function hvmOpDomid(op: number, arg: Uint8Array): number | null {
  const struct = hvmOpByNumber(op & HVMOP_OP_MASK)?.struct;
  const layout = struct ? STRUCTS[struct as LayoutId] : undefined;
  const field = layout?.fields.find((f) => f.name === 'domid');
  if (!field || field.size !== 2 || arg.length < field.offset + 2) return null;
  return new DataView(arg.buffer, arg.byteOffset, arg.byteLength).getUint16(field.offset, true);
}

type Handler = (ctx: DaemonContext, conn: Connection, payload: Uint8Array) => Promise<Reply>;

const json = (value: unknown): Reply => ({ kind: FrameKind.json, payload: encodeJson(value) });

function pagesReply(conn: Connection, rc: number, pages: SharedPage[]): Reply {
  return { kind: FrameKind.pages, payload: encodePages({ rc, pages: pages.map((p) => conn.addPage(p)) }) };
}

function needs(ctx: DaemonContext, method: keyof SimulatorBackend): boolean {
  return typeof ctx.hv[method] === 'function';
}

/**
 * A notification from the client on one of its local ports, by frame or through its doorbell: only ports
 * this connection bound (another connection's are EINVAL, as are ports of a doorbell it never bound).
 */
async function notifyPort(ctx: DaemonContext, conn: Connection, port: number, via: 'frame' | 'doorbell'): Promise<number> {
  const rc = !needs(ctx, 'notify') ? -ENOSYS : conn.ports.has(port) ? await ctx.hv.notify(conn.caller!, port) : -EINVAL;
  ctx.trace.write({ call: 'notify', conn: conn.id, caller: conn.caller!, port, rc, ...(via === 'doorbell' && { via }) });
  return rc;
}

/** A hypercall refused by the handle's restriction (privcmd's, before Xen sees it). */
const RESTRICTED: HypercallOutcome = { rc: -EPERM, continuations: 0, progress: null, reason: xenReason('handle-restricted') };

const HANDLERS: Record<number, Handler> = {
  async [FrameKind.dmOp](ctx, conn, payload) {
    const { domid, bufs } = decodeDmOpRequest(payload);
    const op = bufs[0] && bufs[0].length >= 4 ? new DataView(bufs[0].buffer, bufs[0].byteOffset).getUint32(0, true) : null;
    const { reason, ...outcome } = allowed(conn, domid) ? await ctx.hv.dmOp(conn.caller!, domid, bufs) : RESTRICTED;
    ctx.trace.write({ call: 'dm_op', conn: conn.id, caller: conn.caller!, domid, op, name: op === null ? null : (dmOpByNumber(op)?.name ?? null), args: dmOpTraceArgs(bufs[0], ctx.hv.release), ...outcome });
    return { kind: FrameKind.hypercallDone, payload: encodeHypercallDone({ ...outcome, bufs, ...(reason && conn.wantsReasons && { reason }) }) };
  },

  async [FrameKind.hvmOp](ctx, conn, payload) {
    const { op, arg } = decodeHvmOpRequest(payload);
    const domid = hvmOpDomid(op, arg);
    const permitted = conn.restrictedTo === null || domid === conn.restrictedTo;
    const { reason, ...outcome } = permitted ? await ctx.hv.hvmOp(conn.caller!, op, arg) : RESTRICTED;
    ctx.trace.write({ call: 'hvm_op', conn: conn.id, caller: conn.caller!, domid, op, name: hvmOpByNumber(op & HVMOP_OP_MASK)?.name ?? null, args: hvmOpTraceArgs(op & HVMOP_OP_MASK, arg), ...outcome });
    return { kind: FrameKind.hypercallDone, payload: encodeHypercallDone({ ...outcome, bufs: [arg], ...(reason && conn.wantsReasons && { reason }) }) };
  },

  /**
   * sched_op: SCHEDOP_remote_shutdown names its domain in the struct (domain_id), checked against the
   * connection's restriction like an hvm_op's; the argument is copied back unchanged (Xen writes nothing).
   */
  async [FrameKind.schedOp](ctx, conn, payload) {
    const { cmd, arg } = decodeSchedOpRequest(payload);
    const domid = arg.length >= 2 ? new DataView(arg.buffer, arg.byteOffset, arg.byteLength).getUint16(0, true) : null;
    const permitted = conn.restrictedTo === null || domid === conn.restrictedTo;
    const schedOp = ctx.hv.schedOp?.bind(ctx.hv);
    const { reason, ...outcome } = !schedOp ? { rc: -ENOSYS, continuations: 0, progress: null, reason: undefined } : permitted ? await schedOp(conn.caller!, cmd, arg) : RESTRICTED;
    ctx.trace.write({ call: 'sched_op', conn: conn.id, caller: conn.caller!, domid, cmd, ...outcome });
    return { kind: FrameKind.hypercallDone, payload: encodeHypercallDone({ ...outcome, bufs: [arg], ...(reason && conn.wantsReasons && { reason }) }) };
  },

  async [FrameKind.acquireResource](ctx, conn, payload) {
    const q = decodeAcquireResource(payload);
    if (!needs(ctx, 'acquireResource')) return pagesReply(conn, -ENOSYS, []);
    const r = allowed(conn, q.domid) ? await ctx.hv.acquireResource(conn.caller!, q.domid, q.type, q.id, q.frame, q.nrFrames) : { rc: -EPERM, pages: [] };
    ctx.trace.write({ call: 'acquire_resource', conn: conn.id, caller: conn.caller!, ...q, rc: r.rc, pages: r.pages.length });
    return pagesReply(conn, r.rc, r.pages);
  },

  async [FrameKind.mapForeignGfn](ctx, conn, payload) {
    const q = decodeMapForeignGfn(payload);
    if (!needs(ctx, 'mapForeignGfn')) return pagesReply(conn, -ENOSYS, []);
    const r = allowed(conn, q.domid) ? await ctx.hv.mapForeignGfn(conn.caller!, q.domid, q.gfn) : { rc: -EPERM, page: null };
    ctx.trace.write({ call: 'map_foreign_gfn', conn: conn.id, caller: conn.caller!, domid: q.domid, gfn: hex(q.gfn), rc: r.rc });
    return pagesReply(conn, r.rc, r.page ? [r.page] : []);
  },

  /**
   * memory_op(XENMEM_populate_physmap): rc is the extents populated (docs/protocol.md "Guest RAM"). A restricted
   * connection gets EPERM for it, as privcmd refuses every IOCTL_PRIVCMD_HYPERCALL on a restricted handle.
   */
  async [FrameKind.populatePhysmap](ctx, conn, payload) {
    const q = decodePopulatePhysmap(payload);
    const { reason, ...outcome } = conn.restrictedTo === null ? await ctx.hv.populatePhysmap(conn.caller!, q.domid, q.extentOrder, q.memFlags, q.gpfns) : RESTRICTED;
    ctx.trace.write({ call: 'populate_physmap', conn: conn.id, caller: conn.caller!, domid: q.domid, extentOrder: q.extentOrder, memFlags: q.memFlags, gpfns: q.gpfns.map(hex), ...outcome });
    return { kind: FrameKind.hypercallDone, payload: encodeHypercallDone({ ...outcome, bufs: [], ...(reason && conn.wantsReasons && { reason }) }) };
  },

  /** Guest RAM pages as offsets in the domain's RAM file (docs/protocol.md "Guest RAM"). */
  async [FrameKind.mapForeignBatch](ctx, conn, payload) {
    const q = decodeMapForeignBatch(payload);
    const reply = (rc: number) => ({ kind: FrameKind.ramMappings, payload: encodeRamMappings({ rc, path: '', mappings: [] }) });
    if (!(ctx.hv instanceof Hypervisor)) return reply(-ENOSYS);
    if (!allowed(conn, q.domid)) return reply(-EPERM);
    const r = await ctx.hv.mapForeignBatch(conn.caller!, q.domid, q.gfns);
    ctx.trace.write({ call: 'map_foreign_batch', conn: conn.id, caller: conn.caller!, domid: q.domid, count: q.gfns.length, rc: r.rc, failed: r.errs.filter((e) => e !== 0).length });
    if (r.rc !== 0) return reply(r.rc);
    const mappings = r.errs.map((err, i) => ({ err, offset: err === 0 ? q.gfns[i]! * BigInt(WIRE_PAGE_SIZE) : 0n }));
    return { kind: FrameKind.ramMappings, payload: encodeRamMappings({ rc: 0, path: r.path!, mappings }) };
  },

  async [FrameKind.guestRamWrite](ctx, conn, payload) {
    const { domid, gpa, bytes } = guestRamWriteFromJson(body(payload, 'guest_ram_write'));
    refuseControl(conn, domid, 'guest_ram_write');
    await ctx.hv.guestRamWrite(domid, gpa, bytes);
    ctx.trace.write({ call: 'guest_ram_write', conn: conn.id, caller: conn.caller!, domid, gpa: hex(gpa), length: bytes.length });
    return json(null);
  },

  async [FrameKind.guestRamRead](ctx, conn, payload) {
    const { domid, gpa, length } = guestRamReadFromJson(body(payload, 'guest_ram_read'));
    refuseControl(conn, domid, 'guest_ram_read');
    return json({ hex: bytesToHex(await ctx.hv.guestRamRead(domid, gpa, length)) });
  },

  async [FrameKind.bindInterdomain](ctx, conn, payload) {
    const q = decodeBindInterdomain(payload);
    if (!needs(ctx, 'bindInterdomain')) return { kind: FrameKind.port, payload: encodePort({ rc: -ENOSYS, localPort: 0 }) };
    const r = allowed(conn, q.remoteDomid) ? await ctx.hv.bindInterdomain(conn.caller!, q.remoteDomid, q.remotePort) : { rc: -EPERM, localPort: 0 };
    ctx.trace.write({ call: 'bind_interdomain', conn: conn.id, caller: conn.caller!, ...q, ...r });
    if (r.rc === 0) {
      if (conn.closed) await ctx.hv.unbindPort(conn.caller!, r.localPort);
      else (conn.ports.add(r.localPort), ctx.events.ensure(conn.caller!));
    }
    return { kind: FrameKind.port, payload: encodePort(r) };
  },

  async [FrameKind.unbindPort](ctx, conn, payload) {
    const port = decodeLocalPort(payload);
    // Only ports this connection bound: another connection's ports are not this one's to close.
    const rc = !needs(ctx, 'unbindPort') ? -ENOSYS : conn.ports.has(port) ? await ctx.hv.unbindPort(conn.caller!, port) : -EINVAL;
    if (rc === 0) conn.ports.delete(port);
    ctx.trace.write({ call: 'unbind', conn: conn.id, caller: conn.caller!, port, rc });
    return { kind: FrameKind.status, payload: encodeStatus(rc) };
  },

  async [FrameKind.notify](ctx, conn, payload) {
    return { kind: FrameKind.status, payload: encodeStatus(await notifyPort(ctx, conn, decodeLocalPort(payload), 'frame')) };
  },

  async [FrameKind.shmOpen](ctx, conn) {
    if (!('arena' in ctx.shm)) throw new XenError('EOPNOTSUPP', 'shm_open', `the daemon offers no shared memory: ${ctx.shm.reason}`);
    if (conn.restrictedTo !== null) throw new XenError('EPERM', 'shm_open', `the connection is restricted to domain ${conn.restrictedTo}, and the arena holds every domain's pages`);
    const { arena } = ctx.shm;
    if (conn.doorbell === null) {
      const offset = arena.allocDoorbell();
      if (offset === null) throw new XenError('ENOSPC', 'shm_open', `the arena's ${arena.pagesInUse} pages are all in use`);
      conn.doorbell = new Doorbell(arena, offset, (port) => {
        // Not a request: nothing to reply to, so a failure has nowhere to go but the trace; the state is saved as after a notify frame.
        notifyPort(ctx, conn, port, 'doorbell').then(
          () => void ctx.persist?.().catch(() => {
            // the next reply reports it
          }),
          (e: unknown) => ctx.trace.write({ call: 'notify', conn: conn.id, caller: conn.caller!, port, via: 'doorbell', error: String(e) }),
        );
      }, ctx.shmPollUs);
    }
    ctx.trace.write({ call: 'shm_open', conn: conn.id, caller: conn.caller!, doorbell: conn.doorbell.offset });
    return json({ path: arena.path, size: arena.region.size, doorbell: conn.doorbell.offset } satisfies ShmOpenReply);
  },

  async [FrameKind.shmPage](ctx, conn, payload) {
    const handle = decodePageHandle(payload);
    if (!('arena' in ctx.shm) || conn.doorbell === null) throw new XenError('EINVAL', 'shm_page', 'shm_open comes first');
    const offset = conn.sharePage(handle, ctx.shm.arena);
    if (offset === null) throw new XenError('ENOENT', 'shm_page', `page ${handle} does not live in the arena (only ioreq servers' pages do; guest RAM lives in the domain's RAM file, which map_foreign_batch names)`);
    return json({ offset } satisfies ShmPageReply);
  },

  async [FrameKind.createDomain](ctx, conn, payload) {
    const config = body(payload, 'create_domain') as unknown as DomainConfig;
    refuseControl(conn, config.domid, 'create_domain');
    await ctx.hv.createDomain(config);
    ctx.xenstore?.introduceDomain(config.domid, undefined);
    ctx.trace.write({ call: 'create_domain', conn: conn.id, caller: conn.caller!, ...config });
    return json(null);
  },

  async [FrameKind.destroyDomain](ctx, conn, payload) {
    const { domid } = body(payload, 'destroy_domain');
    refuseControl(conn, domid, 'destroy_domain');
    await ctx.hv.destroyDomain(domid as number);
    ctx.xenstore?.releaseDomain(domid as number);
    ctx.trace.write({ call: 'destroy_domain', conn: conn.id, caller: conn.caller!, domid });
    return json(null);
  },

  async [FrameKind.seedP2m](ctx, conn, payload) {
    const j = body(payload, 'seed_p2m');
    refuseControl(conn, j.domid, 'seed_p2m');
    await ctx.hv.seedP2m(j.domid as number, big(j.first_pfn, 'first_pfn'), j.nr as number, j.p2m as number);
    ctx.trace.write({ call: 'seed_p2m', conn: conn.id, caller: conn.caller!, ...j });
    return json(null);
  },

  async [FrameKind.guestAccess](ctx, conn, payload) {
    const access = guestAccessFromJson(body(payload, 'guest_access'));
    refuseControl(conn, access.domid, 'guest_access');
    const r = await ctx.hv.guestAccess(access);
    ctx.trace.write({ call: 'guest_access', conn: conn.id, caller: conn.caller!, ...access, outcome: r.outcome, value: r.value });
    ctx.trace.ioreqs(conn.id, conn.caller!, access.domid, r.ioreqs);
    return json(guestAccessResultToJson(r));
  },

  /**
   * Benchmark control (docs/protocol.md): the same guest access `warmup` times untimed, then `count` times,
   * one after another, each timed from issue to completion inside the daemon, so a benchmark measures the
   * ioreq path and not its own client's socket. One trace line for the whole batch.
   */
  async [FrameKind.benchGuestAccesses](ctx, conn, payload) {
    const { access, count, warmup } = benchGuestAccessesFromJson(body(payload, 'bench_guest_accesses'));
    refuseControl(conn, access.domid, 'bench_guest_accesses');
    for (let i = 0; i < warmup; i++) await ctx.hv.guestAccess(access);
    const latenciesNs: number[] = new Array<number>(count);
    const outcomes: Record<string, number> = {};
    for (let i = 0; i < count; i++) {
      const t0 = process.hrtime.bigint();
      const r = await ctx.hv.guestAccess(access);
      latenciesNs[i] = Number(process.hrtime.bigint() - t0);
      outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
    }
    ctx.trace.write({ call: 'bench_guest_accesses', conn: conn.id, caller: conn.caller!, ...access, count, warmup, outcomes });
    return json({ latenciesNs, outcomes });
  },

  async [FrameKind.listDomains](ctx, conn) {
    const domids = (await ctx.hv.listDomains()).filter((domid) => allowed(conn, domid));
    return json({ domids });
  },

  async [FrameKind.inspect](ctx, conn, payload) {
    const { domid } = body(payload, 'inspect');
    refuseControl(conn, domid, 'inspect');
    return json(inspectionToJson(await ctx.hv.inspect(domid as number)));
  },
};

function body(payload: Uint8Array, what: string): Record<string, unknown> {
  const j = decodeJson(payload, what);
  if (j === null) throw new WireError(`${what} body must be a JSON object`);
  return j;
}

/** An error frame's body for anything a handler threw. */
export function errorBody(e: unknown): ErrorBody {
  if (e instanceof XenError) return { errno: e.errno, message: e.message };
  if (e instanceof WireError) return { errno: e.errno, message: e.message };
  if (e instanceof InputError) return { errno: 0, message: e.message, argument: e.argument, value: jsonSafe(e.value) };
  return { errno: 0, message: e instanceof Error ? e.message : String(e) };
}

function jsonSafe(v: unknown): unknown {
  try {
    return JSON.parse(JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? hex(x) : x)) ?? 'null');
  } catch {
    return String(v);
  }
}
