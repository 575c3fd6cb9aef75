/**
 * The xenstore wire protocol's numbers, from xen/include/public/io/xs_wire.h @ RELEASE-4.17.0.
 * TEMPORARY: the schema is gaining these as `CONST.xs_wire_type.*`, `CONST.xs_limits.*` and `XSD_ERRORS`;
 * this is the one place they are written by hand until then, with the same names.
 */
export const XS_WIRE_TYPE = {
  control: 0,
  directory: 1,
  read: 2,
  get_perms: 3,
  watch: 4,
  unwatch: 5,
  transaction_start: 6,
  transaction_end: 7,
  introduce: 8,
  release: 9,
  get_domain_path: 10,
  write: 11,
  mkdir: 12,
  rm: 13,
  set_perms: 14,
  watch_event: 15,
  error: 16,
  is_domain_introduced: 17,
  resume: 18,
  set_target: 19,
  reset_watches: 21,
  directory_part: 22,
} as const;

export const XS_LIMITS = { payload_max: 4096, abs_path_max: 3072, rel_path_max: 2048 } as const;

/** xs_wire.h's xsd_errors: the strings an XS_ERROR reply carries. */
export const XSD_ERROR_NAMES = [
  'EINVAL', 'EACCES', 'EEXIST', 'EISDIR', 'ENOENT', 'ENOMEM', 'ENOSPC', 'EIO', 'ENOTEMPTY', 'ENOSYS', 'EROFS', 'EBUSY',
  'EAGAIN', 'EISCONN', 'E2BIG', 'EPERM',
] as const;
