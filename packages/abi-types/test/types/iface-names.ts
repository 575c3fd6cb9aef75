// Compile-time proof that hvmmem names follow the interface version (checked by test/types.test.ts).
// Each @ts-expect-error line must fail to compile; if it compiled, tsc would report the unused directive.
import { IFACE_4_22, IFACE_4_6, IFACE_4_7, IFACE_4_9, IFACE_UNDEFINED, hvmmemType, type HvmmemNameAt } from '../../src/index.js';

hvmmemType('mmio_write_dm', IFACE_4_6);
hvmmemType('mmio_write_dm', IFACE_UNDEFINED);
hvmmemType('mmio_write_dm', 0x00040600);
hvmmemType('mmio_write_dm', '4.6');
hvmmemType('ioreq_server', IFACE_4_6);
hvmmemType('unused', IFACE_4_7);
hvmmemType('ioreq_server', '4.22');

// @ts-expect-error mmio_write_dm is hidden from 0x00040700 (Xen 4.7 headers)
hvmmemType('mmio_write_dm', IFACE_4_7);
// @ts-expect-error also by release name
hvmmemType('mmio_write_dm', '4.9');
// @ts-expect-error also at the newest interface version
hvmmemType('mmio_write_dm', IFACE_4_22);
// @ts-expect-error unused does not exist before 0x00040700
hvmmemType('unused', IFACE_4_6);
// @ts-expect-error not a memory type at any version
hvmmemType('ram_wo', IFACE_4_9);

// A version TypeScript cannot see through allows every name; the run-time check decides.
declare const someVersion: number;
hvmmemType('mmio_write_dm', someVersion);

const at47: HvmmemNameAt<0x00040700> = 'unused';
// @ts-expect-error
const wrong: HvmmemNameAt<0x00040700> = 'mmio_write_dm';
void at47;
void wrong;
