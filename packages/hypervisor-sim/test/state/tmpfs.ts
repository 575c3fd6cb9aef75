/**
 * A small tmpfs for the disk-full tests: mounted by the test (root only). Where it cannot be mounted the tests
 * say why and are skipped, except under CI=true: .ci/run runs as root, so there a failure to mount fails.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';

/** Mounts a tmpfs of `size` (e.g. "256k") at `at`; null when done, else why it could not be. */
export function mountTmpfs(at: string, size: string): string | null {
  if (process.getuid?.() !== 0) return 'mounting a tmpfs needs root';
  try {
    mkdirSync(at, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', at], { stdio: ['ignore', 'ignore', 'pipe'] });
    return null;
  } catch (e) {
    // Nothing is mounted on the directory just made: leave none behind.
    rmSync(at, { recursive: true, force: true });
    return `mount -t tmpfs failed: ${String((e as { stderr?: Buffer }).stderr ?? e).trim()}`;
  }
}

/**
 * Unmounts the tmpfs at `at` and removes the directory. A mount still busy (a file left open by a failed test) is
 * detached lazily (`umount -l`: gone from the tree at once, freed when its last user closes), so none stays behind
 * on a shared machine; throws only when that fails too (the directory is then left, as removing it would empty
 * the mount).
 */
export function unmountTmpfs(at: string): void {
  const quiet = { stdio: ['ignore', 'ignore', 'pipe'] } as const;
  try {
    execFileSync('umount', [at], quiet);
  } catch {
    execFileSync('umount', ['-l', at], quiet);
  }
  rmSync(at, { recursive: true, force: true });
}

/** Whether a test that needs the tmpfs must run (and fail if it cannot): under CI=true. */
export const tmpfsRequired = process.env.CI === 'true';
