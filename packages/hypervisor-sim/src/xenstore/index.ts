export { Xenstore, type XsConnection } from './xenstore.js';
export { XsTree, type XsNode } from './tree.js';
export { serveXenstore, type XenstoreServer } from './server.js';
export { XsError, type XsdErrorName } from './xs-error.js';
export { encodeMessage, decodeHeader, XsReader, XS_HEADER_BYTES, type XsMessage } from './wire.js';
export type { XsPerm } from './perms.js';
