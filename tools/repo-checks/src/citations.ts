/**
 * Citations of documents the repository does not ship. Project files cite shipped docs (docs/…) or Xen, QEMU
 * or Linux source as file + function @ tag; a reader who has only the repository (or an installed package)
 * must be able to follow every citation. A *foreign citation* is one of:
 *  - `DESIGN.md` or a `../shared` path (planning documents outside the repository);
 *  - `reference §…`, `the reference` or a bare section sign with a number (`§6.3`): sections of a document
 *    nobody who installs xenmem has.
 *
 * Scanned: every text file under the repository's top-level README.md, docs/, examples/, tools/, scripts/,
 * bindings/, schema/, tests/ and packages/, tests included (a test cites Xen's source for the fact it checks,
 * as the code does), except changelogs (history is not rewritten), this check's own test (it plants
 * citations) and node_modules, dist, target, .nx. Scanning folders rather than named files keeps the check true
 * when a package moves (tools/codegen → packages/codegen).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/** One foreign citation: where it is and the text that matched. */
export interface ForeignCitation {
  file: string;
  line: number;
  text: string;
}

/** The patterns of a foreign citation (see the module comment). */
export const FOREIGN_CITATION = /DESIGN\.md|\.\.\/shared\b|\breference §|\bthe reference\b|§\s?\d/gi;

const SCANNED = ['README.md', 'docs', 'examples', 'tools', 'scripts', 'bindings', 'schema', 'tests', 'packages'];
const SKIPPED_DIRS = new Set(['node_modules', 'dist', 'target', '.nx', '.git']);
const TEXT = /\.(ts|mts|cts|js|mjs|cjs|json|ya?ml|md|rs|go|py|c|h|hpp|toml|sh|txt|d\.ts)$/;
// This file names the patterns it looks for, and its test plants them.
const SKIPPED_FILE = /(^|\/)CHANGELOG\.md$|^tools\/repo-checks\/(src|test)\/citations(\.test)?\.ts$/;

/** The foreign citations of one file's text, each with its 1-based line. */
export function foreignCitationsIn(file: string, text: string): ForeignCitation[] {
  const found: ForeignCitation[] = [];
  text.split('\n').forEach((line, i) => {
    for (const m of line.matchAll(FOREIGN_CITATION)) found.push({ file, line: i + 1, text: m[0] });
  });
  return found;
}

/** Every scanned file under `root` (paths relative to it, with `/`). */
export function scannedFiles(root: string): string[] {
  const files: string[] = [];
  const walk = (path: string) => {
    const rel = relative(root, path).split(sep).join('/');
    const stat = statSync(path, { throwIfNoEntry: false });
    if (!stat) return;
    if (stat.isDirectory()) {
      for (const name of readdirSync(path)) if (!SKIPPED_DIRS.has(name)) walk(join(path, name));
    } else if (TEXT.test(rel) && !SKIPPED_FILE.test(rel)) files.push(rel);
  };
  for (const top of SCANNED) walk(join(root, top));
  return files.sort();
}

/** Every foreign citation in the repository at `root`, as `file:line: text` lines for a failure message. */
export function foreignCitations(root: string): string[] {
  return scannedFiles(root).flatMap((file) =>
    foreignCitationsIn(file, readFileSync(join(root, file), 'utf8')).map((c) => `${c.file}:${c.line}: ${c.text}`),
  );
}
