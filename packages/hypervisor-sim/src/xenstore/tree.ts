/**
 * The xenstore tree: nodes by absolute name, each with its value, its children in the order they were added
 * (the order DIRECTORY lists, as xenstored's node->children), its permissions, and the generation of its last
 * change (xenstored_core.c write_node() @ RELEASE-4.17.0; DIRECTORY_PART replies carry it and transactions
 * compare it).
 */
import type { XsPerm } from './perms.js';

export interface XsNode {
  value: Buffer;
  children: string[];
  perms: XsPerm[];
  generation: number;
}

/** What the operations read and change: the tree itself, or a transaction's view of it. */
export interface NodeView {
  get(name: string): XsNode | undefined;
  /** Stores a node (a new object: nodes are never changed in place), or removes it with `undefined`. */
  put(name: string, node: XsNode | undefined): void;
}

/** A node as read, for changing: a fresh object with its own children and perms arrays. */
export function cloneNode(n: XsNode): XsNode {
  return { value: n.value, children: [...n.children], perms: n.perms.map((p) => ({ ...p })), generation: n.generation };
}

export class XsTree implements NodeView {
  private readonly nodes = new Map<string, XsNode>();
  /** xenstored's global `generation`, advanced by every change and every transaction start. */
  private generation = 0;
  /** Names changed since the last takeChanged() (for the journal). */
  private changed = new Set<string>();

  constructor() {
    // setup_structure(): the root, owned by domain 0 with no access for others.
    this.nodes.set('/', { value: Buffer.alloc(0), children: [], perms: [{ id: 0, read: false, write: false }], generation: this.nextGeneration() });
  }

  nextGeneration(): number {
    return this.generation++;
  }

  get(name: string): XsNode | undefined {
    return this.nodes.get(name);
  }

  put(name: string, node: XsNode | undefined): void {
    if (node === undefined) this.nodes.delete(name);
    else this.nodes.set(name, { ...node, generation: this.nextGeneration() });
    this.changed.add(name);
  }

  /** The names changed (written or removed) since the last call. */
  takeChanged(): string[] {
    const names = [...this.changed];
    this.changed = new Set();
    return names;
  }

  /** Every node (for saving). */
  entries(): [string, XsNode][] {
    return [...this.nodes.entries()];
  }

  /** Replaces the whole tree (restoring saved contents). */
  replace(entries: Iterable<[string, XsNode]>): void {
    this.nodes.clear();
    this.changed.clear();
    for (const [name, node] of entries) this.nodes.set(name, node);
    // Never back: a transaction compares the generations it saw with the nodes' (transaction.ts), so a number
    // handed out before a rollback (state/rollback.ts) must not name another change after it.
    let max = this.generation;
    for (const n of this.nodes.values()) max = Math.max(max, n.generation + 1);
    this.generation = max;
  }
}
