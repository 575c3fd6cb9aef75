/** Return codes as Xen gives them: 0 or −errno, from the generated errno table. */
import { ERRNO, type ErrnoName } from '@xenmem/abi-types';

export function fail(code: ErrnoName): number {
  return -ERRNO[code].value;
}

export const OK = 0;
