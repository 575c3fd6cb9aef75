// Writes docs/cli.md, the CLI reference, from the command definitions (src/reference/cli-reference.ts).
// Needs the package built. Usage: node scripts/gen-cli-reference.mjs [OUT]   (default: ../../docs/cli.md)
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cliReference } from '../dist/reference/cli-reference-document.js';

const out = process.argv[2] ?? fileURLToPath(new URL('../../../docs/cli.md', import.meta.url));
writeFileSync(out, cliReference());
console.error(`wrote ${out}`);
