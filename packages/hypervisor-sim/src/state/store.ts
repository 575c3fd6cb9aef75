/**
 * A Hypervisor's durable state: a snapshot (FILE) plus a journal of changes (FILE.journal-<g>), with group
 * commit and background compaction (docs/reliability.md "Daemon state file").
 *
 * `commit()` records what changed since the last commit as one journal record and resolves once that record
 * — and every record before it — is on disk. Records that arrive while a write and fdatasync run are written
 * together by the next one (group commit), so N requests in flight share one fsync. When the journal has grown
 * past `compactBytes`, a snapshot of the current state is taken (synchronously, at a point between records),
 * the journal moves to the next generation, and the snapshot is written beside (temporary file, fsync, rename,
 * fsync of the directory) while requests go on; then the older journals are removed. A write that fails
 * (ENOSPC, EIO) fails every commit not yet durable, after the running state has been set back to what the
 * files hold (rollback.ts); the next change writes a whole new snapshot first (and fails too while that is
 * impossible), so the files never hold a journal with a hole in it. A request followed with `track()` also
 * records what it changed each time its call pauses, so that a rollback meanwhile is known to have undone part
 * of it, and only then.
 */
import { ftruncateSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { concatBytes, encodeJson } from '@xenmem/sim-protocol';
import type { Hypervisor } from '../hypervisor.js';
import { applyDelta, DeltaTracker } from './delta.js';
import { readStateFile, removeStaleTemps, writeStateFileAtomicAsync } from './file.js';
import { createJournal, headerBytes, journalGenerations, readJournalChain, removeJournalsBelow } from './journal.js';
import { frameRecord } from './record.js';
import { restore } from './restore.js';
import { rollbackTo } from './rollback.js';
import { decodeState, encodeState, snapshot, type HypervisorState } from './snapshot.js';

/** Journal size (bytes) that starts a compaction by default, unless the last snapshot is larger (then its size). */
export const DEFAULT_COMPACT_BYTES = 4 * 1024 * 1024;

/** How the store is tuned. */
export interface StateStoreOptions {
  /**
   * Journal bytes that start a compaction. Default: DEFAULT_COMPACT_BYTES or the last snapshot's size, whichever
   * is larger (so compaction costs at most about as much writing as the journal it replaces).
   */
  compactBytes?: number;
}

interface Waiter {
  resolve: () => void;
  reject: (e: Error) => void;
  /** The request whose paused call the record holds changes of (see {@link StateStore.track}). */
  pausedBy?: RequestMark;
}

/**
 * One request as the store follows it ({@link StateStore.track}): `undone` is set when a rollback undid a change
 * the request had made before its call paused (a continuation, a wait for a device model).
 */
export class RequestMark {
  /** Whether a rollback refused a record of what the request's call had changed before pausing. */
  undone = false;
}

/** A failed write: its error, and the durable state the running one was set back to (null: it could not be read). */
interface Failure {
  error: Error;
  state: HypervisorState | null;
}

/** Records bound for one journal generation, and the commits waiting for them. */
interface Segment {
  generation: number;
  records: Uint8Array[];
  waiters: Waiter[];
  /** Must have succeeded before this generation's journal is created (a snapshot written first). */
  after: Promise<void> | null;
}

/**
 * A hypervisor's durable state (docs/reliability.md): a snapshot file plus an append-only journal of checksummed
 * records of each change, fsynced in groups before the replies they cover, and compacted into a new snapshot in
 * the background when the journal grows.
 */
export class StateStore {
  private readonly segments: Segment[] = [];
  private writing = false;
  private journal: FileHandle | null = null;
  private journalGeneration = -1;
  private journalOffset = 0;
  /** Journal bytes since the last snapshot (all generations). */
  private journalBytes = 0;
  private snapshotBytes: number;
  private compaction: Promise<void> | null = null;
  /** Set when a write failed: the next commit starts a new generation with a whole snapshot. */
  private failed: Failure | null = null;
  private idle: Promise<void> = Promise.resolve();
  private wakeIdle: (() => void) | null = null;
  /** Compactions completed (for tests and the benchmark). */
  compactions = 0;
  /** Journal writes (each one write and one fdatasync, shared by the records of one batch). */
  batches = 0;
  /** Times a failed write set the running state back to the durable one (or began to). */
  rollbacks = 0;
  /** Called after such a rollback, before the failed commits reject (the daemon's xenstore learns the domains). */
  onRollback: (() => void) | null = null;

  private constructor(
    /** Path of the snapshot file. */
    readonly path: string,
    /** The hypervisor whose state this store keeps. */
    readonly hv: Hypervisor,
    /** Whether open() found and restored a state. */
    readonly restored: boolean,
    /** Torn journal bytes dropped at open (0 when the journal ended cleanly). */
    readonly droppedBytes: number,
    private tracker: DeltaTracker,
    generation: number,
    snapshotBytes: number,
    private readonly compactBytes: number | null,
  ) {
    this.snapshotBytes = snapshotBytes;
    this.segments.push({ generation, records: [], waiters: [], after: null });
    hv.host.onPause = (owner) => {
      if (owner instanceof RequestMark) void this.record(owner).catch(() => {
        // the mark says it; the request's own commit reports it
      });
    };
  }

  /**
   * Restores the snapshot at `path` and its journals into `hv` when the snapshot exists (else keeps `hv`'s
   * domains), then writes the state as a new snapshot with an empty journal of a new generation, dropping a
   * torn tail for good. A damaged snapshot or journal is an InputError and every file is left as it is.
   */
  static async open(path: string, hv: Hypervisor, options: StateStoreOptions = {}): Promise<StateStore> {
    const durable = readDurableState(path, hv.release);
    if (durable) await restore(hv, durable.state);
    removeStaleTemps(path);
    const generation = Math.max(-1, ...journalGenerations(path)) + 1;
    const first = encodeState({ ...snapshot(hv), journal: { generation } });
    await writeStateFileAtomicAsync(path, first);
    removeJournalsBelow(path, generation);
    const store = new StateStore(path, hv, durable !== null, durable?.droppedBytes ?? 0, new DeltaTracker(hv), generation, first.length, options.compactBytes ?? null);
    await store.commit();
    return store;
  }

  /**
   * Runs `start`, the synchronous beginning of one request (up to its hypervisor call's first pause), with a new
   * mark as the owner of the calls it makes. Each time such a call pauses (between continuation chunks, while a
   * vCPU waits for its device model), what changed since the last record — that is, what this call changed in
   * the piece that just ran — is queued as a record of its own; if a failed write refuses that record, the
   * rollback undid part of the request, and the mark says so (see {@link commit}).
   */
  track<T>(start: () => T): [RequestMark, T] {
    const mark = new RequestMark();
    this.hv.host.callOwner = mark;
    try {
      return [mark, start()];
    } finally {
      this.hv.host.callOwner = undefined;
    }
  }

  /**
   * Records the changes since the last commit and resolves once they, and everything committed before, are
   * durable. Rejects when they cannot be written: then every commit not yet durable rejects too, and the
   * running state has been set back to what the files hold (rollback.ts), the state of the last durable commit.
   *
   * `request`: the mark of the request ({@link track}) whose end this commit records. If a rollback undid a
   * record of its paused call (the request was still running then), the commit still writes what is there,
   * then rejects (code EIO, `partly`), so that the request is not answered as if it had done all it was asked.
   * A request whose call changed nothing before the rollback is answered as usual.
   */
  commit(request?: RequestMark): Promise<void> {
    const done = this.record();
    if (!request) return done;
    return done.then(() => {
      if (request.undone) throw Object.assign(new Error('a write failed while the request ran and undid what it had changed until then; what it changed afterwards was written'), { code: 'EIO', partly: true });
    });
  }

  /** Queues the changes since the last record; `pausedBy`: they are what that request's call changed before pausing. */
  private record(pausedBy?: RequestMark): Promise<void> {
    let delta;
    try {
      delta = this.tracker.capture();
    } catch (e) {
      return Promise.reject(e as Error);
    }
    // A call that changed nothing before pausing has nothing a rollback could undo.
    if (pausedBy && !delta) return Promise.resolve();
    // After a failure the files need a new snapshot before the next record; a request that changed nothing since
    // the rollback needs none (the running state is what the files hold) and is not refused while the disk is full.
    if (this.failed && (delta || !this.failed.state)) {
      const whole = !this.failed.state;
      this.rewrite();
      if (whole) delta = null; // the snapshot of the running state holds it
    }
    const last = this.segments[this.segments.length - 1]!;
    if (delta) {
      const record = frameRecord(encodeJson(delta));
      last.records.push(record);
      this.journalBytes += record.length;
    } else if (!this.writing && this.segments.length === 1 && last.records.length === 0 && last.waiters.length === 0 && !last.after) {
      return Promise.resolve();
    }
    const done = new Promise<void>((resolve, reject) => last.waiters.push({ resolve, reject, ...(pausedBy && { pausedBy }) }));
    if (delta && !this.compaction && !this.failed && this.journalBytes >= (this.compactBytes ?? Math.max(DEFAULT_COMPACT_BYTES, this.snapshotBytes))) this.compact(done);
    this.kick();
    return done;
  }

  /** Waits for every commit so far and a running compaction, then closes the journal. */
  async close(): Promise<void> {
    this.hv.host.onPause = null;
    await this.commit().catch(() => {});
    await this.compaction;
    await this.idle;
    await this.journal?.close().catch(() => {});
    this.journal = null;
  }

  /**
   * Starts a compaction: the snapshot is the state now (this commit's record included), the records from here
   * on go to the next generation's journal, and the snapshot is written in the background. It is renamed into
   * place only once `durable` (this commit) has resolved: a snapshot never holds a change whose write failed.
   */
  private compact(durable: Promise<void>): void {
    const generation = this.segments[this.segments.length - 1]!.generation + 1;
    const bytes = encodeState({ ...snapshot(this.hv), journal: { generation } });
    this.segments.push({ generation, records: [], waiters: [], after: null });
    this.journalBytes = 0;
    this.compaction = writeStateFileAtomicAsync(this.path, bytes, durable).then(
      () => {
        this.snapshotBytes = bytes.length;
        this.compactions++;
        try {
          removeJournalsBelow(this.path, generation);
        } catch {
          // removed at the next start
        }
      },
      () => {
        // The old snapshot and the journals still hold everything; try again after as much journal again.
        this.journalBytes = 0;
      },
    );
    void this.compaction.finally(() => (this.compaction = null));
  }

  /**
   * After a failed write: a whole new snapshot, written before the journal of its generation is created; the
   * commits of that generation wait for it (and fail if it fails). It holds the durable state the running one
   * was set back to (the changes since then go into the new journal), or, when that could not be read, the
   * running state.
   */
  private rewrite(): void {
    const { state } = this.failed!;
    this.failed = null;
    const generation = Math.max(this.segments[this.segments.length - 1]!.generation, ...journalGenerations(this.path)) + 1;
    if (!state) this.tracker = new DeltaTracker(this.hv);
    const bytes = encodeState({ ...(state ?? snapshot(this.hv)), journal: { generation } });
    const after = (this.compaction ?? Promise.resolve()).then(() => writeStateFileAtomicAsync(this.path, bytes));
    this.segments.push({ generation, records: [], waiters: [], after });
    this.journalBytes = 0;
    // Counts as a compaction in progress: no other snapshot may be renamed over it meanwhile.
    this.compaction = after.then(
      () => {
        this.snapshotBytes = bytes.length;
        try {
          removeJournalsBelow(this.path, generation);
        } catch {
          // removed at the next start
        }
      },
      () => {},
    );
    void this.compaction.finally(() => (this.compaction = null));
  }

  private kick(): void {
    if (this.writing) return;
    this.writing = true;
    this.idle = new Promise((resolve) => (this.wakeIdle = resolve));
    void this.writeLoop();
  }

  /** Writes the segments' records in order: one write and one fdatasync per batch of whatever has queued. */
  private async writeLoop(): Promise<void> {
    try {
      for (;;) {
        const seg = this.segments[0]!;
        if (seg.records.length === 0 && seg.waiters.length === 0) {
          if (this.segments.length === 1) break;
          this.segments.shift();
          continue;
        }
        const records = seg.records.splice(0);
        const waiters = seg.waiters.splice(0);
        try {
          if (this.journalGeneration !== seg.generation) await this.openJournal(seg);
          if (records.length) {
            const batch = records.length === 1 ? records[0]! : concatBytes(records);
            let at = 0;
            while (at < batch.length) at += (await this.journal!.write(batch, at, batch.length - at, this.journalOffset + at)).bytesWritten;
            await this.journal!.datasync();
            this.journalOffset += batch.length;
            this.batches++;
          }
        } catch (e) {
          this.fail(e as Error, waiters);
          continue;
        }
        for (const w of waiters) w.resolve();
      }
    } finally {
      this.writing = false;
      this.wakeIdle?.();
    }
  }

  private async openJournal(seg: Segment): Promise<void> {
    if (seg.after) await seg.after;
    const fh = await createJournal(this.path, seg.generation, this.hv.release);
    await this.journal?.close().catch(() => {});
    this.journal = fh;
    this.journalGeneration = seg.generation;
    this.journalOffset = headerBytes(this.hv.release, seg.generation);
  }

  /**
   * A write failed: its commits and every later one fail. Before they reject, the torn bytes are cut off, and
   * the running state is set back to what the files hold (synchronously: no request runs in between), so
   * that nothing a refused request changed remains; the next commit starts over with a whole snapshot.
   */
  private fail(e: Error, waiters: Waiter[]): void {
    const error = Object.assign(new Error(`the state could not be written: ${e.message}`), { code: (e as NodeJS.ErrnoException).code });
    const refused = [...waiters, ...this.segments.splice(0).flatMap((s) => s.waiters)];
    this.segments.push({ generation: this.journalGeneration, records: [], waiters: [], after: null });
    try {
      if (this.journal) ftruncateSync(this.journal.fd, this.journalOffset);
    } catch {
      // A tail left behind holds only whole records of refused commits or torn bytes; the read below sees what a restart would.
    }
    let state: HypervisorState | null = null;
    try {
      const durable = readDurableState(this.path, this.hv.release);
      if (durable) {
        // Counted, and the paused requests marked, before: a rollback that stopped midway still undid some of it.
        this.rollbacks++;
        for (const w of refused) if (w.pausedBy) w.pausedBy.undone = true;
        rollbackTo(this.hv, durable.state);
        state = durable.state;
        this.tracker = new DeltaTracker(this.hv);
      }
    } catch {
      // The files could not be read (or the state not set back): the running state stays, and is written whole.
    }
    this.failed = { error, state };
    if (state) this.onRollback?.();
    for (const w of refused) w.reject(error);
  }
}

/** What a state file and its journals hold once read: the state they restore, and the torn tail dropped. */
export interface DurableState {
  /** The snapshot with every whole journal record applied, in order. */
  state: HypervisorState;
  /** Bytes of a torn last record that were dropped (0 when the journal ended cleanly). */
  droppedBytes: number;
}

/**
 * The state the files at `path` hold: the snapshot with its journals applied (a torn tail dropped), or null
 * when there is no snapshot. InputError for a damaged snapshot or journal (see readJournalChain).
 */
export function readDurableState(path: string, release: string): DurableState | null {
  const bytes = readStateFile(path);
  if (!bytes) return null;
  const state = decodeState(bytes, path);
  if (state.journal === undefined) return { state, droppedBytes: 0 };
  const chain = readJournalChain(path, state.journal.generation, release);
  for (const d of chain.deltas) applyDelta(state, d);
  delete state.journal;
  return { state, droppedBytes: chain.tornBytes };
}

/** The name {@link StateStore} had while it rewrote the whole state file after every change; kept for existing imports. */
export const StateFile = StateStore;
/** The name {@link StateStore} had while it rewrote the whole state file after every change; kept for existing imports. */
export type StateFile = StateStore;
