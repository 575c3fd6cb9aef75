/**
 * Watches (tools/xenstore/xenstored_watch.c @ RELEASE-4.17.0): each connection's (path, token) pairs; a change
 * at or under a watched path sends the watcher a WATCH_EVENT "path\0token\0" (the path relative again when the
 * watch was set with a relative one, get_watch_path()). Special paths "@introduceDomain" and
 * "@releaseDomain" fire when a domain is created or destroyed. Watches belong to their connection: they end
 * with it and are not saved.
 */
import { CONST } from '@xenmem/abi-types';
import { canonicalize, isChild, isValidNodeName } from './path.js';
import { permFor, type XsPerm } from './perms.js';
import type { XsCaller, XsChange } from './operations.js';
import { XsError } from './xs-error.js';

export interface XsWatch {
  /** The absolute path (or special name) watched. */
  path: string;
  token: string;
  /** Set with a relative path: events name paths relative to the caller's home. */
  relativeTo: string | null;
}

/** Where a connection's events go. */
export interface Watcher {
  caller: XsCaller;
  watches: XsWatch[];
  sendEvent(path: string, token: string): void;
}

export const SPECIAL_WATCHES = ['@introduceDomain', '@releaseDomain'] as const;

/** check_watch_path(): a special name up to XENSTORE_REL_PATH_MAX, or a valid node name once made absolute. */
export function watchPath(arg: string, caller: XsCaller, op: string): { path: string; relativeTo: string | null } {
  if (arg.startsWith('@')) {
    if (Buffer.byteLength(arg) > CONST.xs_limits.rel_path_max) throw new XsError('EINVAL', op, 'special watch name too long');
    return { path: arg, relativeTo: null };
  }
  const path = canonicalize(arg, caller.home);
  if (!isValidNodeName(path)) throw new XsError('EINVAL', op, `"${path}" is not a valid node name`);
  return { path, relativeTo: arg.startsWith('/') ? null : caller.home };
}

/** get_watch_path(): the name as the watcher sees it. */
function eventPath(w: XsWatch, name: string): string {
  return w.relativeTo !== null && name.startsWith(`${w.relativeTo}/`) ? name.slice(w.relativeTo.length + 1) : name;
}

/** do_watch(): adds the watch (EEXIST for the same path and token twice); the caller sends the reply, then {@link initialEvent}. */
export function addWatch(watcher: Watcher, arg: string, token: string): XsWatch {
  const { path, relativeTo } = watchPath(arg, watcher.caller, 'watch');
  if (watcher.watches.some((w) => w.path === path && w.token === token)) throw new XsError('EEXIST', 'watch', `${path} is watched with this token already`);
  const w = { path, token, relativeTo };
  watcher.watches.push(w);
  return w;
}

/** The event every new watch fires once, right after its reply ("We fire once up front", do_watch()). */
export function initialEvent(watcher: Watcher, w: XsWatch): void {
  watcher.sendEvent(eventPath(w, w.path), w.token);
}

/** do_unwatch(): ENOENT when no watch has this path and token. */
export function removeWatch(watcher: Watcher, arg: string, token: string): void {
  const path = canonicalize(arg, watcher.caller.home);
  const i = watcher.watches.findIndex((w) => w.path === path && w.token === token);
  if (i < 0) throw new XsError('ENOENT', 'unwatch', `no watch on ${path} with this token`);
  watcher.watches.splice(i, 1);
}

/** fire_watches(): one event per matching watch of every watcher allowed to see the change. */
export function fireWatches(watchers: Iterable<Watcher>, change: XsChange, specialPerms: ReadonlyMap<string, XsPerm[]>): void {
  const special = change.name.startsWith('@');
  for (const watcher of watchers) {
    const { domid, privileged } = watcher.caller;
    const permitted = special
      ? privileged || permFor(domid, false, specialPerms.get(change.name) ?? [{ id: 0, read: false, write: false }]).read
      : privileged || change.permSets.some((p) => permFor(domid, false, p).read);
    if (!permitted) continue;
    for (const w of watcher.watches) {
      if (change.exact ? w.path === change.name : isChild(change.name, w.path)) watcher.sendEvent(eventPath(w, change.name), w.token);
    }
  }
}
