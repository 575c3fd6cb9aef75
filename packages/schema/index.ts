export type * from './types.js';
export * from './model.js';
export * from './validate.js';
export * from './evolution/index.js';
