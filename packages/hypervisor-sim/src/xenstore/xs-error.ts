/** The error a xenstore operation ends with: one of xs_wire.h's error names, sent as an XS_ERROR reply. */
import { XSD_ERRORS } from '@xenmem/abi-types';

export type XsdErrorName = (typeof XSD_ERRORS)[number]['errno'];

export class XsError extends Error {
  constructor(
    readonly code: XsdErrorName,
    readonly op: string,
    detail: string,
  ) {
    super(`${op}: ${code}: ${detail}`);
    this.name = 'XsError';
  }
}
