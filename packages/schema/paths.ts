/**
 * Where @xenmem/schema finds its data files: the JSON Schema, the current schema and the released snapshots.
 *
 * In this repository's checkout (the package is packages/schema, beside the repository's schema/ folder) they are
 * the checkout's own files, so `xenmem abi check` checks what is being edited. Installed from a tarball they
 * are the copies the build put in the package (dist/data/, written by scripts/copy-data.mjs).
 */
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
/** The package's root, from dist/ (built) or from the sources alike. */
export const PACKAGE_ROOT = basename(here) === 'dist' ? dirname(here) : here;

function dataDir(): string {
  const checkout = join(PACKAGE_ROOT, '..', '..', 'schema');
  const inCheckout = basename(PACKAGE_ROOT) === 'schema' && basename(dirname(PACKAGE_ROOT)) === 'packages' && existsSync(join(checkout, 'xen-abi.json'));
  return inCheckout ? checkout : join(PACKAGE_ROOT, 'dist', 'data');
}

/** The folder holding xen-abi.schema.json, xen-abi.json and released/. */
export const DATA_DIR = dataDir();
