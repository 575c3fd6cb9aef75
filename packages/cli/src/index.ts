/** @xenmem/cli as a library: run the `xenmem` command in-process (tests, embedding). */
export { runCli } from './cli.js';
export { parseArgv, type Parsed } from './argv.js';
export { captureIo, type Io } from './io.js';
