#!/usr/bin/env node
// Writes the schema's version into each published package's package.json:
//   "xenmem": { "schemaFormat": <formatVersion>, "xenReleases": "<oldest>-<newest>" }
// computed from schema/xen-abi.json.   --check: only report packages whose field is out of date (exit 1).
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const PACKAGES = ['packages/abi-types', 'packages/sim-protocol', 'packages/napi-loader', 'packages/hypervisor-sim', 'packages/ioreq-client', 'packages/shm-transport', 'packages/kernel-emu', 'packages/xen-host', 'packages/bench', 'packages/cli', 'packages/schema', 'packages/codegen'];

export function schemaMetadata() {
  const schema = JSON.parse(readFileSync(join(repo, 'schema/xen-abi.json'), 'utf8'));
  const names = schema.releases.map((r) => r.name);
  return { schemaFormat: schema.formatVersion, xenReleases: `${names[0]}-${names[names.length - 1]}` };
}

/** Returns the packages whose metadata differs; writes them unless `check`. */
export function syncMetadata(check) {
  const meta = schemaMetadata();
  const stale = [];
  for (const dir of PACKAGES) {
    const file = join(repo, dir, 'package.json');
    const text = readFileSync(file, 'utf8');
    const pkg = JSON.parse(text);
    if (JSON.stringify(pkg.xenmem) === JSON.stringify(meta)) continue;
    stale.push(pkg.name);
    if (!check) writeFileSync(file, JSON.stringify({ ...pkg, xenmem: meta }, null, 2) + '\n');
  }
  return stale;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const check = process.argv.includes('--check');
  const stale = syncMetadata(check);
  if (check && stale.length) {
    console.error(`package metadata out of date (${stale.join(', ')}): run \`node scripts/sync-metadata.mjs\``);
    process.exit(1);
  }
  console.log(stale.length ? `updated ${stale.join(', ')}` : 'package metadata up to date');
}
