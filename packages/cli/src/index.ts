/** @xenmem/cli as a library: run the `xenmem` command in-process (tests, embedding). */
export { runCli } from './cli.js';
export { parseArgv, type ParseContext } from './argv.js';
export type { DmOptions, GenOptions, GuestAccessOptions, GuestReadRamOptions, GuestWriteRamOptions, Parsed, ParseExit, XsPathOptions } from './parsed.js';
export type { DmArgs } from './dm-op-table.js';
export type { CliEnv, BackendFactory, HostFactory, HostBackend, DaemonStarter, DaemonOptions, ConnectedBackend, DaemonHandle } from './backend.js';
export { captureIo, type CapturedIo, type Io } from './io.js';
