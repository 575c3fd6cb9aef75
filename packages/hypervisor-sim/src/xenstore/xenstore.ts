/**
 * A xenstored for the simulator: the tree, the connections' watches and transactions, the domains' home
 * directories, and the handling of one wire message (tools/xenstore/xenstored_core.c process_message() @
 * RELEASE-4.17.0). Watches and transactions belong to a connection and end with it; only the tree is state.
 */
import { CONST } from '@xenmem/abi-types';
import { domainPath } from './path.js';
import * as ops from './operations.js';
import type { XsCaller, XsChange } from './operations.js';
import type { XsPerm } from './perms.js';
import { XsTransaction } from './transaction.js';
import type { XsTree } from './tree.js';
import { addWatch, fireWatches, initialEvent, removeWatch, type Watcher } from './watches.js';
import { copyBytes, oneArg, strings, stringsPayload, type XsMessage } from './wire.js';
import { XsError } from './xs-error.js';

/** One client of the xenstore: its caller, watches and open transactions. */
export interface XsConnection extends Watcher {
  /** Its open transactions, by id. */
  transactions: Map<number, XsTransaction>;
  /** The next transaction id to try (a connection's ids start at 1). */
  nextTransactionId: number;
  /** Sends one message (a reply or an event) to the client. */
  send(m: XsMessage): void;
  /** Messages waiting for a change to become durable, in order. */
  queue: Promise<void>;
  /** Whether `queue` holds messages not yet sent (a new one must go behind them). */
  pending: boolean;
}

/** The outcome of one request: the reply's type and payload, and what to do once it is sent. */
interface Handled {
  type: number;
  payload: Buffer;
  after?: () => void;
}

type Handler = (xs: Xenstore, conn: XsConnection, tx: XsTransaction | null, m: XsMessage) => Handled;

const T = CONST.xs_wire_type;
const OK = Buffer.from('OK\0', 'latin1');

/** Requests only a privileged caller may make (XS_FLAG_PRIV); the others take their transaction id unless XS_FLAG_NOTID. */
const PRIVILEGED_ONLY = new Set<number>([T.control, T.introduce, T.release, T.is_domain_introduced, T.resume, T.set_target]);
const NO_TRANSACTION = new Set<number>([T.watch, T.unwatch]);

export class Xenstore {
  readonly connections = new Set<XsConnection>();
  /** Permissions set on the special watch names (set_perms_special()). */
  readonly specialPerms = new Map<string, XsPerm[]>();

  /** Told when a domain gets or loses its home (introduceDomain / releaseDomain). */
  onDomains: (domid: number, live: boolean) => void = () => {};
  /** Messages held while a request is handled, sent once its change is durable. */
  private outbox: [XsConnection, XsMessage][] | null = null;
  private changedTree = false;
  /** The latest change's record: resolves (true: written) once it is durable. */
  private lastDurable: Promise<boolean> | null = null;

  constructor(
    readonly tree: XsTree,
    /** Whether a domain exists (permission entries naming others grant nothing). */
    readonly domainExists: (domid: number) => boolean,
    /**
     * Makes the tree's changes durable (the daemon's state journal); a request's reply, and the events it
     * causes, go out once it resolves. A rejection turns that reply into EIO.
     */
    private readonly persist?: () => Promise<void>,
  ) {
    if (!tree.get(domainPath(0))) this.introduceDomain(0, 'Domain-0', false);
  }

  /** A new connection of domain `domid` (the socket's callers are domain 0, privileged). */
  connect(domid: number, send: (m: XsMessage) => void): XsConnection {
    const caller: XsCaller = { domid, privileged: domid === 0, home: domainPath(domid) };
    const conn: XsConnection = {
      caller,
      watches: [],
      transactions: new Map(),
      nextTransactionId: 1,
      queue: Promise.resolve(),
      pending: false,
      send,
      sendEvent: (path, token) => this.deliver(conn, { type: T.watch_event, reqId: 0, txId: 0, payload: stringsPayload([path, token]) }),
    };
    this.connections.add(conn);
    return conn;
  }

  /** A connection's end: its watches and transactions go with it. */
  disconnect(conn: XsConnection): void {
    this.connections.delete(conn);
  }

  /**
   * A new domain's home, as the toolstack writes it: /local/domain/N with `domid` (and `name` if given), owned
   * by N; then @introduceDomain fires (libxl__domain_make(), xenstored's domain_introduce()).
   */
  introduceDomain(domid: number, name: string | undefined, fire = true): void {
    const root: XsCaller = { domid: 0, privileged: true, home: domainPath(0) };
    const home = domainPath(domid);
    const changes = [...ops.mkdir(this.tree, root, home), ...ops.write(this.tree, root, `${home}/domid`, Buffer.from(String(domid)))];
    if (name !== undefined) changes.push(...ops.write(this.tree, root, `${home}/name`, Buffer.from(name)));
    this.onDomains(domid, true);
    for (const n of [home, `${home}/domid`, ...(name !== undefined ? [`${home}/name`] : [])]) changes.push(...ops.setPerms(this.tree, root, n, ['n' + domid], () => true));
    if (fire) this.fire([...changes, { name: '@introduceDomain', exact: false, permSets: [] }]);
  }

  /** A destroyed domain: its home goes, and @releaseDomain fires (libxl__destroy_domid(), domain_cleanup()). */
  releaseDomain(domid: number): void {
    const root: XsCaller = { domid: 0, privileged: true, home: domainPath(0) };
    const changes = this.tree.get(domainPath(domid)) ? ops.rm(this.tree, root, domainPath(domid)) : [];
    this.onDomains(domid, false);
    this.fire([...changes, { name: '@releaseDomain', exact: false, permSets: [] }]);
  }

  private fire(changes: XsChange[]): void {
    for (const c of changes) fireWatches(this.connections, c, this.specialPerms);
  }

  /** Handles one request and sends its reply (and any events); never throws. */
  handle(conn: XsConnection, m: XsMessage): void {
    this.outbox = [];
    this.changedTree = false;
    let reply: XsMessage;
    let then: (() => void) | undefined;
    try {
      const out = this.run(conn, m);
      // send_reply(): a reply that does not fit the wire is E2BIG instead.
      if (out.payload.length > CONST.xs_limits.payload_max) throw new XsError('E2BIG', `type ${m.type}`, `reply of ${out.payload.length} bytes`);
      reply = { type: out.type, reqId: m.reqId, txId: m.txId, payload: out.payload };
      then = out.after;
    } catch (e) {
      reply = errorReply(m, e instanceof XsError ? e.code : 'EIO');
    }
    const held = this.outbox;
    this.outbox = null;
    // A change's reply waits for its record; any other reply for the records before it (it may show them).
    const durable = this.changedTree && this.persist ? (this.lastDurable = this.persist().then(() => true, () => false)) : null;
    const after = durable ?? this.lastDurable?.then(() => true) ?? null;
    this.post(conn, reply, after, durable ? errorReply(m, 'EIO') : undefined);
    for (const [c, e] of held) this.post(c, e, after);
    then?.();
  }

  private run(conn: XsConnection, m: XsMessage): Handled {
    const handler = HANDLERS.get(m.type);
    if (!handler) throw new XsError('ENOSYS', `type ${m.type}`, 'not a request xenstored handles');
    if (PRIVILEGED_ONLY.has(m.type) && !conn.caller.privileged) throw new XsError('EACCES', `type ${m.type}`, 'privileged callers only');
    let tx: XsTransaction | null = null;
    if (!NO_TRANSACTION.has(m.type) && m.txId !== 0) {
      tx = conn.transactions.get(m.txId) ?? null;
      if (!tx) throw new XsError('ENOENT', `type ${m.type}`, `no transaction ${m.txId} on this connection`);
    }
    return handler(this, conn, tx, m);
  }

  /** A message to a client: held while a request is handled, otherwise sent in order behind earlier ones. */
  private deliver(conn: XsConnection, m: XsMessage): void {
    if (this.outbox) this.outbox.push([conn, m]);
    else this.post(conn, m, null);
  }

  /** Sends `m` after the connection's earlier messages and after `durable` (then `failed` instead of `m` if it failed). */
  private post(conn: XsConnection, m: XsMessage, durable: Promise<boolean> | null, failed?: XsMessage): void {
    if (!durable && !conn.pending) return conn.send(m);
    conn.pending = true;
    const mine = (conn.queue = conn.queue.then(async () => {
      const ok = durable ? await durable : true;
      conn.send(ok || !failed ? m : failed);
      if (conn.queue === mine) conn.pending = false;
    }));
  }

  /** Applies a non-transaction change: the tree was changed, watches fire. Inside a transaction they are queued. */
  applied(tx: XsTransaction | null, changes: XsChange[]): void {
    if (tx) {
      tx.events.push(...changes.map(({ name, exact }) => ({ name, exact })));
      return;
    }
    if (changes.length > 0) this.changedTree = true;
    this.fire(changes);
  }

  /** TRANSACTION_END "T": EAGAIN if a node it touched changed meanwhile, else its changes applied and its watches fired. */
  commit(tx: XsTransaction): void {
    if (tx.conflicts()) throw new XsError('EAGAIN', 'transaction_end', `transaction ${tx.id} touched nodes changed since`);
    tx.apply();
    this.changedTree = true;
    this.fire(tx.queuedEvents().map((e) => ({ ...e, permSets: [this.tree.get(e.name)?.perms].filter((p): p is XsPerm[] => p !== undefined) })));
  }
}

const errorReply = (m: XsMessage, code: string): XsMessage => ({ type: T.error, reqId: m.reqId, txId: m.txId, payload: Buffer.from(`${code}\0`, 'latin1') });
const view = (xs: Xenstore, tx: XsTransaction | null) => tx ?? xs.tree;
const name = (conn: XsConnection, m: XsMessage, op: string) => ops.nameOf(oneArg(m.payload), conn.caller, op);

const HANDLERS = new Map<number, Handler>([
  [T.read, (xs, conn, tx, m) => ({ type: T.read, payload: ops.read(view(xs, tx), conn.caller, name(conn, m, 'read')) })],
  [T.directory, (xs, conn, tx, m) => ({ type: T.directory, payload: stringsPayload(ops.directory(view(xs, tx), conn.caller, name(conn, m, 'directory'))) })],
  [
    T.directory_part,
    (xs, conn, tx, m) => {
      const s = strings(m.payload);
      // xs_count_strings() counts NULs: exactly two strings and nothing after them.
      if (s.length !== 2 || m.payload[m.payload.length - 1] !== 0) throw new XsError('EINVAL', 'directory_part', 'the payload must be a name and an offset');
      return { type: T.directory_part, payload: ops.directoryPart(view(xs, tx), conn.caller, ops.nameOf(s[0]!, conn.caller, 'directory_part'), atoi(s[1]!)) };
    },
  ],
  [T.get_perms, (xs, conn, tx, m) => ({ type: T.get_perms, payload: stringsPayload(ops.getPerms(view(xs, tx), conn.caller, name(conn, m, 'get_perms'))) })],
  [
    T.write,
    (xs, conn, tx, m) => {
      const nul = m.payload.indexOf(0);
      if (nul < 0) throw new XsError('EINVAL', 'write', 'the payload must be a NUL-terminated name and the value');
      const n = ops.nameOf(m.payload.subarray(0, nul).toString('latin1'), conn.caller, 'write');
      xs.applied(tx, ops.write(view(xs, tx), conn.caller, n, copyBytes(m.payload.subarray(nul + 1))));
      return { type: T.write, payload: OK };
    },
  ],
  [T.mkdir, (xs, conn, tx, m) => (xs.applied(tx, ops.mkdir(view(xs, tx), conn.caller, name(conn, m, 'mkdir'))), { type: T.mkdir, payload: OK })],
  [T.rm, (xs, conn, tx, m) => (xs.applied(tx, ops.rm(view(xs, tx), conn.caller, name(conn, m, 'rm'))), { type: T.rm, payload: OK })],
  [
    T.set_perms,
    (xs, conn, tx, m) => {
      const s = strings(m.payload);
      if (s.length < 2) throw new XsError('EINVAL', 'set_perms', 'the payload must be a name and at least one permission');
      if (s[0]!.startsWith('@')) {
        xs.specialPerms.set(s[0]!, ops.parseAndCheck(s.slice(1), xs.domainExists));
        return { type: T.set_perms, payload: OK };
      }
      const n = ops.nameOf(s[0]!, conn.caller, 'set_perms');
      xs.applied(tx, ops.setPerms(view(xs, tx), conn.caller, n, s.slice(1), xs.domainExists));
      return { type: T.set_perms, payload: OK };
    },
  ],
  [
    T.watch,
    (_xs, conn, _tx, m) => {
      const s = strings(m.payload);
      if (s.length !== 2) throw new XsError('EINVAL', 'watch', 'the payload must be a path and a token');
      const w = addWatch(conn, s[0]!, s[1]!);
      return { type: T.watch, payload: OK, after: () => initialEvent(conn, w) };
    },
  ],
  [
    T.unwatch,
    (_xs, conn, _tx, m) => {
      const s = strings(m.payload);
      if (s.length !== 2) throw new XsError('EINVAL', 'unwatch', 'the payload must be a path and a token');
      removeWatch(conn, s[0]!, s[1]!);
      return { type: T.unwatch, payload: OK };
    },
  ],
  [
    T.transaction_start,
    (xs, conn, tx) => {
      // No nested transactions.
      if (tx) throw new XsError('EBUSY', 'transaction_start', 'already in a transaction');
      let id = conn.nextTransactionId;
      while (id === 0 || conn.transactions.has(id)) id = (id + 1) >>> 0;
      conn.nextTransactionId = (id + 1) >>> 0;
      conn.transactions.set(id, new XsTransaction(id, xs.tree));
      return { type: T.transaction_start, payload: Buffer.from(`${id}\0`) };
    },
  ],
  [
    T.transaction_end,
    (xs, conn, tx, m) => {
      const arg = oneArg(m.payload);
      if (arg !== 'T' && arg !== 'F') throw new XsError('EINVAL', 'transaction_end', 'the payload must be "T" (commit) or "F" (abort)');
      if (!tx) throw new XsError('ENOENT', 'transaction_end', 'not in a transaction');
      conn.transactions.delete(tx.id);
      if (arg === 'T') xs.commit(tx);
      return { type: T.transaction_end, payload: OK };
    },
  ],
  [
    T.get_domain_path,
    (_xs, _conn, _tx, m) => {
      const arg = oneArg(m.payload);
      if (arg === null) throw new XsError('EINVAL', 'get_domain_path', 'the payload must be one domain id');
      return { type: T.get_domain_path, payload: Buffer.from(`${domainPath(atoi(arg) >>> 0)}\0`) };
    },
  ],
  [
    T.is_domain_introduced,
    (xs, _conn, _tx, m) => {
      const arg = oneArg(m.payload);
      if (arg === null) throw new XsError('EINVAL', 'is_domain_introduced', 'the payload must be one domain id');
      return { type: T.is_domain_introduced, payload: Buffer.from(xs.domainExists(atoi(arg)) ? 'T\0' : 'F\0') };
    },
  ],
  [
    T.reset_watches,
    (_xs, conn) => {
      conn.watches.length = 0;
      conn.transactions.clear();
      return { type: T.reset_watches, payload: OK };
    },
  ],
  // The simulator's domains have no xenstore ring or event channel to introduce, release, resume or retarget,
  // and it has no control commands: these give EINVAL, as xenstored does for arguments it cannot use.
  ...[T.control, T.introduce, T.release, T.resume, T.set_target].map((type): [number, Handler] => [
    type,
    () => {
      throw new XsError('EINVAL', `type ${type}`, 'the simulator has no xenstore rings or control commands');
    },
  ]),
]);

/** atoi(): leading decimal digits (after optional spaces and sign), 0 when there are none. */
function atoi(s: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(s);
  return m ? Number(BigInt.asIntN(32, BigInt(m[1]!))) : 0;
}
