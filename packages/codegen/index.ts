/**
 * @xenmem/codegen: the generators behind `xenmem gen` (schema → C, Rust, TypeScript, docs, Go, Python) and the
 * plugin protocol for generators of other languages (docs/codegen.md).
 */
export type { GeneratedFile } from './header.js';
export { TARGETS, findTarget, generateTarget, type Target, type TargetName, type TargetOptions } from './targets.js';
export { schemaAtIface } from './at-iface.js';
export { PLUGIN_PROTOCOL_VERSION, type PluginRequest, type PluginOptions, type PluginFile, type PluginResponse, type PluginSuccess, type PluginErrorResponse } from './plugin-protocol.js';
export { checkPluginResponse, unsafeFileName, type CheckedResponse } from './plugin-response.js';
export { runPlugin, splitCommand, type PluginFailure, type PluginOutcome } from './plugin-run.js';
export { diffOutDir, writeOutDir, type OutDiff, type OutFile } from './out-dir.js';
