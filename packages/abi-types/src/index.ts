/**
 * @xenmem/abi-types: Xen's HVM memory-type ABI as typed data and byte-exact codecs.
 * Everything under ./generated comes from schema/xen-abi.json; the rest reads it.
 */
export * from './generated/index.js';
export * from './errors.js';
export * from './release.js';
export * from './hvmmem.js';
export * from './p2m.js';
export * from './codec.js';
export * from './ops.js';
export * from './backend.js';
export * from './limits.js';
export * from './ioreq-page.js';
