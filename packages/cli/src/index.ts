/** @xenmem/cli as a library: run the `xenmem` command in-process (tests, embedding). */
export { runCli } from './cli.js';
export { parseArgv, type Parsed, type ParseExit, type ParseContext, type XsPathOptions } from './argv.js';
export type { DmOptions, GenOptions, GuestAccessOptions, GuestReadRamOptions, GuestWriteRamOptions } from './argv.js';
export type { DmArgs } from './dm-op-table.js';
export type { CliEnv, BackendFactory, HostFactory, HostBackend, DaemonStarter, DaemonOptions, ConnectedBackend, DaemonHandle } from './backend.js';
export { captureIo, type CapturedIo, type Io } from './io.js';
