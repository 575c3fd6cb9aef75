/** The error a xenstore operation ends with: one of xs_wire.h's error names, sent as an XS_ERROR reply. */
import { XSD_ERROR_NAMES } from './constants.js';

export type XsdErrorName = (typeof XSD_ERROR_NAMES)[number];

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
