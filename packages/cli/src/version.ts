/**
 * The CLI's version: the `version` of its own package.json, read where the package is installed, so that
 * `xenmem --version` and the package never disagree. Imports nothing but node:fs, so that bin.ts can answer
 * `--version` before it loads the parser.
 */
import { readFileSync } from 'node:fs';

/** `version` of @xenmem/cli's package.json (dist/version.js sits one folder below it). */
export const CLI_VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
