/**
 * A daemon's socket file (the simulator daemon's, and its xenstore's): claimed only when nothing is there or a
 * stale socket is (one that refuses connections, left by a daemon that died); a symbolic link is never followed and any other file is left
 * alone. The socket is created with mode 0600: only its owner may connect, since a connection may claim any
 * caller domain, as only a privileged process can on Xen.
 */
import { accessSync, chmodSync, constants, statSync, unlinkSync } from 'node:fs';
import { connect, type Server } from 'node:net';
import { dirname, resolve as resolvePath } from 'node:path';
import { InputError } from '@xenmem/abi-types';
import { lstatOrNull } from './lstat.js';

/** Whether something accepts connections on a socket path. */
function accepting(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

/**
 * The longest socket path, in bytes: sockaddr_un's sun_path holds 108 bytes on Linux (104 on the BSDs and
 * macOS) with the terminating NUL. A longer path would be cut short by the kernel interface (libuv copies what
 * fits), so the socket would appear at another path.
 */
export const SOCKET_PATH_MAX = (process.platform === 'linux' ? 108 : 104) - 1;

/** Refuses, with InputError, a path no socket can be created at: too long, or in a directory that is missing or not writable. */
export function checkSocketPath(path: string): void {
  const bytes = Buffer.byteLength(path);
  if (bytes > SOCKET_PATH_MAX)
    throw new InputError('socketPath', path, `is ${bytes} bytes long; a Unix socket path holds at most ${SOCKET_PATH_MAX} bytes: choose a shorter path`);
  if (bytes === 0) throw new InputError('socketPath', path, 'is empty');
  const dir = dirname(resolvePath(path));
  const st = statSync(dir, { throwIfNoEntry: false });
  if (!st) throw new InputError('socketPath', path, `is in a directory that does not exist (${dir})`);
  if (!st.isDirectory()) throw new InputError('socketPath', path, `is under ${dir}, which is not a directory`);
  try {
    accessSync(dir, constants.W_OK | constants.X_OK);
  } catch {
    throw new InputError('socketPath', path, `is in a directory this user cannot write (${dir})`);
  }
}

/** Makes `path` free for a new socket, or refuses with InputError naming what is in the way. */
export async function claimSocketPath(path: string): Promise<void> {
  checkSocketPath(path);
  const st = lstatOrNull(path);
  if (!st) return;
  if (st.isSymbolicLink()) throw new InputError('socketPath', path, 'is a symbolic link; the daemon does not follow links');
  if (!st.isSocket()) throw new InputError('socketPath', path, 'exists and is not a socket; remove it or choose another path');
  if (await accepting(path)) throw new InputError('socketPath', path, 'is in use by a running daemon');
  // Stale: check again right before removing, so a file swapped in meanwhile is not removed.
  const again = lstatOrNull(path);
  if (again && again.isSocket() && again.ino === st.ino) unlinkSync(path);
}

/** bind(2) errors that come from the path (its file system or directory), not from the daemon's resources. */
const REFUSED_BY_PATH = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOENT', 'ENOTDIR', 'ENAMETOOLONG', 'EADDRINUSE', 'ELOOP']);

/** Listens on `path` with the socket created under umask 0177, then chmod 0600 (the umask closes the window). */
export function listenPrivately(server: Server, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException) => reject(e.code !== undefined && REFUSED_BY_PATH.has(e.code) ? new InputError('socketPath', path, `cannot be created: ${e.code} from bind(2)`) : e);
    server.once('error', onError);
    const old = process.umask(0o177);
    try {
      server.listen(path, () => {
        server.off('error', onError);
        const st = lstatOrNull(path);
        if (!st || !st.isSocket()) return reject(new InputError('socketPath', path, 'was replaced while the daemon started'));
        chmodSync(path, 0o600);
        resolve();
      });
    } finally {
      process.umask(old);
    }
  });
}

/** Removes the socket file if it is still the daemon's own. */
export function releaseSocketPath(path: string, ino: number | null): void {
  const st = lstatOrNull(path);
  if (st && st.isSocket() && (ino === null || st.ino === ino)) unlinkSync(path);
}

export function inodeOf(path: string): number | null {
  return lstatOrNull(path)?.ino ?? null;
}
