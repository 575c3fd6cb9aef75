#!/usr/bin/env node
// The `xenmem` command's entry point. It is committed (not built) so that npm, which links a workspace's bins
// at `npm ci` before anything is built, always finds it with its execute bit; the command itself is dist/bin.js.
import '../dist/bin.js';
