/**
 * The node operations of xenstored (tools/xenstore/xenstored_core.c @ RELEASE-4.17.0: do_read(), do_write(),
 * do_mkdir(), do_rm(), send_directory(), send_directory_part(), do_get_perms(), do_set_perms()) on a view of the
 * tree (the tree itself, or a transaction), for one caller. Each returns its reply and the changes that fire
 * watches; errors are XsError with xenstored's errno.
 */
import { CONST } from '@xenmem/abi-types';
import { baseOf, canonicalize, isValidNodeName, parentOf } from './path.js';
import { parsePerms, permFor, permToString, type Access, type XsPerm } from './perms.js';
import { cloneNode, type NodeView, type XsNode } from './tree.js';
import { joinBytes } from './wire.js';
import { XsError } from './xs-error.js';

/** Who asks: the domain, whether it is privileged (domain 0's tools), and where its relative names live. */
export interface XsCaller {
  domid: number;
  privileged: boolean;
  home: string;
}

/** A change that fires watches (fire_watches()): exact changes only reach watches on that very name. */
export interface XsChange {
  name: string;
  exact: boolean;
  /** Permission sets any of which lets a watcher see the event (the node's, its old ones, its parent's: watch_permitted()). */
  permSets: XsPerm[][];
}

type Need = keyof Access;

/** get_node(): the node, EINVAL for a bad name, EACCES without `need`, ENOENT (or EACCES, errno_from_parents()) when missing. */
function getNode(view: NodeView, caller: XsCaller, name: string, need: Need[], op: string): XsNode {
  if (!isValidNodeName(name)) throw new XsError('EINVAL', op, `"${name}" is not a valid node name`);
  const node = view.get(name);
  if (node) {
    const access = permFor(caller.domid, caller.privileged, node.perms);
    if (!need.every((n) => access[n])) throw new XsError('EACCES', op, `domain ${caller.domid} may not ${need.join('+')} ${name}`);
    return node;
  }
  // A missing node is reported as such only to a caller that could see it (errno_from_parents()).
  let up = parentOf(name);
  let parent = view.get(up);
  while (!parent) parent = view.get((up = parentOf(up)));
  const access = permFor(caller.domid, caller.privileged, parent.perms);
  if (!need.every((n) => access[n])) throw new XsError('EACCES', op, `domain ${caller.domid} may not ${need.join('+')} under ${up}`);
  throw new XsError('ENOENT', op, `${name} does not exist`);
}

/** The absolute name for a wire argument, or EINVAL when there is none (onearg() gave NULL). */
export function nameOf(arg: string | null, caller: XsCaller, op: string): string {
  if (arg === null) throw new XsError('EINVAL', op, 'the payload must be one NUL-terminated name');
  return canonicalize(arg, caller.home);
}

export function read(view: NodeView, caller: XsCaller, name: string): Buffer {
  return getNode(view, caller, name, ['read'], 'read').value;
}

export function directory(view: NodeView, caller: XsCaller, name: string): string[] {
  return getNode(view, caller, name, ['read'], 'directory').children;
}

/**
 * DIRECTORY_PART: the node's generation, then the children from byte offset `offset` of the NUL-separated
 * list, as many as fit in a reply; a final empty string marks the end (send_directory_part()).
 */
export function directoryPart(view: NodeView, caller: XsCaller, name: string, offset: number): Buffer {
  const node = getNode(view, caller, name, ['read'], 'directory_part');
  const list = Buffer.from(node.children.map((c) => `${c}\0`).join(''));
  const gen = Buffer.from(`${node.generation}\0`);
  if (offset >= list.length) return joinBytes([gen, Buffer.from([0])]);
  const max = CONST.xs_limits.payload_max - gen.length - 1;
  let len = 0;
  for (;;) {
    const end = list.indexOf(0, offset + len);
    const childLen = end - (offset + len);
    if (len + childLen >= max) break;
    len += childLen + 1;
    if (offset + len === list.length) break;
  }
  const part = list.subarray(offset, offset + len);
  return joinBytes([gen, part, offset + len === list.length ? Buffer.from([0]) : Buffer.alloc(0)]);
}

export function getPerms(view: NodeView, caller: XsCaller, name: string): string[] {
  return getNode(view, caller, name, ['read'], 'get_perms').perms.map(permToString);
}

/** Creates `name` and its missing ancestors, inheriting the nearest parent's perms (construct_node()). */
function createNode(view: NodeView, caller: XsCaller, name: string, value: Buffer): void {
  const missing: string[] = [];
  let up = name;
  while (!view.get(up)) {
    missing.push(up);
    up = parentOf(up);
  }
  let parent = cloneNode(view.get(up)!);
  for (const n of missing.reverse()) {
    parent.children.push(baseOf(n));
    view.put(up, parent);
    const perms = parent.perms.map((p) => ({ ...p }));
    // Unprivileged domains own what they create.
    if (!caller.privileged) perms[0] = { ...perms[0]!, id: caller.domid };
    parent = { value: n === name ? value : Buffer.alloc(0), children: [], perms, generation: 0 };
    up = n;
  }
  view.put(name, parent);
}

function changeOf(view: NodeView, name: string, exact: boolean, old?: XsPerm[]): XsChange {
  const sets = [view.get(name)?.perms, old, view.get(parentOf(name))?.perms].filter((p): p is XsPerm[] => p !== undefined);
  return { name, exact, permSets: sets };
}

export function write(view: NodeView, caller: XsCaller, name: string, value: Buffer): XsChange[] {
  const node = existingOrMissing(view, caller, name, ['write'], 'write');
  if (node) view.put(name, { ...cloneNode(node), value });
  else createNode(view, caller, name, value);
  return [changeOf(view, name, false)];
}

export function mkdir(view: NodeView, caller: XsCaller, name: string): XsChange[] {
  if (existingOrMissing(view, caller, name, ['write'], 'mkdir')) return [];
  createNode(view, caller, name, Buffer.alloc(0));
  return [changeOf(view, name, false)];
}

/** The node, or undefined when it is missing and may be created; other errors thrown. */
function existingOrMissing(view: NodeView, caller: XsCaller, name: string, need: Need[], op: string): XsNode | undefined {
  try {
    return getNode(view, caller, name, need, op);
  } catch (e) {
    if (e instanceof XsError && e.code === 'ENOENT') return undefined;
    throw e;
  }
}

/**
 * RM: the node and everything under it; watches fire for each removed node, children first, the removed
 * node's own event reaching watches above it too (delnode_sub()). A missing node whose parent exists is fine.
 */
export function rm(view: NodeView, caller: XsCaller, name: string): XsChange[] {
  const node = existingOrMissing(view, caller, name, ['write'], 'rm');
  if (!node) {
    if (view.get(parentOf(name))) return [];
    throw new XsError('ENOENT', 'rm', `neither ${name} nor its parent exists`);
  }
  if (name === '/') throw new XsError('EINVAL', 'rm', 'the root node cannot be removed');
  const changes: XsChange[] = [];
  const remove = (n: string) => {
    const here = view.get(n)!;
    for (const c of here.children) remove(n === '/' ? `/${c}` : `${n}/${c}`);
    changes.push(changeOf(view, n, n !== name));
    view.put(n, undefined);
  };
  remove(name);
  const parentName = parentOf(name);
  const parent = cloneNode(view.get(parentName)!);
  parent.children = parent.children.filter((c) => c !== baseOf(name));
  view.put(parentName, parent);
  return changes;
}

/**
 * SET_PERMS: the caller must own the node (or be privileged). Entries naming a domain that does not exist are
 * kept but grant nothing; an owner that does not exist is ENOENT (domain_alloc_permrefs()).
 */
export function setPerms(view: NodeView, caller: XsCaller, name: string, strings: string[], domainExists: (domid: number) => boolean): XsChange[] {
  const perms = parseAndCheck(strings, domainExists);
  const node = getNode(view, caller, name, ['write', 'owner'], 'set_perms');
  if (!caller.privileged && perms[0]!.id !== node.perms[0]!.id) throw new XsError('EPERM', 'set_perms', 'an unprivileged domain may not change the owner');
  view.put(name, { ...cloneNode(node), perms });
  return [changeOf(view, name, false, node.perms)];
}

/** The perms of a SET_PERMS, checked as do_set_perms() does before it looks at the node. */
export function parseAndCheck(strings: string[], domainExists: (domid: number) => boolean): XsPerm[] {
  const perms = parsePerms(strings);
  if (!perms) throw new XsError('EINVAL', 'set_perms', `bad permission in ${JSON.stringify(strings)} (r, w, b or n and a domain id)`);
  for (const p of perms) if (!domainExists(p.id)) p.ignore = true;
  if (perms[0]!.ignore) throw new XsError('ENOENT', 'set_perms', `owner domain ${perms[0]!.id} does not exist`);
  return perms;
}
