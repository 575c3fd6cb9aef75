/** @xenmem/cli as a library: run the `xenmem` command in-process (tests, embedding). */
export { runCli } from './cli.js';
export { parseArgv, type Parsed, type ParseExit, type ParseContext, type XsPathOptions } from './argv.js';
export type { DmOptions } from './commands/dm.js';
export type { DmArgs } from './commands/dm-ops.js';
export type { GenOptions } from './commands/gen.js';
export type { GuestAccessOptions } from './commands/guest.js';
export type { GuestReadRamOptions, GuestWriteRamOptions } from './commands/guest-ram.js';
export type { CliEnv, BackendFactory, HostFactory, HostBackend, DaemonStarter, DaemonOptions, ConnectedBackend, DaemonHandle } from './backend.js';
export { captureIo, type CapturedIo, type Io } from './io.js';
