/**
 * Loads the napi-rs addon in ../native (Rust; its loader index.cjs and types index.d.ts are generated
 * by `napi build`, never edited by hand). A failed load is no error here: it becomes `available =
 * false` with the reason in one line, so the package imports on every platform.
 */
import { loadNapiAddon } from '@xenmem/napi-loader';

import type * as Binding from '../native/index.js';

export type { Binding };

const loaded = loadNapiAddon<typeof Binding>(new URL('../native/index.cjs', import.meta.url), {
  // The transport is futexes on a shared mapping: Linux only, whatever binary may be present.
  onlyOn: { platform: 'linux', why: 'futex-based shared memory is Linux-only' },
  buildCommand: 'npm run build:native -w @xenmem/shm-transport',
});

/** The addon, or null when it did not load (`reason` says why). */
export const binding: typeof Binding | null = loaded.binding;
export const reason: string | null = loaded.reason;
