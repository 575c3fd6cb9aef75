/**
 * TypeScript snippets of the repository's Markdown: every ```ts block of README.md, the packages' READMEs and
 * docs/ (except the generated docs/api) is type-checked against the workspace packages, so a snippet cannot drift from the API.
 * A block opts out by writing `nocheck` and its reason on the fence line: ```ts nocheck: a fragment of …
 * (the check fails on a `nocheck` without a reason).
 *
 * Each block is one module: it imports what it uses. The blocks are written to a project inside
 * node_modules/.cache (so `@xenmem/*` resolve as they do for a user of the workspace) and `tsc --noEmit`
 * checks them all at once; an error is reported at the Markdown file's line.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/** One ```ts block: where it is (1-based line of its first code line), its code, and an opt-out reason. */
export interface Snippet {
  file: string;
  line: number;
  code: string;
  nocheck?: string;
}

const FENCE = /^```(ts|typescript)\b(.*)$/;

/** The ```ts blocks of one Markdown text. */
export function snippetsIn(file: string, text: string): Snippet[] {
  const lines = text.split('\n');
  const found: Snippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]);
    if (!open) continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && !lines[end].startsWith('```')) end++;
    const info = open[2].trim();
    const snippet: Snippet = { file, line: start + 1, code: lines.slice(start, end).join('\n') };
    if (info.startsWith('nocheck')) snippet.nocheck = info.slice('nocheck'.length).replace(/^[:\s]+/, '');
    found.push(snippet);
    i = end;
  }
  return found;
}

/**
 * The Markdown files whose snippets are checked: README.md, each package's README.md (what npm shows a user)
 * and docs/**, without the generated docs/api.
 */
export function snippetFiles(root: string): string[] {
  const packages = readdirSync(join(root, 'packages'))
    .map((name) => `packages/${name}/README.md`)
    .filter((rel) => existsSync(join(root, rel)));
  const files = ['README.md', ...packages];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      const rel = relative(root, path).split(sep).join('/');
      if (statSync(path).isDirectory()) {
        if (rel !== 'docs/api') walk(path);
      } else if (name.endsWith('.md')) files.push(rel);
    }
  };
  walk(join(root, 'docs'));
  return files;
}

/**
 * Type-checks the snippets; returns one line per problem (`file:line: message`), empty when all pass.
 * A `nocheck` block without a reason is a problem; a `nocheck` block with one is skipped.
 */
export function checkSnippets(root: string, snippets: Snippet[]): string[] {
  const problems = snippets
    .filter((s) => s.nocheck !== undefined && s.nocheck === '')
    .map((s) => `${s.file}:${s.line}: "nocheck" needs a reason on the fence line`);
  const checked = snippets.filter((s) => s.nocheck === undefined);
  if (checked.length === 0) return problems;
  const cache = join(root, 'node_modules', '.cache');
  mkdirSync(cache, { recursive: true });
  const dir = mkdtempSync(join(cache, 'xenmem-snippets-'));
  try {
    const names = checked.map((s, i) => `s${i}.ts`);
    checked.forEach((s, i) => writeFileSync(join(dir, names[i]), `${s.code}\nexport {};\n`));
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'es2022',
          module: 'esnext',
          moduleResolution: 'bundler',
          lib: ['es2022', 'esnext.disposable', 'esnext.asynciterable'],
          types: ['node'],
          typeRoots: [join(root, 'node_modules', '@types')],
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          isolatedModules: true,
        },
        files: names,
      }),
    );
    let out = '';
    try {
      execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir, '--pretty', 'false'], {
        encoding: 'utf8',
      });
    } catch (e) {
      out = String((e as { stdout?: string }).stdout ?? e);
    }
    for (const line of out.split('\n')) {
      const m = /^(?:.*[/\\])?s(\d+)\.ts\((\d+),(\d+)\): (.*)$/.exec(line.trim());
      if (m) {
        const s = checked[Number(m[1])];
        problems.push(`${s.file}:${s.line + Number(m[2]) - 1}: ${m[4]}`);
      } else if (/^\s/.test(line) && problems.length > 0) {
        problems[problems.length - 1] += ` ${line.trim()}`; // tsc's continuation of the message above
      } else if (line.trim()) problems.push(line.trim());
    }
    return problems;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
