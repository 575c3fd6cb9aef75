/**
 * The state file on disk. Written atomically: the bytes go to a new temporary file in the same directory
 * (opened O_CREAT|O_EXCL|O_NOFOLLOW, mode 0600), which is fsynced, renamed over the state file, and the
 * directory fsynced — so a kill at any moment leaves the old file or the new one, never a mix (a leftover
 * temporary file is removed the next time the daemon starts). The state path itself is never followed
 * when it is a symbolic link: reading opens it O_NOFOLLOW, writing refuses a link, and anything but a
 * regular file is refused too.
 */
import { closeSync, constants, fstatSync, fsyncSync, openSync, readFileSync, readdirSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { promises as fsp } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { InputError } from '@xenmem/abi-types';
import { lstatOrNull } from '../lstat.js';

/** Refuses a state path that is a symbolic link or not a regular file; true when it exists. */
export function checkStatePath(path: string): boolean {
  const st = lstatOrNull(path);
  if (!st) return false;
  if (st.isSymbolicLink()) throw new InputError('statePath', path, 'is a symbolic link; the daemon does not follow links');
  if (!st.isFile()) throw new InputError('statePath', path, 'exists and is not a regular file');
  return true;
}

/** The file's bytes, or null when nothing is there (never through a symbolic link). */
export function readStateFile(path: string): Uint8Array | null {
  if (!checkStatePath(path)) return null;
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    if (code === 'ELOOP') throw new InputError('statePath', path, 'is a symbolic link; the daemon does not follow links');
    throw e;
  }
  try {
    if (!fstatSync(fd).isFile()) throw new InputError('statePath', path, 'exists and is not a regular file');
    return new Uint8Array(readFileSync(fd));
  } finally {
    closeSync(fd);
  }
}

let sequence = 0;
const tempPrefix = (path: string) => `.${basename(path)}.tmp-`;

/** Writes `bytes` to `path` atomically and durably (see the module comment). */
export function writeStateFileAtomic(path: string, bytes: Uint8Array): void {
  checkStatePath(path);
  const dir = dirname(path);
  const tmp = join(dir, `${tempPrefix(path)}${process.pid}-${++sequence}`);
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    let at = 0;
    while (at < bytes.length) at += writeSync(fd, bytes, at, bytes.length - at);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    unlinkSync(tmp);
    throw e;
  }
  closeSync(fd);
  try {
    // Checked again right before the rename: a link swapped in meanwhile is replaced, not followed (rename
    // never follows the target), but the daemon says so rather than silently replacing it.
    checkStatePath(path);
    renameSync(tmp, path);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // gone already
    }
    throw e;
  }
  const dfd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    fsyncSync(dfd);
  } finally {
    closeSync(dfd);
  }
}

/** Removes temporary files a killed writer of `path` left behind (regular files only). */
export function removeStaleTemps(path: string): void {
  const dir = dirname(path);
  const prefix = tempPrefix(path);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix) || !/^\d+-\d+$/.test(name.slice(prefix.length))) continue;
    const full = join(dir, name);
    if (lstatOrNull(full)?.isFile()) {
      try {
        unlinkSync(full);
      } catch {
        // raced with someone else: fine
      }
    }
  }
}

/**
 * The same as writeStateFileAtomic, off the event loop (the writes and fsyncs run in libuv's thread pool), for
 * compaction while requests go on. The temporary file is removed when a step fails. With `beforeRename`, the
 * file is renamed into place only once that has resolved (it is removed instead if that rejects).
 */
export async function writeStateFileAtomicAsync(path: string, bytes: Uint8Array, beforeRename?: Promise<void>): Promise<void> {
  checkStatePath(path);
  const dir = dirname(path);
  const tmp = join(dir, `${tempPrefix(path)}${process.pid}-${++sequence}`);
  const fh = await fsp.open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    await fh.writeFile(bytes);
    await fh.sync();
    await fh.close();
    await beforeRename;
    checkStatePath(path);
    await fsp.rename(tmp, path);
  } catch (e) {
    await fh.close().catch(() => {});
    await fsp.unlink(tmp).catch(() => {});
    throw e;
  }
  await syncDirectory(dir);
}

/** fsyncs a directory, so that names created, renamed or removed in it are on disk. */
export async function syncDirectory(dir: string): Promise<void> {
  const dfh = await fsp.open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await dfh.sync();
  } finally {
    await dfh.close();
  }
}
