/** The daemon's wire protocol: framing, frame kinds and payload codecs (docs/protocol.md). */
export * from './definitions.js';
export * from './frame.js';
export * from './payloads.js';
export * from './control.js';
export * from './doorbell.js';
export * from './bytes.js';
