/**
 * lstat for the daemon's own files (its socket, the state file and its journal): a path that is not there is
 * null, not an error, and a symbolic link is seen as the link, never followed.
 */
import { lstatSync, type Stats } from 'node:fs';

/** lstat that answers null for a path that does not exist (never follows a symbolic link). */
export function lstatOrNull(path: string): Stats | null {
  try {
    return lstatSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}
