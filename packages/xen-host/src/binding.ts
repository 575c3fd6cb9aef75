/**
 * Loads the napi-rs addon in ../native (Rust; its loader index.cjs and types index.d.ts are generated
 * by `napi build`, never edited by hand). A failed load is no error here: it becomes `available =
 * false` with the reason in one line, so the package imports on every platform.
 */
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import type * as Binding from '../native/index.js';

/** packages/xen-host/native, from src or dist alike. */
const NATIVE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'native');
const LOADER = join(NATIVE_DIR, 'index.cjs');
/** What to run when the addon is missing. */
const BUILD_NATIVE_COMMAND = 'npm run build:native -w @xenmem/xen-host';

export type { Binding };

/** Names the reason the addon did not load, in one line. */
function loadFailure(err: unknown): string {
  let built: string[] = [];
  try {
    built = readdirSync(NATIVE_DIR).filter((f) => f.endsWith('.node'));
  } catch {
    // no native directory at all: reported as not built
  }
  if (built.length === 0) return `the addon is not built for ${process.platform}-${process.arch} (no ${join(NATIVE_DIR, '*.node')}; build it with \`${BUILD_NATIVE_COMMAND}\`)`;
  // The generated loader chains each attempt's error as the `cause` of the next; the one naming a
  // .node file says why the built addon did not load (wrong platform, missing symbol, …).
  const chain: unknown[] = [];
  for (let e: unknown = err; e !== undefined && e !== null && chain.length < 16; e = (e as { cause?: unknown }).cause) chain.push(e);
  const messages = chain.map((e) => (e instanceof Error ? e.message : String(e)).split('\n')[0]!);
  return messages.find((m) => m.includes('.node')) ?? messages[0]!;
}

function load(): { binding: typeof Binding | null; reason: string | null } {
  // /dev/xen/privcmd and /dev/xen/evtchn are Linux's drivers: Linux only, whatever binary may be present.
  if (process.platform !== 'linux') return { binding: null, reason: `the Xen kernel interface (/dev/xen/*) is Linux's; this is ${process.platform}` };
  try {
    return { binding: createRequire(import.meta.url)(LOADER) as typeof Binding, reason: null };
  } catch (err) {
    return { binding: null, reason: loadFailure(err) };
  }
}

const loaded = load();

/** The addon, or null when it did not load (`reason` says why). */
export const binding: typeof Binding | null = loaded.binding;
export const reason: string | null = loaded.reason;
