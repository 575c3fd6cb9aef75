/**
 * What one journal record holds: the effects on the hypervisor's state since the previous record, as
 * absolute values — the domains whose small part (configuration, claim, servers, counters) changed, given
 * whole; the domains gone; for each p2m range some call wrote, the runs it holds now; the events appended to
 * each domain's log. Its size follows the change, not the state: a one-page retype of a domain of 10^5 runs
 * records one range of one or three runs. `DeltaTracker` computes it from a live Hypervisor; `applyDelta`
 * applies it to a state document (docs/reliability.md "Daemon state file").
 */
import { InputError } from '@xenmem/abi-types';
import type { Domain, LoggedEvent } from '../domain.js';
import type { Hypervisor } from '../hypervisor.js';
import type { P2mTable } from '../p2m/core.js';
import { applyXenstoreChanges, xenstoreChanges, type XsNodeRecord } from './xenstore.js';
import { domainPart, eventsFrom, guestDomains, p2mRuns, type DomainPart, type DomainState, type HypervisorState } from './snapshot.js';

/** One journal record's content. */
export interface StateDelta {
  /** Domains gone (destroyed, or destroyed and created again: then also in `domains`). */
  gone: number[];
  /** Domains created or whose part changed, whole. */
  domains: DomainPart[];
  /** [domid, first, count, runs]: after this record, `first` … `first+count-1` holds exactly `runs` (every type but p2m_ram_rw). */
  p2m: [number, number, number, [number, number, number][]][];
  /** [domid, from, events]: the domain's event log from index `from` on. */
  events: [number, number, LoggedEvent[]][];
  /** Xenstore nodes written (the node) or removed (null) since the previous record; absent when none. */
  xenstore?: [string, XsNodeRecord | null][];
}

/** What the tracker knows of one live domain. */
interface Known {
  domain: Domain;
  /** The part as last recorded (JSON text, for comparison). */
  part: string;
  /** Event log entries already recorded. */
  events: number;
  /** p2m ranges written since the last record: [first, count]. */
  dirty: [number, number][];
}

const partText = (part: DomainPart) => JSON.stringify(part, (_k, v: unknown) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v));

/**
 * Follows a Hypervisor's state: `capture()` returns what changed since the last call (null when nothing did).
 * Each domain's p2m table is watched for writes (set, retype, changeTypeGlobal) so that only the ranges written
 * are read back; everything else of a domain is small and compared whole.
 */
export class DeltaTracker {
  private readonly known = new Map<number, Known>();

  /** Starts from the hypervisor's current state, taken as recorded already (e.g. just written as a snapshot). */
  constructor(private readonly hv: Hypervisor) {
    for (const d of guestDomains(hv)) this.known.set(d.domid, this.watch(d));
    hv.xenstore.takeChanged();
  }

  private watch(d: Domain): Known {
    const k: Known = { domain: d, part: partText(domainPart(this.hv, d)), events: d.events.length, dirty: [] };
    watchWrites(d.p2m, (first, count) => {
      if (this.known.get(d.domid) === k) k.dirty.push([first, count]);
    });
    return k;
  }

  /** The changes since the last capture (or construction), or null when there are none. */
  capture(): StateDelta | null {
    const delta: StateDelta = { gone: [], domains: [], p2m: [], events: [] };
    const live = guestDomains(this.hv);
    const byId = new Map(live.map((d) => [d.domid, d]));
    for (const [domid, k] of this.known)
      if (k.domain !== byId.get(domid)) {
        delta.gone.push(domid);
        this.known.delete(domid);
      }
    for (const d of live) {
      let k = this.known.get(d.domid);
      if (!k) {
        k = this.watch(d);
        this.known.set(d.domid, k);
        delta.domains.push(domainPart(this.hv, d));
        delta.p2m.push([d.domid, 0, d.maxGpfn + 1, p2mRuns(d, 0, d.maxGpfn + 1)]);
        if (d.events.length) delta.events.push([d.domid, 0, eventsFrom(d, 0)]);
        continue;
      }
      const part = domainPart(this.hv, d);
      const text = partText(part);
      if (text !== k.part) {
        delta.domains.push(part);
        k.part = text;
      }
      for (const [first, count] of mergeRanges(k.dirty, d.maxGpfn)) delta.p2m.push([d.domid, first, count, p2mRuns(d, first, count)]);
      k.dirty.length = 0;
      if (d.events.length > k.events) {
        delta.events.push([d.domid, k.events, eventsFrom(d, k.events)]);
        k.events = d.events.length;
      }
    }
    const xs = xenstoreChanges(this.hv.xenstore);
    if (xs.length) delta.xenstore = xs;
    return delta.gone.length || delta.domains.length || delta.p2m.length || delta.events.length || xs.length ? delta : null;
  }
}

/** The listener of each watched table: the latest tracker's (a store makes a new tracker after a failed write). */
const listeners = new WeakMap<P2mTable, (first: number, count: number) => void>();

/**
 * Calls `wrote(first, count)` after every write to `table` (its own methods, wrapped on the object once; a later
 * call replaces the listener, so trackers made one after another do not stack wrappers).
 */
function watchWrites(table: P2mTable, wrote: (first: number, count: number) => void): void {
  const wrapped = listeners.has(table);
  listeners.set(table, wrote);
  if (wrapped) return;
  const { set, retype, changeTypeGlobal } = table;
  const notify = (first: number, count: number) => listeners.get(table)!(first, count);
  Object.assign(table, {
    set(first: number, count: number, type: number) {
      set.call(table, first, count, type);
      notify(first, count);
    },
    retype(...args: Parameters<P2mTable['retype']>) {
      const r = retype.apply(table, args);
      notify(args[0], args[1]);
      return r;
    },
    changeTypeGlobal(from: number, to: number) {
      const n = changeTypeGlobal.call(table, from, to);
      if (n > 0) notify(0, table.maxGpfn + 1);
      return n;
    },
  });
}

/** Ranges sorted, overlapping and adjacent ones merged, clipped to 0 … maxGpfn. */
function mergeRanges(ranges: [number, number][], maxGpfn: number): [number, number][] {
  const sorted = ranges
    .map(([first, count]) => [first, Math.min(first + count, maxGpfn + 1)] as [number, number])
    .filter(([a, b]) => b > a)
    .sort((x, y) => x[0] - y[0]);
  const out: [number, number][] = [];
  for (const [a, b] of sorted) {
    const last = out[out.length - 1];
    if (last && a <= last[0] + last[1]) last[1] = Math.max(last[1], b - last[0]);
    else out.push([a, b - a]);
  }
  return out;
}

const bad = (why: string): never => {
  throw new InputError('journal', 'record', why);
};

/** Applies one record to a state document (in place). Throws InputError for a record that does not fit it. */
export function applyDelta(state: HypervisorState, delta: StateDelta): void {
  const find = (domid: number) => state.domains.find((d) => d.domid === domid);
  for (const domid of delta.gone) {
    const i = state.domains.findIndex((d) => d.domid === domid);
    if (i < 0) bad(`removes domain ${domid}, which is not there`);
    state.domains.splice(i, 1);
  }
  for (const part of delta.domains) {
    const d = find(part.domid);
    if (d) Object.assign(d, part);
    else {
      state.domains.push({ ...part, p2m: [], events: [] } as DomainState);
      state.domains.sort((a, b) => a.domid - b.domid);
    }
  }
  for (const [domid, first, count, runs] of delta.p2m) {
    const d = find(domid) ?? bad(`writes the p2m of domain ${domid}, which is not there`);
    spliceRuns(d.p2m, first, count, runs);
  }
  for (const [domid, from, events] of delta.events) {
    const d = find(domid) ?? bad(`logs events of domain ${domid}, which is not there`);
    if (from !== d.events.length) bad(`appends events of domain ${domid} at ${from}, the log has ${d.events.length}`);
    d.events.push(...events);
  }
  if (delta.xenstore) applyXenstoreChanges((state.xenstore ??= []), delta.xenstore);
}

/** Replaces what `runs` (ordered, non-overlapping [first, count, type]) hold in first … first+count-1 by `inner`. */
function spliceRuns(runs: [number, number, number][], first: number, count: number, inner: [number, number, number][]): void {
  const end = first + count;
  // First run that ends after `first`.
  let lo = 0;
  let hi = runs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const r = runs[mid]!;
    if (r[0] + r[1] <= first) lo = mid + 1;
    else hi = mid;
  }
  let stop = lo;
  while (stop < runs.length && runs[stop]![0] < end) stop++;
  const kept: [number, number, number][] = [];
  const head = runs[lo];
  if (head && head[0] < first) kept.push([head[0], first - head[0], head[2]]);
  kept.push(...inner.map((r) => [r[0], r[1], r[2]] as [number, number, number]));
  const tail = stop > lo ? runs[stop - 1]! : undefined;
  if (tail && tail[0] + tail[1] > end) kept.push([end, tail[0] + tail[1] - end, tail[2]]);
  if (kept.length < 4096) return void runs.splice(lo, stop - lo, ...kept);
  // Too many for one call's arguments: rebuild the tail.
  const after = runs.slice(stop);
  runs.length = lo;
  for (const r of kept) runs.push(r);
  for (const r of after) runs.push(r);
}
