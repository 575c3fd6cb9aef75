/**
 * The repository's file-level import graph: which source file imports which, and the circles in it.
 *
 * Every TS/JS file of the given folders is read with TypeScript's own pre-processor (`ts.preProcessFile`),
 * which finds `import … from`, `import type`, `export … from`, `import('…')` and `require('…')` with a
 * string literal and skips comments and template strings (codegen writes import lines inside templates).
 * A relative specifier resolves to a file of the tree (`./x.js` to `x.ts`, a folder to its index); a
 * workspace package name (`@xenmem/abi-types`, `@xenmem/abi-types/sub`) resolves through the package's
 * `exports` to the source file behind its `dist/` entry. Other specifiers (node:, npm packages) are not
 * edges. Type-only imports are edges too: a circle of types is still a circle a reader must untangle.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

/** Extensions of the files that are read. */
export const SOURCE_EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs'] as const;

/** Folders never read: installed packages, build output, generated code, Rust build trees, caches. */
export const SKIPPED_FOLDERS = new Set(['node_modules', 'dist', 'generated', 'target', '.nx', '.git', 'coverage']);

/** The import graph: each file (relative to the root, `/`-separated) with the files it imports. */
export type ImportGraph = Map<string, Set<string>>;

export interface GraphOptions {
  /** The repository root every path is relative to. */
  root: string;
  /** Folders (relative to root) whose source files are the graph's nodes. */
  folders: readonly string[];
  /** Whether a file is left out (e.g. tests); default none. */
  exclude?: (path: string) => boolean;
}

const toPosix = (p: string) => p.split(sep).join('/');
const isSource = (name: string) => SOURCE_EXTENSIONS.some((e) => name.endsWith(e)) && !/\.d\.[cm]?ts$/.test(name);

/** Every source file under `folder` (absolute), skipping {@link SKIPPED_FOLDERS}. */
export function sourceFiles(folder: string): string[] {
  if (!existsSync(folder)) return [];
  if (statSync(folder).isFile()) return isSource(folder) ? [folder] : [];
  const out: string[] = [];
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIPPED_FOLDERS.has(entry.name)) out.push(...sourceFiles(join(folder, entry.name)));
    } else if (entry.isFile() && isSource(entry.name)) out.push(join(folder, entry.name));
  }
  return out.sort();
}

/** The module specifiers a file's text names: static imports and re-exports, type-only ones, import() and require(). */
export function importSpecifiers(text: string): string[] {
  const info = ts.preProcessFile(text, true, true);
  return info.importedFiles.map((f) => f.fileName);
}

/** Where a file that exists is found for a specifier's path: itself, its TS source for a .js name, or a folder's index. */
function fileFor(base: string): string | undefined {
  const candidates = [base];
  const js = /\.(m|c)?jsx?$/.exec(base);
  if (js) {
    const stem = base.slice(0, -js[0].length);
    const m = js[1] ?? '';
    candidates.push(`${stem}.${m}ts`, ...(m === '' ? [`${stem}.tsx`] : []));
  }
  candidates.push(...SOURCE_EXTENSIONS.map((e) => base + e), ...SOURCE_EXTENSIONS.map((e) => join(base, `index${e}`)));
  return candidates.find((c) => existsSync(c) && statSync(c).isFile() && isSource(c));
}

interface WorkspacePackage {
  dir: string;
  exports: Record<string, unknown>;
}

/** The workspace packages under `folders` (each a folder with a package.json), by name. */
export function workspacePackages(root: string, folders: readonly string[]): Map<string, WorkspacePackage> {
  const found = new Map<string, WorkspacePackage>();
  for (const folder of folders) {
    const abs = join(root, folder);
    if (!existsSync(abs) || !statSync(abs).isDirectory()) continue;
    for (const entry of readdirSync(abs, { withFileTypes: true })) {
      const manifest = join(abs, entry.name, 'package.json');
      if (!entry.isDirectory() || !existsSync(manifest)) continue;
      const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string; exports?: unknown; main?: string };
      if (!pkg.name) continue;
      const exports = typeof pkg.exports === 'object' && pkg.exports !== null && Object.keys(pkg.exports).every((k) => k.startsWith('.'))
        ? (pkg.exports as Record<string, unknown>)
        : { '.': pkg.exports ?? pkg.main ?? './src/index.ts' };
      found.set(pkg.name, { dir: join(abs, entry.name), exports });
    }
  }
  return found;
}

/**
 * The file an export entry of a package stands for: its `types`/`import`/`default` target; for a target in
 * dist/ the source it is built from, in src/ or (a package compiled from its own folder) beside dist/.
 */
function exportTarget(pkg: WorkspacePackage, subpath: string): string | undefined {
  let target = pkg.exports[subpath];
  while (typeof target === 'object' && target !== null) {
    const conditions = target as Record<string, unknown>;
    target = conditions.types ?? conditions.import ?? conditions.default;
  }
  if (typeof target !== 'string') return undefined;
  const path = target.replace(/^\.\//, '').replace(/\.d\.([cm]?)ts$/, '.$1js');
  if (!path.startsWith('dist/')) return fileFor(join(pkg.dir, path));
  const built = path.slice('dist/'.length);
  return fileFor(join(pkg.dir, 'src', built)) ?? fileFor(join(pkg.dir, built));
}

/** The file (absolute) a specifier in `from` resolves to, or undefined when it names nothing of this tree. */
export function resolveSpecifier(specifier: string, from: string, packages: Map<string, WorkspacePackage>): string | undefined {
  if (specifier.startsWith('./') || specifier.startsWith('../')) return fileFor(resolve(dirname(from), specifier));
  const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!;
  const pkg = packages.get(name);
  if (!pkg) return undefined;
  return exportTarget(pkg, `.${specifier.slice(name.length)}`);
}

/** Builds the import graph of the source files under `folders`; imports of files outside them are not edges. */
export function buildImportGraph(options: GraphOptions): ImportGraph {
  const { root, folders, exclude = () => false } = options;
  const packages = workspacePackages(root, folders);
  const nodes = folders.flatMap((f) => sourceFiles(join(root, f))).filter((f) => !exclude(toPosix(relative(root, f))));
  const known = new Set(nodes);
  const graph: ImportGraph = new Map();
  for (const file of nodes) {
    const targets = new Set<string>();
    for (const specifier of importSpecifiers(readFileSync(file, 'utf8'))) {
      const target = resolveSpecifier(specifier, file, packages);
      if (target && known.has(target)) targets.add(toPosix(relative(root, target)));
    }
    graph.set(toPosix(relative(root, file)), targets);
  }
  return graph;
}

/**
 * The circles of a graph: every set of files that reach each other through imports (a strongly connected
 * component of two files or more, or a file that imports itself), each sorted, in path order.
 */
export function importCircles(graph: ImportGraph): string[][] {
  // Tarjan's algorithm, iterative so that a long chain of imports cannot overflow the stack.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const circles: string[][] = [];
  let next = 0;
  for (const start of graph.keys()) {
    if (index.has(start)) continue;
    const work: { node: string; edges: string[]; i: number }[] = [];
    const visit = (node: string) => {
      index.set(node, next);
      low.set(node, next++);
      stack.push(node);
      onStack.add(node);
      work.push({ node, edges: [...(graph.get(node) ?? [])], i: 0 });
    };
    visit(start);
    while (work.length) {
      const frame = work[work.length - 1]!;
      if (frame.i < frame.edges.length) {
        const to = frame.edges[frame.i++]!;
        if (!index.has(to)) visit(to);
        else if (onStack.has(to)) low.set(frame.node, Math.min(low.get(frame.node)!, index.get(to)!));
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(frame.node)!));
      if (low.get(frame.node) !== index.get(frame.node)) continue;
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== frame.node);
      if (component.length > 1 || graph.get(frame.node)?.has(frame.node)) circles.push(component.sort());
    }
  }
  return circles.sort((a, b) => (a[0]! < b[0]! ? -1 : 1));
}

/**
 * The room of a file inside `folder` (both relative to the root, `/`-separated): the file or folder directly in
 * `folder` that holds it, or undefined for a file outside `folder`.
 */
export function roomOf(path: string, folder: string): string | undefined {
  const prefix = `${folder.replace(/\/$/, '')}/`;
  if (!path.startsWith(prefix)) return undefined;
  return prefix + path.slice(prefix.length).split('/')[0]!;
}

/**
 * The import graph of `folder`'s rooms, as a picture that draws each folder as one box sees it: every file or
 * folder directly in `folder` is a node standing for all the files under it, and an import from a file of one
 * room to a file of another is an edge between the two rooms. Imports inside a room, and from or to files
 * outside `folder`, are not edges. A circle of this graph is what such a picture must draw as an arrow running
 * back up: rooms without one can be stacked so that every arrow points down.
 */
export function roomGraph(graph: ImportGraph, folder: string): ImportGraph {
  const rooms: ImportGraph = new Map();
  for (const [file, targets] of graph) {
    const from = roomOf(file, folder);
    if (from === undefined) continue;
    const edges = rooms.get(from) ?? new Set<string>();
    rooms.set(from, edges);
    for (const target of targets) {
      const to = roomOf(target, folder);
      if (to !== undefined && to !== from) edges.add(to);
    }
  }
  return rooms;
}
