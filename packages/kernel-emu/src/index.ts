/**
 * @xenmem/kernel-emu: where the LD_PRELOAD library that emulates Linux's /dev/xen/privcmd and /dev/xen/evtchn
 * lives (README.md). A program started with it in LD_PRELOAD and XENMEM_SOCKET naming a `xenmem sim serve`
 * socket talks to the simulator through Xen's own libraries; `xenmem sim exec` sets both.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The library's file name inside this package (linux-x64 only). */
export const PRELOAD_LIBRARY = 'lib/libxenmem-kernel-emu.so';

/** Where the library is, or why there is none: the platform is not linux-x64, or the package was not built. */
export type PreloadPath =
  | {
      /** The library's absolute path, for LD_PRELOAD. */
      path: string;
    }
  | {
      /** Why there is none here, as a sentence. */
      error: string;
    };

/** The absolute path of the built library, or an error value saying why it cannot be used here. */
export function preloadPath(): PreloadPath {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    return { error: `the kernel-interface emulation is built for linux-x64 only, not ${process.platform}-${process.arch}` };
  }
  const path = fileURLToPath(new URL(`../${PRELOAD_LIBRARY}`, import.meta.url));
  if (!existsSync(path)) return { error: `${path} is not built (run \`npm run build\`)` };
  return { path };
}
