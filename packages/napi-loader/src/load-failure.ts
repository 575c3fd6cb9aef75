/**
 * Why a napi-rs addon did not load, in one line: either no `.node` file was built next to the loader, or the
 * dynamic loader's words for the one that was (wrong platform, missing symbol, not a shared object, …).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Names the reason the generated loader in `nativeDir` threw `err`. With `buildCommand` a not-built reason is
 * complete on its own (the platform and the command that builds it); without, the caller's error names the command.
 */
export function loadFailure(nativeDir: string, err: unknown, buildCommand: string | undefined): string {
  let built: string[] = [];
  try {
    built = readdirSync(nativeDir).filter((f) => f.endsWith('.node'));
  } catch {
    // no native directory at all: reported as not built
  }
  const wanted = join(nativeDir, '*.node');
  if (built.length === 0) {
    if (buildCommand === undefined) return `the addon is not built (no ${wanted})`;
    return `the addon is not built for ${process.platform}-${process.arch} (no ${wanted}; build it with \`${buildCommand}\`)`;
  }
  // The generated loader chains each attempt's error as the `cause` of the next; the one naming a .node file
  // says why the built addon did not load. Otherwise the loader's own summary is the best there is. The chain is
  // short; reading at most 16 links keeps a chain that loops back on itself from hanging.
  const chain: unknown[] = [];
  for (let e: unknown = err; e !== undefined && e !== null && chain.length < 16; e = (e as { cause?: unknown }).cause) chain.push(e);
  const messages = chain.map((e) => (e instanceof Error ? e.message : String(e)).split('\n')[0]!);
  return messages.find((m) => m.includes('.node')) ?? messages[0]!;
}
