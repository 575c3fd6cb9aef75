/**
 * An output directory against the files that belong in it: what `--check` reports, and how the files are
 * written (all at once, after the whole set was produced and checked).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

/** A file to hold in the output directory: its path relative to it ("/" separators) and its text. */
export interface OutFile {
  /** Relative path. */
  path: string;
  /** Whole text. */
  contents: string;
}

/** Where a directory differs from what belongs in it. */
export interface OutDiff {
  /** Files that should exist and do not. */
  missing: string[];
  /** Files whose bytes differ. */
  changed: string[];
  /** Files that carry xenmem's generated marker but are no longer produced. */
  stale: string[];
}

/** The first-line marker of the built-in generators' files (header.ts): such a file is ours to replace or remove. */
const MARKER = /^\S*\s*(@generated|Code generated) by packages\/codegen\//;

function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : e.isFile() ? [join(dir, e.name)] : []));
}

/** Whether the file at `abs` starts with the generated marker. */
function carriesMarker(abs: string): boolean {
  const first = readFileSync(abs, 'utf8').split('\n', 1)[0] ?? '';
  return MARKER.test(first);
}

/**
 * Compares `dir` with `files`. With `ownMarked`, files in `dir` that carry the built-in generators' marker and are
 * not in `files` are stale (a plugin's files carry no known marker, so its runs leave other files alone).
 */
export function diffOutDir(dir: string, files: readonly OutFile[], ownMarked: boolean): OutDiff {
  const diff: OutDiff = { missing: [], changed: [], stale: [] };
  for (const f of files) {
    const abs = join(dir, f.path);
    if (!existsSync(abs) || !statSync(abs).isFile()) diff.missing.push(f.path);
    else if (readFileSync(abs, 'utf8') !== f.contents) diff.changed.push(f.path);
  }
  if (ownMarked) {
    const wanted = new Set(files.map((f) => f.path));
    diff.stale = walk(dir)
      .map((abs) => relative(dir, abs).split('\\').join('/'))
      .filter((rel) => !wanted.has(rel) && carriesMarker(join(dir, rel)))
      .sort();
  }
  return diff;
}

/** Writes `files` under `dir` (created if missing), then removes the stale files `diff` lists. */
export function writeOutDir(dir: string, files: readonly OutFile[], stale: readonly string[]): void {
  mkdirSync(dir, { recursive: true });
  for (const f of files) {
    const abs = join(dir, f.path);
    mkdirSync(dirname(abs), { recursive: true });
    writeFileSync(abs, f.contents);
  }
  for (const rel of stale) rmSync(join(dir, rel));
}
