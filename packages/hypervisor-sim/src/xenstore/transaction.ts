/**
 * A xenstore transaction (tools/xenstore/xenstored_transaction.c @ RELEASE-4.17.0): it reads the live tree,
 * keeps its own copy of every node it has touched, and remembers each touched node's generation (or that it was
 * absent) at first touch. Ending it with "T" applies its copies if none of the touched nodes changed
 * meanwhile, else EAGAIN (finalize_transaction()); "F" drops them. Watches fire at commit.
 */
import type { NodeView, XsNode, XsTree } from './tree.js';

interface Touched {
  /** The generation at first touch; null: the node did not exist. */
  generation: number | null;
  /** The transaction's copy; undefined: absent (or removed in the transaction). */
  node: XsNode | undefined;
  changed: boolean;
}

/** A watch event the transaction will fire at commit: the name, and whether only exact watches match (removal of a child). */
export interface QueuedEvent {
  name: string;
  exact: boolean;
}

export class XsTransaction implements NodeView {
  private readonly touched = new Map<string, Touched>();
  readonly events: QueuedEvent[] = [];

  constructor(
    readonly id: number,
    private readonly tree: XsTree,
  ) {}

  private touch(name: string): Touched {
    let t = this.touched.get(name);
    if (!t) {
      const live = this.tree.get(name);
      t = { generation: live ? live.generation : null, node: live, changed: false };
      this.touched.set(name, t);
    }
    return t;
  }

  get(name: string): XsNode | undefined {
    return this.touch(name).node;
  }

  put(name: string, node: XsNode | undefined): void {
    const t = this.touch(name);
    t.node = node;
    t.changed = true;
  }

  /** Whether a node touched by the transaction has changed in the tree since (the commit would give EAGAIN). */
  conflicts(): boolean {
    for (const [name, t] of this.touched) {
      const live = this.tree.get(name);
      if ((live ? live.generation : null) !== t.generation) return true;
    }
    return false;
  }

  /** Applies the transaction's changes to the tree; the caller has checked conflicts(). */
  apply(): void {
    // Parents before children, removals after: the tree never holds a node whose parent is missing.
    const changed = [...this.touched].filter(([, t]) => t.changed);
    for (const [name, t] of changed.filter(([, t]) => t.node !== undefined).sort(([a], [b]) => a.length - b.length)) this.tree.put(name, t.node);
    for (const [name] of changed.filter(([, t]) => t.node === undefined)) this.tree.put(name, undefined);
  }

  /** Queued events, each name once with the broader match kept (queue_watches()). */
  queuedEvents(): QueuedEvent[] {
    const seen = new Map<string, QueuedEvent>();
    for (const e of this.events) {
      const had = seen.get(e.name);
      if (!had) seen.set(e.name, { ...e });
      else if (!e.exact) had.exact = false;
    }
    return [...seen.values()];
  }

}
