/**
 * Loads a package's napi-rs addon through its generated loader (`native/index.cjs`, written by `napi build` and
 * never edited by hand). A failed load is a value, not an exception: each package decides whether that is an
 * error (the p2m core asked for by name) or `available: false` (a package that imports on every platform).
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

import { loadFailure } from './load-failure.js';

/** The one platform an addon works on, and why: elsewhere its loader is not run at all. */
export interface NapiAddonPlatform {
  /** The platform, as `process.platform` names it (e.g. 'linux'). */
  readonly platform: NodeJS.Platform;
  /** Why only there, e.g. 'futex-based shared memory is Linux-only'; the reason is `<why>; this is <platform>`. */
  readonly why: string;
}

/** What to check before loading, and what a not-built reason says. */
export interface NapiAddonOptions {
  /** The addon works on this platform only, whatever binary may be present elsewhere. */
  readonly onlyOn?: NapiAddonPlatform;
  /**
   * The command that builds the addon (e.g. `npm run build:native -w @xenmem/shm-transport`). Given, a not-built
   * reason names the platform and this command; left out, it names only the missing files, for a caller whose
   * own error names the command.
   */
  readonly buildCommand?: string;
}

/** The addon loaded: `binding` is what the generated loader exports. */
export interface NapiAddonLoaded<Binding> {
  /** The generated loader's exports (the addon's classes and functions). */
  readonly binding: Binding;
  /** Always null: nothing went wrong. */
  readonly reason: null;
}

/** The addon did not load, or was not tried on this platform. */
export interface NapiAddonUnavailable {
  /** Always null: there is no addon. */
  readonly binding: null;
  /** Why, in one line, e.g. "the addon is not built (no /…/native/*.node)" or the dynamic loader's message. */
  readonly reason: string;
  /** The generated loader's error, to chain as the cause of the caller's own; absent when the platform was refused. */
  readonly cause?: unknown;
}

/** The outcome of loadNapiAddon: the binding, or why there is none. */
export type NapiAddon<Binding> = NapiAddonLoaded<Binding> | NapiAddonUnavailable;

/**
 * Loads the addon behind `loader`, the file URL of its generated `native/index.cjs` (e.g.
 * `new URL('../native/index.cjs', import.meta.url)`, so that it resolves from src/ and dist/ alike). Never throws
 * for a failed load: the result says why in one line. Node caches a loader that loaded; one that failed runs
 * again on the next call.
 */
export function loadNapiAddon<Binding>(loader: URL, options: NapiAddonOptions = {}): NapiAddon<Binding> {
  const { onlyOn, buildCommand } = options;
  if (onlyOn !== undefined && process.platform !== onlyOn.platform) return { binding: null, reason: `${onlyOn.why}; this is ${process.platform}` };
  const path = fileURLToPath(loader);
  try {
    return { binding: createRequire(loader)(path) as Binding, reason: null };
  } catch (err) {
    return { binding: null, reason: loadFailure(dirname(path), err, buildCommand), cause: err };
  }
}
