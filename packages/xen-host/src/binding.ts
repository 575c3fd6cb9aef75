/**
 * Loads the napi-rs addon in ../native (Rust; its loader index.cjs and types index.d.ts are generated
 * by `napi build`, never edited by hand). A failed load is no error here: it becomes `available =
 * false` with the reason in one line, so the package imports on every platform.
 */
import { loadNapiAddon } from '@xenmem/napi-loader';

import type * as Binding from '../native/index.js';

export type { Binding };

const loaded = loadNapiAddon<typeof Binding>(new URL('../native/index.cjs', import.meta.url), {
  // /dev/xen/privcmd and /dev/xen/evtchn are Linux's drivers: Linux only, whatever binary may be present.
  onlyOn: { platform: 'linux', why: "the Xen kernel interface (/dev/xen/*) is Linux's" },
  buildCommand: 'npm run build:native -w @xenmem/xen-host',
});

/** The addon, or null when it did not load (`reason` says why). */
export const binding: typeof Binding | null = loaded.binding;
export const reason: string | null = loaded.reason;
