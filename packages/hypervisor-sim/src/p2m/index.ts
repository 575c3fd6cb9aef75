/** The p2m core: the interface, its two implementations and the selection between them. */
export * from './core.js';
export { tsP2mCore } from './ts-core.js';
export { loadNativeP2mCore, NativeP2mUnavailableError, BUILD_NATIVE_COMMAND } from './native-core.js';
export { selectP2mCore, P2M_CORE_KINDS } from './select.js';
