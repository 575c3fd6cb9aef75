/**
 * The xenstore's contents in the state file and the journal (docs/reliability.md "Daemon state file"): every
 * node with its value (hex), children in order, permissions and generation. Watches and transactions belong
 * to connections and are not kept.
 */
import { InputError } from '@xenmem/abi-types';
import type { XsPerm } from '../xenstore/perms.js';
import type { XsNode, XsTree } from '../xenstore/tree.js';

/** One xenstore node as stored. */
export interface XsNodeRecord {
  /** The node's absolute path. */
  name: string;
  /** The value's bytes as hex. */
  value: string;
  /** Its children's names, in the order they were created. */
  children: string[];
  /** Its permissions: the owner's entry first. */
  perms: XsPerm[];
  /** The generation of its last change. */
  generation: number;
}

export function nodeRecord(name: string, n: XsNode): XsNodeRecord {
  return { name, value: n.value.toString('hex'), children: [...n.children], perms: n.perms.map((p) => ({ ...p })), generation: n.generation };
}

/** Every node of the tree, as stored. */
export function xenstoreRecords(tree: XsTree): XsNodeRecord[] {
  return tree.entries().map(([name, n]) => nodeRecord(name, n));
}

/** The records of the nodes changed since the last call (null: removed). */
export function xenstoreChanges(tree: XsTree): [string, XsNodeRecord | null][] {
  return tree.takeChanged().map((name) => {
    const n = tree.get(name);
    return [name, n ? nodeRecord(name, n) : null];
  });
}

const isPerm = (p: unknown): p is XsPerm => {
  const q = p as XsPerm;
  return typeof q === 'object' && q !== null && Number.isInteger(q.id) && typeof q.read === 'boolean' && typeof q.write === 'boolean';
};

/** Replaces the tree's contents by stored records; InputError for a record that is not a node, or a tree without its root. */
export function restoreXenstore(tree: XsTree, records: unknown): void {
  if (!Array.isArray(records)) throw new InputError('state', 'xenstore', 'is not a list of nodes');
  const nodes: [string, XsNode][] = records.map((r: XsNodeRecord) => {
    if (typeof r?.name !== 'string' || typeof r.value !== 'string' || !/^([0-9a-f]{2})*$/.test(r.value) || !Array.isArray(r.children) || !r.children.every((c) => typeof c === 'string') || !Array.isArray(r.perms) || r.perms.length === 0 || !r.perms.every(isPerm) || !Number.isSafeInteger(r.generation))
      throw new InputError('state', `xenstore node ${String(r?.name)}`, 'is not a node record');
    return [r.name, { value: Buffer.from(r.value, 'hex'), children: [...r.children], perms: r.perms.map((p) => ({ ...p })), generation: r.generation }];
  });
  if (!nodes.some(([name]) => name === '/')) throw new InputError('state', 'xenstore', 'has no root node');
  tree.replace(nodes);
}

/** Applies journalled changes to stored records (in place). */
export function applyXenstoreChanges(records: XsNodeRecord[], changes: [string, XsNodeRecord | null][]): void {
  const at = new Map(records.map((r, i) => [r.name, i]));
  for (const [name, rec] of changes) {
    const i = at.get(name);
    if (rec && i !== undefined) records[i] = rec;
    else if (rec) at.set(name, records.push(rec) - 1);
    else if (i !== undefined) {
      records.splice(i, 1);
      at.clear();
      records.forEach((r, j) => at.set(r.name, j));
    }
  }
}
