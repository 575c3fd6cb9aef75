#!/usr/bin/env node
// `npm run bench`: runs the full benchmark (`xenmem bench --json`) into bench/results.json, then writes
// docs/benchmarks.md and its chart docs/benchmarks-chart.svg from that file. Builds nothing: run
// `npm run build` first. Progress goes to stderr (shown when it is a terminal).
// `node scripts/bench.mjs --docs-only` regenerates the docs from the existing bench/results.json.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'packages/cli/dist/bin.js');
const report = join(root, 'packages/bench/dist/index.js');
const results = join(root, 'bench/results.json');

if (!existsSync(bin) || !existsSync(report)) {
  process.stderr.write('packages/cli/dist or packages/bench/dist is not built: run `npm run build` first.\n');
  process.exit(1);
}

if (!process.argv.includes('--docs-only')) {
  const r = spawnSync(process.execPath, [bin, 'bench', '--json'], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 * 2 ** 20 });
  if (r.status !== 0) {
    process.stderr.write(`xenmem bench failed (exit ${r.status ?? r.signal}); bench/results.json left unchanged.\n`);
    process.exit(r.status ?? 1);
  }
  JSON.parse(r.stdout.toString()); // one JSON document, or fail before writing
  mkdirSync(dirname(results), { recursive: true });
  writeFileSync(results, r.stdout);
  process.stderr.write('wrote bench/results.json\n');
}

const doc = JSON.parse(readFileSync(results, 'utf8'));
const { renderMarkdown, renderSvg } = await import(pathToFileURL(report).href);
writeFileSync(join(root, 'docs/benchmarks-chart.svg'), renderSvg(doc));
writeFileSync(join(root, 'docs/benchmarks.md'), renderMarkdown(doc, 'benchmarks-chart.svg'));
process.stderr.write('wrote docs/benchmarks.md and docs/benchmarks-chart.svg\n');
