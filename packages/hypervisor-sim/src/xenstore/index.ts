/** The daemon's xenstore (docs/protocol.md "Xenstore socket"): what the package exports of it, the wire codec and its error. */
export { XsError, type XsdErrorName } from './xs-error.js';
export type { XsPerm } from './perms.js';
export { encodeMessage, XsReader, XS_HEADER_BYTES, type XsMessage } from './wire.js';
