/**
 * Xenstore node names as xenstored checks them (tools/xenstore/xenstored_core.c @ RELEASE-4.17.0:
 * is_valid_nodename(), canonicalize(), get_parent(); xenstored_watch.c is_child()).
 */
import { CONST } from '@xenmem/abi-types';

/** Characters a node name may hold (valid_chars()). */
const VALID = /^[A-Za-z0-9\-/_@]*$/;
/** The per-domain prefix whose length does not count against the path quota ("/local/domain/%5u/"). */
const LOCAL_DOMAIN = /^\/local\/domain\/\d{1,5}\//;

/** The home of a domain's relative paths (talloc_domain_path()). */
export function domainPath(domid: number): string {
  return `/local/domain/${domid}`;
}

/**
 * A name as given on the wire made absolute: a relative name is under the connection's domain path
 * (get_implicit_path(); a socket connection is domain 0); names starting with '/' or '@' are left alone.
 */
export function canonicalize(name: string, home: string): string {
  return name.startsWith('/') || name.startsWith('@') ? name : `${home}/${name}`;
}

/**
 * is_valid_nodename(): absolute, no trailing or double '/', only valid_chars(), and at most
 * quota_max_path_len bytes (default XENSTORE_REL_PATH_MAX) beyond a "/local/domain/N/" prefix.
 */
export function isValidNodeName(name: string): boolean {
  if (!name.startsWith('/')) return false;
  if (name.endsWith('/') && name !== '/') return false;
  if (name.includes('//')) return false;
  const local = LOCAL_DOMAIN.exec(name);
  const offset = local ? local[0].length : 0;
  if (Buffer.byteLength(name) > offset + CONST.xs_limits.rel_path_max) return false;
  return VALID.test(name);
}

/** get_parent(): "/a/b" → "/a", "/a" → "/". */
export function parentOf(name: string): string {
  const slash = name.lastIndexOf('/');
  return slash <= 0 ? '/' : name.slice(0, slash);
}

/** The last component (basename() in xenstored_core.c). */
export function baseOf(name: string): string {
  return name.slice(name.lastIndexOf('/') + 1);
}

/** is_child(): whether `child` is `parent` or below it; everything is below "/". */
export function isChild(child: string, parent: string): boolean {
  if (parent === '/') return true;
  return child.startsWith(parent) && (child.length === parent.length || child[parent.length] === '/');
}
