/** The error a xenstore operation ends with: one of xs_wire.h's error names, sent as an XS_ERROR reply. */
import { XSD_ERRORS } from '@xenmem/abi-types';

/** An error name a XS_ERROR reply can carry (xs_wire.h's xsd_errors, the schema's XSD_ERRORS). */
export type XsdErrorName = (typeof XSD_ERRORS)[number]['errno'];

/** A xenstore request's failure: the error name xenstored answers with, the operation, and what was wrong. */
export class XsError extends Error {
  /** An error named `code` from operation `op`, with `detail` saying what was wrong. */
  constructor(
    /** The error name sent in the XS_ERROR reply, e.g. "ENOENT". */
    readonly code: XsdErrorName,
    /** The operation, e.g. "read". */
    readonly op: string,
    detail: string,
  ) {
    super(`${op}: ${code}: ${detail}`);
    this.name = 'XsError';
  }
}
