#!/usr/bin/env node
// Writes include/xenmem/sim_protocol.h from the protocol's definitions (src/c-header.ts, built to dist/).
// Run it as `npm run gen:c-header -w @xenmem/sim-protocol`, which builds the package first.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { C_HEADER_PATH, renderCHeader } from '../dist/c-header.js';

const file = join(dirname(fileURLToPath(import.meta.url)), '..', C_HEADER_PATH);
mkdirSync(dirname(file), { recursive: true });
writeFileSync(file, renderCHeader());
console.log(`wrote ${C_HEADER_PATH}`);
